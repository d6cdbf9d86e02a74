"""Write paths of documents, and the one read path of their content. Each checks the group's rules
(documents.access), validates the file completely before writing anything, writes in one transaction
(audited by the model signals) and raises ActionError with a French message — a refused file leaves no
row and no content behind. Events (``document.added``) are sent after the commit.
"""

import base64
import hashlib
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.log import record
from audit.models import AuditEntry
from coordination import access as group_rules
from coordination import actions as coordination_actions
from coordination.events import emit
from coordination.models import Consent, Group, Message
from documents import crypto, filetypes, store
from documents.access import CLOSED, NO_CONSENT
from documents.models import Document, DocumentVersion
from opencpts.errors import ActionError

logger = logging.getLogger(__name__)
MAX_ATTACHMENTS = 10
STORE_DOWN = (
    "Le stockage des documents ne répond pas : rien n'a été enregistré, réessayez dans quelques minutes."
)


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    filetype: filetypes.FileType
    data: bytes


def check_file(upload, field: str = "file", scans_only: bool = False) -> CheckedFile:
    """Size and type from the content; the file's name sanitised. ActionError (French) when refused."""
    shown = filetypes.FORBIDDEN_CHARS.sub("_", str(getattr(upload, "name", "") or "fichier"))[:80]
    limit = filetypes.max_bytes()
    size = getattr(upload, "size", None) or 0
    if getattr(upload, "oversized", False) or size > limit:
        raise ActionError(
            f"« {shown} » : fichier trop volumineux ({filetypes.megabytes(size)}, "
            f"{filetypes.megabytes(limit)} au plus).",
            field,
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ActionError(
            f"« {shown} » : fichier trop volumineux ({filetypes.megabytes(limit)} au plus).", field
        )
    try:
        filetype = filetypes.detect(data)
    except filetypes.FileRefused as exc:
        raise ActionError(f"« {shown} » : {exc.message}", field) from None
    if scans_only and filetype.key not in ("pdf", *filetypes.IMAGES):
        raise ActionError(
            f"« {shown} » : le consentement signé se joint en PDF ou en image (scan ou photo).", field
        )
    return CheckedFile(filetypes.safe_filename(getattr(upload, "name", ""), filetype), filetype, data)


def _writable(group: Group, by, clinical: bool = True) -> None:
    if not group_rules.can_read(by, group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    if group.status != Group.Status.OPEN:
        raise ActionError(CLOSED)
    if clinical and not group_rules.can_share_clinical(group):
        raise ActionError(NO_CONSENT)


def _title(title: str, default: str) -> str:
    title = " ".join((title or "").split())
    if len(title) > 200:
        raise ActionError("Titre : 200 caractères au plus.", "title")
    return title or default[:200]


def _store(document: Document, by, checked: CheckedFile, number: int) -> DocumentVersion:
    data = checked.data
    version = DocumentVersion.objects.create(
        cpts_id=document.cpts_id,
        document=document,
        number=number,
        filename=checked.filename,
        content_type=checked.filetype.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        sha1_base64=base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode(),
        uploaded_by=by,
    )
    try:
        store.write_plaintext(version, data)
    except store.StoreUnavailable as exc:
        logger.error("document version %s not stored: %s", version.pk, exc)
        raise ActionError(STORE_DOWN) from exc
    return version


def _create(
    group: Group,
    by,
    checked: CheckedFile,
    *,
    title: str = "",
    kind: str = Document.Kind.FILE,
    message: Message | None = None,
    consent: Consent | None = None,
) -> Document:
    document = Document.objects.create(
        cpts_id=group.cpts_id,
        group=group,
        kind=kind,
        title=_title(title, checked.filename),
        message=message,
        consent=consent,
        created_by=by,
    )
    _store(document, by, checked, 1)
    emit("document.added", group, by, document, version=1)
    return document


@transaction.atomic
def add_document(group: Group, by, upload, title: str = "") -> Document:
    """A new document in the group (version 1)."""
    _writable(group, by)
    if upload is None:
        raise ActionError("Choisissez un fichier à déposer.", "file")
    checked = check_file(upload)
    return _create(group, by, checked, title=title)


@transaction.atomic
def add_version(document: Document, by, upload) -> DocumentVersion:
    """A new version of a document; the previous ones stay downloadable."""
    group = document.group
    _writable(group, by, clinical=document.kind == Document.Kind.FILE)
    if document.kind != Document.Kind.FILE:
        raise ActionError(
            "Le document signé d'un consentement ne se remplace pas : enregistrez un nouveau consentement."
        )
    if upload is None:
        raise ActionError("Choisissez un fichier à déposer.", "file")
    checked = check_file(upload)
    locked = Document.objects.select_for_update().get(pk=document.pk)  # numbers in order, one at a time
    if locked.deleted_at is not None:
        raise ActionError("Ce document a été supprimé.")
    number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = _store(locked, by, checked, number)
    emit("document.added", group, by, locked, version=number)
    return version


@transaction.atomic
def delete_document(document: Document, by) -> Document:
    """Soft delete: the document leaves the pages; its versions and contents stay for the audit."""
    group = document.group
    if not group_rules.can_read(by, group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    if group.status != Group.Status.OPEN:
        raise ActionError(CLOSED)
    if document.kind != Document.Kind.FILE:
        raise ActionError(
            "Le document signé d'un consentement fait foi : il ne se supprime pas. Enregistrez "
            "plutôt le retrait du consentement."
        )
    if document.created_by_id != by.pk and not group_rules.can_manage(by, group):
        raise PermissionDenied(
            "Seuls l'auteur du document, l'initiateur du groupe et la coordination peuvent le supprimer."
        )
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.deleted_at is not None:
        raise ActionError("Ce document est déjà supprimé.")
    locked.deleted_at, locked.deleted_by = timezone.now(), by
    locked.save(update_fields=["deleted_at", "deleted_by"])
    record(
        AuditEntry.Action.DECISION,
        obj=locked,
        cpts_id=locked.cpts_id,
        details={"decision": "document_deleted", "group_id": group.pk},
    )
    return locked


# ------------------------------------------------------------------------------- messages and consents


@transaction.atomic
def post_message(
    group: Group,
    by,
    body: str,
    *,
    subject: str = "",
    parent: Message | None = None,
    files=(),
    token: str = "",
    continue_thread: bool = False,
) -> Message:
    """Post a message with its attachments, all or nothing, in this order: check every file, write the
    message (coordination.actions.post_message: its rules, audit and event), store the files in the group
    (documents' rules). A refused file refuses the post; nothing is half stored. The same composer
    ``token`` sent twice gives back the first message (``duplicate``) and stores no file again."""
    files = [f for f in files or [] if f is not None]
    if len(files) > MAX_ATTACHMENTS:
        raise ActionError(f"{MAX_ATTACHMENTS} pièces jointes au plus par message.", "attachments")
    checked = [check_file(f, field="attachments") for f in files]
    message = coordination_actions.post_message(
        group, by, body, subject=subject, parent=parent, token=token, continue_thread=continue_thread
    )
    if getattr(message, "duplicate", False):
        return message
    if checked:
        _writable(group, by)
    for item in checked:
        _create(group, by, item, message=message)
    return message


@transaction.atomic
def record_consent(group: Group, by, document=None, **consent) -> Consent:
    """coordination.actions.record_consent, with the scan of the signed form: required when the consent
    was signed on paper, checked before the consent is written, stored in the circle with it."""
    method = consent.get("method")
    if method == Consent.Method.SIGNED_PAPER and document is None:
        raise ActionError(
            "Consentement sur papier signé : joignez le scan du document signé (PDF ou image).", "document"
        )
    checked = check_file(document, field="document", scans_only=True) if document is not None else None
    recorded = coordination_actions.record_consent(group, by, **consent)
    if checked is not None:
        _writable(group, by, clinical=False)
        _create(
            group,
            by,
            checked,
            title=f"Consentement signé du {recorded.collected_on:%d/%m/%Y}",
            kind=Document.Kind.CONSENT_FORM,
            consent=recorded,
        )
    return recorded


# ------------------------------------------------------------------------------------------- reading


class ContentUnavailable(Exception):
    """The stored content fails its integrity check (or its key is gone): it is never served. ``temporary``:
    the object store did not answer, the content may well be intact."""

    def __init__(self, reason: str, temporary: bool = False):
        super().__init__(reason)
        self.temporary = temporary


def open_version(version: DocumentVersion, user, *, inline: bool) -> bytes:
    """The decrypted content of a version, for a reader of its group (documents.store.read_plaintext); the
    access is recorded in the audit trail (``view`` for a preview in the browser, ``export`` for a
    download), an integrity failure too. A store that does not answer is logged, not recorded as an
    integrity failure."""
    document = version.document
    if not group_rules.can_read(user, document.group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    details = {
        "document_id": document.pk,
        "version": version.number,
        "group_id": document.group_id,
        "disposition": "inline" if inline else "attachment",
    }
    try:
        data = store.read_plaintext(version)
    except store.StoreUnavailable as exc:
        logger.error("document version %s: %s", version.pk, exc)
        raise ContentUnavailable(str(exc), temporary=True) from exc
    except crypto.IntegrityFailure as exc:
        logger.error("document version %s: %s", version.pk, exc)
        record(
            AuditEntry.Action.DECISION,
            obj=version,
            cpts_id=version.cpts_id,
            details={**details, "decision": "document_integrity_failure", "reason": str(exc)},
        )
        raise ContentUnavailable(str(exc)) from exc
    record(
        AuditEntry.Action.VIEW if inline else AuditEntry.Action.EXPORT,
        obj=version,
        cpts_id=version.cpts_id,
        details=details,
    )
    return data
