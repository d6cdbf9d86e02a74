"""Encryption at rest of document contents: AES-256-GCM (cryptography), keys from the settings.

``OPENCPTS_DOCUMENT_KEYS`` is a list of ``keyid:base64key`` (32-byte keys): the first one encrypts, every
one decrypts, so a new key is put first, ``rotate_document_keys`` re-encrypts the blobs, then the old key
is removed (docs/OPERATIONS.md). In development (``OPENCPTS_DEV=1``) with no keys set, a key is generated
once in ``var/document_keys`` (never committed), like ``var/secret_key``.

Each blob gets a fresh random 96-bit nonce; the associated data binds the ciphertext to its version, and
the GCM tag detects any change of the stored bytes.
"""

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
NONCE_BYTES = 12
DEV_KEY_FILE = "document_keys"


class IntegrityFailure(Exception):
    """The stored bytes cannot be decrypted: altered, moved to another version, or the key is gone."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]


def parse_keys(entries: list[str], source: str = "OPENCPTS_DOCUMENT_KEYS") -> Keyring:
    """``["keyid:base64key", ...]`` → Keyring. Fails loudly on anything malformed."""
    keys: dict[str, bytes] = {}
    first = None
    for entry in entries:
        key_id, sep, encoded = entry.strip().partition(":")
        if not sep or not KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"{source}: each key is 'keyid:base64key' (keyid: letters, digits, . _ -)."
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"{source}: the key {key_id!r} is not valid base64.") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"{source}: the key {key_id!r} must be 32 bytes (AES-256), not {len(key)}."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{source}: the key id {key_id!r} appears twice.")
        keys[key_id] = key
        first = first or key_id
    if first is None:
        raise ImproperlyConfigured(f"{source} is empty: at least one key is needed to encrypt documents.")
    return Keyring(first, keys)


def new_key_entry(key_id: str) -> str:
    """A fresh ``keyid:base64key`` entry (for operators: ``manage.py rotate_document_keys --new-key``)."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


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


_cache: dict[tuple, Keyring] = {}


def keyring() -> Keyring:
    configured = tuple(getattr(settings, "OPENCPTS_DOCUMENT_KEYS", []) or [])
    if configured:
        cache_key: tuple = ("settings", configured)
    elif settings.DEV:
        cache_key = ("dev", str(Path(settings.VAR_DIR) / DEV_KEY_FILE))
    else:
        raise ImproperlyConfigured(
            "OPENCPTS_DOCUMENT_KEYS must be set outside development (OPENCPTS_DEV=1): "
            "see docs/OPERATIONS.md, « Documents : clés de chiffrement »."
        )
    ring = _cache.get(cache_key)
    if ring is None:
        if configured:
            ring = parse_keys(list(configured))
        else:
            ring = parse_keys(_dev_key_entries(), source=cache_key[1])
        _cache[cache_key] = ring
    return ring


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
