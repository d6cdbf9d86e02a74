"""Encrypted contents (documents' versions, ACI justificatifs) read and written through the documents app.

The tables of encrypted contents are the stores of ``documents.rotation.STORES`` (each names its model, the
associated-data purpose, the expected SHA-256, how its ciphertext is loaded and replaced). A document's
content goes through the documents' one path (``documents/store.py``: in the database or the object store,
wherever the target instance keeps new contents); the other stores through their ``load``/``replace``.
"""

import hashlib

from django.utils import timezone

from documents import crypto, rotation
from documents import store as document_store
from documents.models import DocumentBlob

CIPHER_FIELDS = {"key_id", "nonce", "ciphertext"}


def store_for(model) -> rotation.Store | None:
    return next((s for s in rotation.STORES if s.model is model), None)


def written_with_content(model) -> bool:
    """A document's blob row is created by the documents app with its content (``write_plaintext``), not
    copied: where its ciphertext lives is the target's choice."""
    return model is DocumentBlob


def content_fields(model) -> set[str]:
    """Fields never copied as such: the ciphertext and what describes it (re-created on import)."""
    store = store_for(model)
    if store is None:
        return set()
    if written_with_content(model):
        return {f.name for f in model._meta.concrete_fields if not f.is_relation}
    return CIPHER_FIELDS | ({store.stamp} if store.stamp else set())


def read_plaintext(store: rotation.Store, row) -> bytes:
    """The clear content of a row, its GCM tag and SHA-256 checked (crypto.IntegrityFailure otherwise)."""
    if isinstance(row, DocumentBlob):
        return document_store.decrypt_checked(row, row.version)
    data = crypto.decrypt(row.key_id, row.nonce, store.load(row), row.pk, purpose=store.purpose)
    if hashlib.sha256(data).hexdigest() != store.sha256(row):
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    return data


def placeholder(store: rotation.Store) -> dict:
    """Values of the content fields of a row created before its content arrives."""
    values = {"key_id": "", "nonce": b"", "ciphertext": b""}
    if store.stamp:
        values[store.stamp] = timezone.now()
    return values


def write_document(version, data: bytes) -> DocumentBlob:
    """A document version's content, encrypted under the instance's current key where it keeps contents."""
    if hashlib.sha256(data).hexdigest() != version.sha256:
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    return document_store.write_plaintext(version, data)


def encrypt_into(store: rotation.Store, row, data: bytes) -> list[str]:
    """Set the content of ``row`` (a store other than the documents') to ``data`` encrypted under the current
    key; returns the fields to save. Its SHA-256 must be the one its row expects."""
    if hashlib.sha256(data).hexdigest() != store.sha256(row):
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    key_id, nonce, ciphertext = crypto.encrypt(data, row.pk, purpose=store.purpose)
    names = store.replace(row, key_id, nonce, ciphertext)
    if store.stamp:
        setattr(row, store.stamp, timezone.now())
        names = [*names, store.stamp]
    return names
