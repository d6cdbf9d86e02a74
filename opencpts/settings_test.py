"""Test settings: the development defaults plus speed-only overrides."""

import os

os.environ.setdefault("OPENCPTS_DEV", "1")
os.environ.setdefault("MAP_TILE_URL", "")

from opencpts.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses scrypt
