"""Slot writes that bypass the model signals are in the audit trail: a slot's status after booking,
cancelling and rescheduling, the patient's confirmation channel, pausing, bulk edits, materialised and
copied series (model, ids or count, field names; never values)."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from unscheduled import booking, slots
from unscheduled.models import Slot
from unscheduled.tests.test_rules import one_slot, pattern

pytestmark = pytest.mark.django_db
PATIENT = dict(family_name="Durand", given_names="Paul", motif="Fièvre depuis hier", phone="06 12 34 56 78")


def _bulk(object_type, **details):
    return [
        e
        for e in AuditEntry.objects.filter(object_type=object_type, details__bulk=True).order_by("seq")
        if all(e.details.get(k) == v for k, v in details.items())
    ]


def test_booking_records_the_slot_status_change(world):
    slot = one_slot(world)

    booking.book(slot, world.cast.partner, **PATIENT)

    (entry,) = _bulk("unscheduled.slot", fields=["status"])
    assert (entry.action, entry.chain, entry.object_id) == ("update", world.cast.cpts.pk, str(slot.pk))
    assert entry.details == {"bulk": True, "count": 1, "ids": [str(slot.pk)], "fields": ["status"]}


def test_cancelling_and_rescheduling_record_the_slots_freed(world):
    first, second, third = one_slot(world), one_slot(world, at=dt.time(11)), one_slot(world, at=dt.time(12))
    made = booking.book(first, world.cast.partner, **PATIENT)
    booking.reschedule(made, world.cast.partner, second)
    moved = made.__class__.objects.get(rescheduled_from=made)
    booking.cancel(moved, world.cast.partner)

    ids = [e.object_id for e in _bulk("unscheduled.slot", fields=["status"])]

    assert ids == [str(first.pk), str(second.pk), str(first.pk), str(second.pk)]
    assert third.pk not in ids


def test_the_confirmation_channel_written_after_commit_is_recorded(world, django_capture_on_commit_callbacks):
    slot = one_slot(world)
    with django_capture_on_commit_callbacks(execute=True):
        made = booking.book(slot, world.cast.partner, **PATIENT)

    (entry,) = _bulk("unscheduled.booking", fields=["confirmation"])
    assert entry.object_id == str(made.pk)


def test_materialising_pausing_and_bulk_editing_a_pattern_are_recorded(world):
    p = pattern(world)
    created = Slot.objects.filter(pattern=p).count()
    ((made,),) = [_bulk("unscheduled.slot", pattern_id=p.pk, count=created)]
    assert made.action == "create"
    assert _bulk("unscheduled.availabilitypattern", fields=["materialised_until"])

    slots.set_paused(p, world.cast.member, True)
    (paused,) = _bulk("unscheduled.slot", fields=["paused"])
    assert sorted(paused.details["ids"], key=int) == [
        str(i) for i in Slot.objects.filter(pattern=p).order_by("pk").values_list("pk", flat=True)
    ]

    ids = list(Slot.objects.filter(pattern=p).order_by("pk").values_list("pk", flat=True)[:2])
    slots.bulk_update(world.cast.cpts, world.cast.member, ids, visibility=["PUBLIC"])
    (edited,) = _bulk("unscheduled.slot", fields=["show_cpts", "show_pro", "show_public", "show_snp"])
    assert edited.details["ids"] == [str(i) for i in ids]


def test_copying_a_week_is_recorded_with_its_count(world):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    one_slot(world, day=monday + dt.timedelta(days=2), at=dt.time(8, 40))

    slots.copy_week(world.cast.cpts, world.cast.member, world.gp, monday, monday + dt.timedelta(days=7))

    (entry,) = _bulk("unscheduled.slot", professional_id=world.gp.pk)
    assert (entry.action, entry.details["count"]) == ("create", 1)


def test_a_queryset_delete_is_recorded_row_by_row_by_the_signals(world):
    p = pattern(world)
    ids = list(Slot.objects.filter(pattern=p).order_by("pk").values_list("pk", flat=True)[:3])

    slots.bulk_update(world.cast.cpts, world.cast.member, ids, delete=True)

    deleted = AuditEntry.objects.filter(object_type="unscheduled.slot", action="delete")
    assert sorted(deleted.values_list("object_id", flat=True), key=int) == [str(i) for i in ids]
