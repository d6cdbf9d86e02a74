"""Key rotation of encrypted contents (documents, and the stores other apps register, such as the ACI
justificatifs): re-encrypt every blob with the current key (the first of OPENCPTS_DOCUMENT_KEYS), one blob per
transaction, so that an interrupted run resumes where it stopped
(blobs already under the current key are skipped). A document content on the object store is re-encrypted
into a new object; the old one is deleted after the commit (documents/store.py). Each blob is decrypted and
its SHA-256 checked before it is re-encrypted: an altered blob is reported and left untouched, never
re-encrypted as if it were good.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from documents import crypto
from documents import store as content_store
from documents.models import DocumentBlob


@dataclass
class RotationReport:
    current_key: str
    to_do: int = 0
    rotated: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (row id, "what: reason")


def _column(row) -> bytes:
    return bytes(row.ciphertext)


def _set_column(row, key_id: str, nonce: bytes, ciphertext: bytes) -> list[str]:
    row.key_id, row.nonce, row.ciphertext = key_id, nonce, ciphertext
    return ["key_id", "nonce", "ciphertext"]


@dataclass(frozen=True)
class Store:
    """A table of encrypted contents under OPENCPTS_DOCUMENT_KEYS: ``key_id`` and ``nonce`` columns, the
    row's primary key and ``purpose`` as associated data, ``sha256`` giving the expected hash. The
    ciphertext is read by ``load`` and replaced by ``replace`` (which returns the fields to save): by
    default a ``ciphertext`` column; the documents' own go through documents/store.py (database or object
    store)."""

    model: type
    purpose: str
    sha256: Callable[[object], str]
    related: tuple[str, ...] = ()
    stamp: str | None = None  # a column set to the time of the re-encryption
    label: str = "contenu chiffré"  # what a failure names
    load: Callable[[object], bytes] = _column
    replace: Callable[[object, str, bytes, bytes], list[str]] = _set_column


STORES: list[Store] = [
    Store(
        DocumentBlob,
        "document-version",
        lambda blob: blob.version.sha256,
        ("version",),
        "encrypted_at",
        "version de document",
        load=content_store.ciphertext_of,
        replace=content_store.replace_ciphertext,
    )
]


def register(store: Store) -> None:
    """Another app's encrypted contents (e.g. the ACI justificatifs) rotate and verify with the documents'."""
    if all(s.model is not store.model for s in STORES):
        STORES.append(store)


def pending(ring: crypto.Keyring):
    """Rows not yet under the current key: (store, id) pairs."""
    return [
        (store, pk)
        for store in STORES
        for pk in store.model.objects.exclude(key_id=ring.current_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]


def _plaintext(store: Store, row, ring: crypto.Keyring) -> bytes:
    data = crypto.decrypt(row.key_id, row.nonce, store.load(row), row.pk, ring, purpose=store.purpose)
    if hashlib.sha256(data).hexdigest() != store.sha256(row):
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    return data


def rotate(progress: Callable[[RotationReport], None] | None = None, dry_run: bool = False) -> RotationReport:
    ring = crypto.keyring()
    todo = pending(ring)
    report = RotationReport(ring.current_id, to_do=len(todo))
    if dry_run:
        return report
    for store, pk in todo:
        try:
            with transaction.atomic():
                row = (
                    store.model.objects.select_for_update()
                    .select_related(*store.related)
                    .filter(pk=pk)
                    .first()
                )
                if row is None or row.key_id == ring.current_id:
                    continue  # purged or rotated meanwhile
                data = _plaintext(store, row, ring)
                fields = store.replace(row, *crypto.encrypt(data, pk, ring, purpose=store.purpose))
                if store.stamp:
                    setattr(row, store.stamp, timezone.now())
                    fields.append(store.stamp)
                row.save(update_fields=fields)
        except crypto.IntegrityFailure as exc:
            report.failed.append((pk, f"{store.label} : {exc}"))
        else:
            report.rotated += 1
        if progress is not None:
            progress(report)
    return report


def verify(progress: Callable[[int, int], None] | None = None) -> list[tuple[int, str]]:
    """Decrypt every content and check its SHA-256 (GCM tag and traceability hash): the failures."""
    ring = crypto.keyring()
    rows = [
        (store, pk)
        for store in STORES
        for pk in store.model.objects.order_by("pk").values_list("pk", flat=True)
    ]
    failures = []
    for i, (store, pk) in enumerate(rows, 1):
        row = store.model.objects.select_related(*store.related).filter(pk=pk).first()
        if row is not None:
            try:
                _plaintext(store, row, ring)
            except crypto.IntegrityFailure as exc:
                failures.append((pk, f"{store.label} : {exc}"))
        if progress is not None:
            progress(i, len(rows))
    return failures
