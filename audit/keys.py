"""The audit key: HMAC-SHA256 of every entry and checkpoint, kept outside the database.

``OPENCPTS_AUDIT_KEYS`` is a list of ``keyid:base64key`` (at least 32 bytes each): the first one signs new
entries and checkpoints, every one verifies, so a rotation puts a new key first and keeps the old ones as
long as entries signed with them must be verified (always, in practice: entries are never re-signed).
Each entry stores the id of its key.

Outside development the setting is required (opencpts/settings.py refuses to start without it). In
development, ``make setup`` writes ``var/audit_key``; without that file a key is derived from SECRET_KEY
(key id ``dev``), good enough for a laptop and never for production.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
MIN_KEY_BYTES = 32
DEV_KEY_FILE = "audit_key"
SOURCE = "OPENCPTS_AUDIT_KEYS"


@dataclass(frozen=True)
class AuditKeyring:
    current_id: str
    keys: dict[str, bytes]

    def sign(self, message: bytes, key_id: str | None = None) -> str:
        return hmac.new(self.keys[key_id or self.current_id], message, hashlib.sha256).hexdigest()

    def check(self, message: bytes, key_id: str, signature: str) -> bool:
        key = self.keys.get(key_id)
        if key is None:
            return False
        return hmac.compare_digest(hmac.new(key, message, hashlib.sha256).hexdigest(), signature)


def parse_keys(entries: list[str], source: str = SOURCE) -> AuditKeyring:
    """``["keyid:base64key", ...]`` → AuditKeyring. Fails loudly on anything malformed."""
    keys: dict[str, bytes] = {}
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
        if len(key) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(
                f"{source}: the key {key_id!r} must have at least {MIN_KEY_BYTES} bytes."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{source}: the key id {key_id!r} appears twice.")
        keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured(f"{source} is empty: the audit trail needs a key.")
    return AuditKeyring(next(iter(keys)), keys)


def new_key_entry(key_id: str) -> str:
    """A fresh ``keyid:base64key`` entry (``manage.py audit_checkpoint --new-key k2027``)."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(MIN_KEY_BYTES)).decode()}"


def _dev_entries() -> tuple[list[str], str]:
    # The key derived from SECRET_KEY always verifies (last): entries signed before var/audit_key existed.
    derived = hmac.new(settings.SECRET_KEY.encode(), b"opencpts-audit-dev-key", hashlib.sha256).digest()
    fallback = f"dev:{base64.b64encode(derived).decode()}"
    path = Path(settings.VAR_DIR) / DEV_KEY_FILE
    if path.exists():
        entries = [line for line in path.read_text().split() if line.strip()]
        return entries + [fallback] * (not any(e.startswith("dev:") for e in entries)), str(path)
    return [fallback], "SECRET_KEY (development)"


_cache: dict[tuple, AuditKeyring] = {}


def keyring() -> AuditKeyring:
    configured = tuple(getattr(settings, "OPENCPTS_AUDIT_KEYS", []) or [])
    if configured:
        cache_key: tuple = ("settings", configured)
    elif settings.DEV:
        cache_key = ("dev", str(Path(settings.VAR_DIR) / DEV_KEY_FILE), settings.SECRET_KEY)
    else:
        raise ImproperlyConfigured(
            f"{SOURCE} must be set outside development (OPENCPTS_DEV=1): "
            "see docs/OPERATIONS.md, « Audit trail integrity »."
        )
    ring = _cache.get(cache_key)
    if ring is None:
        if configured:
            ring = parse_keys(list(configured))
        else:
            entries, source = _dev_entries()
            ring = parse_keys(entries, source=source)
        _cache[cache_key] = ring
    return ring
