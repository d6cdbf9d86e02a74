"""Progress bars of the long management commands (one bar per step of a loader's ``progress(step, done,
total)`` callback), written to the command's error stream so that its output stays the result."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def step_bars(stream, unit: str = " lignes") -> Iterator[Callable[[str, int, int], None]]:
    """``with step_bars(self.stderr) as progress: loader.load(progress)``: a bar appears for each new step
    and moves to ``done``; every bar is closed on leaving, on an error too."""
    bars: dict[str, tqdm] = {}

    def progress(step: str, done: int, total: int) -> None:
        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = tqdm(total=total, desc=step, unit=unit, file=stream)
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        for bar in bars.values():
            bar.close()
