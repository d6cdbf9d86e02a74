"""Shared fixtures: the official communes loaded once per test database, and a standing cast of users
per role (as in Healthchecks' hc/test.py)."""

import hashlib
import os

os.environ.setdefault("OPENCPTS_DEV", "1")
os.environ.setdefault("MAP_TILE_URL", "")

import pytest  # noqa: E402
from django.core.management import call_command  # noqa: E402

# Reference data that no test changes: the official geography (tens of thousands of rows), the NOS codes and
# the ACI grids loaded by data migrations. A transactional test (browser, threads) ends with a flush of every
# table; these are kept, so that the next one does not reload them (several seconds each time).
REFERENCE_APPS_KEPT_ON_FLUSH = ("territory", "nomenclature")
REFERENCE_MODELS_KEPT_ON_FLUSH = (
    "aci.TierGrid",
    "aci.SizeTier",
    "aci.GridMission",
    "aci.GridAmount",
    "diagnostic.AgeStructure",
)


def _kept_tables() -> set[str]:
    from django.apps import apps

    models = [m for app in REFERENCE_APPS_KEPT_ON_FLUSH for m in apps.get_app_config(app).get_models()]
    models += [apps.get_model(label) for label in REFERENCE_MODELS_KEPT_ON_FLUSH]
    return {m._meta.db_table for m in models}


def _keep_reference_tables_on_flush() -> None:
    from django.core.management.commands import flush
    from django.core.management.sql import sql_flush

    if getattr(flush.sql_flush, "keeps_reference_tables", False):
        return
    kept = _kept_tables()

    def sql_flush_keeping_reference(style, connection, reset_sequences=True, allow_cascade=False):
        tables = [
            t
            for t in connection.introspection.django_table_names(only_existing=True, include_views=False)
            if t not in kept
        ]
        statements = connection.ops.sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if connection.vendor == "postgresql" and statements:
            # The audit tables refuse TRUNCATE (audit/migrations/0004) unless this is set for the transaction.
            statements = ["SET LOCAL opencpts.allow_audit_truncate = 'on'", *statements]
        return statements

    sql_flush_keeping_reference.keeps_reference_tables = True
    flush.sql_flush = sql_flush_keeping_reference
    assert sql_flush  # the original, imported to fail loudly if Django moves it


def pytest_collection_modifyitems(config, items):
    """`postgres_only` tests are skipped on SQLite with their reason; `once` tests are left out of the
    PostgreSQL pass by the Makefile (`-m "not once"`), as the browser walks are."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    for item in items:
        if item.get_closest_marker("postgres_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)
        from territory import loader, npm_data

        npm_data.fetch()  # the pinned npm package of the populations légales (nothing to do when in var/npm/)
        if not loader.is_loaded():
            loader.load()
        from diagnostic import ages

        if not ages.is_loaded():
            ages.load()  # the age structure of every commune (diagnostic), a few seconds
    _keep_reference_tables_on_flush()


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(tmp_path_factory, request):
    """Each test writes and reads the audit checkpoints of its own file (never existing at its start): a
    checkpoint written by one test must not attest entries to the next one run by the same process (its
    chains start again from an empty database); the order of the tests in a process changes with -n."""
    from django.conf import settings

    folder = tmp_path_factory.getbasetemp() / "audit-checkpoints"
    folder.mkdir(exist_ok=True)
    before = settings.OPENCPTS_AUDIT_CHECKPOINT_FILE
    name = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20]
    settings.OPENCPTS_AUDIT_CHECKPOINT_FILE = str(folder / f"{name}.jsonl")
    yield
    settings.OPENCPTS_AUDIT_CHECKPOINT_FILE = before


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    yield
    try:
        cache.clear()
    except Exception:  # noqa: BLE001, S110 - the cache table may not exist in a test without database
        pass


@pytest.fixture
def cast(db):
    from tests.cast import make_cast

    return make_cast()


def reload_reference_data():
    """Data migrations' reference rows (ACI grids, NOS codes): a transactional test's flush removes them."""
    import importlib

    from django.apps import apps

    from aci.models import GridAmount

    for module in ("aci.migrations.0002_load_tier_grids", "nomenclature.migrations.0002_load_concepts"):
        importlib.import_module(module).load(apps, None)
    importlib.import_module("aci.migrations.0007_tier_boundaries_from_seed_wording").load(apps, None)
    if not GridAmount.objects.exists():
        importlib.import_module("aci.migrations.0004_load_mission_amounts").load(apps, None)


@pytest.fixture
def communes_loaded(django_db_blocker):
    """For transactional tests (live server, threads): the flush between tests empties the communes and
    the reference data of data migrations; this puts them back when needed."""
    from territory import loader

    with django_db_blocker.unblock():
        if not loader.is_loaded():
            loader.load()
        from diagnostic import ages

        if not ages.is_loaded():
            ages.load()
        reload_reference_data()
