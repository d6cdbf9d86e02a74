"""FHIR Cercle de soins at /fhir: CareTeam, Patient, RelatedPerson, Consent and Communication, valid R4
(fhir.resources R4B), served to the active members of a care circle only: nobody else sees anything."""

import datetime as dt

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.relatedperson import RelatedPerson

from coordination import actions
from coordination.models import Consent, Relative
from directory.models import PracticePlace
from fhirapi import mapping
from fhirapi.tests.helpers import get
from fhirapi.tests.helpers import with_token as client_of

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NIR = "255081416802538"
MODELS = {
    "CareTeam": CareTeam,
    "Patient": FhirPatient,
    "RelatedPerson": RelatedPerson,
    "Consent": FhirConsent,
    "Communication": Communication,
}


@pytest.fixture
def circle(cast):
    """Member opens the circle of Jeanne DURAND, bureau joins; consent, a subject, a reply, a deleted
    message."""
    place = PracticePlace.objects.create(
        professional=cast.member.professional, label="Cabinet", postal_code="01300"
    )
    patient = actions.create_patient(
        cast.cpts,
        cast.member,
        family_name="DURANDEAU",
        given_names="Jeanne Marie",
        birth_date=dt.date(1940, 3, 2),
        sex="F",
        nir=NIR,
        phone="0479000000",
    )
    relative = Relative.objects.create(
        cpts=cast.cpts,
        patient=patient,
        kind=Relative.Kind.CAREGIVER,
        family_name="DURANDEAU",
        given_names="Luc",
        phone="0600000000",
    )
    group = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.invite(group, cast.member, cast.bureau, function="Infirmier")
    actions.answer_invitation(group, cast.bureau, accept=True)
    consent = actions.record_consent(
        group,
        cast.member,
        collected_on=TODAY,
        method=Consent.Method.SIGNED_PAPER,
        scope="Partage entre les professionnels du cercle",
    )
    subject = actions.post_message(
        group, cast.member, "Sortie prévue lundi", subject="Sortie d'hospitalisation"
    )
    reply = actions.post_message(group, cast.bureau, "Je passe mardi", parent=subject)
    deleted = actions.post_message(group, cast.member, "Message erroné", subject="Erreur")
    actions.delete_message(deleted, cast.member)
    return {
        "cast": cast,
        "group": group,
        "patient": patient,
        "relative": relative,
        "consent": consent,
        "subject": subject,
        "reply": reply,
        "deleted": deleted,
        "place": place,
    }


def validate(resource):
    MODELS[resource["resourceType"]].model_validate(resource)
    assert resource["meta"].get("profile", []) == mapping.PROFILES[resource["resourceType"]]
    return resource


def search(client, url):
    body = get(client, url)
    Bundle.model_validate(body)
    return [validate(e["resource"]) for e in body.get("entry", [])]


def urls(c):
    return {
        "CareTeam": c["group"].pk,
        "Patient": c["patient"].pk,
        "RelatedPerson": c["relative"].pk,
        "Consent": c["consent"].pk,
        "Communication": c["subject"].pk,
    }


def test_careteam_search_by_patient_follows_the_cds_profile(client, circle):
    fhir = client_of(client, circle["cast"].member)
    found = search(fhir, f"/fhir/CareTeam?patient=Patient/{circle['patient'].pk}")
    assert len(found) == 1
    team = found[0]
    assert team["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/cds/StructureDefinition/cds-ihe-careteam"
    ]
    assert team["identifier"] == [
        {"system": "http://testserver/fhir/sid/careteam", "value": str(circle["group"].pk)}
    ]
    assert team["status"] == "active"
    assert team["subject"] == {"reference": f"Patient/{circle['patient'].pk}"}
    assert team["period"]["start"] == circle["group"].created_at.date().isoformat()
    assert team["managingOrganization"] == [{"reference": f"Organization/cpts-{circle['cast'].cpts.pk}"}]
    members = [p["member"] for p in team["participant"]]
    assert members[0]["reference"] == f"PractitionerRole/{circle['place'].pk}"
    assert "reference" not in members[1] and members[1]["display"]  # the bureau member has no practice place
    assert all(p["period"]["start"] for p in team["participant"])


def test_reads_of_every_resource_validate(client, circle):
    fhir = client_of(client, circle["cast"].member)
    patient = validate(get(fhir, f"/fhir/Patient/{circle['patient'].pk}"))
    assert patient["gender"] == "female" and patient["birthDate"] == "1940-03-02"
    assert (
        patient["identifier"][0]["system"] == mapping.SYS_INS_NIR and patient["identifier"][0]["value"] == NIR
    )
    assert patient["name"][0]["family"] == "DURANDEAU" and patient["name"][0]["given"] == ["Jeanne", "Marie"]
    relative = validate(get(fhir, f"/fhir/RelatedPerson/{circle['relative'].pk}"))
    assert relative["relationship"][0]["coding"][0] == {
        "system": mapping.R260,
        "code": "CAREGIVER",
        "display": "Aidant",
    }
    assert relative["patient"] == {"reference": f"Patient/{circle['patient'].pk}"}
    consent = validate(get(fhir, f"/fhir/Consent/{circle['consent'].pk}"))
    assert consent["status"] == "active"
    assert consent["category"][0]["coding"][0]["code"] == "59284-0"
    subject = validate(get(fhir, f"/fhir/Communication/{circle['subject'].pk}"))
    assert subject["status"] == "completed" and subject["topic"]["text"] == "Sortie d'hospitalisation"
    assert subject["payload"] == [{"contentString": "Sortie prévue lundi"}]
    assert subject["subject"] == {"reference": f"Patient/{circle['patient'].pk}"}
    reply = validate(get(fhir, f"/fhir/Communication/{circle['reply'].pk}"))
    assert reply["inResponseTo"] == [{"reference": f"Communication/{circle['subject'].pk}"}]
    deleted = validate(get(fhir, f"/fhir/Communication/{circle['deleted'].pk}"))
    assert deleted["status"] == "entered-in-error" and "payload" not in deleted


def test_searches_by_participant_status_start_and_others(client, circle):
    fhir = client_of(client, circle["cast"].member)
    pro, place, pk = circle["cast"].member.professional, circle["place"], circle["group"].pk
    patient = circle["patient"].pk
    hits = {
        f"/fhir/CareTeam?participant=Practitioner/{pro.pk}": [pk],
        f"/fhir/CareTeam?participant=PractitionerRole/{place.pk}": [pk],
        "/fhir/CareTeam?participant=Practitioner/999999": [],
        "/fhir/CareTeam?status=active": [pk],
        "/fhir/CareTeam?status=inactive": [],
        f"/fhir/CareTeam?start=ge{TODAY.isoformat()}": [pk],
        f"/fhir/CareTeam?start=lt{TODAY.isoformat()}": [],
        f"/fhir/CareTeam?date=le{TODAY.isoformat()}": [pk],
        f"/fhir/CareTeam?identifier=http://testserver/fhir/sid/careteam|{pk}": [pk],
        f"/fhir/CareTeam?_id={pk}": [pk],
        f"/fhir/Patient?identifier={mapping.SYS_INS_NIR}|{NIR}": [patient],
        "/fhir/Patient?family=duran": [patient],
        "/fhir/Patient?given=jeanne&birthdate=1940-03-02": [patient],
        "/fhir/Patient?name=martin": [],
        f"/fhir/RelatedPerson?patient=Patient/{patient}": [circle["relative"].pk],
        f"/fhir/Consent?patient=Patient/{patient}&status=active": [circle["consent"].pk],
        "/fhir/Consent?status=inactive": [],
        f"/fhir/Communication?subject=Patient/{patient}": [
            circle["subject"].pk,
            circle["reply"].pk,
            circle["deleted"].pk,
        ],
    }
    for url, expected in hits.items():
        assert [int(r["id"]) for r in search(fhir, url)] == expected, url


def test_bad_date_and_unknown_parameter_answer_an_operation_outcome(client, circle):
    fhir = client_of(client, circle["cast"].member)
    assert get(fhir, "/fhir/CareTeam?start=ge2026-13-45", 400)["resourceType"] == "OperationOutcome"
    assert get(fhir, "/fhir/CareTeam?start=sa2026-01-01", 400)["resourceType"] == "OperationOutcome"
    assert get(fhir, "/fhir/Patient?gender=female", 400)["resourceType"] == "OperationOutcome"


def assert_sees_nothing(client, circle):
    for resource_type, pk in urls(circle).items():
        response = client.get(f"/fhir/{resource_type}")
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 0 and body["entry"] == [], resource_type
        assert b"DURANDEAU" not in response.content
        response = client.get(f"/fhir/{resource_type}/{pk}")
        assert response.status_code == 404, resource_type
        assert b"DURANDEAU" not in response.content and b"Sortie" not in response.content
    response = client.get(f"/fhir/CareTeam?patient=Patient/{circle['patient'].pk}")
    assert response.json()["entry"] == []


@pytest.mark.parametrize("role", ["partner", "coordinator", "other_coordinator", "admin"])
def test_people_outside_the_circle_see_nothing(client, circle, role):
    cast = circle["cast"]
    user = {
        "partner": cast.partner,
        "coordinator": cast.coordinator,
        "other_coordinator": cast.other_coordinator,
        "admin": cast.admin,
    }[role]
    assert_sees_nothing(client_of(client, user), circle)


def test_a_removed_member_loses_access(client, circle):
    cast = circle["cast"]
    fhir = client_of(client, cast.bureau)
    assert len(search(fhir, "/fhir/CareTeam")) == 1
    actions.remove_member(circle["group"], cast.coordinator, cast.bureau)
    assert_sees_nothing(fhir, circle)
    # ...and the circle shows them as a former participant, with an end date.
    team = search(client_of(client, cast.member), "/fhir/CareTeam")[0]
    assert len(team["participant"]) == 2 and "end" in team["participant"][1]["period"]
    fhir = client_of(client, cast.bureau)
    pro = cast.member.professional.pk
    assert [int(t["id"]) for t in search(fhir, f"/fhir/CareTeam?participant=Practitioner/{pro}")] == []


def test_withdrawn_consent_is_inactive_and_a_closed_circle_too(client, circle):
    cast = circle["cast"]
    actions.withdraw_consent(circle["consent"], cast.member)
    fhir = client_of(client, cast.member)
    assert validate(get(fhir, f"/fhir/Consent/{circle['consent'].pk}"))["status"] == "inactive"
    assert [int(c["id"]) for c in search(fhir, "/fhir/Consent?status=inactive")] == [circle["consent"].pk]
    actions.close_group(circle["group"], cast.member)
    team = validate(get(fhir, f"/fhir/CareTeam/{circle['group'].pk}"))
    assert team["status"] == "inactive" and team["period"]["end"] == TODAY.isoformat()


def test_metadata_lists_the_cercle_de_soins_resources(client, circle):
    body = get(client_of(client, circle["cast"].member), "/fhir/metadata")
    CapabilityStatement.model_validate(body)
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert resources["CareTeam"]["profile"] == mapping.PROFILES["CareTeam"][0]
    names = {p["name"] for p in resources["CareTeam"]["searchParam"]}
    assert {"patient", "participant", "status", "start", "date", "identifier", "_id"} <= names
    assert {p["name"] for p in resources["Patient"]["searchParam"]} >= {
        "identifier",
        "family",
        "given",
        "birthdate",
    }
    for name in ("RelatedPerson", "Consent", "Communication"):
        assert name in resources
