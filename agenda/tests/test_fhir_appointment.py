"""FHIR R4 Appointment at /fhir: the calendar's events, valid (fhir.resources R4B), readable and searchable by
the active members of the group only, with a neutral description."""

import datetime as dt

import pytest
from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from agenda import actions
from agenda.models import Event
from agenda.tests.conftest import at, schedule
from agenda.timing import When
from coordination import actions as coordination
from fhirapi.tests.helpers import get
from fhirapi.tests.helpers import with_token as as_user

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def events(world):
    cast = world.cast
    visit = schedule(
        world.circle,
        cast.member,
        title="Pansement ulcère",
        description="Insuline",
        place="Domicile",
        participants=[cast.member, cast.bureau],
        external_participants="Aide à domicile",
    )
    later = schedule(
        world.circle, cast.bureau, day=TOMORROW + dt.timedelta(days=10), kind=Event.Kind.MEETING, title="RCP"
    )
    cancelled = schedule(world.circle, cast.member, kind=Event.Kind.DISCHARGE, title="Sortie")
    actions.cancel_event(cancelled, cast.member, reason="Sortie reportée")
    meeting = actions.create_event(
        world.working_group, cast.partner, kind=Event.Kind.MEETING, title="Réunion", when=When.days(TOMORROW)
    )
    return {"visit": visit, "later": later, "cancelled": cancelled, "meeting": meeting}


def search(client, query="") -> list[dict]:
    body = get(client, f"/fhir/Appointment{query}")
    Bundle.model_validate(body)
    resources = [e["resource"] for e in body.get("entry", [])]
    for resource in resources:
        Appointment.model_validate(resource)
    return resources


def ids(resources) -> set[int]:
    return {int(r["id"]) for r in resources}


def test_read_gives_a_valid_neutral_appointment(client, world, events):
    cast = world.cast
    visit = events["visit"]
    body = get(as_user(client, cast.member), f"/fhir/Appointment/{visit.pk}")
    Appointment.model_validate(body)
    assert body["status"] == "booked" and body["description"] == "Concertation — visite à domicile"
    assert body["serviceType"][0]["coding"][0]["code"] == "home_visit"
    assert body["serviceType"][0]["text"] == "Visite à domicile"
    assert dt.datetime.fromisoformat(body["start"]) == at(TOMORROW, 9)
    assert dt.datetime.fromisoformat(body["end"]) == at(TOMORROW, 10) and body["minutesDuration"] == 60
    assert body["supportingInformation"] == [{"reference": f"CareTeam/{world.circle.pk}"}]
    actors = [p["actor"] for p in body["participant"]]
    assert actors[0] == {"reference": f"Patient/{world.patient.pk}"}
    assert {"reference": f"Practitioner/{cast.member.professional_id}", "display": str(cast.member)} in actors
    assert {"display": str(cast.bureau)} in actors  # no directory entry: a name only
    assert {"display": "Aide à domicile"} in actors
    assert body["identifier"][0]["value"] == str(visit.uid)
    text = str(body)
    assert "Pansement ulcère" not in text and "Insuline" not in text


def test_a_cancelled_event_is_a_cancelled_appointment(client, world, events):
    body = get(as_user(client, world.cast.member), f"/fhir/Appointment/{events['cancelled'].pk}")
    Appointment.model_validate(body)
    assert body["status"] == "cancelled" and body["cancelationReason"] == {"text": "Sortie reportée"}
    assert body["meta"]["versionId"] == "2"


def test_an_all_day_working_group_meeting(client, world, events):
    body = get(as_user(client, world.cast.partner), f"/fhir/Appointment/{events['meeting'].pk}")
    Appointment.model_validate(body)
    assert body["description"] == "Groupe de travail — réunion / RCP" and body["minutesDuration"] in (
        1380,
        1440,
        1500,
    )
    assert body["participant"] == [
        {"actor": {"display": str(world.cast.partner)}, "required": "required", "status": "accepted"}
    ]  # nobody named: the creator
    assert body["extension"][0]["valueBoolean"] is True


def test_search_is_scoped_to_the_groups_i_read(client, world, events):
    cast = world.cast
    assert ids(search(as_user(client, cast.member))) == {e.pk for e in events.values()}
    assert ids(search(as_user(client, cast.partner))) == {events["meeting"].pk}
    for user in (cast.coordinator, cast.other_coordinator):
        api = as_user(client, user)
        assert search(api) == []
        get(api, f"/fhir/Appointment/{events['visit'].pk}", status=404)
    coordination.remove_member(world.circle, cast.member, cast.bureau)
    assert search(as_user(client, cast.bureau)) == []


def test_search_parameters(client, world, events):
    cast = world.cast
    api = as_user(client, cast.member)
    circle_events = {events["visit"].pk, events["cancelled"].pk, events["later"].pk}
    assert ids(search(api, f"?patient=Patient/{world.patient.pk}")) == circle_events
    assert ids(search(api, f"?actor=Patient/{world.patient.pk}")) == circle_events
    assert ids(search(api, f"?practitioner=Practitioner/{cast.member.professional_id}")) == {
        events["visit"].pk
    }
    assert ids(search(api, f"?actor=Practitioner/{cast.member.professional_id}")) == {events["visit"].pk}
    assert ids(search(api, "?status=cancelled")) == {events["cancelled"].pk}
    assert events["cancelled"].pk not in ids(search(api, "?status=booked"))
    assert search(api, "?status=fulfilled") == []
    later_day = TOMORROW + dt.timedelta(days=10)
    assert ids(search(api, f"?date=ge{later_day.isoformat()}")) == {events["later"].pk}
    assert events["later"].pk not in ids(search(api, f"?date=le{TOMORROW.isoformat()}"))
    assert ids(
        search(api, f"?date=ge{TOMORROW.isoformat()}&date=le{TOMORROW.isoformat()}&status=booked")
    ) == {events["visit"].pk, events["meeting"].pk}
    assert ids(search(api, f"?_id={events['meeting'].pk}")) == {events["meeting"].pk}
    assert ids(search(api, f"?supporting-info=CareTeam/{world.working_group.pk}")) == {events["meeting"].pk}
    assert ids(search(api, "?service-type=discharge")) == {events["cancelled"].pk}
    assert ids(search(api, f"?identifier={events['visit'].uid}")) == {events["visit"].pk}
    assert get(api, "/fhir/Appointment?status=reserve", status=400)["issue"][0]["code"] == "invalid"
    assert get(api, "/fhir/Appointment?date=demain", status=400)["resourceType"] == "OperationOutcome"
    assert get(api, "/fhir/Appointment?title=x", status=400)["issue"][0]["code"] == "not-supported"


def test_metadata_declares_appointment(client):
    body = get(client, "/fhir/metadata")
    CapabilityStatement.model_validate(body)
    (resource,) = [r for r in body["rest"][0]["resource"] if r["type"] == "Appointment"]
    names = {p["name"] for p in resource["searchParam"]}
    assert {"patient", "actor", "practitioner", "date", "status", "_id"} <= names
