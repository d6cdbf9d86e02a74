"""Application processes for tests: uvicorn serving opencpts.asgi on free ports (opencpts/testing/servers.py),
on the test database (transactional tests: the data is committed, so other processes see it; the test
settings, for their password hasher) and, when asked, a Redis channel layer shared by all of them."""

import os
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

from opencpts.testing import servers

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/13")


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def redis_available(url: str = REDIS_TEST_URL) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def app_env(redis_url: str | None, **extra: str) -> dict:
    """The environment of an application process on the test database (``extra``: more variables)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opencpts.settings_test",
        "OPENCPTS_DEV": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHANNEL_PREFIX": f"test{uuid.uuid4().hex[:8]}",
        **extra,
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@contextmanager
def app_servers(count: int, redis_url: str | None):
    with servers.app_servers(count, app_env(redis_url)) as addresses:
        yield addresses
