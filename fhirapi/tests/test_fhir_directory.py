"""FHIR R4 directory endpoints: valid resources (checked with fhir.resources), ANS profiles, searches,
paging, near, errors as OperationOutcome."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from accounts.models import APIToken
from directory import generate, rpps_format, rpps_import
from directory.models import PracticePlace, Professional, Structure
from directory.search import haversine_km
from fhirapi import mapping
from fhirapi.tests.helpers import get

pytestmark = pytest.mark.django_db

MODELS = {
    "Practitioner": Practitioner,
    "PractitionerRole": PractitionerRole,
    "Organization": Organization,
    "Location": Location,
    "HealthcareService": HealthcareService,
}
BELLEY = (45.7598, 5.6880)


@pytest.fixture
def directory(tmp_path, cast):
    path = tmp_path / "extract.txt"
    rows = list(generate.rows(150, seed=5, insee=["01034", "01138", "01004", "01283", "69123"]))
    path.write_text(
        "\n".join([rpps_format.header_line()] + [rpps_format.format_line(r) for r in rows]) + "\n",
        encoding="utf-8",
    )
    rpps_import.import_extract(path)
    structure = Structure.objects.create(name="MSP Test", kind=Structure.Kind.MSP, siret="73282932000074")
    place = PracticePlace.objects.filter(source="rpps").first()
    place.structure = structure
    place.save()
    return cast


@pytest.fixture
def fhir_client(client, directory):
    _, raw = APIToken.issue(directory.coordinator)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def validate_bundle(body):
    Bundle.model_validate(body)
    for entry in body.get("entry", []):
        resource = entry["resource"]
        MODELS[resource["resourceType"]].model_validate(resource)
        assert resource["meta"]["profile"] == mapping.PROFILES[resource["resourceType"]]
        assert entry["fullUrl"].endswith(f"/fhir/{resource['resourceType']}/{resource['id']}")
    return body


def test_metadata_lists_exactly_the_supported_resources_and_parameters(fhir_client):
    body = get(fhir_client, "/fhir/metadata")
    CapabilityStatement.model_validate(body)
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(resources) == {
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
    }
    names = {p["name"] for p in resources["Practitioner"]["searchParam"]}
    assert {"identifier", "name", "family", "given", "qualification-code", "active", "_count"} <= names
    assert set(resources["PractitionerRole"]["searchInclude"]) == {
        "PractitionerRole:practitioner",
        "PractitionerRole:organization",
    }
    assert "near" in {p["name"] for p in resources["Location"]["searchParam"]}


def test_practitioner_read_follows_the_annuaire_profile(fhir_client):
    pro = Professional.objects.filter(source="rpps", specialty_code__gt="").first()
    body = get(fhir_client, f"/fhir/Practitioner/{pro.pk}")
    Practitioner.model_validate(body)
    systems = {i["system"]: i["value"] for i in body["identifier"]}
    assert systems["urn:oid:1.2.250.1.71.4.2.1"] == "8" + pro.national_id
    assert systems["https://rpps.esante.gouv.fr"] == pro.national_id
    codings = [c for q in body["qualification"] for c in q["code"]["coding"]]
    assert {"system": mapping.SYSTEM_URLS["TRE_G15"], "code": pro.profession_code} in [
        {"system": c["system"], "code": c["code"]} for c in codings
    ]
    assert pro.specialty_code in {c["code"] for c in codings}


@pytest.mark.parametrize(
    "query, check",
    [
        ("identifier=https://rpps.esante.gouv.fr|{rpps}", lambda p, pro: p["id"] == str(pro.pk)),
        ("identifier=urn:oid:1.2.250.1.71.4.2.1|8{rpps}", lambda p, pro: p["id"] == str(pro.pk)),
        ("family={family}", lambda p, pro: p["name"][0]["family"].startswith(pro.last_name)),
        ("name={family}", lambda p, pro: pro.last_name in p["name"][0]["family"]),
        (
            "qualification-code=10",
            lambda p, pro: "10" in {c["code"] for q in p["qualification"] for c in q["code"]["coding"]},
        ),
        ("active=true", lambda p, pro: p["active"] is True),
    ],
)
def test_practitioner_searches(fhir_client, query, check):
    pro = Professional.objects.filter(source="rpps", profession_code="10").first()
    body = validate_bundle(
        get(fhir_client, "/fhir/Practitioner?" + query.format(rpps=pro.national_id, family=pro.last_name))
    )
    assert body["total"] >= 1 and body["entry"]
    assert all(check(e["resource"], pro) for e in body["entry"])


def test_paging_gives_next_and_previous_links(fhir_client):
    total = Professional.objects.count()
    first = validate_bundle(get(fhir_client, "/fhir/Practitioner?_count=10"))
    assert first["total"] == total and len(first["entry"]) == 10
    relations = {link["relation"]: link["url"] for link in first["link"]}
    assert "next" in relations and "previous" not in relations
    second = validate_bundle(get(fhir_client, relations["next"].split("testserver")[1]))
    assert {link["relation"] for link in second["link"]} >= {"self", "next", "previous"}
    ids_first = {e["resource"]["id"] for e in first["entry"]}
    assert not ids_first & {e["resource"]["id"] for e in second["entry"]}


def test_practitioner_role_includes_practitioner_and_organization(fhir_client):
    place = PracticePlace.objects.filter(structure__isnull=False).first()
    body = validate_bundle(
        get(
            fhir_client,
            f"/fhir/PractitionerRole?practitioner=Practitioner/{place.professional_id}"
            "&_include=PractitionerRole:practitioner&_include=PractitionerRole:organization",
        )
    )
    modes = {(e["resource"]["resourceType"], e["search"]["mode"]) for e in body["entry"]}
    assert ("PractitionerRole", "match") in modes
    assert ("Practitioner", "include") in modes and ("Organization", "include") in modes


def test_role_and_organization_searches(fhir_client):
    place = PracticePlace.objects.filter(structure__isnull=False).first()
    body = validate_bundle(
        get(fhir_client, f"/fhir/PractitionerRole?organization=Organization/{place.structure_id}")
    )
    assert [e["resource"]["id"] for e in body["entry"]] == [str(place.pk)]
    body = validate_bundle(get(fhir_client, "/fhir/PractitionerRole?role=60&_count=5"))
    assert all(e["resource"]["code"][0]["coding"][0]["code"] == "60" for e in body["entry"])
    body = validate_bundle(get(fhir_client, "/fhir/Organization?identifier=https://sirene.fr|73282932000074"))
    assert body["total"] == 1


def test_location_near_is_sorted_by_distance_with_the_distance_extension(fhir_client):
    body = validate_bundle(get(fhir_client, f"/fhir/Location?near={BELLEY[0]}|{BELLEY[1]}|30|km&_count=20"))
    distances = [e["search"]["extension"][0]["valueDistance"]["value"] for e in body["entry"]]
    assert distances and distances == sorted(distances) and max(distances) <= 30
    for entry in body["entry"]:
        pos = entry["resource"]["position"]
        assert (
            abs(
                haversine_km(BELLEY[0], BELLEY[1], pos["latitude"], pos["longitude"])
                - entry["search"]["extension"][0]["valueDistance"]["value"]
            )
            < 0.01
        )
    expected = sorted(
        haversine_km(BELLEY[0], BELLEY[1], p.latitude, p.longitude)
        for p in PracticePlace.objects.filter(active=True, latitude__isnull=False)
    )
    assert len(distances) == min(20, sum(1 for d in expected if d <= 30))


def test_healthcare_service_of_a_cpts(fhir_client, directory):
    body = validate_bundle(get(fhir_client, "/fhir/HealthcareService"))
    assert {e["resource"]["name"] for e in body["entry"]} == {directory.cpts.name, directory.other.name}
    org = get(fhir_client, f"/fhir/Organization/cpts-{directory.cpts.pk}")
    Organization.model_validate(org)


@pytest.mark.parametrize(
    "url, status, code",
    [
        ("/fhir/Practitioner?unknown=1", 400, "not-supported"),
        ("/fhir/Location?near=abc", 400, "invalid"),
        ("/fhir/Location?near=45.7|5.6|5000|km", 400, "invalid"),
        ("/fhir/Location?near=45.7|5.6|5|miles", 400, "invalid"),
        ("/fhir/Practitioner?_count=-1", 400, "invalid"),
        ("/fhir/Practitioner?identifier=http://example.org|1", 400, "invalid"),
        ("/fhir/PractitionerRole?_include=Practitioner:foo", 400, "not-supported"),
        ("/fhir/Practitioner/999999999", 404, "not-found"),
        ("/fhir/Encounter", 404, "not-supported"),
    ],
)
def test_errors_answer_an_operation_outcome(fhir_client, url, status, code):
    body = get(fhir_client, url, status)
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["code"] == code and body["issue"][0]["diagnostics"]


def test_anonymous_and_outsider_get_401(client, directory):
    assert client.get("/fhir/Practitioner").status_code == 401
    _, raw = APIToken.issue(directory.outsider)
    response = client.get("/fhir/Practitioner", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    OperationOutcome.model_validate(response.json())


def test_write_methods_are_refused(fhir_client):
    response = fhir_client.post("/fhir/Practitioner", data="{}", content_type="application/fhir+json")
    assert response.status_code == 405
