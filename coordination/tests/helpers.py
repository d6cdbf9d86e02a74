"""Small builders shared by the coordination tests (on the real test database)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from coordination import actions
from coordination.models import Consent, Group


def url(name, cast, **kwargs):
    return reverse(f"coordination:{name}", kwargs={"slug": cast.cpts.slug, **kwargs})


def circle_with_consent(cast, *members, family_name="MARTIN", given_names="Paulette") -> Group:
    """A care circle opened by the member, with the given users active in it and a valid consent."""
    patient = actions.create_patient(
        cast.cpts,
        cast.member,
        family_name=family_name,
        given_names=given_names,
        birth_date=dt.date(1938, 5, 6),
        sex="F",
    )
    circle = actions.open_care_circle(cast.cpts, cast.member, patient)
    for user in members:
        actions.invite(circle, cast.member, user)
        actions.answer_invitation(circle, user, accept=True)
    actions.record_consent(
        circle,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Partage dans le cercle",
    )
    return circle


def working_group(cast, *members, by=None, title="Parcours diabète") -> Group:
    by = by or cast.member
    group = actions.create_working_group(cast.cpts, by, title)
    for user in members:
        actions.invite(group, by, user)
        actions.answer_invitation(group, user, accept=True)
    return group


class Received(list):
    """The domain events sent after the commit (a list of GroupEvent)."""

    def kinds(self):
        return [e.kind for e in self]
