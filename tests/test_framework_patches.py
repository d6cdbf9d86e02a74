"""Canaries for the framework patches the project owns (issue 15, point 7; docs/benchmarks.md, "Framework
patches"): each patch overrides or relies on private code of Django or channels. When an upgrade changes that
code, these tests fail and say what to re-check; then re-run ``bench/patches.py`` to see whether the patch
still buys what it did, and either update it and the recorded fingerprint here, or remove it.

Fingerprints are the first 16 hex digits of the SHA-256 of ``inspect.getsource`` of the function relied on.
"""

import hashlib
import importlib
import inspect

import channels
import django
import pytest
from asgiref.sync import ThreadSensitiveContext

ASGI = (
    "opencpts/asgi_handler.py (SyncChainASGIHandler: whole sync chain in one thread move, pooled executors)"
)
POOL = "opencpts/sqlite_pool (connections kept per process; checkout and return of a raw connection)"
DISPATCH = "realtime/consumers.py RealtimeConsumer.dispatch (channels' dispatch minus close_old_connections)"
FLUSH = (
    "conftest.py _keep_reference_tables_on_flush (flush keeps reference tables; SET LOCAL for audit TRUNCATE)"
)

RELIED_ON = {
    # What SyncChainASGIHandler copies (the scope check of __call__) or wraps (handle,
    # load_middleware(is_async)).
    "django.core.handlers.asgi:ASGIHandler.__call__": ("f756809e9c9308dc", ASGI),
    "django.core.handlers.asgi:ASGIHandler.handle": ("98faeb5bef800331", ASGI),
    "django.core.handlers.base:BaseHandler.load_middleware": ("a1fb7ee5f8586195", ASGI),
    # What the pool overrides (get_new_connection, _close) and the wrapper's life cycle around them: connect()
    # re-applies autocommit and the connection state on checkout, close() calls _close().
    "django.db.backends.sqlite3.base:DatabaseWrapper.get_new_connection": ("99ddcd0012130edd", POOL),
    "django.db.backends.sqlite3.base:DatabaseWrapper._close": ("d1a3f0e9a11cd084", POOL),
    "django.db.backends.sqlite3.base:DatabaseWrapper.is_in_memory_db": ("170ee74d791fa555", POOL),
    "django.db.backends.base.base:BaseDatabaseWrapper.connect": ("65ad70c3f9c2250f", POOL),
    "django.db.backends.base.base:BaseDatabaseWrapper.close": ("273787740ca06a59", POOL),
    # What RealtimeConsumer.dispatch replaces, and what makes dropping its close_old_connections safe.
    "channels.consumer:AsyncConsumer.dispatch": ("39f34e7d4fb0f655", DISPATCH),
    "channels.db:DatabaseSyncToAsync.thread_handler": ("00f86b58c522f98e", DISPATCH),
    # The flush command reads the module-level name sql_flush (the one replaced); transactional tests call it.
    "django.core.management.commands.flush:Command.handle": ("48df92aa04334d82", FLUSH),
    "django.test.testcases:TransactionTestCase._fixture_teardown": ("c274615fd69186e1", FLUSH),
}


def _resolve(target: str):
    module, qualname = target.split(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def fingerprint(target: str) -> str:
    return hashlib.sha256(inspect.getsource(_resolve(target)).encode()).hexdigest()[:16]


@pytest.mark.parametrize("target", sorted(RELIED_ON))
def test_the_framework_code_a_patch_relies_on_is_unchanged(target):
    expected, patch = RELIED_ON[target]
    assert fingerprint(target) == expected, (
        f"{target} changed (Django {django.get_version()}, channels {channels.__version__}): "
        f"re-check {patch} against the new code, re-run bench/patches.py, then update the fingerprint "
        "in this file."
    )


def test_versions_the_patches_were_measured_on():
    assert django.VERSION[:2] == (5, 2), f"Django {django.get_version()}: re-check {ASGI}, {POOL} and {FLUSH}"
    assert channels.__version__.split(".")[0] == "4", f"channels {channels.__version__}: re-check {DISPATCH}"


def test_thread_sensitive_context_takes_an_executor():
    """SyncChainASGIHandler hands each request a pooled one-thread executor through asgiref."""
    assert "executor" in inspect.signature(ThreadSensitiveContext).parameters, (
        f"asgiref changed: re-check {ASGI}"
    )


def test_channels_dispatch_still_closes_old_connections_and_ours_does_not(monkeypatch):
    """The override exists to skip this per-message hop; if channels stops doing it, remove the override."""
    import asyncio

    from channels import consumer as channels_consumer

    from realtime.consumers import RealtimeConsumer

    calls = []

    async def counting():
        calls.append(1)

    monkeypatch.setattr(channels_consumer, "aclose_old_connections", counting)

    class Probe(RealtimeConsumer):
        async def probe_event(self, message):
            return None

    class Stock(Probe):
        dispatch = channels_consumer.AsyncConsumer.dispatch

    asyncio.run(Stock().dispatch({"type": "probe.event"}))
    assert calls == [1], f"channels' dispatch no longer closes old connections: remove {DISPATCH}"
    asyncio.run(Probe().dispatch({"type": "probe.event"}))
    assert calls == [1]
    with pytest.raises(ValueError, match="No handler"):
        asyncio.run(Probe().dispatch({"type": "missing.handler"}))


def test_database_sync_to_async_closes_old_connections_around_each_call(monkeypatch):
    """What makes skipping the dispatch's close safe: every database read of the consumer goes through it."""
    import asyncio

    from channels import db

    calls = []
    monkeypatch.setattr(db, "close_old_connections", lambda: calls.append(1))
    asyncio.run(db.database_sync_to_async(lambda: None)())
    assert calls == [1, 1], f"channels' database_sync_to_async changed: re-check {DISPATCH}"


@pytest.mark.django_db
def test_the_flush_patch_keeps_reference_tables_and_allows_the_audit_truncate():
    """conftest.py replaces the flush command's sql_flush (installed by the session's django_db_setup)."""
    from django.core.management.color import no_style
    from django.core.management.commands import flush
    from django.db import connection

    import conftest

    assert getattr(flush.sql_flush, "keeps_reference_tables", False), f"not installed: {FLUSH}"
    statements = flush.sql_flush(no_style(), connection, reset_sequences=False, allow_cascade=False)
    text = "\n".join(statements)
    for table in conftest._kept_tables():
        assert f'"{table}"' not in text, table
    assert '"audit_' in text
    if connection.vendor == "postgresql":
        assert statements[0] == "SET LOCAL opencpts.allow_audit_truncate = 'on'"
