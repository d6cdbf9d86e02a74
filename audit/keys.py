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
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from opencpts.keyring import CachedKeyring, Keyring, KeyRules, new_entry, parse_entries

MIN_KEY_BYTES = 32
DEV_KEY_FILE = "audit_key"
SOURCE = "OPENCPTS_AUDIT_KEYS"
RULES = KeyRules(
    setting=SOURCE,
    max_id_length=32,
    length_error=lambda key_id, n: (
        f"the key {key_id!r} must have at least {MIN_KEY_BYTES} bytes." if n < MIN_KEY_BYTES else None
    ),
    empty_error="is empty: the audit trail needs a key.",
)


@dataclass(frozen=True)
class AuditKeyring(Keyring):
    def sign(self, message: bytes, key_id: str | None = None) -> str:
        return hmac.new(self.keys[key_id or self.current_id], message, hashlib.sha256).hexdigest()

    def check(self, message: bytes, key_id: str, signature: str) -> bool:
        key = self.keys.get(key_id)
        if key is None:
            return False
        return hmac.compare_digest(hmac.new(key, message, hashlib.sha256).hexdigest(), signature)


def parse_keys(entries: list[str], source: str = SOURCE) -> AuditKeyring:
    """``["keyid:base64key", ...]`` → AuditKeyring. Fails loudly on anything malformed."""
    return AuditKeyring(*parse_entries(entries, RULES, source=source))


def new_key_entry(key_id: str) -> str:
    """A fresh ``keyid:base64key`` entry (``manage.py audit_checkpoint --new-key k2027``)."""
    return new_entry(key_id, MIN_KEY_BYTES)


def _dev_entries() -> tuple[list[str], str]:
    # The key derived from SECRET_KEY always verifies (last): entries signed before var/audit_key existed.
    derived = hmac.new(settings.SECRET_KEY.encode(), b"opencpts-audit-dev-key", hashlib.sha256).digest()
    fallback = f"dev:{base64.b64encode(derived).decode()}"
    path = Path(settings.VAR_DIR) / DEV_KEY_FILE
    if path.exists():
        entries = [line for line in path.read_text().split() if line.strip()]
        return entries + [fallback] * (not any(e.startswith("dev:") for e in entries)), str(path)
    return [fallback], "SECRET_KEY (development)"


keyring = CachedKeyring(
    RULES,
    build=AuditKeyring,
    dev_source=lambda: (str(Path(settings.VAR_DIR) / DEV_KEY_FILE), settings.SECRET_KEY),
    dev_entries=_dev_entries,
    missing_error=(
        f"{SOURCE} must be set outside development (OPENCPTS_DEV=1): "
        "see docs/OPERATIONS.md, « Audit trail integrity »."
    ),
)
