"""axe-core, the accessibility rules engine the browser tests run in each page
(tests/browser/test_accessibility.py).

The pinned npm package ``axe-core`` 4.14.1 (licence MPL-2.0, Deque Systems) is fetched like the territory
data: ``npm pack`` into ``var/npm/``, checked against the registry's integrity hash (territory/npm_data.py
``fetch_pinned``). ``make test`` and ``.ci/run`` fetch it before the tests (``python -m
tests.browser.axe_core``); the tests read ``axe.min.js`` from the archive, offline. Only tests use it:
nothing of it is served.
"""

import sys
import tarfile

from territory.npm_data import PackageMissing, fetch_pinned

NAME = "axe-core"
VERSION = "4.14.1"
ARCHIVE = "axe-core-4.14.1.tgz"
# ``dist.integrity`` of the registry's record for this version (sha512 of the archive, base64).
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="


def fetch():
    return fetch_pinned(NAME, VERSION, ARCHIVE, INTEGRITY)


def script() -> str:
    """The source of axe.min.js from the pinned archive (fetched first when missing)."""
    with tarfile.open(fetch(), "r:gz") as tar:
        member = tar.extractfile("package/axe.min.js")
        if member is None:
            raise PackageMissing(f"axe.min.js manque dans {ARCHIVE}.")
        return member.read().decode("utf-8")


if __name__ == "__main__":
    try:
        print(fetch())
    except PackageMissing as exc:
        sys.exit(str(exc))
