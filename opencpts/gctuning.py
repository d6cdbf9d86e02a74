"""The garbage collector of an application process (opencpts/asgi.py), tuned for its long-lived objects.

An application process holds thousands of WebSocket connections (consumers, protocols, queues, tasks): with
CPython's default thresholds (700, 10, 10) a full collection came every few seconds under load and walked
every one of those objects, stopping the process 500 to 930 ms each time (measured with 5,000 connections a
process in bench/messaging.py): every request and frame of the process waited, the whole of the latency tail.

- What the process imported at start-up (Django, the apps, their modules: hundreds of thousands of objects
  that live as long as it) is moved out of the collector's walks (``gc.freeze``);
- the young generation is collected every 20,000 allocations instead of 700, so that a request's objects are
  mostly gone before a collection and do not age into the old generations, and the old generations are
  collected more rarely (``GC_THRESHOLDS``, default ``20000,50,100``). Reference cycles are still collected;
  the process's memory is reported by bench/messaging.py.
"""

import gc

from opencpts.env import env_str

DEFAULT = (20000, 50, 100)


def thresholds(raw: str) -> tuple[int, int, int] | None:
    """``GC_THRESHOLDS``: three positive integers (``20000,50,100``), or ``default`` for CPython's own
    (None). Anything else is refused at start-up with the reason."""
    raw = raw.strip()
    if raw == "default":
        return None
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(
            f"GC_THRESHOLDS={raw!r}: three positive integers separated by commas (e.g. 20000,50,100), "
            "or 'default'."
        )
    return int(parts[0]), int(parts[1]), int(parts[2])


def tune_after_startup() -> None:
    """Called once the application is loaded, before it serves anything."""
    chosen = thresholds(env_str("GC_THRESHOLDS", ",".join(map(str, DEFAULT))))
    gc.collect()
    gc.freeze()
    if chosen is not None:
        gc.set_threshold(*chosen)
