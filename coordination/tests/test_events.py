"""Domain events leave only after the commit, and only with identifiers (no content)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from coordination import access, actions
from coordination.events import group_event
from coordination.models import Consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    events = []

    def receiver(sender, event, **kwargs):
        events.append(event)

    group_event.connect(receiver, weak=False)
    yield events
    group_event.disconnect(receiver)


def _circle(cast):
    patient = actions.create_patient(
        cast.cpts,
        cast.member,
        family_name="Synthétique",
        given_names="Jeanne",
        birth_date=dt.date(1940, 5, 1),
    )
    group = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.record_consent(
        group,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Coordination des soins à domicile",
    )
    return group


def test_events_follow_the_commit_and_carry_no_content(cast, received, django_capture_on_commit_callbacks):
    group = _circle(cast)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = actions.post_message(group, cast.member, "Tension 14/9 ce matin", subject="Suivi")
        assert received == []  # not before the commit
    assert len(callbacks) == 1
    assert [e.kind for e in received] == ["message.posted"]
    event = received[0]
    assert (event.group_id, event.object_id, event.actor_id) == (group.pk, message.pk, cast.member.pk)
    assert "Tension" not in repr(event)


def test_no_event_when_the_transaction_rolls_back(cast, received, django_capture_on_commit_callbacks):
    group = _circle(cast)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.post_message(group, cast.member, "Texte", subject="Sujet")
            raise RuntimeError("rollback")
    assert callbacks == []
    assert received == []


def test_audience_is_the_active_members_with_a_patient_data_role(cast):
    group = _circle(cast)
    actions.invite(group, cast.member, cast.bureau)
    assert access.audience(group) == [cast.member.pk]
    actions.answer_invitation(group, cast.bureau, accept=True)
    assert sorted(access.audience(group)) == sorted([cast.member.pk, cast.bureau.pk])
    actions.leave(group, cast.bureau)
    assert access.audience(group) == [cast.member.pk]
