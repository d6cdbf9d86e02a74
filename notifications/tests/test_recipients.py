"""Who is notified of what, through the real write paths and the after-commit delivery of their events."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from coordination import actions as coordination
from coordination.events import GroupEvent, emit
from coordination.models import Group
from notifications.models import Category, Kind, Notification, Priority
from notifications.subscribers import handle_group_event

from .conftest import set_prefs

pytestmark = pytest.mark.django_db


def recipients(kind=None, **filters) -> set[int]:
    qs = Notification.objects.filter(**filters)
    if kind:
        qs = qs.filter(kind=kind)
    return set(qs.values_list("user_id", flat=True))


def ids(*users) -> set[int]:
    return {u.pk for u in users}


def outsiders(circle):
    """Everyone who must never hear of the circle: the coordinator (manages, does not read), the referent,
    another CPTS's coordinator, an account without CPTS, the removed member, a professional not invited,
    the instance administrator."""
    cast = circle.cast
    return ids(
        cast.coordinator,
        cast.referent,
        cast.other_coordinator,
        cast.outsider,
        circle.removed,
        circle.invitee,
        cast.admin,
    )


def test_nothing_before_the_commit_and_nothing_on_rollback(circle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        coordination.post_message(circle.group, circle.cast.member, "Bonjour", subject="Point")
    assert callbacks and not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            coordination.post_message(circle.group, circle.cast.member, "Bonjour", subject="Annulé")
            raise RuntimeError
    assert not Notification.objects.exists()


def test_new_subject_notifies_the_audience_but_not_its_author(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    with django_capture_on_commit_callbacks(execute=True):
        message = coordination.post_message(circle.group, cast.member, "Bonjour", subject="Point")
    assert recipients(Kind.MESSAGE) == ids(cast.bureau, cast.partner, circle.colleague)
    assert not recipients() & outsiders(circle)
    n = Notification.objects.get(user=cast.bureau)
    assert (n.category, n.priority, n.group_id, n.cpts_id, n.count) == (
        Category.MESSAGES,
        Priority.NORMAL,
        circle.group.pk,
        cast.cpts.pk,
        1,
    )
    assert n.url == f"/c/{cast.cpts.slug}/groupes/{circle.group.pk}/#message-{message.pk}"
    assert n.title == f"Nouveau message dans le cercle de soins n° {circle.group.pk}"
    assert n.read_at is None


def test_a_burst_is_grouped_into_one_unread_notification(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    with django_capture_on_commit_callbacks(execute=True):
        subject = coordination.post_message(circle.group, cast.member, "Un", subject="Point")
        coordination.post_message(circle.group, circle.colleague, "Deux", parent=subject)
        coordination.post_message(circle.group, cast.partner, "Trois", parent=subject)
    bureau = Notification.objects.get(user=cast.bureau)
    assert bureau.count == 3
    assert bureau.title.startswith("3 nouveaux messages dans le cercle de soins")
    assert bureau.url.endswith(f"#message-{subject.pk}")  # the first unread one
    # The colleague and the partner each wrote one: told of the two others only.
    assert Notification.objects.get(user=circle.colleague).count == 2
    assert Notification.objects.get(user=cast.partner).count == 2
    assert Notification.objects.get(user=cast.member).count == 2
    assert Notification.objects.count() == 4

    Notification.objects.filter(user=cast.bureau).update(read_at=bureau.updated_at)
    with django_capture_on_commit_callbacks(execute=True):
        coordination.post_message(circle.group, cast.member, "Quatre", parent=subject)
    assert Notification.objects.filter(user=cast.bureau).count() == 2  # a new one once the first was read
    assert Notification.objects.get(user=cast.bureau, read_at__isnull=True).count == 1


def test_edits_and_deletions_notify_nobody(circle, django_capture_on_commit_callbacks):
    message = coordination.post_message(circle.group, circle.cast.member, "Un", subject="Point")
    with django_capture_on_commit_callbacks(execute=True):
        coordination.edit_message(message, circle.cast.member, "Un, corrigé")
        coordination.delete_message(message, circle.cast.member)
    assert not Notification.objects.exists()


def test_a_mention_notifies_the_mentioned_members_only(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    message = coordination.post_message(circle.group, cast.member, "Pour @Basile", subject="Point")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        # The outsider, the removed member and the author themselves are filtered out whatever the event says.
        emit(
            "message.mentioned",
            circle.group,
            cast.member,
            message,
            user_ids=[
                cast.bureau.pk,
                cast.outsider.pk,
                circle.removed.pk,
                cast.member.pk,
                cast.other_coordinator.pk,
            ],
        )
    assert recipients(Kind.MENTION) == ids(cast.bureau)
    n = Notification.objects.get(kind=Kind.MENTION)
    assert (n.priority, n.category) == (Priority.HIGH, Category.MENTIONS)
    assert n.title == f"Nouvelle mention de votre nom dans le cercle de soins n° {circle.group.pk}"


def test_an_invitation_notifies_the_invitee_without_the_patient(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    with django_capture_on_commit_callbacks(execute=True):
        coordination.invite(circle.group, cast.member, circle.invitee)
    assert recipients() == ids(circle.invitee)
    n = Notification.objects.get()
    assert (n.kind, n.priority) == (Kind.INVITATION, Priority.HIGH)
    assert n.title == f"Invitation à rejoindre le cercle de soins n° {circle.group.pk}"
    assert n.url == f"/c/{cast.cpts.slug}/groupes/"  # the pending invitations are there
    assert "DUPONTEL" not in n.title and "Jeanne" not in n.title


def test_an_invitation_declined_before_delivery_notifies_nobody(circle):
    member = coordination.invite(circle.group, circle.cast.member, circle.invitee)
    coordination.answer_invitation(circle.group, circle.invitee, accept=False)
    handle_group_event(
        GroupEvent(
            "member.invited",
            circle.cast.cpts.pk,
            circle.group.pk,
            circle.cast.member.pk,
            member.pk,
            {"user_id": circle.invitee.pk},
        )
    )
    assert not Notification.objects.exists()


def test_membership_changes_notify_nobody(circle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        coordination.leave(circle.group, circle.colleague)
        coordination.remove_member(circle.group, circle.cast.member, circle.cast.partner)
    assert not Notification.objects.exists()


def test_consent_withdrawal_tells_the_audience_the_circle_is_read_only(
    circle, django_capture_on_commit_callbacks
):
    cast = circle.cast
    consent = circle.group.consents.get()
    with django_capture_on_commit_callbacks(execute=True):
        coordination.withdraw_consent(consent, cast.partner)
    assert recipients(Kind.CONSENT_WITHDRAWN) == ids(cast.member, cast.bureau, circle.colleague)
    n = Notification.objects.filter(kind=Kind.CONSENT_WITHDRAWN).first()
    assert n.title == f"Le consentement a été retiré : le cercle n° {circle.group.pk} est en lecture seule"
    assert (n.priority, n.category) == (Priority.HIGH, Category.GROUPS)
    assert n.url.endswith("#consentements")


def test_closure_and_reopening_tell_the_audience(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    with django_capture_on_commit_callbacks(execute=True):
        coordination.close_group(
            circle.group, cast.coordinator
        )  # a coordinator manages without being a member
    everyone = ids(cast.member, cast.bureau, cast.partner, circle.colleague)
    assert recipients(Kind.GROUP_CLOSED) == everyone
    assert (
        Notification.objects.filter(kind=Kind.GROUP_CLOSED)
        .first()
        .title.startswith("Groupe clôturé, désormais en lecture seule : le cercle de soins")
    )
    with django_capture_on_commit_callbacks(execute=True):
        coordination.reopen_group(Group.objects.get(pk=circle.group.pk), cast.member)
    assert recipients(Kind.GROUP_REOPENED) == everyone - ids(cast.member)
    assert not recipients() & outsiders(circle)


def test_a_document_notifies_the_audience_but_its_author(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("document.added", circle.group, cast.bureau, None)
    assert recipients(Kind.DOCUMENT) == ids(cast.member, cast.partner, circle.colleague)
    n = Notification.objects.filter(kind=Kind.DOCUMENT).first()
    assert n.title == f"Nouveau document dans le cercle de soins n° {circle.group.pk}"
    assert n.url.endswith("#documents")


def test_agenda_events_go_to_their_participants_in_the_audience(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit(
            "event.created",
            circle.group,
            cast.member,
            None,
            participant_ids=[cast.member.pk, cast.partner.pk, circle.removed.pk, cast.outsider.pk],
        )
    assert recipients(Kind.EVENT_CREATED) == ids(cast.partner)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("event.changed", circle.group, cast.member, None)  # no participants named: the whole audience
        emit("event.cancelled", circle.group, cast.member, None, participant_ids=[])
    assert recipients(Kind.EVENT_CHANGED) == ids(cast.bureau, cast.partner, circle.colleague)
    assert recipients(Kind.EVENT_CANCELLED) == ids(cast.bureau, cast.partner, circle.colleague)
    assert Notification.objects.get(kind=Kind.EVENT_CREATED).title.startswith(
        "Agenda : nouvel événement dans"
    )


def test_a_member_removed_before_delivery_gets_nothing(circle):
    """The audience is computed when the event is delivered: a message committed while the partner was a
    member, delivered after their removal, does not reach them."""
    cast = circle.cast
    message = coordination.post_message(circle.group, cast.member, "Bonjour", subject="Point")
    coordination.remove_member(circle.group, cast.member, cast.partner)
    handle_group_event(
        GroupEvent("message.posted", cast.cpts.pk, circle.group.pk, cast.member.pk, message.pk)
    )
    assert recipients() == ids(cast.bureau, circle.colleague)


def test_a_member_who_lost_the_patient_data_role_gets_nothing(circle, django_capture_on_commit_callbacks):
    from cpts.models import Membership

    Membership.objects.filter(user=circle.colleague).update(role="referent")
    with django_capture_on_commit_callbacks(execute=True):
        coordination.post_message(circle.group, circle.cast.member, "Bonjour", subject="Point")
    assert circle.colleague.pk not in recipients()


def test_an_inactive_account_gets_nothing(circle, django_capture_on_commit_callbacks):
    circle.colleague.is_active = False
    circle.colleague.save()
    with django_capture_on_commit_callbacks(execute=True):
        coordination.post_message(circle.group, circle.cast.member, "Bonjour", subject="Point")
    assert circle.colleague.pk not in recipients()


def test_working_groups_are_named_by_their_title(cast, django_capture_on_commit_callbacks):
    group = coordination.create_working_group(cast.cpts, cast.member, "Parcours diabète")
    coordination.invite(group, cast.member, cast.bureau)
    coordination.answer_invitation(group, cast.bureau, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        coordination.post_message(group, cast.member, "Ordre du jour", subject="Réunion")
    n = Notification.objects.get()
    assert n.user_id == cast.bureau.pk
    assert n.title == "Nouveau message dans le groupe de travail « Parcours diabète »"
    assert n.email_text == "Nouveau message dans un groupe de travail"  # e-mails: no title typed by anyone


def test_a_failing_subscriber_never_fails_the_action(circle, django_capture_on_commit_callbacks, monkeypatch):
    from notifications import subscribers

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(subscribers, "notify", broken)
    with django_capture_on_commit_callbacks(execute=True):
        message = coordination.post_message(circle.group, circle.cast.member, "Bonjour", subject="Point")
    assert message.pk and not Notification.objects.exists()


def test_concurrent_deliveries_keep_one_unread_notification(circle):
    """Two deliveries racing for the same user: the database refuses a second unread notification for the
    same subject, and the loser groups into the winner's."""
    from notifications.delivery import Subject, notify
    from notifications.texts import group_texts

    set_prefs(circle.cast.bureau)
    subject = Subject(
        cpts_id=circle.cast.cpts.pk,
        kind=Kind.MESSAGE,
        topic=f"grp.{circle.group.pk}",
        url="/",
        texts=lambda n: group_texts(Kind.MESSAGE, circle.group, n),
        group_id=circle.group.pk,
    )
    first = notify(subject, [circle.cast.bureau.pk])[0]
    # The second delivery did not see the first one (read before its insert): simulated by a direct insert.
    from notifications.delivery import _create_one, preferences_for

    clone = Notification(
        cpts_id=first.cpts_id,
        user_id=first.user_id,
        kind=first.kind,
        category=first.category,
        topic=first.topic,
        title="x",
        email_text="x",
        url="/",
        created_at=first.created_at,
        updated_at=first.updated_at,
    )
    with transaction.atomic():
        result = _create_one(
            clone, subject, preferences_for([first.user_id])[first.user_id], first.created_at
        )
    assert result.pk == first.pk and result.count == 2
    assert Notification.objects.filter(user=circle.cast.bureau).count() == 1


def test_the_agenda_tells_the_events_participants_and_links_to_the_event(
    circle, django_capture_on_commit_callbacks
):
    agenda_actions = pytest.importorskip("agenda.actions")
    from agenda.timing import When

    cast = circle.cast
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        event = agenda_actions.create_event(
            circle.group,
            cast.member,
            kind="home_visit",
            title=f"Visite chez {circle.group.patient}",
            when=When(start, start + dt.timedelta(hours=1)),
            participants=[cast.member, cast.partner],
        )
    assert recipients(Kind.EVENT_CREATED) == ids(cast.partner)
    n = Notification.objects.get(kind=Kind.EVENT_CREATED)
    assert n.url == f"/c/{cast.cpts.slug}/groupes/{circle.group.pk}/agenda/{event.pk}/"
    assert "DUPONTEL" not in n.title and "Visite" not in n.title
    with django_capture_on_commit_callbacks(execute=True):
        agenda_actions.cancel_event(event, cast.partner)
    assert recipients(Kind.EVENT_CANCELLED) == ids(cast.member)
