"""When ``manage.py`` falls back to development mode without ``OPENCPTS_DEV=1``.

After ``make run`` a newcomer types the README's ``python manage.py …`` commands in a plain shell, where
``OPENCPTS_DEV`` is not set (the Makefile exports it only for its own recipes). The rule, for ``manage.py``
only (never for the ASGI/WSGI servers): development mode is assumed when all of these hold:

- ``OPENCPTS_DEV`` is not set at all (``OPENCPTS_DEV=0`` keeps production mode);
- none of the production settings ``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL``, ``ALLOWED_HOSTS``,
  ``OPENCPTS_VAR_DIR`` is set (a production environment always sets ``SECRET_KEY``, so it never becomes
  development silently: without it the settings refuse to start);
- ``DJANGO_SETTINGS_MODULE`` is unset or ``opencpts.settings``;
- ``var/secret_key`` exists next to ``manage.py`` (written by ``make run`` / ``make setup``).

A line on standard error says so each time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PRODUCTION_VARIABLES = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "OPENCPTS_VAR_DIR")
NOTICE = (
    "OpenCPTS : mode développement (var/secret_key présent, aucun réglage de production) ; "
    "OPENCPTS_DEV=0 pour l'empêcher."
)


def assume_development(environ: Mapping[str, str], base_dir: Path) -> bool:
    if "OPENCPTS_DEV" in environ:
        return False
    if any(environ.get(name) for name in PRODUCTION_VARIABLES):
        return False
    if environ.get("DJANGO_SETTINGS_MODULE", "opencpts.settings") != "opencpts.settings":
        return False
    return (base_dir / "var" / "secret_key").is_file()


def apply(base_dir: Path, stderr) -> None:
    """Set ``OPENCPTS_DEV=1`` in this process when :func:`assume_development` says so."""
    if assume_development(os.environ, base_dir):
        os.environ["OPENCPTS_DEV"] = "1"
        print(NOTICE, file=stderr)
