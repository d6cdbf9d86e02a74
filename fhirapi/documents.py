"""FHIR R4 DocumentReference for the documents of the coordination groups (documents app).

Scoped exactly like the other tenant resources of fhirapi/search/care.py: a user sees only the documents of
the groups they may read now (coordination.access, through ``care.visible_group_ids``). The content is never
inline: ``content.attachment.url`` points to the download page, which checks the rules again and records
the download in the audit trail. ``attachment.hash`` is the SHA-1 of the content, base64 (as FHIR defines
it); the SHA-256 kept for traceability is given as an identifier (hexadecimal, our own system).

One DocumentReference per document, describing its current version (``meta.versionId``); a deleted
document stays readable as ``entered-in-error``, without a link to its content.
"""

from django.db.models import Prefetch
from django.urls import reverse

from documents.models import Document, DocumentVersion
from fhirapi import mapping
from fhirapi.http import FhirError
from fhirapi.params import practitioner_q
from fhirapi.search.care import visible_group_ids
from fhirapi.search.spec import REFERENCE, TOKEN, SearchParam, date, reference, searchable

LOINC = "http://loinc.org"
CONSENT_TYPE = {"system": LOINC, "code": "59284-0", "display": "Patient Consent"}


def visible_documents(user):
    versions = DocumentVersion.objects.order_by("-number")
    return (
        Document.objects.filter(group_id__in=visible_group_ids(user))
        .select_related("group", "cpts", "created_by__professional")
        .prefetch_related(Prefetch("versions", queryset=versions))
    )


def _author(qs, value):
    return qs.filter(practitioner_q(value, "created_by__professional"))


def _status(qs, value):
    statuses = set(value.split(","))
    if statuses - {"current", "entered-in-error"}:
        raise FhirError(400, "invalid", "status : « current » ou « entered-in-error » attendu.")
    if statuses == {"current"}:
        return qs.filter(deleted_at__isnull=True)
    if statuses == {"entered-in-error"}:
        return qs.filter(deleted_at__isnull=False)
    return qs


def _download_url(document: Document, number: int) -> str:
    path = reverse(
        "documents:download",
        kwargs={
            "slug": document.cpts.slug,
            "group_id": document.group_id,
            "document_id": document.pk,
            "number": number,
        },
    )
    return f"{mapping.site_url()}{path}"


def document_reference(document: Document) -> dict:
    version = document.latest
    deleted = document.deleted_at is not None
    meta = {
        "source": mapping.site_url(),
        "lastUpdated": (document.deleted_at or version.uploaded_at).isoformat(timespec="milliseconds"),
        "versionId": str(version.number),
    }
    attachment = {
        "contentType": version.content_type,
        "language": "fr",
        "size": version.size,
        "hash": version.sha1_base64,
        "title": version.filename,
        "creation": version.uploaded_at.isoformat(timespec="seconds"),
    }
    if not deleted:
        attachment["url"] = _download_url(document, version.number)
    resource = {
        "resourceType": "DocumentReference",
        "id": str(document.pk),
        "meta": meta,
        "masterIdentifier": {"system": mapping.local_system("document"), "value": str(document.pk)},
        "identifier": [{"system": mapping.local_system("document-sha256"), "value": version.sha256}],
        "status": "entered-in-error" if deleted else "current",
        "docStatus": "final",
        "type": (
            {"coding": [CONSENT_TYPE], "text": "Consentement signé (scan)"}
            if document.kind == Document.Kind.CONSENT_FORM
            else {"text": "Document de coordination"}
        ),
        "date": document.created_at.isoformat(timespec="seconds"),
        "author": [mapping.user_reference(document.created_by)],
        "custodian": {"reference": f"Organization/cpts-{document.cpts_id}"},
        "description": document.title,
        "content": [{"attachment": attachment}],
        "context": {"related": [{"reference": f"CareTeam/{document.group_id}"}]},
    }
    if document.group.patient_id:
        resource["subject"] = {"reference": f"Patient/{document.group.patient_id}"}
    if document.consent_id:
        resource["context"]["related"].append({"reference": f"Consent/{document.consent_id}"})
    if document.message_id:
        resource["context"]["related"].append({"reference": f"Communication/{document.message_id}"})
    return resource


RESOURCE = searchable(
    base=visible_documents,
    tenant=True,
    map=document_reference,
    params=(
        reference("patient", "Patient", "group__patient_id"),
        reference("subject", "Patient", "group__patient_id"),
        reference("related", "CareTeam", "group_id"),
        SearchParam("author", REFERENCE, _author),
        SearchParam("status", TOKEN, _status),
        date("date", "created_at__date"),
    ),
    distinct=True,
)
