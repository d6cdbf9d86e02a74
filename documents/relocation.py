"""Moving document contents between the database and the object store (``manage.py move_documents``).

The ciphertext is moved as it is (same key, same nonce: no re-encryption), one blob per transaction, in
the order of the version ids, so that an interrupted run is simply run again: the blobs already moved are
no longer selected, and a blob is never half moved. For each blob:

1. read its ciphertext where it is, and decrypt it (GCM tag, SHA-256 of the version): a content that fails
   is reported and left where it is;
2. write it to the other side: a new object (to the store), read back and decrypted again before the
   database forgets its copy; or the bytes themselves (to the database);
3. in one transaction, the row locked, switch the row to the new location if it has not changed
   meanwhile (a rotation, a purge), else give up this blob (and its new object) for the next run;
4. the old object (back to the database) is deleted after that commit.

Orphan objects (an upload whose transaction rolled back, a process killed between an upload and its
commit, a deletion that failed) are found by ``orphans()``: objects under documents/ that no row names and
older than a grace period, so that an upload in progress is never taken for one.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from documents import crypto
from documents import store as content_store
from documents.models import DocumentBlob

DIRECTIONS = (content_store.DATABASE, content_store.S3)


@dataclass
class MoveReport:
    to: str
    to_do: int = 0
    moved: int = 0
    skipped: int = 0  # changed meanwhile: left for the next run
    failed: list[tuple[int, str]] = field(default_factory=list)  # (version id, reason)

    @property
    def done(self) -> int:
        return self.moved + self.skipped + len(self.failed)


def pending(to: str):
    """Blobs not yet at ``to``, in version order (ids only: the contents are read one at a time)."""
    return DocumentBlob.objects.exclude(location=to).order_by("pk").values_list("pk", flat=True)


def _batches(ids, size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        batch = list(ids.filter(pk__gt=last)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1]


def _load(pk: int):
    return DocumentBlob.objects.select_related("version").filter(pk=pk).first()


def _to_store(blob: DocumentBlob, ring) -> bool:
    ciphertext = bytes(blob.ciphertext)
    content_store.decrypt_checked(blob, blob.version, ring, ciphertext)
    name = content_store.put_object(ciphertext)
    try:
        content_store.decrypt_checked(blob, blob.version, ring, content_store.get_object(name))  # read back
        with transaction.atomic():
            row = DocumentBlob.objects.select_for_update().filter(pk=blob.pk).first()
            if row is None or row.location != content_store.DATABASE or bytes(row.nonce) != bytes(blob.nonce):
                content_store.delete_objects_on_commit([name])
                return False
            row.location, row.object_key, row.ciphertext = content_store.S3, name, b""
            row.save(update_fields=["location", "object_key", "ciphertext"])
    except BaseException:
        content_store.delete_objects([name])
        raise
    return True


def _to_database(blob: DocumentBlob, ring) -> bool:
    ciphertext = content_store.ciphertext_of(blob)
    content_store.decrypt_checked(blob, blob.version, ring, ciphertext)
    with transaction.atomic():
        row = DocumentBlob.objects.select_for_update().filter(pk=blob.pk).first()
        if row is None or row.location != content_store.S3 or row.object_key != blob.object_key:
            return False
        row.location, row.object_key, row.ciphertext = content_store.DATABASE, "", ciphertext
        row.save(update_fields=["location", "object_key", "ciphertext"])
        content_store.delete_objects_on_commit([blob.object_key])
    return True


def _check_target(to: str) -> None:
    if to not in DIRECTIONS:
        raise ValueError(f"unknown location {to!r}")
    content_store.backend()  # both directions need the object store: ImproperlyConfigured otherwise


def move(
    to: str,
    batch_size: int = 100,
    progress: Callable[[MoveReport], None] | None = None,
    dry_run: bool = False,
) -> MoveReport:
    """Move every content not yet at ``to`` ("s3" or "database"); ``progress`` is called after each batch.
    Raises StoreUnavailable when the store stops answering (what was moved stays moved)."""
    _check_target(to)
    ids = pending(to)
    report = MoveReport(to, to_do=ids.count())
    if dry_run or not report.to_do:
        return report
    ring = crypto.keyring()
    step = _to_store if to == content_store.S3 else _to_database
    for batch in _batches(ids, batch_size):
        for pk in batch:
            blob = _load(pk)
            try:
                if blob is not None and step(blob, ring):
                    report.moved += 1
                else:
                    report.skipped += 1
            except crypto.IntegrityFailure as exc:
                report.failed.append((pk, str(exc)))
        if progress is not None:
            progress(report)
    return report


# ------------------------------------------------------------------------------------------------ orphans


def orphans(older_than: dt.timedelta = dt.timedelta(hours=24)) -> list[str]:
    """Objects under documents/ named by no blob and last written more than ``older_than`` ago."""
    bucket = content_store.backend().bucket
    limit = timezone.now() - older_than
    found = []
    for page in _pages(bucket.objects.filter(Prefix=content_store.PREFIX).page_size(1000)):
        candidates = {o.key: o.last_modified for o in page if o.last_modified < limit}
        named = DocumentBlob.objects.filter(object_key__in=list(candidates)).values_list(
            "object_key", flat=True
        )
        found.extend(sorted(set(candidates) - set(named)))
    return found


def _pages(collection) -> Iterator[list]:
    for page in collection.pages():
        yield list(page)
