"""The garbage collector of an application process (opencpts/gctuning.py): its thresholds from
``GC_THRESHOLDS``, bad values refused at start-up, and what the ASGI entry point sets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from opencpts.gctuning import DEFAULT, thresholds

ROOT = Path(__file__).resolve().parent.parent


def test_the_setting_gives_three_thresholds_or_cpythons_own():
    assert thresholds("20000,50,100") == (20000, 50, 100)
    assert thresholds(" 5000 , 10 , 10 ") == (5000, 10, 10)
    assert thresholds("default") is None


@pytest.mark.parametrize("bad", ["", "700,10", "1,2,3,4", "0,10,10", "-1,10,10", "a,b,c", "1.5,10,10"])
def test_a_bad_setting_is_refused_with_the_reason(bad):
    with pytest.raises(ValueError, match="GC_THRESHOLDS"):
        thresholds(bad)


def _after_loading(extra_env: dict) -> str:
    """gc's thresholds and frozen count in a process that loaded the ASGI application."""
    env = {**os.environ, "OPENCPTS_DEV": "1", "DJANGO_SETTINGS_MODULE": "opencpts.settings", **extra_env}
    env.pop("DATABASE_URL", None)
    code = "import gc, opencpts.asgi; print(gc.get_threshold(), gc.get_freeze_count() > 10000)"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.once
def test_the_application_process_freezes_what_it_loaded_and_sets_the_thresholds():
    assert _after_loading({}) == f"{DEFAULT} True"
    assert _after_loading({"GC_THRESHOLDS": "default"}) == "(700, 10, 10) True"
