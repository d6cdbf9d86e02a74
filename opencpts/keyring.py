"""Key lists kept outside the database: ``keyid:base64key`` entries, the first one current, every one usable.

Both the audit trail's HMAC keys (audit/keys.py, ``OPENCPTS_AUDIT_KEYS``) and the documents' encryption keys
(documents/crypto.py, ``OPENCPTS_DOCUMENT_KEYS``) are read with these helpers: the same format, the same
refusals (fail loudly at start-up on anything malformed), the same rotation (a new key is put first and the
old ones stay as long as something signed or encrypted with them must be read). Each caller states what its
keys must be (id length, key length) and where its development keys come from.
"""

import base64
import binascii
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]


@dataclass(frozen=True)
class KeyRules:
    """What one kind of key list accepts; ``length_error(key_id, length)`` says what is wrong, or None."""

    setting: str
    max_id_length: int
    length_error: Callable[[str, int], str | None]
    empty_error: str

    @property
    def key_id(self) -> re.Pattern:
        return re.compile(rf"^[A-Za-z0-9_.\-]{{1,{self.max_id_length}}}$")


def parse_entries(
    entries: list[str], rules: KeyRules, source: str | None = None
) -> tuple[str, dict[str, bytes]]:
    """``["keyid:base64key", ...]`` → (the first key id, {key id: key}). Fails loudly on anything malformed;
    ``source`` names where the entries come from in the messages (the setting by default)."""
    source = source or rules.setting
    key_id_pattern = rules.key_id
    keys: dict[str, bytes] = {}
    for entry in entries:
        key_id, sep, encoded = entry.strip().partition(":")
        if not sep or not key_id_pattern.match(key_id):
            raise ImproperlyConfigured(
                f"{source}: each key is 'keyid:base64key' (keyid: letters, digits, . _ -)."
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"{source}: the key {key_id!r} is not valid base64.") from exc
        problem = rules.length_error(key_id, len(key))
        if problem:
            raise ImproperlyConfigured(f"{source}: {problem}")
        if key_id in keys:
            raise ImproperlyConfigured(f"{source}: the key id {key_id!r} appears twice.")
        keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured(f"{source} {rules.empty_error}")
    return next(iter(keys)), keys


def new_entry(key_id: str, key_bytes: int) -> str:
    """A fresh ``keyid:base64key`` entry with a random key."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(key_bytes)).decode()}"


class CachedKeyring:
    """The keyring of one setting, parsed once per configuration (the setting's value, or the development
    key source) and kept for the process. Outside development the setting is required."""

    def __init__(
        self,
        rules: KeyRules,
        build: Callable[[str, dict[str, bytes]], Keyring],
        dev_source: Callable[[], tuple],
        dev_entries: Callable[[], tuple[list[str], str]],
        missing_error: str,
    ):
        self.rules, self.build = rules, build
        self.dev_source, self.dev_entries, self.missing_error = dev_source, dev_entries, missing_error
        self.cache: dict[tuple, Keyring] = {}

    def __call__(self) -> Keyring:
        configured = tuple(getattr(settings, self.rules.setting, []) or [])
        if configured:
            cache_key: tuple = ("settings", configured)
        elif settings.DEV:
            cache_key = ("dev", *self.dev_source())
        else:
            raise ImproperlyConfigured(self.missing_error)
        ring = self.cache.get(cache_key)
        if ring is None:
            if configured:
                ring = self.build(*parse_entries(list(configured), self.rules))
            else:
                entries, source = self.dev_entries()
                ring = self.build(*parse_entries(entries, self.rules, source=source))
            self.cache[cache_key] = ring
        return ring
