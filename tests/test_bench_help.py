"""A newcomer learns from ``bench/matching.py --help`` that ``--lp`` needs the development requirements."""

import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def test_matching_bench_help_says_lp_needs_the_dev_requirements():
    result = subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [sys.executable, "bench/matching.py", "--help"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "--lp" in text and "make install-dev" in text
    readme = " ".join((BASE_DIR / "README.md").read_text().split())
    assert "`--lp` needs SciPy, one of the development requirements: run `make install-dev`" in readme


def test_ux_bench_help_names_its_tasks_without_a_browser():
    """``bench/ux.py --help`` answers without Chromium or a demo, and names the options and the tasks."""
    result = subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [sys.executable, "bench/ux.py", "--help"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "--task" in text and "--json" in text and "390 × 844" in text
    assert "{a,b,c,d,e,f,g}" in text
