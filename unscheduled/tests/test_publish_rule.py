"""The overlap rule of a publication (unscheduled.slots.plan / preview / publish): what collides is shown
before anything is written, a collision is never skipped silently, a booked slot is never replaced, the
outcome names exactly what was created and what was left out and why, past slots are refused, a pattern
across the clock change keeps its wall-clock hours, and an error leaves nothing half-saved.

The clock is pinned (``now`` given to the rule, ``opencpts.french`` told the year) so that the exact French
confirmations are written out in full."""

import datetime as dt

import pytest
from django.utils import timezone

from agenda.timing import PARIS
from opencpts import french
from opencpts.errors import ActionError
from unscheduled import slots
from unscheduled.models import AvailabilityPattern, Booking, Slot

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)  # a Monday morning
NEXT_MONDAY = dt.date(2026, 12, 14)
NEXT_WEEK = [NEXT_MONDAY + dt.timedelta(days=i) for i in range(5)]


@pytest.fixture(autouse=True)
def pinned_year(monkeypatch):
    monkeypatch.setattr(french, "_today", lambda: NOW.date())


def fields(world, **extra):
    data = dict(
        place=world.gp_place,
        days=NEXT_WEEK,
        start_time=dt.time(18),
        end_time=dt.time(20),
        slot_minutes=20,
        visibility=["SNP", "CPTS"],
    )
    data.update(extra)
    return data


def weekly(world, **extra):
    data = fields(world, **extra)
    data.pop("days")
    data.setdefault("weekdays", [0, 1, 2, 3, 4])
    data.setdefault("valid_from", NEXT_MONDAY)
    data.setdefault("valid_until", NEXT_MONDAY + dt.timedelta(days=4))
    return data


def existing(world, day, at, minutes=20, booked=False, cpts=None):
    """A slot already there (written directly: its date may be past by the time the test runs)."""
    start = dt.datetime.combine(day, at, tzinfo=PARIS)
    slot = Slot.objects.create(
        cpts=cpts or world.cast.cpts,
        professional=world.gp,
        place=world.gp_place,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        show_cpts=True,
        created_by=world.cast.member,
        status=Slot.Status.BOOKED if booked else Slot.Status.FREE,
    )
    if booked:
        Booking.objects.create(
            cpts=slot.cpts,
            slot=slot,
            family_name="DURAND",
            given_names="Paul",
            motif="Toux",
            booked_by=world.cast.partner,
        )
    return slot


def publish(world, overlaps=None, now=NOW, **extra):
    return slots.publish(
        world.cast.cpts,
        world.cast.member,
        world.gp,
        weekly=False,
        overlaps=overlaps,
        now=now,
        **fields(world, **extra),
    )


def local_times(queryset):
    return sorted(s.start.astimezone(PARIS).strftime("%a %H:%M") for s in queryset)


def test_next_week_monday_to_friday_six_to_eight_gives_thirty_slots_and_says_so(world):
    outcome = publish(world)
    assert outcome.message == "30 créneaux publiés."
    assert Slot.objects.count() == 30 and not AvailabilityPattern.objects.exists()
    starts = [s.start.astimezone(PARIS) for s in Slot.objects.order_by("start")]
    assert {s.date() for s in starts} == set(NEXT_WEEK)
    assert starts[0].time() == dt.time(18) and starts[-1].time() == dt.time(19, 40)
    assert all(s.show_snp and s.show_cpts and not s.show_public for s in Slot.objects.all())


def test_the_preview_lists_what_collides_and_nothing_is_written(world):
    existing(world, NEXT_WEEK[0], dt.time(18), minutes=30)  # overlaps 18:00 and 18:20
    existing(world, NEXT_WEEK[1], dt.time(19), booked=True)
    before = Slot.objects.count()
    plan = slots.preview(world.cast.cpts, world.cast.member, world.gp, weekly=False, now=NOW, **fields(world))
    assert len(plan.free) == 27 and Slot.objects.count() == before
    assert [(w.day, w.start.astimezone(PARIS).time(), w.reason, w.replaceable) for w in plan.collisions] == [
        (NEXT_WEEK[0], dt.time(18), "occupe", True),
        (NEXT_WEEK[0], dt.time(18, 20), "occupe", True),
        (NEXT_WEEK[1], dt.time(19), "reserve", False),
    ]


def test_a_collision_without_a_choice_is_refused_and_nothing_is_published(world):
    existing(world, NEXT_WEEK[0], dt.time(18))
    with pytest.raises(ActionError) as refused:
        publish(world)
    assert refused.value.field == "overlaps"
    assert refused.value.message == (
        "1 créneau chevauche vos créneaux existants : choisissez de les ignorer ou de remplacer les créneaux "
        "libres. Rien n'a été publié."
    )
    assert Slot.objects.count() == 1


def test_skip_says_exactly_what_was_left_out_and_why(world):
    existing(world, NEXT_WEEK[0], dt.time(18))
    existing(world, NEXT_WEEK[1], dt.time(18))
    outcome = publish(world, overlaps=slots.SKIP)
    assert outcome.message == (
        "28 créneaux publiés, 2 ignorés : déjà occupés le lundi 14 et le mardi 15 décembre."
    )
    assert len(outcome.created) == 28 and Slot.objects.count() == 30
    assert [w.day for w in outcome.skipped] == NEXT_WEEK[:2]


def test_replace_deletes_the_free_slots_and_never_a_booked_one(world):
    free = existing(world, NEXT_WEEK[0], dt.time(18), minutes=30)
    booked = existing(world, NEXT_WEEK[1], dt.time(19), booked=True)
    outcome = publish(world, overlaps=slots.REPLACE)
    assert outcome.message == (
        "29 créneaux publiés, 1 créneau libre remplacé, 1 ignoré : déjà réservé le mardi 15 décembre."
    )
    assert not Slot.objects.filter(pk=free.pk).exists()
    assert Slot.objects.filter(pk=booked.pk).exists() and Booking.objects.get().slot_id == booked.pk
    tuesday = Slot.objects.filter(start__date=NEXT_WEEK[1]).exclude(pk=booked.pk)
    assert dt.time(19) not in {s.start.astimezone(PARIS).time() for s in tuesday}
    assert Slot.objects.count() == 30  # 29 new + the booked one


def test_a_slot_in_another_cpts_is_skipped_even_when_replacing(world):
    existing(world, NEXT_WEEK[2], dt.time(18), cpts=world.cast.other)
    outcome = publish(world, overlaps=slots.REPLACE)
    assert outcome.message == "29 créneaux publiés, 1 ignoré : déjà occupé le mercredi 16 décembre."
    assert Slot.objects.filter(cpts=world.cast.other).count() == 1


def test_mixed_reasons_are_grouped_with_their_days(world):
    existing(world, NEXT_WEEK[0], dt.time(18))
    existing(world, NEXT_WEEK[3], dt.time(18))
    existing(world, NEXT_WEEK[4], dt.time(19), booked=True)
    outcome = publish(world, overlaps=slots.SKIP)
    assert outcome.message == (
        "27 créneaux publiés, 3 ignorés : déjà occupés le lundi 14 et le jeudi 17 décembre ; "
        "déjà réservé le vendredi 18 décembre."
    )


def test_a_past_day_is_refused_and_todays_past_hours_are_said(world):
    with pytest.raises(ActionError) as refused:
        publish(world, days=[NOW.date() - dt.timedelta(days=1), NEXT_MONDAY])
    assert refused.value.message == "Le dimanche 6 décembre est déjà passé : choisissez un jour à venir."
    assert refused.value.field == "weekdays"
    evening = dt.datetime(2026, 12, 7, 19, 10, tzinfo=PARIS)
    outcome = publish(world, days=[NOW.date()], now=evening)
    assert outcome.message == "2 créneaux publiés, 4 ignorés : déjà passés le lundi 7 décembre."
    with pytest.raises(ActionError) as late:
        publish(world, days=[NOW.date()], now=evening + dt.timedelta(hours=2))
    assert late.value.message.startswith("Ces créneaux sont déjà passés")
    assert Slot.objects.count() == 2


@pytest.mark.parametrize(
    "days, offsets",
    [
        # Last Sunday of March 2027: the clocks go forward (UTC+1 on Saturday, UTC+2 from Sunday).
        ([dt.date(2027, 3, 27), dt.date(2027, 3, 28), dt.date(2027, 3, 29)], [1, 2, 2]),
        # Last Sunday of October 2027: back to winter time (UTC+2 on Saturday, UTC+1 from Sunday).
        ([dt.date(2027, 10, 30), dt.date(2027, 10, 31), dt.date(2027, 11, 1)], [2, 1, 1]),
    ],
)
def test_a_pattern_across_the_clock_change_keeps_its_wall_clock_hours(world, days, offsets):
    now = dt.datetime.combine(days[0] - dt.timedelta(days=6), dt.time(9), tzinfo=PARIS)
    outcome = slots.publish(
        world.cast.cpts,
        world.cast.member,
        world.gp,
        weekly=True,
        now=now,
        **weekly(world, weekdays=[d.weekday() for d in days], valid_from=days[0], valid_until=days[-1]),
    )
    assert outcome.message == "18 créneaux publiés."
    stored = list(Slot.objects.filter(pattern=outcome.pattern).order_by("start"))
    for day, hours in zip(days, offsets, strict=True):
        of_day = [s for s in stored if s.start.astimezone(PARIS).date() == day]
        assert [s.start.astimezone(PARIS).strftime("%H:%M") for s in of_day] == [
            "18:00",
            "18:20",
            "18:40",
            "19:00",
            "19:20",
            "19:40",
        ]
        assert {s.start.astimezone(PARIS).utcoffset() for s in of_day} == {dt.timedelta(hours=hours)}
        assert all(s.end - s.start == dt.timedelta(minutes=20) for s in of_day)
    # The one-off publication follows the same wall clock.
    Slot.objects.all().delete()
    once = slots.publish(
        world.cast.cpts, world.cast.member, world.gp, weekly=False, now=now, **fields(world, days=days)
    )
    assert len(once.created) == 18
    assert {s.start.astimezone(PARIS).time() for s in Slot.objects.filter(start__date=days[1])} >= {
        dt.time(18)
    }


def test_a_weekly_pattern_says_when_its_later_slots_come(world):
    outcome = slots.publish(
        world.cast.cpts,
        world.cast.member,
        world.gp,
        weekly=True,
        now=NOW,
        **weekly(world, valid_from=NOW.date(), valid_until=dt.date(2027, 3, 31), exceptions=[NEXT_MONDAY]),
    )
    pattern = outcome.pattern
    assert pattern.materialised_until == NOW.date() + dt.timedelta(days=slots.HORIZON_DAYS)
    assert not Slot.objects.filter(start__date=NEXT_MONDAY).exists()
    count = Slot.objects.filter(pattern=pattern).count()
    assert outcome.message == (
        f"{count} créneaux publiés. Les créneaux suivants seront publiés chaque jour jusqu'au mercredi "
        "31 mars 2027, sauf là où vous aurez déjà un créneau."
    )


def test_an_error_while_writing_leaves_nothing_half_saved(world, monkeypatch):
    free = existing(world, NEXT_WEEK[0], dt.time(18))
    before = set(Slot.objects.values_list("pk", flat=True))

    def broken(*args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(slots, "record_bulk", broken)
    with pytest.raises(RuntimeError):
        slots.publish(
            world.cast.cpts,
            world.cast.member,
            world.gp,
            weekly=True,
            overlaps=slots.REPLACE,
            now=NOW,
            **weekly(world),
        )
    assert (
        set(Slot.objects.values_list("pk", flat=True)) == before and Slot.objects.filter(pk=free.pk).exists()
    )
    assert not AvailabilityPattern.objects.exists()


def test_a_slot_appearing_during_the_publication_cancels_all_of_it(world, monkeypatch):
    real_plan = slots.plan

    def racing(cpts, professional, wanted, now):
        result = real_plan(cpts, professional, wanted, now)
        existing(world, NEXT_WEEK[4], dt.time(19, 40))  # another writer got there first
        return result

    monkeypatch.setattr(slots, "plan", racing)
    with pytest.raises(ActionError) as refused:
        publish(world)
    assert refused.value.message.startswith("Vos créneaux ont changé pendant la publication : rien n'a été")
    assert not Slot.objects.exists()


def test_copy_week_goes_through_the_same_rule_and_says_what_it_left_out(world):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    target = monday + dt.timedelta(days=7)
    existing(world, monday, dt.time(9))
    existing(world, monday + dt.timedelta(days=1), dt.time(9))
    existing(world, target + dt.timedelta(days=1), dt.time(9), booked=True)
    outcome = slots.copy_week(world.cast.cpts, world.cast.member, world.gp, monday, target)
    assert outcome.message == (
        f"1 créneau publié, 1 ignoré : déjà réservé {slots.days_text([target + dt.timedelta(days=1)])}."
    )
