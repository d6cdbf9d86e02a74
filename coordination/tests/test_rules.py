"""Coordination network rules: who sees a patient and a circle, consent before clinical content,
closure, removal, and the write paths' French refusals."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEntry
from coordination import access, actions
from coordination.models import Consent, Group, GroupMember, Message, MessageRevision
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def circle(cast):
    """A care circle opened by the member, with the bureau member invited and active, and a consent."""
    patient = actions.create_patient(
        cast.cpts,
        cast.member,
        family_name="DURAND",
        given_names="Jeanne",
        birth_date=dt.date(1940, 3, 2),
        sex="F",
    )
    group = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.invite(group, cast.member, cast.bureau)
    actions.answer_invitation(group, cast.bureau, accept=True)
    actions.record_consent(
        group,
        cast.member,
        collected_on=TODAY,
        method=Consent.Method.SIGNED_PAPER,
        scope="Partage entre les professionnels du cercle",
    )
    return group


def test_members_of_the_circle_read_it_and_find_the_patient(cast, circle):
    for user in (cast.member, cast.bureau):
        assert access.can_read(user, circle)
        assert list(access.visible_patients(user, cast.cpts)) == [circle.patient]


@pytest.mark.parametrize(
    "role", ["coordinator", "partner", "referent", "other_coordinator", "outsider", "admin"]
)
def test_people_outside_the_circle_see_nothing(cast, circle, role):
    user = (
        cast.coordinator if role == "coordinator" else cast.admin if role == "admin" else cast.by_role()[role]
    )
    assert not access.can_read(user, circle)
    assert not access.visible_patients(user, cast.cpts).exists()
    assert not access.visible_groups(user, cast.cpts).exists()
    with pytest.raises(PermissionDenied):
        access.group_to_read(user, cast.cpts, circle.pk)
    with pytest.raises(PermissionDenied):
        actions.post_message(circle, user, "Bonjour", subject="Intrus")


def test_the_coordinator_manages_without_reading(cast, circle):
    assert access.can_manage(cast.coordinator, circle)
    actions.remove_member(circle, cast.coordinator, cast.bureau)
    assert not access.can_read(cast.bureau, circle)
    assert not access.visible_patients(cast.bureau, cast.cpts).exists()


def test_a_removed_or_departed_member_loses_access(cast, circle):
    actions.leave(circle, cast.bureau)
    assert not access.can_read(cast.bureau, circle)
    with pytest.raises(PermissionDenied):
        actions.post_message(circle, cast.bureau, "Encore là ?", subject="Test")


def test_nothing_clinical_is_shared_before_consent(cast):
    patient = actions.create_patient(
        cast.cpts, cast.member, family_name="MARTIN", given_names="Paul", birth_date=dt.date(1950, 1, 1)
    )
    group = actions.open_care_circle(cast.cpts, cast.member, patient)
    with pytest.raises(ActionError, match="consentement"):
        actions.post_message(group, cast.member, "Résultats de la prise de sang", subject="Bilan")
    assert not Message.objects.filter(group=group).exists()


def test_consent_withdrawal_makes_the_circle_read_only(cast, circle):
    message = actions.post_message(
        circle, cast.member, "Sortie d'hospitalisation prévue lundi", subject="Sortie"
    )
    consent = circle.consents.get()
    actions.withdraw_consent(consent, cast.bureau)
    assert not access.can_share_clinical(circle)
    assert access.can_read(cast.member, circle)  # what was shared stays readable to the members
    with pytest.raises(ActionError, match="consentement"):
        actions.post_message(circle, cast.member, "Suite", parent=message)
    assert AuditEntry.objects.filter(action="decision", object_type="coordination.consent").exists()


def test_an_expired_consent_is_no_longer_valid(cast, circle):
    Consent.objects.filter(group=circle).update(
        collected_on=TODAY - dt.timedelta(days=400), expires_on=TODAY - dt.timedelta(days=1)
    )
    assert access.valid_consent(circle) is None


def test_closed_group_is_a_read_only_archive_and_can_be_reopened(cast, circle):
    actions.close_group(circle, cast.member)
    assert access.can_read(cast.bureau, circle)
    with pytest.raises(ActionError, match="clôturé"):
        actions.post_message(circle, cast.bureau, "Après clôture", subject="X")
    with pytest.raises(ActionError, match="clôturé"):
        actions.invite(circle, cast.member, cast.partner)
    actions.reopen_group(circle, cast.coordinator)
    assert actions.post_message(circle, cast.bureau, "Réouvert", subject="Reprise").pk


def test_one_open_care_circle_per_patient(cast, circle):
    with pytest.raises(ActionError, match="déjà un cercle de soins ouvert"):
        actions.open_care_circle(cast.cpts, cast.bureau, circle.patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.create(
            cpts=cast.cpts, kind=Group.Kind.CARE_CIRCLE, title="Doublon", patient=circle.patient
        )


def test_messages_by_subject_with_replies_edit_history_deletion_and_receipts(cast, circle):
    subject = actions.post_message(
        circle, cast.member, "<script>alert(1)</script>Passage infirmier ?", subject="Soins"
    )
    reply = actions.post_message(circle, cast.bureau, "Oui, demain 9 h", parent=subject)
    assert reply.subject == "" and list(subject.replies.all()) == [reply]
    actions.edit_message(reply, cast.bureau, "Oui, demain 10 h")
    reply.refresh_from_db()
    assert reply.edited_at and reply.revisions.get().body == "Oui, demain 9 h"
    with pytest.raises(PermissionDenied):
        actions.edit_message(reply, cast.member, "Pas mon message")
    actions.delete_message(reply, cast.bureau)
    reply.refresh_from_db()
    assert reply.deleted_at and reply.body == ""
    assert MessageRevision.objects.filter(message=reply).count() == 2
    actions.mark_read(subject, cast.bureau)
    actions.mark_read(subject, cast.bureau)
    assert subject.receipts.count() == 1
    with pytest.raises(PermissionDenied):
        actions.mark_read(subject, cast.partner)
    entries = AuditEntry.objects.filter(object_type="coordination.message")
    assert entries.filter(action="create").count() == 2 and entries.filter(action="update").exists()
    assert all("alert" not in str(e.details) for e in entries)  # the trail holds field names, not contents


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"birth_date": TODAY + dt.timedelta(days=1)}, "birth_date"),
        ({"birth_date": dt.date(1850, 1, 1)}, "birth_date"),
        ({"nir": "1 84 12 76 451 089 45"}, "nir"),
        ({"family_name": "   "}, "family_name"),
    ],
)
def test_bad_patient_input_is_refused_and_nothing_saved(cast, kwargs, field):
    data = {"family_name": "DUPONT", "given_names": "Luc", "birth_date": dt.date(1960, 5, 5), **kwargs}
    with pytest.raises(ActionError) as exc:
        actions.create_patient(cast.cpts, cast.member, **data)
    assert exc.value.field == field
    assert not access.visible_patients(cast.member, cast.cpts).exists()


def test_a_valid_nir_is_accepted(cast):
    patient = actions.create_patient(
        cast.cpts,
        cast.member,
        family_name="DUPONT",
        given_names="Luc",
        birth_date=dt.date(1984, 12, 1),
        nir="1 84 12 76 451 089 46",
    )
    assert patient.nir == "184127645108946"


def test_referents_cannot_create_patients(cast):
    with pytest.raises(PermissionDenied):
        actions.create_patient(
            cast.cpts, cast.referent, family_name="X", given_names="Y", birth_date=dt.date(1990, 1, 1)
        )


def test_consent_input_is_checked(cast, circle):
    with pytest.raises(ActionError, match="futur"):
        actions.record_consent(
            circle,
            cast.member,
            collected_on=TODAY + dt.timedelta(days=1),
            method=Consent.Method.ON_SCREEN,
            scope="x",
        )
    with pytest.raises(ActionError, match="Témoin"):
        actions.record_consent(
            circle, cast.member, collected_on=TODAY, method=Consent.Method.ORAL_WITNESS, scope="x"
        )
    with pytest.raises(ActionError, match="expiration"):
        actions.record_consent(
            circle,
            cast.member,
            collected_on=TODAY,
            method=Consent.Method.ON_SCREEN,
            scope="x",
            expires_on=TODAY,
        )


def test_invitation_rules(cast, circle):
    with pytest.raises(ActionError, match="pas un professionnel adhérent"):
        actions.invite(circle, cast.member, cast.other_coordinator)
    with pytest.raises(ActionError, match="déjà membre"):
        actions.invite(circle, cast.member, cast.bureau)
    actions.invite(circle, cast.member, cast.partner)
    assert not access.can_read(cast.partner, circle)  # invited is not yet a member
    actions.answer_invitation(circle, cast.partner, accept=False)
    assert circle.members.get(user=cast.partner).status == GroupMember.Status.DECLINED
