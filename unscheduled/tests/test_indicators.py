"""Indicators computed from rows: each figure checked against rows counted by hand."""

import datetime as dt

import pytest

from agenda.timing import PARIS
from unscheduled import indicators
from unscheduled.models import Booking, Slot

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)


def slot(world, day, hour, pro="gp", **extra):
    professional, place = (world.gp, world.gp_place) if pro == "gp" else (world.nurse, world.nurse_place)
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)
    return Slot.objects.create(
        cpts=world.cast.cpts,
        professional=professional,
        place=place,
        start=start,
        end=start + dt.timedelta(minutes=20),
        created_by=world.cast.member,
        show_cpts=True,
        **extra,
    )


def book(world, s, status="booked", hours_before=5):
    b = Booking.objects.create(
        cpts=world.cast.cpts,
        slot=s,
        status=status,
        family_name="X",
        given_names="Y",
        motif="Toux",
        phone="0612345678",
        booked_by=world.cast.partner,
    )
    Booking.objects.filter(pk=b.pk).update(booked_at=s.start - dt.timedelta(hours=hours_before))
    return b


def test_counts_rates_and_median_delay_by_week_profession_and_commune(world):
    a = [slot(world, MONDAY, h) for h in (9, 10, 11, 12)]  # week 1, GP in Belley: 4 offered
    b = [
        slot(world, MONDAY + dt.timedelta(days=8), 9, pro="nurse"),
        slot(world, MONDAY + dt.timedelta(days=8), 10, pro="nurse"),
    ]  # week 2, nurse
    slot(world, MONDAY, 14, paused=True)  # paused: not offered
    book(world, a[0], "honoured", hours_before=2)
    book(world, a[1], "no_show", hours_before=4)
    book(world, a[2], "booked", hours_before=30)
    book(world, a[3], "cancelled")  # cancelled: not booked
    book(world, b[0], "honoured", hours_before=1)
    outside = slot(world, MONDAY + dt.timedelta(days=40), 9)
    book(world, outside, "honoured")
    first, last = MONDAY, MONDAY + dt.timedelta(days=13)

    total = indicators.summary(world.cast.cpts, first, last)
    assert (total.offered, total.booked, total.honoured, total.no_show) == (6, 4, 2, 1)
    assert total.fill_rate == pytest.approx(4 / 6)
    assert total.median_delay_hours == pytest.approx(3.0)  # 1, 2, 4, 30 → 3
    assert indicators.offered_slots(world.cast.cpts, first, last).count() == total.offered  # traceable rows

    weeks = indicators.table(world.cast.cpts, first, last, "semaine")
    assert [(r.label, r.offered, r.booked) for r in weeks] == [
        ("Semaine du 02/03/2026", 4, 3),
        ("Semaine du 09/03/2026", 2, 1),
    ]
    professions = {r.key: r for r in indicators.table(world.cast.cpts, first, last, "profession")}
    assert (professions["10"].offered, professions["10"].booked) == (4, 3)
    assert (professions["60"].offered, professions["60"].honoured) == (2, 1)
    communes = {r.label: r for r in indicators.table(world.cast.cpts, first, last, "commune")}
    assert communes["Belley"].offered == 4 and communes["Belley"].median_delay_hours == pytest.approx(4.0)


def test_an_empty_period_gives_zeros_not_errors(world):
    total = indicators.summary(world.cast.cpts, MONDAY, MONDAY)
    assert (total.offered, total.booked, total.fill_rate, total.median_delay_hours) == (0, 0, 0.0, None)
    assert indicators.table(world.cast.cpts, MONDAY, MONDAY, "commune") == []
