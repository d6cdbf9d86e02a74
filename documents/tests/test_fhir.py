"""FHIR DocumentReference: valid R4 (fhir.resources R4B), pointing to the download page (never the bytes),
searchable by patient, subject, author and _id, and scoped like the other tenant resources."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.documentreference import DocumentReference

from accounts.models import APIToken
from coordination import actions as coordination
from coordination.models import Consent
from directory.models import PracticePlace
from documents import actions
from documents.tests import samples
from fhirapi.tests.helpers import get
from fhirapi.tests.helpers import with_token as fhir_client

pytestmark = pytest.mark.django_db


def search(client, url) -> list[dict]:
    body = get(client, url)
    Bundle.model_validate(body)
    resources = [e["resource"] for e in body.get("entry", [])]
    for resource in resources:
        DocumentReference.model_validate(resource)
    return resources


@pytest.fixture
def documents(circle):
    cast = circle.cast
    place = PracticePlace.objects.create(
        professional=cast.member.professional, label="Cabinet", postal_code="01300"
    )
    report = actions.add_document(
        circle.group,
        cast.member,
        samples.upload("compte-rendu.pdf", samples.pdf()),
        title="Compte rendu de sortie",
    )
    actions.add_version(report, cast.member, samples.upload("compte-rendu-v2.pdf", samples.pdf("v2")))
    consent = actions.record_consent(
        circle.group,
        cast.bureau,
        document=samples.upload("scan.jpg", samples.jpeg()),
        collected_on=circle.consent.collected_on,
        method=Consent.Method.SIGNED_PAPER,
        scope="Papier",
    )
    scan = consent.documents.get()
    return {"report": report, "scan": scan, "place": place, "consent": consent}


def test_document_reference_read_is_valid_and_links_to_the_download(client, circle, documents):
    fhir = fhir_client(client, circle.cast.member)
    report = documents["report"]
    resource = get(fhir, f"/fhir/DocumentReference/{report.pk}")
    DocumentReference.model_validate(resource)
    version = report.versions.get(number=2)
    assert resource["status"] == "current" and resource["docStatus"] == "final"
    assert resource["meta"]["versionId"] == "2"
    assert resource["subject"] == {"reference": f"Patient/{circle.group.patient_id}"}
    assert resource["context"]["related"] == [{"reference": f"CareTeam/{circle.group.pk}"}]
    assert resource["author"] == [
        {"reference": f"PractitionerRole/{documents['place'].pk}", "display": str(circle.cast.member)}
    ]
    attachment = resource["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf" and attachment["size"] == version.size
    assert attachment["hash"] == version.sha1_base64 and attachment["title"] == "compte-rendu-v2.pdf"
    assert attachment["url"].endswith(circle.url("documents:download", document_id=report.pk, number=2))
    assert "data" not in attachment  # never the bytes inline
    assert resource["identifier"] == [
        {"system": "http://testserver/fhir/sid/document-sha256", "value": version.sha256}
    ]
    assert resource["description"] == "Compte rendu de sortie"


def test_the_consent_scan_is_typed_and_related_to_its_consent(client, circle, documents):
    resource = get(fhir_client(client, circle.cast.member), f"/fhir/DocumentReference/{documents['scan'].pk}")
    DocumentReference.model_validate(resource)
    assert resource["type"]["coding"][0]["code"] == "59284-0"
    assert {"reference": f"Consent/{documents['consent'].pk}"} in resource["context"]["related"]
    assert resource["content"][0]["attachment"]["contentType"] == "image/jpeg"


def test_search_by_patient_subject_id_and_author(client, circle, documents):
    fhir = fhir_client(client, circle.cast.bureau)
    patient = circle.group.patient_id
    ids = {documents["report"].pk, documents["scan"].pk}
    assert {int(r["id"]) for r in search(fhir, f"/fhir/DocumentReference?patient=Patient/{patient}")} == ids
    assert {int(r["id"]) for r in search(fhir, f"/fhir/DocumentReference?subject={patient}")} == ids
    assert search(fhir, "/fhir/DocumentReference?patient=Patient/999999") == []
    found = search(fhir, f"/fhir/DocumentReference?_id={documents['scan'].pk}")
    assert [int(r["id"]) for r in found] == [documents["scan"].pk]
    by_author = search(fhir, f"/fhir/DocumentReference?author=PractitionerRole/{documents['place'].pk}")
    assert [int(r["id"]) for r in by_author] == [documents["report"].pk]
    by_team = search(fhir, f"/fhir/DocumentReference?related=CareTeam/{circle.group.pk}")
    assert len(by_team) == 2


def test_a_deleted_document_is_entered_in_error_without_a_link(client, circle, documents):
    actions.delete_document(documents["report"], circle.cast.member)
    fhir = fhir_client(client, circle.cast.member)
    resource = get(fhir, f"/fhir/DocumentReference/{documents['report'].pk}")
    DocumentReference.model_validate(resource)
    assert resource["status"] == "entered-in-error" and "url" not in resource["content"][0]["attachment"]
    current = search(fhir, "/fhir/DocumentReference?status=current")
    assert [int(r["id"]) for r in current] == [documents["scan"].pk]


@pytest.mark.parametrize("who", ["coordinator", "referent", "other_coordinator", "removed"])
def test_nobody_outside_the_circle_finds_them(client, circle, documents, who):
    cast = circle.cast
    if who == "removed":
        coordination.remove_member(circle.group, cast.member, cast.partner)
        user = cast.partner
    else:
        user = getattr(cast, who)
    response = client.get(
        f"/fhir/DocumentReference/{documents['report'].pk}",
        HTTP_AUTHORIZATION=f"Bearer {APIToken.issue(user)[1]}",
    )
    # The referent has no FHIR access at all (401); for the others these documents do not exist (404).
    assert response.status_code == (401 if who == "referent" else 404)
    if who != "referent":
        body = get(fhir_client(client, user), f"/fhir/DocumentReference?patient={circle.group.patient_id}")
        assert body.get("entry", []) == [] and body["total"] == 0


def test_metadata_declares_document_reference(client, circle):
    body = get(fhir_client(client, circle.cast.member), "/fhir/metadata")
    CapabilityStatement.model_validate(body)
    (resource,) = [r for r in body["rest"][0]["resource"] if r["type"] == "DocumentReference"]
    names = {p["name"] for p in resource["searchParam"]}
    assert {"patient", "subject", "author", "_id"} <= names
