"""FHIR faults: every integer of a request (path id, _id, _offset, _count, references, identifiers) is checked
in one place (opencpts/intparams.py through fhirapi.views.fhir_int): a number out of the column's range
answers 400 with a French OperationOutcome, never an HTML 500 from an overflow in SQL; comma lists mean "any
of"."""

import pytest

from agenda.tests.conftest import schedule
from documents import actions as documents
from documents.tests import samples
from fhirapi.tests.helpers import get
from fhirapi.tests.helpers import with_token as client_of
from fhirapi.tests.test_fhir_careteam import circle  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
BIG = "9" * 20  # above 2**63 - 1
TYPES = [
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "HealthcareService",
    "CareTeam",
    "Patient",
    "RelatedPerson",
    "Consent",
    "Communication",
    "DocumentReference",
    "Appointment",
]
REFERENCES = [
    "PractitionerRole?practitioner=Practitioner/{n}",
    "PractitionerRole?organization={n}",
    "PractitionerRole?identifier={n}",
    "HealthcareService?organization=Organization/cpts-{n}",
    "HealthcareService?_id=cpts-{n}",
    "CareTeam?patient=Patient/{n}",
    "CareTeam?subject={n}",
    "CareTeam?participant=PractitionerRole/{n}",
    "CareTeam?participant=Practitioner/{n}",
    "CareTeam?identifier={n}",
    "RelatedPerson?patient={n}",
    "Consent?patient=Patient/{n}",
    "Communication?subject={n}",
    "Communication?patient=Patient/1,Patient/{n}",
    "DocumentReference?related=CareTeam/{n}",
    "DocumentReference?author=Practitioner/{n}",
    "DocumentReference?patient={n}",
    "Appointment?actor=Patient/{n}",
    "Appointment?supporting-info={n}",
    "Appointment?practitioner={n}",
    "Appointment?patient={n}",
]


def assert_outcome_400(client, url):
    body = get(client, url, status=400)
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["severity"] == "error" and issue["code"] == "invalid"
    assert "hors limites" in issue["diagnostics"], issue["diagnostics"]
    return issue["diagnostics"]


@pytest.fixture
def fhir(client, circle):  # noqa: F811
    client.raise_request_exception = False  # a 500 is an answer to assert, not an exception in the test
    return client_of(client, circle["cast"].member)


@pytest.mark.parametrize("resource_type", TYPES)
def test_huge_id_offset_and_count_answer_400(fhir, resource_type):
    big_id = f"cpts-{BIG}" if resource_type == "HealthcareService" else BIG  # ids of the CPTS
    for query in (f"_id={big_id}", f"_offset={BIG}", f"_count={BIG}", f"_id=1,{big_id}"):
        diagnostics = assert_outcome_400(fhir, f"/fhir/{resource_type}?{query}")
        assert query.split("=")[0] in diagnostics or "cpts-" in diagnostics
    assert_outcome_400(fhir, f"/fhir/{resource_type}/{big_id}")


@pytest.mark.parametrize("pattern", REFERENCES)
def test_huge_references_answer_400(fhir, pattern):
    assert_outcome_400(fhir, "/fhir/" + pattern.format(n=BIG))


def test_the_bounds_are_those_of_the_column(fhir):
    top = str(2**63 - 1)
    assert get(fhir, f"/fhir/Patient?_id={top}")["total"] == 0
    assert get(fhir, f"/fhir/Patient/{top}", status=404)["issue"][0]["code"] == "not-found"
    assert_outcome_400(fhir, f"/fhir/Patient?_id={2**63}")
    assert_outcome_400(fhir, "/fhir/Patient?_offset=-1")
    assert_outcome_400(fhir, "/fhir/Patient?_count=1001")
    assert get(fhir, f"/fhir/Patient?_offset={2**31 - 1}")["entry"] == []


@pytest.mark.parametrize("text", ["²", "١٢", "1_0", "%2B1", "1e3", "0x1", "1.0"])
def test_paging_takes_ascii_digits_only(fhir, text):
    body = get(fhir, f"/fhir/Practitioner?_count={text}", status=400)
    assert "nombre entier attendu" in body["issue"][0]["diagnostics"]


def test_odd_ids_match_nothing_without_an_error(fhir, circle):  # noqa: F811
    patient = circle["patient"].pk
    assert get(fhir, "/fhir/Patient?_id=²")["total"] == 0
    assert get(fhir, f"/fhir/Patient?_id=abc,{patient}")["total"] == 1
    assert get(fhir, "/fhir/PractitionerRole?identifier=²")["total"] == 0
    assert get(fhir, "/fhir/Patient/abc", status=404)["resourceType"] == "OperationOutcome"
    assert get(fhir, "/fhir/Organization/cpts-abc", status=404)["resourceType"] == "OperationOutcome"


def test_comma_lists_in_references_mean_any_of(fhir, circle):  # noqa: F811
    cast, group, patient = circle["cast"], circle["group"], circle["patient"].pk
    place = circle["place"]
    documents.add_document(group, cast.member, samples.upload("cr.pdf", samples.pdf()), title="CR")
    schedule(group, cast.member)
    other = 10**12  # no such row

    def ids(url):
        return sorted(e["resource"]["id"] for e in get(fhir, url).get("entry", []))

    for url in (
        f"/fhir/CareTeam?subject=Patient/{other},Patient/{patient}",
        f"/fhir/CareTeam?patient={other},{patient}",
        f"/fhir/Consent?patient=Patient/{other},Patient/{patient}",
        f"/fhir/RelatedPerson?patient=Patient/{patient},Patient/{other}",
        f"/fhir/DocumentReference?subject=Patient/{other},Patient/{patient}",
        f"/fhir/DocumentReference?related=CareTeam/{other},CareTeam/{group.pk}",
        f"/fhir/Appointment?patient=Patient/{other},Patient/{patient}",
        f"/fhir/Appointment?supporting-info=CareTeam/{other},CareTeam/{group.pk}",
    ):
        assert ids(url), url
    assert ids(f"/fhir/Patient?_id={other},{patient}") == [str(patient)]
    assert (
        len(ids(f"/fhir/Communication?subject=Patient/{other},Patient/{patient}")) == 3
    )  # with the deleted one
    pro = cast.member.professional_id
    assert ids(f"/fhir/PractitionerRole?practitioner=Practitioner/{other},Practitioner/{pro}") == [
        str(place.pk)
    ]
    cpts = cast.cpts.pk
    assert ids(
        f"/fhir/HealthcareService?organization=Organization/cpts-{other},Organization/cpts-{cpts}"
    ) == [f"cpts-{cpts}"]
