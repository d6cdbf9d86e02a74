"""The demo's calendar (demo/agenda.py, called by demo/seed.py): events around today in the demo circles,
created once."""

import datetime as dt

import pytest
from django.utils import timezone

from agenda.models import Event
from coordination import actions as coordination
from coordination.models import Consent
from demo.agenda import seed_agenda

pytestmark = pytest.mark.django_db


def test_seed_agenda_fills_the_demo_circles_once(world):
    cast = world.cast
    patient = coordination.create_patient(
        cast.cpts,
        cast.member,
        family_name="DÉMO",
        given_names="Odette",
        birth_date=dt.date(1938, 4, 12),
        is_synthetic=True,
    )
    circle = coordination.open_care_circle(cast.cpts, cast.member, patient)
    coordination.invite(circle, cast.member, cast.bureau)
    coordination.answer_invitation(circle, cast.bureau, accept=True)
    coordination.record_consent(
        circle,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ORAL_WITNESS,
        witness="Aidante",
        scope="Partage",
    )
    assert seed_agenda(cast.cpts) is True
    kinds = sorted(Event.objects.filter(group=circle).values_list("kind", flat=True))
    assert kinds == ["discharge", "home_visit", "meeting"]
    assert not Event.objects.filter(group=world.circle).exists()  # not a synthetic patient: left alone
    assert Event.objects.filter(group=world.working_group, kind="meeting").exists()
    today = timezone.localdate()
    for event in Event.objects.filter(group=circle):
        assert abs((timezone.localtime(event.starts_at).date() - today).days) <= 7
    count = Event.objects.count()
    assert seed_agenda(cast.cpts) is False and Event.objects.count() == count
