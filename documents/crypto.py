"""Encryption at rest of document contents: AES-256-GCM (cryptography), keys from the settings.

``OPENCPTS_DOCUMENT_KEYS`` is a list of ``keyid:base64key`` (32-byte keys): the first one encrypts, every
one decrypts, so a new key is put first, ``rotate_document_keys`` re-encrypts the blobs, then the old key
is removed (docs/OPERATIONS.md). In development (``OPENCPTS_DEV=1``) with no keys set, a key is generated
once in ``var/document_keys`` (never committed), like ``var/secret_key``.

Each blob gets a fresh random 96-bit nonce; the associated data binds the ciphertext to its version, and
the GCM tag detects any change of the stored bytes.
"""

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from opencpts.keyring import CachedKeyring, Keyring, KeyRules, new_entry, parse_entries

NONCE_BYTES = 12
DEV_KEY_FILE = "document_keys"
RULES = KeyRules(
    setting="OPENCPTS_DOCUMENT_KEYS",
    max_id_length=64,
    length_error=lambda key_id, n: (
        f"the key {key_id!r} must be 32 bytes (AES-256), not {n}." if n != 32 else None
    ),
    empty_error="is empty: at least one key is needed to encrypt documents.",
)
KEY_ID = RULES.key_id


class IntegrityFailure(Exception):
    """The stored bytes cannot be decrypted: altered, moved to another version, or the key is gone."""


def parse_keys(entries: list[str], source: str = "OPENCPTS_DOCUMENT_KEYS") -> Keyring:
    """``["keyid:base64key", ...]`` → Keyring. Fails loudly on anything malformed."""
    return Keyring(*parse_entries(entries, RULES, source=source))


def new_key_entry(key_id: str) -> str:
    """A fresh ``keyid:base64key`` entry (for operators: ``manage.py rotate_document_keys --new-key``)."""
    return new_entry(key_id, 32)


def _dev_key_entries() -> list[str]:
    path = Path(settings.VAR_DIR) / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting together keep the same key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(new_key_entry(f"dev-{secrets.token_hex(4)}") + "\n")
    return [line for line in path.read_text().split() if line.strip()]


def _dev_source() -> tuple:
    return (str(Path(settings.VAR_DIR) / DEV_KEY_FILE),)


keyring = CachedKeyring(
    RULES,
    build=Keyring,
    dev_source=_dev_source,
    dev_entries=lambda: (_dev_key_entries(), _dev_source()[0]),
    missing_error=(
        "OPENCPTS_DOCUMENT_KEYS must be set outside development (OPENCPTS_DEV=1): "
        "see docs/OPERATIONS.md, « Documents : clés de chiffrement »."
    ),
)
_cache = keyring.cache


def associated_data(version_id: int, purpose: str = "document-version") -> bytes:
    """Binds a ciphertext to its row: a content cannot be moved to another row (or another kind of row)."""
    return f"opencpts/{purpose}/{version_id}".encode()


def encrypt(
    plaintext: bytes, version_id: int, ring: Keyring | None = None, purpose: str = "document-version"
) -> tuple[str, bytes, bytes]:
    """→ (key id, nonce, ciphertext with its 16-byte tag), under the current key."""
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(ring.keys[ring.current_id]).encrypt(
        nonce, plaintext, associated_data(version_id, purpose)
    )
    return ring.current_id, nonce, ciphertext


def decrypt(
    key_id: str,
    nonce: bytes,
    ciphertext: bytes,
    version_id: int,
    ring: Keyring | None = None,
    purpose: str = "document-version",
) -> bytes:
    ring = ring or keyring()
    key = ring.keys.get(key_id)
    if key is None:
        raise IntegrityFailure(f"clé « {key_id} » absente de OPENCPTS_DOCUMENT_KEYS")
    try:
        return AESGCM(key).decrypt(bytes(nonce), bytes(ciphertext), associated_data(version_id, purpose))
    except InvalidTag as exc:
        raise IntegrityFailure("contrôle d'intégrité (GCM) en échec") from exc
