"""The coordinator's audit page: filters, CSV export (itself traced), access refused without the right."""

import csv
import io

from django.urls import reverse

from audit.context import Actor, acting_as
from audit.log import record
from audit.models import AuditEntry
from tests.cast import login


def _entries(response):
    return list(response.context["page"].object_list)


def _seed(cast):
    with acting_as(Actor(cast.bureau.pk, cast.bureau.email)):
        record(
            "update",
            cpts_id=cast.cpts.pk,
            object_type="cpts.dues",
            object_id="1",
            details={"fields": ["paid"]},
        )
    with acting_as(Actor(cast.coordinator.pk, cast.coordinator.email)):
        record("view", cpts_id=cast.cpts.pk, object_type="cpts.membership", object_id="2")


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_coordinator_sees_the_audit_page_of_her_cpts(client, cast):
    _seed(cast)
    login(client, cast.coordinator)

    response = client.get(reverse("cpts:audit", args=[cast.cpts.slug]))

    assert response.status_code == 200
    assert {e.chain for e in _entries(response)} == {cast.cpts.pk}


def test_audit_page_filters_by_action(client, cast):
    _seed(cast)
    login(client, cast.coordinator)

    response = client.get(reverse("cpts:audit", args=[cast.cpts.slug]), {"action": "view"})

    entries = _entries(response)
    assert entries
    assert {e.action for e in entries} == {"view"}


def test_audit_page_filters_by_actor(client, cast):
    _seed(cast)
    login(client, cast.coordinator)

    response = client.get(reverse("cpts:audit", args=[cast.cpts.slug]), {"actor": "bureau@"})

    entries = _entries(response)
    assert [(e.actor_label, e.action) for e in entries] == [(cast.bureau.email, "update")]


def test_audit_page_does_not_show_another_cpts_chain(client, cast):
    with acting_as(Actor(cast.other_coordinator.pk, cast.other_coordinator.email)):
        record("view", cpts_id=cast.other.pk, object_type="cpts.membership", object_id="9")
    login(client, cast.coordinator)

    response = client.get(reverse("cpts:audit", args=[cast.cpts.slug]), {"actor": "other@"})

    assert _entries(response) == []


def test_csv_export_is_a_semicolon_csv_with_a_header(client, cast):
    login(client, cast.coordinator)

    response = client.get(reverse("cpts:audit_export", args=[cast.cpts.slug]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0] == [
        "n°",
        "date",
        "action",
        "utilisateur",
        "type d'objet",
        "id",
        "objet",
        "détails",
        "adresse IP",
        "empreinte",
    ]


def test_csv_export_contains_the_entries_of_the_cpts(client, cast):
    _seed(cast)
    login(client, cast.coordinator)

    rows = _csv(client.get(reverse("cpts:audit_export", args=[cast.cpts.slug])))

    exported = {row[-1] for row in rows[1:]}
    expected = set(AuditEntry.objects.filter(chain=cast.cpts.pk).values_list("hash", flat=True))
    assert expected == exported


def test_csv_export_applies_the_filters(client, cast):
    _seed(cast)
    login(client, cast.coordinator)

    rows = _csv(client.get(reverse("cpts:audit_export", args=[cast.cpts.slug]), {"action": "update"}))

    assert rows[1:]
    assert {row[2] for row in rows[1:]} == {"update"}


def test_csv_export_is_itself_recorded_as_an_export_entry(client, cast):
    login(client, cast.coordinator)

    response = client.get(reverse("cpts:audit_export", args=[cast.cpts.slug]), {"action": "update"})
    b"".join(response.streaming_content)

    entry = AuditEntry.objects.get(action="export")
    assert entry.chain == cast.cpts.pk
    assert entry.actor_id == cast.coordinator.pk
    assert entry.details == {"action": "update"}


def test_member_without_view_audit_gets_403_on_the_audit_page(client, cast):
    login(client, cast.member)

    assert client.get(reverse("cpts:audit", args=[cast.cpts.slug])).status_code == 403


def test_member_without_view_audit_gets_403_on_the_export_and_nothing_is_recorded(client, cast):
    login(client, cast.member)

    response = client.get(reverse("cpts:audit_export", args=[cast.cpts.slug]))

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()
