"""The pinned npm package holding the official communes and their populations légales, fetched at setup time.

``@etalab/decoupage-administratif`` 6.0.0 is the 2026 edition (one major version per year, see its README's
table « Millésimes et versions de package »). Its README gives as population source the INSEE page
statistiques/8680726: the populations légales of the 2023 census, in force on 1 January 2026 (décret
n° 2025-1362). Its ``data/communes.json`` carries the official name (with its article) and the population
municipale of each commune.

``make setup`` and ``make test`` run ``python -m territory.npm_data`` (``npm pack`` into ``var/npm/``, checked
against the integrity hash below); the loader then reads the JSON from the archive, offline. Nothing is
downloaded while the application runs. Kept free of Django imports so that the Makefile can run it early.
"""

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

NAME = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
# ``integrity`` of the registry's record for this version (sha512 of the archive, base64).
INTEGRITY = "sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ=="
ARCHIVE = "etalab-decoupage-administratif-6.0.0.tgz"
# The vintage of the populations in this edition (verified from the package's README, see the docstring).
CENSUS_YEAR = 2023
IN_FORCE_YEAR = 2026
LICENCE = "Licence Ouverte (données), MIT (code)"

INSTALL_HINT = (
    "npm est introuvable : installez Node.js et npm (Debian : « apt-get install nodejs npm »), "
    "puis relancez « make setup »."
)


class PackageMissing(RuntimeError):
    """The archive is absent or does not match the pinned integrity hash (message in French)."""


def var_dir() -> Path:
    """settings.VAR_DIR when Django is configured, else the same default (OPENCPTS_VAR_DIR or ./var)."""
    try:
        from django.conf import settings

        if settings.configured:
            return Path(settings.VAR_DIR)
    except ImportError:
        pass
    return Path(os.environ.get("OPENCPTS_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")


def archive_path() -> Path:
    """``OPENCPTS_NPM_DIR`` when set (e.g. benchmarks whose VAR_DIR is a scratch folder share the project's
    copy), else ``<VAR_DIR>/npm``."""
    folder = os.environ.get("OPENCPTS_NPM_DIR")
    return (Path(folder) if folder else var_dir() / "npm") / ARCHIVE


def integrity_of(path: Path) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def verify(path: Path | None = None) -> Path:
    path = path or archive_path()
    if not path.is_file():
        raise PackageMissing(
            f"Le paquet npm {NAME} {VERSION} (communes et populations légales) est absent de {path.parent} : "
            "lancez « make setup » (ou « python -m territory.npm_data »)."
        )
    if integrity_of(path) != INTEGRITY:
        raise PackageMissing(
            f"Le fichier {path} ne correspond pas à l'empreinte publiée de {NAME} {VERSION} : "
            "supprimez-le et relancez « make setup »."
        )
    return path


def fetch() -> Path:
    """``npm pack`` the pinned version into var/npm/ unless already there and intact; check its hash."""
    return fetch_pinned(NAME, VERSION, ARCHIVE, INTEGRITY)


def fetch_pinned(name: str, version: str, archive: str, integrity: str) -> Path:
    """``npm pack name@version`` into the npm folder unless ``archive`` is already there with the published
    ``integrity``; refuse an archive whose hash differs. Shared with the tests' pinned axe-core
    (tests/browser/axe_core.py)."""
    target = archive_path().parent / archive
    if target.is_file() and integrity_of(target) == integrity:
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise PackageMissing(INSTALL_HINT)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        command = [npm, "pack", "--silent", f"{name}@{version}", "--pack-destination", tmp]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        fetched = Path(tmp) / archive
        if not fetched.is_file() or integrity_of(fetched) != integrity:
            raise PackageMissing(
                f"Le paquet {name} {version} téléchargé ne correspond pas à l'empreinte attendue."
            )
        os.replace(fetched, target)
    return target


def read_json(name: str):
    """One of the package's data files (``communes``, ``epci``, ``departements``, ``regions``), parsed."""
    with tarfile.open(verify(), "r:gz") as tar:
        member = tar.extractfile(f"package/data/{name}.json")
        if member is None:
            raise PackageMissing(f"Le fichier data/{name}.json manque dans {ARCHIVE}.")
        return json.load(io.TextIOWrapper(member, encoding="utf-8"))


if __name__ == "__main__":
    try:
        print(fetch())
    except PackageMissing as exc:
        sys.exit(str(exc))
    except subprocess.CalledProcessError as exc:
        sys.exit(
            f"« npm pack {NAME}@{VERSION} » a échoué (code {exc.returncode}) : "
            "vérifiez l'accès au registre npm."
        )
