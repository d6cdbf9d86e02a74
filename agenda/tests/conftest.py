"""A care circle around a patient (the member initiated it, the bureau member joined, a consent is recorded),
and a working group of the member and the partner. The coordinator of the CPTS manages them without being
a member; the referent has no patient-data role; the other CPTS's coordinator is a stranger here."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from agenda import actions
from agenda.models import Event
from agenda.timing import PARIS, When
from coordination import actions as coordination
from coordination.events import group_event
from coordination.models import Consent, Group, Patient
from tests.cast import Cast


@dataclass
class Agenda:
    cast: Cast
    patient: Patient
    circle: Group
    consent: Consent
    working_group: Group

    def url(self, name: str, group: Group | None = None, **kwargs) -> str:
        if name in ("agenda:mine", "agenda:subscription", "agenda:revoke_subscription"):
            return reverse(name, kwargs={"slug": self.cast.cpts.slug})
        return reverse(
            name, kwargs={"slug": self.cast.cpts.slug, "group_id": (group or self.circle).pk, **kwargs}
        )


@pytest.fixture
def world(cast) -> Agenda:
    patient = coordination.create_patient(
        cast.cpts,
        cast.member,
        family_name="CALENDRIER",
        given_names="Yvette",
        birth_date=dt.date(1939, 7, 14),
        sex="F",
    )
    circle = coordination.open_care_circle(cast.cpts, cast.member, patient)
    coordination.invite(circle, cast.member, cast.bureau, function="Infirmier")
    coordination.answer_invitation(circle, cast.bureau, accept=True)
    consent = coordination.record_consent(
        circle,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Partage dans le cercle",
    )
    working_group = coordination.create_working_group(cast.cpts, cast.member, "Parcours chutes")
    coordination.invite(working_group, cast.member, cast.partner)
    coordination.answer_invitation(working_group, cast.partner, accept=True)
    return Agenda(cast, patient, circle, consent, working_group)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def timed(day: dt.date, start_hour: int, end_hour: int) -> When:
    return When.between(at(day, start_hour), at(day, end_hour))


def schedule(
    group: Group,
    by,
    *,
    day: dt.date | None = None,
    hours=(9, 10),
    kind=Event.Kind.HOME_VISIT,
    title="Passage infirmier pour pansement",
    **extra,
) -> Event:
    day = day or timezone.localdate() + dt.timedelta(days=1)
    return actions.create_event(group, by, kind=kind, title=title, when=timed(day, *hours), **extra)


@pytest.fixture
def received():
    events = []

    def receiver(sender, event, **kwargs):
        events.append(event)

    group_event.connect(receiver, weak=False)
    yield events
    group_event.disconnect(receiver)
