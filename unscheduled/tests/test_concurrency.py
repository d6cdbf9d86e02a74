"""Never two bookings on one slot, under truly concurrent transactions on PostgreSQL: the first transaction
holds its booking uncommitted while the second tries; the second waits on the unique index, then loses with
SlotTaken and leaves no row behind."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from unscheduled import booking, slots
from unscheduled.models import Booking, Slot
from unscheduled.tests.conftest import make_world

pytestmark = pytest.mark.django_db(transaction=True)

PATIENT = dict(family_name="Concurrent", given_names="Paul", motif="Fièvre", phone="0612345678")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and concurrent writers: PostgreSQL only"
)
def test_concurrent_bookings_one_wins_the_other_gets_a_clear_refusal(communes_loaded, cast):
    world = make_world(cast)
    slot = slots.publish_slot(
        cast.cpts,
        cast.member,
        world.gp,
        place=world.gp_place,
        day=timezone.localdate() + dt.timedelta(days=1),
        at=dt.time(10),
        minutes=20,
        visibility=["CPTS"],
    )
    first_inserted, release = threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                outcome["first"] = booking.book(Slot.objects.get(pk=slot.pk), cast.partner, **PATIENT)
                first_inserted.set()
                release.wait(10)  # keep the transaction open while the second one tries
        finally:
            connections.close_all()

    def second():
        try:
            first_inserted.wait(10)
            outcome["second"] = booking.book(Slot.objects.get(pk=slot.pk), cast.coordinator, **PATIENT)
        except booking.SlotTaken as exc:
            outcome["second_error"] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_inserted.wait(10)
    time.sleep(0.5)  # the second transaction is now waiting on the unique index
    assert "second" not in outcome and "second_error" not in outcome
    release.set()
    for t in threads:
        t.join(20)
    assert "first" in outcome and "second" not in outcome
    assert "vient d'être réservé" in outcome["second_error"]
    assert Booking.objects.filter(slot=slot).count() == 1
    assert Booking.objects.get().booked_by_id == cast.partner.pk
