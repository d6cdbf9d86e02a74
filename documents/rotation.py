"""Key rotation of document contents: re-encrypt every blob with the current key (the first of
OPENCPTS_DOCUMENT_KEYS), one blob per transaction, so that an interrupted run resumes where it stopped
(blobs already under the current key are skipped). Each blob is decrypted and its SHA-256 checked before
it is re-encrypted: an altered blob is reported and left untouched, never re-encrypted as if it were good.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from documents import crypto
from documents.models import DocumentBlob


@dataclass
class RotationReport:
    current_key: str
    to_do: int = 0
    rotated: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (version id, reason)


def pending(ring: crypto.Keyring):
    return DocumentBlob.objects.exclude(key_id=ring.current_id)


def _plaintext(blob: DocumentBlob, ring: crypto.Keyring) -> bytes:
    data = crypto.decrypt(blob.key_id, blob.nonce, blob.ciphertext, blob.version_id, ring)
    if hashlib.sha256(data).hexdigest() != blob.version.sha256:
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    return data


def rotate(progress: Callable[[RotationReport], None] | None = None, dry_run: bool = False) -> RotationReport:
    ring = crypto.keyring()
    report = RotationReport(ring.current_id, to_do=pending(ring).count())
    if dry_run:
        return report
    for version_id in list(pending(ring).order_by("pk").values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                blob = (DocumentBlob.objects.select_for_update().select_related("version")
                        .filter(pk=version_id).first())
                if blob is None or blob.key_id == ring.current_id:
                    continue  # purged or rotated meanwhile
                data = _plaintext(blob, ring)
                blob.key_id, blob.nonce, blob.ciphertext = crypto.encrypt(data, version_id, ring)
                blob.encrypted_at = timezone.now()
                blob.save(update_fields=["key_id", "nonce", "ciphertext", "encrypted_at"])
        except crypto.IntegrityFailure as exc:
            report.failed.append((version_id, str(exc)))
        else:
            report.rotated += 1
        if progress is not None:
            progress(report)
    return report


def verify(progress: Callable[[int, int], None] | None = None) -> list[tuple[int, str]]:
    """Decrypt every blob and check its SHA-256 (GCM tag and traceability hash): the failures."""
    ring = crypto.keyring()
    ids = list(DocumentBlob.objects.order_by("pk").values_list("pk", flat=True))
    failures = []
    for i, version_id in enumerate(ids, 1):
        blob = DocumentBlob.objects.select_related("version").filter(pk=version_id).first()
        if blob is not None:
            try:
                _plaintext(blob, ring)
            except crypto.IntegrityFailure as exc:
                failures.append((version_id, str(exc)))
        if progress is not None:
            progress(i, len(ids))
    return failures
