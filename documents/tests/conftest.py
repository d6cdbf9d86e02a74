"""A care circle around a patient: the member initiated it, the bureau member and the partner joined, a
consent is recorded. The coordinator of the CPTS manages it without being a member."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coordination import actions as coordination
from coordination.models import Consent, Group
from tests.cast import Cast


@dataclass
class Circle:
    cast: Cast
    group: Group
    consent: Consent

    def url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs={"slug": self.cast.cpts.slug, "group_id": self.group.pk, **kwargs})


@pytest.fixture
def circle(cast) -> Circle:
    patient = coordination.create_patient(
        cast.cpts,
        cast.member,
        family_name="DOCUMENT",
        given_names="Denise",
        birth_date=dt.date(1944, 2, 3),
        sex="F",
    )
    group = coordination.open_care_circle(cast.cpts, cast.member, patient)
    for user in (cast.bureau, cast.partner):
        coordination.invite(group, cast.member, user)
        coordination.answer_invitation(group, user, accept=True)
    consent = coordination.record_consent(
        group,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Partage dans le cercle",
    )
    return Circle(cast, group, consent)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)
