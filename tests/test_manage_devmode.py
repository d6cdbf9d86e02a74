"""The README's ``python manage.py …`` commands work after ``make run`` without ``OPENCPTS_DEV=1`` (the rule
of opencpts/devmode.py), and a production environment never becomes development silently."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from opencpts.devmode import assume_development

BASE_DIR = Path(__file__).resolve().parent.parent
NOT_DEV = "SECRET_KEY must be set outside development"


@pytest.fixture
def secret_key_file():
    """var/secret_key as `make run` leaves it (created for the test only if absent, then removed)."""
    path = BASE_DIR / "var" / "secret_key"
    created = not path.exists()
    if created:
        path.parent.mkdir(exist_ok=True)
        path.write_text("test-key-written-as-make-run-does-" + "x" * 30 + "\n")
    yield path
    if created:
        path.unlink()


def run_manage(*args: str, **extra: str) -> subprocess.CompletedProcess:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {k: v for k, v in os.environ.items() if k in keep} | extra  # a plain shell: no OPENCPTS_DEV
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_py_check_works_as_written_after_make_run(secret_key_file):
    result = run_manage("check")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "mode développement" in result.stderr and NOT_DEV not in result.stderr


def test_a_production_setting_or_an_explicit_zero_keeps_production_mode(secret_key_file):
    for extra in (
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/never_used"},
        {"OPENCPTS_DEV": "0"},
        {"ALLOWED_HOSTS": "cpts.example.org"},
    ):
        result = run_manage("check", **extra)
        assert result.returncode != 0 and NOT_DEV in result.stderr, (extra, result.stderr[-500:])


def test_the_rule(tmp_path):
    assert not assume_development({}, tmp_path)  # no var/secret_key: never run make run here
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("k")
    assert assume_development({}, tmp_path)
    assert assume_development({"DJANGO_SETTINGS_MODULE": "opencpts.settings"}, tmp_path)
    for environ in (
        {"OPENCPTS_DEV": "0"},
        {"OPENCPTS_DEV": ""},
        {"SECRET_KEY": "s"},
        {"REDIS_URL": "redis://r"},
        {"OPENCPTS_VAR_DIR": "/srv/var"},
        {"DJANGO_SETTINGS_MODULE": "opencpts.settings_prod"},
    ):
        assert not assume_development(environ, tmp_path), environ
