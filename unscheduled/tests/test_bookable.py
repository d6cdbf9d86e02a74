"""``Slot.objects.bookable``, the one definition of a bookable slot (free, not paused, to come, open to the
audience by its types), and the places that use it: the search, the SAS interface, the booking rule."""

import datetime as dt

import pytest
from django.utils import timezone

from fhirapi import sas
from opencpts.errors import ActionError
from unscheduled import booking, search
from unscheduled.models import VISIBILITY_FIELDS, Audience, Slot

pytestmark = pytest.mark.django_db
PATIENT = dict(family_name="Durand", given_names="Paul", motif="Fièvre", phone="0612345678")


def make(world, minutes_from_now, **fields):
    start = timezone.now() + dt.timedelta(minutes=minutes_from_now)
    return Slot.objects.create(
        cpts=world.cast.cpts,
        professional=world.gp,
        place=world.gp_place,
        start=start,
        end=start + dt.timedelta(minutes=20),
        created_by=world.cast.member,
        **{"show_cpts": True, **fields},
    )


def test_bookable_is_free_unpaused_to_come_and_typed(world):
    ok = make(world, 60)
    typed = [
        make(world, 120 + 30 * i, **{"show_cpts": False, field: True})
        for i, field in enumerate(VISIBILITY_FIELDS.values())
    ]
    make(world, 300, paused=True)
    make(world, 330, status=Slot.Status.BOOKED)
    make(world, -30)
    make(world, 360, show_cpts=False)  # open to nobody

    for audience in Audience.values:
        found = set(Slot.objects.bookable(audience=audience).values_list("pk", flat=True))
        assert found == {ok.pk, *(s.pk for s in typed)}
    later = timezone.now() + dt.timedelta(minutes=90)
    assert set(Slot.objects.bookable(now=later).values_list("pk", flat=True)) == {s.pk for s in typed}


def test_the_search_and_the_sas_offer_the_bookable_slots_only(world):
    world.cast.cpts.finess = "010000000"
    world.cast.cpts.save()
    ok = make(world, 60)
    make(world, 90, paused=True)
    make(world, -30)  # started: the SAS asked from before now, it is not offered
    query = sas.SasQuery(
        [world.gp.idnat],
        timezone.now() - dt.timedelta(hours=2),
        timezone.now() + dt.timedelta(days=2),
        frozenset(),
        frozenset(),
        None,
    )

    assert [f.slot for f in search.find(world.cast.cpts, window="48h").slots] == [ok]
    assert sas.find_slots(query) == [ok]


@pytest.mark.parametrize(
    "fields, minutes, message",
    [
        ({"paused": True}, 60, "en pause"),
        ({}, -5, "déjà commencé"),
        ({"show_cpts": False}, 60, "aucun public"),
    ],
)
def test_booking_refuses_what_is_not_bookable_and_says_why(world, fields, minutes, message):
    slot = make(world, minutes, **fields)

    with pytest.raises(ActionError, match=message):
        booking.book(slot, world.cast.partner, **PATIENT)


def test_a_slot_booked_since_it_was_read_is_taken(world):
    slot = make(world, 60)
    stale = Slot.objects.get(pk=slot.pk)
    booking.book(slot, world.cast.partner, **PATIENT)

    with pytest.raises(booking.SlotTaken):
        booking.book(stale, world.cast.coordinator, **PATIENT)
