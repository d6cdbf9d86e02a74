"""Who may see and add documents: the rules of the group (coordination.access), nothing more.

- A group's documents are read by those who may read the group (active members holding a patient-data
  role): never the coordinator as such, a removed member, another CPTS, or anyone else.
- Adding a document (or a version) needs an open group and, in a care circle, a valid consent — except the
  scan of the signed consent itself, recorded together with the consent.
- A deleted document disappears from the pages; its versions stay in the database for the audit.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from coordination import access as group_rules
from coordination.models import Group
from cpts.models import CPTS
from cpts.scoping import scoped
from documents.models import Document, DocumentVersion

NO_CONSENT = (
    "Aucun consentement valide du patient : aucun document ne peut être partagé dans ce cercle de soins "
    "tant qu'un consentement n'a pas été recueilli."
)
CLOSED = "Ce groupe est clôturé : il est en lecture seule."


def can_add(user, group: Group) -> bool:
    return group_rules.can_read(user, group) and group_rules.can_share_clinical(group)


def can_delete(user, document: Document) -> bool:
    group = document.group
    return (
        group_rules.can_read(user, group)
        and group.status == Group.Status.OPEN
        and document.kind == Document.Kind.FILE
        and (document.created_by_id == user.pk or group_rules.can_manage(user, group))
    )


def with_versions(qs: QuerySet) -> QuerySet:
    versions = DocumentVersion.objects.select_related("uploaded_by").order_by("-number")
    return qs.select_related("created_by", "group").prefetch_related(Prefetch("versions", queryset=versions))


def group_documents(group: Group) -> QuerySet:
    """The documents of a group the caller has already checked the reader of (not deleted)."""
    return with_versions(scoped(Document, group.cpts).filter(group=group, deleted_at__isnull=True))


def document_to_read(user, cpts: CPTS, group_id: int, document_id: int) -> Document:
    group = group_rules.group_to_read(user, cpts, group_id)  # 404 / 403
    document = with_versions(scoped(Document, cpts).filter(group=group, pk=document_id)).first()
    if document is None or document.deleted_at is not None:
        raise Http404("Document introuvable ou supprimé.")
    return document


def version_to_read(user, cpts: CPTS, group_id: int, document_id: int, number: int) -> DocumentVersion:
    document = document_to_read(user, cpts, group_id, document_id)
    version = next((v for v in document.versions.all() if v.number == number), None)
    if version is None:
        raise Http404("Version introuvable.")
    return version


def require_reader(user, group: Group) -> None:
    if not group_rules.can_read(user, group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
