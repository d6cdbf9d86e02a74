"""The SQLite backend of the embedded default reuses connections, and only clean ones."""

import pytest
from django.db import connections
from django.db.utils import ConnectionHandler

from opencpts.sqlite_pool import base as pool


@pytest.fixture
def handler(tmp_path, django_db_blocker):
    settings = {
        "default": {
            "ENGINE": "opencpts.sqlite_pool",
            "NAME": str(tmp_path / "pool.sqlite3"),
            "POOL_SIZE": 2,
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
    handler = ConnectionHandler(settings)
    with django_db_blocker.unblock():
        yield handler
        handler.close_all()
        pool.clear_pools()


def test_a_closed_connection_is_reused(handler):
    wrapper = handler["default"]
    wrapper.ensure_connection()
    raw = wrapper.connection
    wrapper.close()
    assert wrapper.connection is None
    wrapper.ensure_connection()
    assert wrapper.connection is raw
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_an_open_transaction_is_rolled_back_before_reuse(handler):
    wrapper = handler["default"]
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x integer)")
    wrapper.set_autocommit(False)
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    assert wrapper.connection.in_transaction
    wrapper.close()
    wrapper.ensure_connection()
    assert wrapper.get_autocommit()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (0,)


def test_the_pool_is_bounded(handler):
    wrappers = [handler.create_connection("default") for _ in range(3)]
    raws = []
    for w in wrappers:
        w.ensure_connection()
        raws.append(w.connection)
    for w in wrappers:
        w.close()
    # Two kept, the third really closed.
    assert pool._pools[str(handler.settings["default"]["NAME"])].qsize() == 2


def test_off_for_memory_databases(django_db_blocker):
    handler = ConnectionHandler(
        {"default": {"ENGINE": "opencpts.sqlite_pool", "NAME": ":memory:", "POOL_SIZE": 2}}
    )
    with django_db_blocker.unblock():
        assert handler["default"]._pool() is None
    assert connections["default"].settings_dict.get("POOL_SIZE") in (
        0,
        None,
    )  # the test runner's own databases
