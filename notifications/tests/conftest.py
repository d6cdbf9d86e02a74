"""A care circle around a patient with a recognisable name, its members, a removed member, and the rest of the
standing cast (tests/cast.py) around it."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import User
from coordination import actions as coordination
from coordination.models import Consent, Group
from cpts.models import Membership
from cpts.roles import Role
from notifications.models import NotificationPreference
from tests.cast import PASSWORD, Cast

PATIENT_FAMILY_NAME = "DUPONTEL"
PATIENT_GIVEN_NAME = "Jeanne"
PARIS = timezone.get_default_timezone()


def paris(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


@dataclass
class Circle:
    cast: Cast
    group: Group
    colleague: User  # an active member without a role in the cast
    removed: User  # was a member, removed by the initiator
    invitee: User  # a professional of the CPTS, not in the circle

    @property
    def members(self):  # the active members: member (initiator), bureau, partner, colleague
        return [self.cast.member, self.cast.bureau, self.cast.partner, self.colleague]


def professional(cast: Cast, email: str, first: str, last: str) -> User:
    user = User.objects.create_user(email, PASSWORD, first_name=first, last_name=last)
    Membership.objects.create(cpts=cast.cpts, user=user, role=Role.MEMBER)
    return user


def join(group: Group, by: User, user: User) -> None:
    coordination.invite(group, by, user)
    coordination.answer_invitation(group, user, accept=True)


@pytest.fixture
def circle(cast) -> Circle:
    """Built outside any captured commit: no notification exists when a test starts."""
    colleague = professional(cast, "colleague@notif.test", "Cléo", "Collègue")
    removed = professional(cast, "removed@notif.test", "Rémi", "Retiré")
    invitee = professional(cast, "invitee@notif.test", "Inès", "Invitée")
    patient = coordination.create_patient(
        cast.cpts,
        cast.member,
        family_name=PATIENT_FAMILY_NAME,
        given_names=PATIENT_GIVEN_NAME,
        birth_date=dt.date(1941, 5, 17),
    )
    group = coordination.open_care_circle(cast.cpts, cast.member, patient)
    for user in (cast.bureau, cast.partner, colleague, removed):
        join(group, cast.member, user)
    coordination.remove_member(group, cast.member, removed)
    coordination.record_consent(
        group,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.SIGNED_PAPER,
        scope="Partage dans le cercle",
    )
    return Circle(cast, group, colleague, removed, invitee)


def set_prefs(user, **fields) -> NotificationPreference:
    """Preferences with no quiet hours unless given (tests through the real actions run at the real time)."""
    fields.setdefault("quiet_start", None)
    fields.setdefault("quiet_end", None)
    prefs, _ = NotificationPreference.objects.update_or_create(user=user, defaults=fields)
    return prefs
