"""Rules of the calendar (agenda.access, agenda.actions, agenda.timing), per role of the standing cast, on the
real database: who sees and schedules, what is refused (with a French message) and leaves nothing behind."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from agenda import access, actions
from agenda.models import Event, EventChange, EventParticipant
from agenda.tests.conftest import at, schedule, timed
from agenda.timing import PARIS, When
from audit.models import AuditEntry
from coordination import actions as coordination
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def nothing_written():
    return (
        not Event.objects.exists()
        and not EventChange.objects.exists()
        and not EventParticipant.objects.exists()
    )


# --- Who schedules ------------------------------------------------------------------------------------------


def test_an_active_member_schedules_an_event_with_participants_and_a_trace(world):
    cast = world.cast
    event = schedule(
        world.circle,
        cast.member,
        place="Domicile",
        description="Pansement du pied gauche",
        participants=[cast.bureau, cast.member],
        external_participants="Aide à domicile (ADMR)",
    )
    event.refresh_from_db()
    assert (event.cpts, event.group, event.created_by, event.kind) == (
        cast.cpts,
        world.circle,
        cast.member,
        "home_visit",
    )
    assert event.starts_at == at(TOMORROW, 9) and event.ends_at == at(TOMORROW, 10) and not event.all_day
    assert {p.user for p in event.participant_links.all()} == {cast.bureau, cast.member}
    assert event.external_participants == "Aide à domicile (ADMR)" and event.sequence == 0
    (change,) = event.changes.all()
    assert (change.action, change.by) == (EventChange.Action.CREATED, cast.member)
    assert AuditEntry.objects.filter(
        action="create", object_type="agenda.event", object_id=str(event.pk), cpts_id=cast.cpts.pk
    ).exists()


def test_a_working_group_needs_no_consent(world):
    event = schedule(
        world.working_group, world.cast.partner, kind=Event.Kind.MEETING, title="Réunion du groupe"
    )
    assert event.group == world.working_group


@pytest.mark.parametrize(
    "role", ["coordinator", "partner", "referent", "other_coordinator", "outsider", "admin"]
)
def test_non_members_neither_see_nor_schedule(world, role):
    """The coordinator manages the circle without reading it; the partner is in the CPTS, not in the circle;
    the other CPTS's coordinator, an outsider and the instance administrator are strangers."""
    user = getattr(world.cast, role)
    existing = schedule(world.circle, world.cast.member)
    assert not access.can_read(user, world.circle)
    assert list(access.visible_events(user, world.cast.cpts)) == []
    assert world.circle.pk not in access.readable_group_ids(user)
    with pytest.raises(PermissionDenied):
        schedule(world.circle, user)
    with pytest.raises(PermissionDenied):
        actions.cancel_event(existing, user)
    with pytest.raises(PermissionDenied):
        actions.change_event(existing, user, kind="consultation", title="Autre", when=timed(TOMORROW, 11, 12))
    assert Event.objects.count() == 1
    existing.refresh_from_db()
    assert existing.cancelled_at is None and existing.title == "Passage infirmier pour pansement"


def test_a_removed_member_loses_the_calendar(world):
    cast = world.cast
    event = schedule(world.circle, cast.bureau)
    assert list(access.visible_events(cast.bureau, cast.cpts)) == [event]
    coordination.remove_member(world.circle, cast.member, cast.bureau)
    assert list(access.visible_events(cast.bureau, cast.cpts)) == []
    assert world.circle.pk not in access.readable_group_ids(cast.bureau)
    with pytest.raises(PermissionDenied):
        schedule(world.circle, cast.bureau)
    assert Event.objects.count() == 1


def test_a_member_who_left_loses_the_calendar(world):
    cast = world.cast
    schedule(world.working_group, cast.partner)
    coordination.leave(world.working_group, cast.partner)
    assert list(access.visible_events(cast.partner, cast.cpts)) == []


def test_a_closed_group_is_read_only(world):
    cast = world.cast
    event = schedule(world.circle, cast.member)
    coordination.close_group(world.circle, cast.member)
    world.circle.refresh_from_db()
    with pytest.raises(ActionError, match="clôturé"):
        schedule(world.circle, cast.member)
    with pytest.raises(ActionError, match="clôturé"):
        actions.cancel_event(event, cast.member)
    assert Event.objects.count() == 1 and access.can_read(cast.member, world.circle)  # still readable


def test_no_consent_no_scheduling_in_a_care_circle(world):
    cast = world.cast
    patient = coordination.create_patient(
        cast.cpts, cast.member, family_name="SANS", given_names="Consentement", birth_date=dt.date(1950, 1, 1)
    )
    circle = coordination.open_care_circle(cast.cpts, cast.member, patient)
    with pytest.raises(ActionError, match="Aucun consentement valide"):
        schedule(circle, cast.member)
    assert nothing_written()


def test_a_withdrawn_consent_stops_scheduling_and_changes_but_not_cancelling(world):
    cast = world.cast
    event = schedule(world.circle, cast.member)
    coordination.withdraw_consent(world.consent, cast.member)
    with pytest.raises(ActionError, match="Aucun consentement valide"):
        schedule(world.circle, cast.member)
    with pytest.raises(ActionError, match="Aucun consentement valide"):
        actions.change_event(
            event, cast.member, kind="consultation", title="Consultation", when=timed(TOMORROW, 9, 10)
        )
    with pytest.raises(ActionError, match="sans motif"):
        actions.cancel_event(event, cast.member, reason="Patient hospitalisé")
    actions.cancel_event(event, cast.member)
    event.refresh_from_db()
    assert event.cancelled and event.cancel_reason == "" and Event.objects.count() == 1


# --- What is refused ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("start, end", [((10, 0), (9, 0)), ((10, 0), (10, 0))])
def test_the_end_must_follow_the_start(world, start, end):
    with pytest.raises(ActionError, match="La fin doit être après le début") as exc:
        When.timed(TOMORROW, dt.time(*start), None, dt.time(*end))
    assert exc.value.field == "end_time"
    with pytest.raises(ActionError, match="La fin doit être après le début"):
        actions.create_event(
            world.circle,
            world.cast.member,
            kind="consultation",
            title="Consultation",
            when=When.between(at(TOMORROW, 10), at(TOMORROW, 9)),
        )
    assert nothing_written()


def test_all_day_events_cover_whole_paris_days_and_refuse_a_last_day_before_the_first():
    when = When.days(dt.date(2026, 3, 28), dt.date(2026, 3, 29))  # the clocks go forward on the 29th
    assert when.starts_at == dt.datetime(2026, 3, 28, tzinfo=PARIS) and when.all_day
    assert when.ends_at == dt.datetime(2026, 3, 30, tzinfo=PARIS)
    assert when.ends_at.astimezone(dt.UTC) - when.starts_at.astimezone(dt.UTC) == dt.timedelta(hours=47)
    assert (when.first_day, when.last_day) == (dt.date(2026, 3, 28), dt.date(2026, 3, 29))
    with pytest.raises(ActionError, match="ne peut pas précéder"):
        When.days(dt.date(2026, 3, 29), dt.date(2026, 3, 28))


def test_a_time_the_clocks_skip_is_refused_in_french():
    with pytest.raises(ActionError, match="02:30 n'existe pas le 29/03/2026"):
        When.timed(dt.date(2026, 3, 29), dt.time(2, 30), None, dt.time(4, 0))
    autumn = When.timed(dt.date(2026, 10, 25), dt.time(2, 30), None, dt.time(3, 30))  # 2:30 happens twice
    assert autumn.ends_at.astimezone(dt.UTC) - autumn.starts_at.astimezone(dt.UTC) == dt.timedelta(
        hours=2
    )  # summer 2:30


def test_missing_times_and_overlong_events_are_refused():
    with pytest.raises(ActionError, match="Heure de début") as exc:
        When.timed(TOMORROW, None, None, dt.time(10))
    assert exc.value.field == "start_time"
    with pytest.raises(ActionError, match="plus d'un an"):
        When.days(TOMORROW, TOMORROW + dt.timedelta(days=400))
    with pytest.raises(ActionError, match="hors de la période"):
        When.days(dt.date(1999, 12, 31))


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "teleconsultation"}, "Type d'événement inconnu"),
        ({"title": "   "}, "Titre : ce champ est obligatoire"),
        ({"title": "x" * 201}, "200 caractères au plus"),
        ({"place": "x" * 256}, "Lieu : 255 caractères au plus"),
        ({"description": "x" * 4001}, "Description : 4000 caractères au plus"),
    ],
)
def test_bad_fields_are_refused_in_french(world, fields, message):
    data = {"kind": "consultation", "title": "Consultation"} | fields
    with pytest.raises(ActionError, match=message):
        actions.create_event(world.circle, world.cast.member, when=timed(TOMORROW, 9, 10), **data)
    assert nothing_written()


def test_participants_are_active_members_of_the_group(world):
    cast = world.cast
    coordination.invite(world.circle, cast.member, cast.partner)  # invited, not yet a member
    for outsider in (cast.partner, cast.coordinator, cast.other_coordinator):
        with pytest.raises(ActionError, match="membres actifs du groupe") as exc:
            schedule(world.circle, cast.member, participants=[cast.bureau, outsider])
        assert exc.value.field == "participants"
    assert nothing_written()


# --- Changes and cancellation, traced -----------------------------------------------------------------------


def test_a_change_is_traced_with_the_previous_values_and_bumps_the_sequence(world):
    cast = world.cast
    event = schedule(world.circle, cast.member, place="Domicile", participants=[cast.member])
    actions.change_event(
        event,
        cast.bureau,
        kind=Event.Kind.HOME_VISIT,
        title="Passage infirmier pour pansement",
        when=timed(TOMORROW, 14, 15),
        place="Cabinet infirmier",
        participants=[cast.bureau],
    )
    event.refresh_from_db()
    assert event.starts_at == at(TOMORROW, 14) and event.place == "Cabinet infirmier" and event.sequence == 1
    assert [link.user for link in event.participant_links.all()] == [cast.bureau]
    change = event.changes.get(action=EventChange.Action.CHANGED)
    assert change.by == cast.bureau
    assert change.fields == ["starts_at", "ends_at", "place", "participants"]
    assert change.previous["place"] == "Domicile"
    assert change.previous["starts_at"] == f"{TOMORROW:%d/%m/%Y} 09:00"
    assert change.previous["participants"] == str(cast.member)
    with pytest.raises(ActionError, match="Aucune modification"):
        actions.change_event(
            event,
            cast.bureau,
            kind=Event.Kind.HOME_VISIT,
            title=event.title,
            when=timed(TOMORROW, 14, 15),
            place="Cabinet infirmier",
            participants=[cast.bureau],
        )
    event.refresh_from_db()
    assert event.sequence == 1 and event.changes.count() == 2


def test_a_cancelled_event_stays_traced_and_cannot_change(world):
    cast = world.cast
    event = schedule(world.circle, cast.member)
    actions.cancel_event(event, cast.bureau, reason="Hospitalisation en urgence")
    event.refresh_from_db()
    assert (
        event.cancelled
        and event.cancelled_by == cast.bureau
        and event.cancel_reason == "Hospitalisation en urgence"
    )
    assert event.sequence == 1 and list(event.changes.values_list("action", flat=True)) == [
        "created",
        "cancelled",
    ]
    with pytest.raises(ActionError, match="déjà annulé"):
        actions.cancel_event(event, cast.member)
    with pytest.raises(ActionError, match="annulé"):
        actions.change_event(
            event, cast.member, kind="consultation", title="Autre", when=timed(TOMORROW, 9, 10)
        )
    assert Event.objects.filter(pk=event.pk).exists()  # cancelled, never deleted


def test_events_are_emitted_after_the_commit_with_identifiers_only(
    world, received, django_capture_on_commit_callbacks
):
    cast = world.cast
    with django_capture_on_commit_callbacks(execute=True):
        event = schedule(world.circle, cast.member, description="Glycémie 2,1 g/l")
        assert received == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_event(
            event, cast.member, kind=event.kind, title=event.title, when=timed(TOMORROW, 11, 12)
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_event(event, cast.member)
    assert [e.kind for e in received] == ["event.created", "event.changed", "event.cancelled"]
    assert {(e.group_id, e.object_id, e.actor_id, e.cpts_id) for e in received} == {
        (world.circle.pk, event.pk, cast.member.pk, cast.cpts.pk)
    }
    assert all("Glycémie" not in repr(e) for e in received)
    assert [e.data for e in received] == [{"participant_ids": []}] * 3


def test_events_name_the_participants_before_and_after_a_change(
    world, received, django_capture_on_commit_callbacks
):
    cast = world.cast
    with django_capture_on_commit_callbacks(execute=True):
        event = schedule(world.circle, cast.member, participants=[cast.member])
        actions.change_event(
            event,
            cast.member,
            kind=event.kind,
            title=event.title,
            when=timed(TOMORROW, 9, 10),
            participants=[cast.bureau],
        )
        actions.cancel_event(event, cast.member)
    assert [e.data["participant_ids"] for e in received] == [
        [cast.member.pk],
        sorted([cast.member.pk, cast.bureau.pk]),
        [cast.bureau.pk],
    ]


def test_a_refused_write_emits_nothing(world, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        schedule(world.circle, world.cast.partner)
    assert received == []
