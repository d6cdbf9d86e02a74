"""The timeline of a care circle: events, messages (subjects and replies, never the deleted ones) and
documents, oldest first, audited; sources come from a registry other apps can extend."""

import datetime as dt

import pytest
from django.utils import timezone

from agenda import timeline
from agenda.models import Event
from agenda.tests.conftest import schedule
from audit.models import AuditEntry
from coordination import actions as coordination
from coordination.models import Message
from tests.cast import login

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _at(message: Message, when: dt.datetime) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=when)


def test_entries_are_in_chronological_order_and_skip_deleted_messages(world):
    cast = world.cast
    now = timezone.now()
    subject = coordination.post_message(
        world.circle, cast.member, "Retour à domicile prévu", subject="Sortie"
    )
    reply = coordination.post_message(world.circle, cast.bureau, "Je passe le lendemain", parent=subject)
    deleted = coordination.post_message(world.circle, cast.member, "Erreur de patient", subject="À effacer")
    coordination.delete_message(deleted, cast.member)
    _at(subject, now - dt.timedelta(days=3))
    _at(reply, now - dt.timedelta(days=2))
    past_visit = schedule(world.circle, cast.member, day=TODAY - dt.timedelta(days=1), title="Visite d'hier")
    next_visit = schedule(world.circle, cast.member, day=TODAY + dt.timedelta(days=5), title="Visite à venir")
    first_visit = schedule(
        world.circle, cast.member, day=TODAY - dt.timedelta(days=10), title="Première visite"
    )
    entries = timeline.entries(world.circle)
    kinds_titles = [(e.kind, e.title) for e in entries if e.kind != "document"]
    assert kinds_titles == [
        ("event", "Première visite"),
        ("message", "Sortie"),
        ("reply", "Re : Sortie"),
        ("event", "Visite d'hier"),
        ("event", "Visite à venir"),
    ]
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert all("Erreur de patient" not in (e.title + e.detail) for e in entries)
    assert entries[0].url.endswith(f"/agenda/{first_visit.pk}/")
    assert entries[1].url.endswith(f"#message-{subject.pk}") and entries[1].author == str(cast.member)
    event_ids = [int(e.url.rstrip("/").rsplit("/", 1)[1]) for e in entries if e.kind == "event"]
    assert event_ids == [first_visit.pk, past_visit.pk, next_visit.pk]


def test_documents_of_the_circle_are_in_the_timeline(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import actions as documents
    from documents.pdf import tiny_pdf

    cast = world.cast
    kept = documents.add_document(
        world.circle,
        cast.member,
        SimpleUploadedFile("cr.pdf", tiny_pdf(["Compte rendu"]), "application/pdf"),
        title="Compte rendu d'hospitalisation",
    )
    gone = documents.add_document(
        world.circle,
        cast.member,
        SimpleUploadedFile("x.pdf", tiny_pdf(["Erreur"]), "application/pdf"),
        title="Erroné",
    )
    documents.delete_document(gone, cast.member)
    docs = [e for e in timeline.entries(world.circle) if e.kind == "document"]
    assert [e.title for e in docs] == ["Compte rendu d'hospitalisation"]
    assert docs[0].url.endswith(f"/documents/{kept.pk}/")


def test_a_registered_source_joins_the_timeline(world):
    when = timezone.now() - dt.timedelta(days=400)
    timeline.register(
        "test", lambda group: [timeline.Entry(when, "note", "Note", f"Note de {group.pk}", "/")]
    )
    try:
        entries = timeline.entries(world.circle)
        assert entries[0].title == f"Note de {world.circle.pk}"
    finally:
        timeline.unregister("test")
    assert "test" not in timeline.sources()


def test_the_timeline_page_is_audited_and_for_care_circles_only(client, world):
    cast = world.cast
    schedule(
        world.circle,
        cast.member,
        day=TODAY + dt.timedelta(days=2),
        kind=Event.Kind.DISCHARGE,
        title="Sortie d'hospitalisation",
    )
    coordination.post_message(world.circle, cast.member, "Ordonnance à renouveler", subject="Traitement")
    login(client, cast.bureau)
    response = client.get(world.url("agenda:timeline"))
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        html.index("Traitement") < html.index('id="aujourdhui"') < html.index("Sortie d&#x27;hospitalisation")
    )
    assert "Ordonnance à renouveler" in html
    entry = AuditEntry.objects.filter(
        action="view",
        object_type="coordination.group",
        object_id=str(world.circle.pk),
        actor_id=cast.bureau.pk,
    ).latest("seq")
    assert entry.details == {"chronologie": 2}
    login(client, cast.member)
    assert client.get(world.url("agenda:timeline", group=world.working_group)).status_code == 404
