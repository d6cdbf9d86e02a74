"""opencpts/progress.py: one bar per step, moved to the count done, every bar closed when the load fails."""

import io

import pytest

from opencpts.progress import step_bars


def test_one_bar_per_step_each_at_its_count():
    stream = io.StringIO()
    with step_bars(stream) as progress:
        progress("communes", 10, 100)
        progress("communes", 100, 100)
        progress("epci", 3, 7)
    text = stream.getvalue()
    assert "communes: 100%" in text and "100/100" in text
    assert "epci:" in text and "3/7" in text


def test_the_bars_are_closed_when_the_load_fails():
    stream = io.StringIO()
    with pytest.raises(RuntimeError), step_bars(stream) as progress:
        progress("iris", 5, 10)
        raise RuntimeError("paquet absent")
    assert "iris:" in stream.getvalue() and "5/10" in stream.getvalue()
