"""FHIR reads of patient data leave a `view` entry in the audit trail of the CPTS concerned: one per request,
naming the resources, groups and patients returned by their ids, never their content."""

import json

import pytest

from agenda.tests.conftest import schedule
from audit.models import AuditEntry
from documents import actions as documents
from documents.tests import samples
from fhirapi.tests.helpers import get
from fhirapi.tests.helpers import with_token as client_of
from fhirapi.tests.test_fhir_careteam import circle  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(circle):  # noqa: F811
    cast, group = circle["cast"], circle["group"]
    document = documents.add_document(
        group, cast.member, samples.upload("cr.pdf", samples.pdf()), title="Compte rendu DURANDEAU"
    )
    event = schedule(group, cast.member, title="Pansement ulcère")
    return {
        **circle,
        "DocumentReference": document,
        "Appointment": event,
        "CareTeam": group,
        "Patient": circle["patient"],
        "RelatedPerson": circle["relative"],
        "Consent": circle["consent"],
        "Communication": circle["subject"],
    }


TYPES = [
    "Patient",
    "Communication",
    "DocumentReference",
    "Consent",
    "Appointment",
    "CareTeam",
    "RelatedPerson",
]


def views():
    return list(
        AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, object_type__startswith="fhir.").order_by(
            "chain", "seq"
        )
    )


@pytest.mark.parametrize("resource_type", TYPES)
def test_a_read_adds_one_view_entry(client, data, resource_type):
    member, obj = data["cast"].member, data[resource_type]
    fhir = client_of(client, member)
    get(fhir, f"/fhir/{resource_type}/{obj.pk}")
    [entry] = views()
    assert entry.chain == data["cast"].cpts.pk and entry.cpts_id == data["cast"].cpts.pk
    assert entry.actor_id == member.pk
    assert entry.object_type == f"fhir.{resource_type}" and entry.object_id == str(obj.pk)
    assert entry.details["fhir"] == "read" and entry.details["ids"] == [obj.pk]
    assert entry.details["groupes"] in ([data["group"].pk], [])
    assert entry.details["patients"] == [data["patient"].pk]
    text = json.dumps(entry.details) + entry.object_label
    for content in ("DURANDEAU", "Jeanne", "Pansement", "Sortie", "Compte rendu", "255081416802538"):
        assert content not in text


@pytest.mark.parametrize("resource_type", TYPES)
def test_a_search_adds_one_view_entry_naming_what_it_returned(client, data, resource_type):
    fhir = client_of(client, data["cast"].bureau)
    body = get(fhir, f"/fhir/{resource_type}?_count=1000")
    returned = sorted(int(e["resource"]["id"]) for e in body["entry"])
    assert returned
    [entry] = views()
    assert entry.cpts_id == data["cast"].cpts.pk and entry.actor_id == data["cast"].bureau.pk
    assert entry.details["fhir"] == "search-type" and entry.details["ids"] == returned
    assert entry.object_label == f"FHIR {resource_type} ({len(returned)})"


def test_nothing_returned_or_directory_data_adds_nothing(client, data):
    fhir = client_of(client, data["cast"].member)
    get(fhir, "/fhir/Patient?family=INCONNU")
    get(fhir, "/fhir/Patient/999999", status=404)
    get(fhir, "/fhir/Practitioner")
    get(fhir, f"/fhir/PractitionerRole/{data['place'].pk}")
    assert views() == []


def test_an_outsider_reads_nothing_and_leaves_no_view(client, data):
    fhir = client_of(client, data["cast"].partner)
    get(fhir, f"/fhir/Patient/{data['patient'].pk}", status=404)
    assert get(fhir, "/fhir/Communication")["total"] == 0
    assert views() == []
