#!/usr/bin/env python
"""Framework patches benchmark (issue 15, point 7): what each patch of Django or channels owned by the project
buys, measured with and without it in the same run, on the same machine, on the embedded SQLite default.

- ``asgi``: ``opencpts.asgi_handler.SyncChainASGIHandler`` against Django's stock ``ASGIHandler``: requests
  served in-process through the whole middleware chain, 2 in flight at a time (as 2 keep-alive clients), the
  two handlers alternating by rounds; the view reads one row (``auth_user``).
- ``pool``: the same requests through the project's handler with ``opencpts.sqlite_pool`` keeping connections
  (``POOL_SIZE`` 10, the default) and with ``POOL_SIZE`` 0 (Django's plain SQLite backend: one connection
  opened per request thread).
- ``dispatch``: channel-layer messages dispatched to 100 ``realtime.consumers.RealtimeConsumer`` instances
  with the project's ``dispatch`` and with channels' own (a ``close_old_connections`` in a worker thread
  before each message); sending is a no-op, so the figure is the consumer's own cost per message.
- ``flush``: the end of a transactional test (``flush``): the test flush patch (conftest.py, reference tables
  kept) against Django's flush of every table followed by the reload the next test then needs (communes,
  NOS codes, ACI grids: ``conftest.reload_reference_data`` and ``territory.loader.load``).

    .venv/bin/python bench/patches.py                  # all four, about 1–2 minutes after the first migrate
    .venv/bin/python bench/patches.py --only asgi,pool --requests 4000

The database is ``var/bench/patches.sqlite3`` (migrated on first use, about 30 s; communes loaded for
``flush``). Prints the figures; docs/benchmarks.md ("Framework patches") keeps the measured ones.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import math
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = ROOT / "var" / "bench" / "patches.sqlite3"
ROUNDS = 4


def percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(math.ceil(q * len(values))) - 1)]  # noqa: E731
    return pick(0.50), pick(0.95)


def setup() -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{DB}", "OPENCPTS_DEV": "1", "MAP_TILE_URL": ""}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "opencpts.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def one_row(request):
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse

    get_user_model().objects.filter(pk=1).exists()
    return HttpResponse(b"ok")


def _urlpatterns():
    from django.urls import path

    return [path("row", one_row)]


def __getattr__(name):  # urlpatterns built lazily, after django.setup()
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# ----------------------------------------------------------------------------- HTTP through uvicorn


def make_app():
    """uvicorn factory (``--app-dir bench patches:make_app``): the handler named by BENCH_HANDLER."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "opencpts.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup(set_prefix=False)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.ROOT_URLCONF = __name__
    if os.environ["BENCH_HANDLER"] == "stock":
        from django.core.handlers.asgi import ASGIHandler

        return ASGIHandler()
    from opencpts.asgi_handler import SyncChainASGIHandler

    return SyncChainASGIHandler()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(handler: str, pool: bool) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "BENCH_HANDLER": handler, "DB_POOL": "1" if pool else "0", "LOG_LEVEL": "WARNING"}
    uvicorn = str(Path(sys.executable).parent / "uvicorn")
    args = ["--app-dir", str(ROOT / "bench"), "--factory", "patches:make_app", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen([uvicorn, *args], cwd=ROOT, env=env)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"uvicorn did not start on port {port}")


def serve(port: int, count: int, clients: int = 2) -> tuple[list[float], float]:
    """``count`` GET /row over ``clients`` keep-alive connections; returns (latencies, wall time)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = []
        for _ in range(n):
            t0 = time.perf_counter()
            conn.request("GET", "/row", headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            local.append(time.perf_counter() - t0)
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status}")
        conn.close()
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(count // clients,)) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - t0


def bench_http(chosen: set[str], count: int) -> None:
    """One uvicorn process per variant, all started at once; rounds alternate the variants (a shared machine
    drifts), 2 clients each time."""
    variants = {"with both patches (project's handler, pooled SQLite)": ("project", True)}
    if "asgi" in chosen:
        variants["without the ASGI handler (Django's ASGIHandler)"] = ("stock", True)
    if "pool" in chosen:
        variants["without the SQLite pool (POOL_SIZE 0)"] = ("project", False)
    servers = {name: start_server(*spec) for name, spec in variants.items()}
    try:
        results = {name: ([], 0.0) for name in variants}
        for _, port in servers.values():
            serve(port, 200)  # warm-up
        for _ in range(ROUNDS):
            for name, (_, port) in servers.items():
                lat, wall = serve(port, count // ROUNDS)
                results[name] = (results[name][0] + lat, results[name][1] + wall)
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(10)
    print(f"\n== HTTP: {count} GET per variant over 2 keep-alive connections, one uvicorn process each ==")
    for name, (lat, wall) in results.items():
        p50, p95 = percentiles(lat)
        print(
            f"    {name:52} {len(lat) / wall:6.0f} req/s"
            f"   p50 {p50 * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms"
        )


# ----------------------------------------------------------------------------- WebSocket consumer dispatch


def bench_dispatch(messages: int) -> None:
    from channels.consumer import AsyncConsumer

    from realtime.consumers import RealtimeConsumer

    class StockDispatch(RealtimeConsumer):
        dispatch = AsyncConsumer.dispatch

    async def nothing(message):
        return None

    def consumers(cls, count=100):
        out = []
        for user_id in range(count):
            c = cls()
            c.user_id, c.allowed, c.news = user_id, {1}, set()
            c.base_send = nothing
            out.append(c)
        return out

    message = {"type": "group.event", "group": 1, "audience": set(range(100)), "text": '{"type":"group"}'}

    async def run(cls) -> float:
        group = consumers(cls)
        t0 = time.perf_counter()
        for _ in range(messages // len(group)):
            await asyncio.gather(*(c.dispatch(message) for c in group))
        return time.perf_counter() - t0

    print(f"\n== dispatch: {messages} messages per variant, to 100 consumers (one event = 100 messages) ==")
    walls = {"with the patch (RealtimeConsumer.dispatch)": 0.0, "without (channels' dispatch)": 0.0}
    classes = dict(zip(walls, (RealtimeConsumer, StockDispatch), strict=True))
    for cls in classes.values():  # warm-up
        asyncio.run(run(cls))
    for _ in range(ROUNDS):
        for name, cls in classes.items():
            walls[name] += asyncio.run(run(cls))
    for name, wall in walls.items():
        total = messages * ROUNDS
        print(f"    {name:44} {total / wall:10.0f} messages/s   {wall / total * 1e6:7.1f} µs per message")


# ----------------------------------------------------------------------------- test flush


def bench_flush() -> None:
    from django.core.management import call_command
    from django.core.management.commands import flush

    import conftest
    from territory import loader, npm_data

    npm_data.fetch()
    if not loader.is_loaded():
        loader.load()
    conftest.reload_reference_data()
    stock = flush.sql_flush
    print("\n== flush: the end of one transactional test, then what the next one needs ==")
    figures = {}
    for patched, name in (
        (True, "with the patch (reference tables kept)"),
        (False, "without (Django's flush)"),
    ):
        t0 = time.perf_counter()
        if patched:
            conftest._keep_reference_tables_on_flush()
            call_command("flush", interactive=False, verbosity=0)
            flush.sql_flush = stock
            assert loader.is_loaded()
            t1 = t2 = time.perf_counter()
        else:
            call_command("flush", interactive=False, verbosity=0)
            t1 = time.perf_counter()
            loader.load()
            conftest.reload_reference_data()
            t2 = time.perf_counter()
        figures[name] = (t1 - t0, t2 - t1)
    for name, (flush_s, reload_s) in figures.items():
        print(
            f"    {name:44} flush {flush_s:6.2f} s   reload {reload_s:6.2f} s"
            f"   total {flush_s + reload_s:6.2f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", default="asgi,pool,dispatch,flush", help="comma-separated: asgi,pool,dispatch,flush"
    )
    parser.add_argument("--requests", type=int, default=2000, help="HTTP requests per variant (asgi, pool)")
    parser.add_argument("--messages", type=int, default=5000, help="consumer messages per variant and round")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    setup()
    import django

    print(
        f"Django {django.get_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores,"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    if chosen & {"asgi", "pool"}:
        bench_http(chosen, args.requests)
    if "dispatch" in chosen:
        bench_dispatch(args.messages)
    if "flush" in chosen:
        bench_flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
