"""Test settings: the development defaults plus speed-only overrides."""

import os

os.environ.setdefault("OPENCPTS_DEV", "1")
os.environ.setdefault("MAP_TILE_URL", "")

from opencpts.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses scrypt

# SQLite: a test database in a file, not Django's shared-cache in-memory default. With shared cache, a
# writer blocked by another connection fails at once ("database table is locked") instead of waiting
# for the busy timeout, so concurrency tests (threads, each with its own connection) could not behave
# as the embedded production database (a WAL file) does.
_db = DATABASES["default"]  # noqa: F405
if _db["ENGINE"] == "opencpts.sqlite_pool" and not _db["TEST"].get("NAME"):
    import tempfile

    _db["TEST"]["NAME"] = os.path.join(tempfile.gettempdir(), f"opencpts-test-{os.getpid()}.sqlite3")

# The test runner creates and drops its own databases: plain connections there (the pool is exercised by
# bench/ and by production settings).
_db.get("OPTIONS", {}).pop("pool", None)
_db["POOL_SIZE"] = 0  # SQLite: no reuse of connections (tested on its own in tests/test_sqlite_pool.py)

# Audit checkpoints: never the development file in var/ (its chains are not the test database's). Tests that
# write checkpoints point this to their own temporary file.
import tempfile  # noqa: E402

OPENCPTS_AUDIT_CHECKPOINT_FILE = os.path.join(
    tempfile.gettempdir(), f"opencpts-test-audit-checkpoints-{os.getpid()}.jsonl"
)

# Jobs run inline in the test suite (after the commit, as on SQLite) unless a test chooses the engine
# (jobs/tests/test_engine_postgres.py): the tests of the other apps see their e-mails and pushes at once.
OPENCPTS_JOBS_ENGINE = os.environ.get("OPENCPTS_JOBS_ENGINE", "inline")
