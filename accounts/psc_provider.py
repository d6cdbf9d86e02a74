"""A local OpenID Connect provider standing in for Pro Santé Connect, for the tests and the demo only.

The certified npm package ``oidc-provider`` 9.13.3 (MIT, Filip Skokan) run by node: ``scripts/psc_provider/``
holds the program (``provider.mjs``) and its pinned dependency tree (``package.json`` and
``package-lock.json``, whose ``integrity`` hashes npm checks). ``fetch()`` (``make psc-provider``,
``python -m accounts.psc_provider``) installs it with ``npm ci`` into ``var/npm/oidc-provider-9.13.3/`` after
checking that the lockfile pins the registry's published archive of ``oidc-provider``; nothing is fetched
while it runs. ``start()`` runs it on 127.0.0.1 with the given client and test identities and returns once it
answers. Used by ``accounts/tests/test_psc_flow.py`` and ``scripts/psc_dev_provider.py``; never served.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

NAME = "oidc-provider"
VERSION = "9.13.3"
# ``dist.integrity`` of the registry's record for this version (sha512 of the archive, base64).
INTEGRITY = "sha512-WmNDX9dLeItBmIqGqspmX5u6Cc7VVMrKUw2InX2T16+bwUJ8m/N5rJ3Ed+YKxE5aZqLp4YqwEi6kMJx4Ui5ffw=="
SOURCE = Path(__file__).resolve().parent.parent / "scripts" / "psc_provider"
FILES = ("package.json", "package-lock.json", "provider.mjs")


class ProviderMissing(RuntimeError):
    """node, npm or the pinned package cannot be had (message in French)."""


def install_dir() -> Path:
    folder = os.environ.get("OPENCPTS_NPM_DIR")
    base = (
        Path(folder)
        if folder
        else Path(os.environ.get("OPENCPTS_VAR_DIR") or SOURCE.parent.parent / "var") / "npm"
    )
    return base / f"{NAME}-{VERSION}"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((SOURCE / name).read_bytes())
    return digest.hexdigest()


def _check_lockfile() -> None:
    lock = json.loads((SOURCE / "package-lock.json").read_text(encoding="utf-8"))
    entry = lock["packages"].get(f"node_modules/{NAME}", {})
    if entry.get("version") != VERSION or entry.get("integrity") != INTEGRITY:
        raise ProviderMissing(f"package-lock.json n'épingle pas {NAME} {VERSION} avec son empreinte publiée.")


def fetch() -> Path:
    """Install the pinned tree with ``npm ci`` unless this very version of the files is already installed."""
    target = install_dir()
    marker = target / ".installed"
    if marker.is_file() and marker.read_text().strip() == _fingerprint():
        return target
    _check_lockfile()
    npm = shutil.which("npm")
    if npm is None:
        raise ProviderMissing(
            "npm est introuvable : installez Node.js et npm (Debian : apt-get install nodejs npm)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        for name in FILES:
            shutil.copy(SOURCE / name, Path(tmp) / name)
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"]
        subprocess.run(command, cwd=tmp, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        (Path(tmp) / ".installed").write_text(_fingerprint())
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        Path(tmp).mkdir()  # the context manager removes it again
    return target


@dataclass
class Provider:
    """A running provider: its issuer (``http://127.0.0.1:PORT``) and endpoints, and how to stop it."""

    issuer: str
    process: subprocess.Popen
    config_file: Path

    def endpoint(self, path: str) -> str:
        return self.issuer + path

    def settings(self) -> dict[str, str]:
        """The environment variables pointing OpenCPTS at this provider (docs/OPERATIONS.md)."""
        return {
            "PSC_ISSUER": self.issuer,
            "PSC_AUTHORIZATION_ENDPOINT": self.endpoint("/auth"),
            "PSC_TOKEN_ENDPOINT": self.endpoint("/token"),
            "PSC_USERINFO_ENDPOINT": self.endpoint("/me"),
            "PSC_JWKS_ENDPOINT": self.endpoint("/jwks"),
            "PSC_LOGOUT_ENDPOINT": self.endpoint("/session/end"),
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.config_file.unlink(missing_ok=True)


def start(
    port: int,
    client_id: str,
    client_secret: str,
    app_url: str,
    accounts: dict[str, dict],
    *,
    quiet: bool = True,
) -> Provider:
    """Run the provider on 127.0.0.1:``port`` for one client whose pages are at ``app_url`` (callback and
    logout return registered there), with ``accounts``: login → claims (``SubjectNameID``, ``given_name``,
    ``family_name``, ``acr``, optional ``tamper``). Returns once its discovery document answers."""
    node = shutil.which("node")
    if node is None:
        raise ProviderMissing("node est introuvable : installez Node.js (Debian : apt-get install nodejs).")
    folder = fetch()
    app_url = app_url.rstrip("/")
    config = {
        "port": port,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uris": [f"{app_url}/connexion/psc/retour/"],
        "post_logout_redirect_uris": [f"{app_url}/connexion/"],
        "accounts": accounts,
    }
    handle, name = tempfile.mkstemp(prefix="psc-provider-", suffix=".json")
    with os.fdopen(handle, "w") as fh:
        json.dump(config, fh)
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(  # noqa: S603
        [node, str(folder / "provider.mjs"), name], cwd=folder, stdout=output, stderr=output
    )
    provider = Provider(f"http://127.0.0.1:{port}", process, Path(name))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            provider.stop()
            raise ProviderMissing(f"Le fournisseur local s'est arrêté (code {process.returncode}).")
        try:
            with urllib.request.urlopen(provider.endpoint("/.well-known/openid-configuration"), timeout=1):  # noqa: S310
                return provider
        except OSError:
            time.sleep(0.1)
    provider.stop()
    raise ProviderMissing("Le fournisseur local ne répond pas après 15 secondes.")


if __name__ == "__main__":
    try:
        print(fetch())
    except ProviderMissing as exc:
        sys.exit(str(exc))
    except subprocess.CalledProcessError as exc:
        sys.exit(
            f"« npm ci » du fournisseur local a échoué (code {exc.returncode}) : "
            "vérifiez l'accès au registre npm."
        )
