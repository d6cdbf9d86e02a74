"""Shared fixtures: the official communes loaded once per test database, and a standing cast of users
per role (as in Healthchecks' hc/test.py)."""

import os

os.environ.setdefault("OPENCPTS_DEV", "1")
os.environ.setdefault("MAP_TILE_URL", "")

import pytest  # noqa: E402
from django.core.management import call_command  # noqa: E402


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)
        from territory import loader

        if not loader.is_loaded():
            loader.load()


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

    for module in ("aci.migrations.0002_load_tier_grids", "nomenclature.migrations.0002_load_concepts"):
        importlib.import_module(module).load(apps, None)


@pytest.fixture
def communes_loaded(django_db_blocker):
    """For transactional tests (live server, threads): the flush between tests empties the communes and
    the reference data of data migrations; this puts them back when needed."""
    from territory import loader

    with django_db_blocker.unblock():
        if not loader.is_loaded():
            loader.load()
        reload_reference_data()
