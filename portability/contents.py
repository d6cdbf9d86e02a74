"""Encrypted contents (documents' versions, ACI justificatifs) read and written through the documents app.

The tables of encrypted contents are the stores of ``documents.rotation.STORES`` (each names its model, the
associated-data purpose and the expected SHA-256). These two functions are the only places that touch the
ciphertext: when the documents app moves contents elsewhere (an object store), only they change.
"""

import hashlib

from django.utils import timezone

from documents import crypto, rotation

PLACEHOLDER = {"key_id": "", "nonce": b"", "ciphertext": b""}


def store_for(model) -> rotation.Store | None:
    return next((s for s in rotation.STORES if s.model is model), None)


def content_fields(model) -> set[str]:
    """Fields never copied as such: the ciphertext and what describes it (re-created on import)."""
    store = store_for(model)
    if store is None:
        return set()
    return set(PLACEHOLDER) | ({store.stamp} if store.stamp else set())


def read_plaintext(store: rotation.Store, row) -> bytes:
    """The clear content of a row, its SHA-256 checked (crypto.IntegrityFailure otherwise)."""
    data = crypto.decrypt(row.key_id, row.nonce, row.ciphertext, row.pk, purpose=store.purpose)
    if hashlib.sha256(data).hexdigest() != store.sha256(row):
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    return data


def placeholder(store: rotation.Store) -> dict:
    """Values of the content fields of a row created before its content arrives."""
    values = dict(PLACEHOLDER)
    if store.stamp:
        values[store.stamp] = timezone.now()
    return values


def encrypted_values(store: rotation.Store, row, data: bytes) -> dict:
    """The content fields of ``row`` for ``data``, encrypted under the instance's current key (its SHA-256
    must be the one its row expects)."""
    if hashlib.sha256(data).hexdigest() != store.sha256(row):
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    key_id, nonce, ciphertext = crypto.encrypt(data, row.pk, purpose=store.purpose)
    values = {"key_id": key_id, "nonce": nonce, "ciphertext": ciphertext}
    if store.stamp:
        values[store.stamp] = timezone.now()
    return values
