"""Removal of a group's documents when the group itself is purged (retention of closed care circles,
``coordination``'s ``purge_closed_circles``, which sends ``circle_purging``: connected here, imported by the
app's ``ready``). Deleting the rows removes the contents kept in the database; the objects of contents on the
object store are deleted once the purge is committed (documents/store.py, its ``post_delete`` receiver), so a
purge that fails leaves every row with its object. The caller records the purge in the audit trail with these
counts."""

from django.db import transaction
from django.dispatch import receiver

from coordination.models import Group
from coordination.retention import circle_purging
from documents.models import Document, DocumentBlob, DocumentVersion


@transaction.atomic
def purge_group(group: Group) -> dict[str, int]:
    """Delete every document of ``group`` (deleted ones too), their versions and encrypted contents (their
    objects after the commit). Returns the counts: {"documents": n, "versions": n, "blobs": n}."""
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


@receiver(circle_purging, sender=Group, dispatch_uid="documents.purge")
def purge_circle_documents(sender, group: Group, **kwargs) -> dict[str, int]:
    """coordination.retention purges a care circle: its documents go with it, counted in its audit entry."""
    return {f"documents_{k}" if not k.startswith("document") else k: v for k, v in purge_group(group).items()}
