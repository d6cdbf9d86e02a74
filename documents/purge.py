"""Removal of a group's documents when the group itself is purged (retention of closed care circles,
``coordination``'s ``purge_closed_circles``). Contents live in the database (DocumentBlob), so deleting the
rows removes them; the caller records the purge in the audit trail with these counts."""

from django.db import transaction

from coordination.models import Group
from documents.models import Document, DocumentBlob, DocumentVersion


@transaction.atomic
def purge_group(group: Group) -> dict[str, int]:
    """Delete every document of ``group`` (deleted ones too), their versions and encrypted contents.
    Returns the counts: {"documents": n, "versions": n, "blobs": n}."""
    documents = Document.objects.filter(group=group)
    versions = DocumentVersion.objects.filter(document__group=group)
    counts = {
        "documents": documents.count(),
        "versions": versions.count(),
        "blobs": DocumentBlob.objects.filter(version__document__group=group).count(),
    }
    DocumentBlob.objects.filter(version__document__group=group).delete()
    versions.delete()
    documents.delete()
    return counts
