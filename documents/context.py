"""What the documents templates need, computed once: shared by the group page's inclusion tags and the
documents views (the section fragment re-fetched by the real-time script)."""

from coordination import access as group_rules
from coordination.models import Group
from documents import access
from documents.forms import UploadForm
from documents.models import Document


def section_context(user, group: Group, upload_form: UploadForm | None = None) -> dict:
    """The documents section of a group whose reader the caller has checked."""
    is_open = group.status == Group.Status.OPEN
    can_add = access.can_add(user, group)
    return {
        "group": group,
        "cpts": group.cpts,
        "documents": list(access.group_documents(group)),
        "can_add": can_add,
        "is_open": is_open,
        "upload_form": (upload_form or UploadForm(auto_id="document_%s")) if can_add else None,
    }


def attachments_by_message(group: Group) -> dict[int, list[Document]]:
    by_message: dict[int, list[Document]] = {}
    for document in access.with_versions(Document.objects.filter(group=group, message__isnull=False)):
        by_message.setdefault(document.message_id, []).append(document)
    for documents in by_message.values():
        documents.sort(key=lambda d: d.pk)
    return by_message


def documents_by_consent(group: Group) -> dict[int, list[Document]]:
    by_consent: dict[int, list[Document]] = {}
    for document in access.with_versions(
        Document.objects.filter(group=group, consent__isnull=False, kind=Document.Kind.CONSENT_FORM)
    ):
        by_consent.setdefault(document.consent_id, []).append(document)
    return by_consent


def can_read(user, group: Group) -> bool:
    return group_rules.can_read(user, group)
