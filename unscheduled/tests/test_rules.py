"""Publishing and booking unscheduled slots: patterns over real dates (with a clock change), refusals that
change nothing, booking rules, and the search's order."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from agenda.timing import PARIS
from opencpts.errors import ActionError
from unscheduled import booking, search, slots
from unscheduled.models import AvailabilityPattern, Booking, Modality, Slot
from unscheduled.patient_messages import MemoryBackend

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def pattern(world, by=None, **extra):
    fields = dict(
        place=world.gp_place,
        weekdays=[0, 1, 2, 3, 4],
        start_time=dt.time(17),
        end_time=dt.time(19),
        slot_minutes=20,
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=60),
        visibility=["SNP", "CPTS"],
        motifs="Fièvre, douleur aiguë",
    )
    fields.update(extra)
    return slots.create_pattern(world.cast.cpts, by or world.cast.member, world.gp, **fields)


def one_slot(world, day=TOMORROW, at=dt.time(10), who=None, **extra):
    who = who or world.cast.member
    pro, place = (world.gp, world.gp_place) if who != world.cast.bureau else (world.nurse, world.nurse_place)
    return slots.publish_slot(
        world.cast.cpts,
        who,
        pro,
        place=place,
        day=day,
        at=at,
        minutes=extra.pop("minutes", 20),
        visibility=extra.pop("visibility", ["CPTS"]),
        **extra,
    )


def test_pattern_gives_weekday_slots_in_paris_time_and_skips_exceptions(world):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    p = pattern(world, exceptions=[monday.isoformat()])
    created = Slot.objects.filter(pattern=p)
    starts = {s.start.astimezone(PARIS) for s in created}
    assert all(s.weekday() < 5 for s in starts)
    assert all(dt.time(17) <= s.time() < dt.time(19) for s in starts)
    assert not any(s.date() == monday for s in starts)
    assert any(s.date() == monday + dt.timedelta(days=1) for s in starts)
    assert max(s.date() for s in starts) <= today + dt.timedelta(days=slots.HORIZON_DAYS)
    assert all(s.show_snp and s.show_cpts and not s.show_public for s in created)
    # Idempotent: running it again creates nothing.
    p.materialised_until = None
    assert slots.materialise(p) == 0


def test_clock_change_days_keep_wall_clock_times_and_skip_missing_ones(world):
    p = AvailabilityPattern(
        cpts=world.cast.cpts,
        professional=world.gp,
        place=world.gp_place,
        weekdays=[6],
        start_time=dt.time(1, 30),
        end_time=dt.time(3, 30),
        slot_minutes=30,
        valid_from=dt.date(2027, 3, 28),
        valid_until=dt.date(2027, 3, 28),
        exceptions=[],
    )
    local = [
        s.astimezone(PARIS).strftime("%H:%M")
        for s, _ in slots.occurrences(p, dt.date(2027, 3, 28), dt.date(2027, 3, 28))
    ]
    assert local == ["01:30", "03:00"]  # 02:00 and 02:30 do not exist on 28 March 2027 in Paris
    p.valid_from = p.valid_until = dt.date(2027, 10, 31)
    p.start_time, p.end_time = dt.time(10), dt.time(11)
    (first, _), _ = slots.occurrences(p, dt.date(2027, 10, 31), dt.date(2027, 10, 31))
    assert first.utcoffset() == dt.timedelta(hours=1)  # winter time again


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"weekdays": []}, "weekdays"),
        ({"end_time": dt.time(16)}, "end_time"),
        ({"slot_minutes": 2}, "slot_minutes"),
        ({"visibility": []}, "visibility"),
        ({"visibility": ["TOUS"]}, "visibility"),
        ({"valid_until": timezone.localdate() - dt.timedelta(days=1)}, "valid_until"),
        ({"exceptions": ["31/12"]}, "exceptions"),
        ({"modality": "XX"}, "modality"),
    ],
)
def test_bad_patterns_are_refused_in_french_and_write_nothing(world, bad, field):
    with pytest.raises(ActionError) as refused:
        pattern(world, **bad)
    assert refused.value.field == field and refused.value.message[0].isupper()
    assert not AvailabilityPattern.objects.exists() and not Slot.objects.exists()


def test_only_the_professional_a_delegate_or_the_coordination_publish(world):
    cast = world.cast
    with pytest.raises(PermissionDenied):
        slots.publish_slot(
            cast.cpts,
            cast.partner,
            world.gp,
            place=world.gp_place,
            day=TOMORROW,
            at=dt.time(9),
            minutes=15,
            visibility=["CPTS"],
        )
    with pytest.raises(PermissionDenied):  # another CPTS's coordinator
        slots.publish_slot(
            cast.cpts,
            cast.other_coordinator,
            world.gp,
            place=world.gp_place,
            day=TOMORROW,
            at=dt.time(9),
            minutes=15,
            visibility=["CPTS"],
        )
    from unscheduled.models import Delegation

    Delegation.objects.create(
        cpts=cast.cpts, professional=world.gp, user=cast.partner, granted_by=cast.member
    )
    assert slots.publish_slot(
        cast.cpts,
        cast.partner,
        world.gp,
        place=world.gp_place,
        day=TOMORROW,
        at=dt.time(9),
        minutes=15,
        visibility=["CPTS"],
    ).pk
    assert slots.publish_slot(
        cast.cpts,
        cast.coordinator,
        world.gp,
        place=world.gp_place,
        day=TOMORROW,
        at=dt.time(9, 30),
        minutes=15,
        visibility=["CPTS"],
    ).pk
    with pytest.raises(ActionError):  # someone else's place
        slots.publish_slot(
            cast.cpts,
            cast.member,
            world.gp,
            place=world.nurse_place,
            day=TOMORROW,
            at=dt.time(11),
            minutes=15,
            visibility=["CPTS"],
        )
    with pytest.raises(ActionError) as clash:
        one_slot(world, at=dt.time(9))
    assert "chevauche" in clash.value.message


def test_booking_then_a_second_booking_is_refused_and_leaves_nothing(world, settings):
    settings.OPENCPTS_PATIENT_MESSAGES_BACKEND = "unscheduled.patient_messages.MemoryBackend"
    MemoryBackend.outbox.clear()
    slot = one_slot(world)
    patient = dict(
        family_name="Durand", given_names="Paul", motif="Fièvre depuis hier", phone="06 12 34 56 78"
    )
    with pytest.raises(ActionError):
        booking.book(slot, world.cast.partner, **{**patient, "phone": "12"})
    assert not Booking.objects.exists()
    with pytest.raises(PermissionDenied):
        booking.book(slot, world.cast.referent, **patient)  # an institutional referent does not book
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        made = booking.book(slot, world.cast.partner, **patient)
    slot.refresh_from_db()
    assert slot.status == Slot.Status.BOOKED and made.family_name == "DURAND"
    with pytest.raises(booking.SlotTaken):
        booking.book(slot, world.cast.coordinator, **patient)
    assert Booking.objects.count() == 1
    # The patient got a confirmation without the motif; the professional a notification.
    (sent,) = MemoryBackend.outbox
    assert "Rendez-vous confirmé" in sent.text and "Fièvre" not in sent.text
    from notifications.models import Notification

    assert Notification.objects.filter(user=world.cast.member, kind="snp_booked").exists()
    made.refresh_from_db()
    assert made.confirmation == "memory"


def test_cancel_frees_the_slot_and_reschedule_is_all_or_nothing(world):
    first, second = one_slot(world), one_slot(world, at=dt.time(11))
    patient = dict(family_name="Martin", given_names="Léa", motif="Entorse", email="lea@example.org")
    made = booking.book(first, world.cast.partner, **patient)
    other = booking.book(second, world.cast.coordinator, **patient)
    with pytest.raises(booking.SlotTaken):
        booking.reschedule(made, world.cast.partner, second)  # taken: nothing changes
    made.refresh_from_db()
    assert made.status == Booking.Status.BOOKED
    booking.cancel(other, world.cast.coordinator, "Patient orienté ailleurs")
    moved = booking.reschedule(made, world.cast.partner, second)
    made.refresh_from_db()
    first.refresh_from_db()
    assert made.status == Booking.Status.CANCELLED and moved.rescheduled_from_id == made.pk
    assert first.status == Slot.Status.FREE
    with pytest.raises(ActionError):
        booking.mark_outcome(moved, world.cast.member, honoured=True)  # not yet happened
    Slot.objects.filter(pk=second.pk).update(
        start=timezone.now() - dt.timedelta(hours=1), end=timezone.now() - dt.timedelta(minutes=40)
    )
    with pytest.raises(PermissionDenied):
        booking.mark_outcome(moved, world.cast.partner, honoured=True)  # the booker is not the professional
    assert booking.mark_outcome(moved, world.cast.member, honoured=False).status == Booking.Status.NO_SHOW


def test_pause_hides_a_patterns_free_slots_and_bulk_edit_is_all_or_nothing(world):
    p = pattern(world)
    ids = list(Slot.objects.filter(pattern=p).values_list("pk", flat=True))
    slots.set_paused(p, world.cast.member, True)
    assert not Slot.objects.filter(pattern=p, paused=False).exists()
    assert search.find(world.cast.cpts, window="48h").slots == []
    slots.set_paused(p, world.cast.member, False)
    target = Slot.objects.get(pk=ids[0])
    booking.book(
        target, world.cast.partner, family_name="A", given_names="B", motif="Toux", phone="0612345678"
    )
    with pytest.raises(ActionError):
        slots.bulk_update(world.cast.cpts, world.cast.member, ids[:3], visibility=["PUBLIC"])
    assert not Slot.objects.filter(pk__in=ids, show_public=True).exists()
    assert slots.bulk_update(world.cast.cpts, world.cast.member, ids[1:3], visibility=["PUBLIC", "PRO"]) == 2
    assert Slot.objects.filter(pk__in=ids[1:3], show_public=True, show_pro=True, show_cpts=False).count() == 2


def test_copy_week_repeats_one_off_slots_at_the_same_local_times(world):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    one_slot(world, day=monday + dt.timedelta(days=2), at=dt.time(8, 40))
    first = slots.copy_week(
        world.cast.cpts, world.cast.member, world.gp, monday, monday + dt.timedelta(days=7)
    )
    assert len(first.created) == 1 and first.message == "1 créneau publié."
    copied = Slot.objects.order_by("-start").first().start.astimezone(PARIS)
    assert copied.date() == monday + dt.timedelta(days=9) and copied.time() == dt.time(8, 40)
    again = slots.copy_week(
        world.cast.cpts, world.cast.member, world.gp, monday, monday + dt.timedelta(days=7)
    )
    assert not again.created and again.message.startswith("Aucun créneau publié, 1 ignoré : déjà occupé le ")


def test_search_sorts_by_time_then_distance_and_lists_idle_participants_apart(world):
    now = timezone.now()
    later = (now + dt.timedelta(hours=3)).astimezone(PARIS)
    day, at = later.date(), dt.time(later.hour)
    gp_slot = one_slot(world, day=day, at=at, modality=Modality.CABINET)
    nurse_slot = one_slot(world, day=day, at=at, who=world.cast.bureau)
    belley = (world.gp_place.latitude, world.gp_place.longitude)
    found = search.find(world.cast.cpts, point=belley, window="24h")
    assert [f.slot.pk for f in found.slots] == [gp_slot.pk, nurse_slot.pk]  # same time: the nearest first
    assert found.slots[0].distance_km == pytest.approx(0, abs=0.01) and found.slots[1].distance_km > 5
    only_nurses = search.find(world.cast.cpts, point=belley, window="24h", profession="60")
    assert [f.slot.pk for f in only_nurses.slots] == [nurse_slot.pk]
    near = search.find(world.cast.cpts, point=belley, radius_km=2, window="24h")
    assert [f.slot.pk for f in near.slots] == [gp_slot.pk]
    booking.book(
        gp_slot, world.cast.partner, family_name="A", given_names="B", motif="Toux", phone="0612345678"
    )
    after = search.find(world.cast.cpts, point=belley, window="24h")
    assert [f.slot.pk for f in after.slots] == [nurse_slot.pk]
    assert [i.professional.pk for i in after.idle] == [world.gp.pk]  # takes part, nothing free
    # A slot opened to the general public only (general public and every professional) is offered to members
    # too.
    then = later + dt.timedelta(hours=1)
    public = one_slot(world, day=then.date(), at=dt.time(then.hour), visibility=["PUBLIC"])
    assert public.pk in [f.slot.pk for f in search.find(world.cast.cpts, window="24h").slots]


def test_a_booking_from_the_sas_is_marked_regulated_and_keeps_it_when_moved(world):
    first, second = one_slot(world), one_slot(world, at=dt.time(11))
    made = booking.book(
        first,
        world.cast.partner,
        family_name="Roux",
        given_names="Ana",
        motif="Douleur",
        phone="0612345678",
        origin="sas-preprod<script>",
    )
    assert made.regulated and made.origin == "sas-preprodscript"
    moved = booking.reschedule(made, world.cast.partner, second)
    assert moved.regulated and moved.origin == made.origin
    plain = booking.book(
        one_slot(world, at=dt.time(12)),
        world.cast.partner,
        family_name="Roux",
        given_names="Ana",
        motif="Douleur",
        phone="0612345678",
    )
    assert not plain.regulated and plain.origin == ""


def test_the_daily_command_extends_patterns_to_the_horizon_and_resumes(world):
    from io import StringIO

    from django.core.management import call_command

    p = pattern(world, valid_until=timezone.localdate() + dt.timedelta(days=90))
    before = Slot.objects.filter(pattern=p).count()
    last = max(s.start for s in Slot.objects.filter(pattern=p)).astimezone(PARIS).date()
    # A week later the horizon has moved: the command adds that week, once.
    later = timezone.localdate() + dt.timedelta(days=7)
    assert slots.materialise_all(later) > 0
    assert max(s.start for s in Slot.objects.filter(pattern=p)).astimezone(PARIS).date() > last
    extended = Slot.objects.filter(pattern=p).count()
    assert extended > before
    out = StringIO()
    call_command("materialise_slots", stdout=out)
    assert Slot.objects.filter(pattern=p).count() == extended  # nothing twice
    assert "0 créneau créé pour 1 disponibilité récurrente." in out.getvalue()


def test_overlapping_slots_are_refused_and_patterns_skip_what_overlaps(world):
    one_slot(world, at=dt.time(17, 10), minutes=30)  # 17:10–17:40 tomorrow
    with pytest.raises(ActionError) as refused:
        one_slot(world, at=dt.time(17, 30), minutes=20)  # 17:30–17:50 overlaps
    assert "chevauche" in refused.value.message and "17:10" in refused.value.message
    assert Slot.objects.count() == 1
    assert one_slot(world, at=dt.time(17, 40), minutes=20).pk  # touching is not overlapping
    # A pattern 17:00–19:00 by 20 min: tomorrow, 17:00 and 17:20 overlap the one-off slots, 17:40 too. Never
    # skipped silently: refused without a choice, then left out when the professional says so.
    one = dict(weekdays=[TOMORROW.weekday()], valid_from=TOMORROW, valid_until=TOMORROW)
    with pytest.raises(ActionError) as ask:
        pattern(world, **one)
    assert ask.value.field == "overlaps" and ask.value.message.startswith("3 créneaux chevauchent")
    assert not AvailabilityPattern.objects.exists() and Slot.objects.count() == 2
    p = pattern(world, overlaps=slots.SKIP, **one)
    starts = sorted(s.start.astimezone(PARIS).strftime("%H:%M") for s in Slot.objects.filter(pattern=p))
    assert starts == ["18:00", "18:20", "18:40"]
    spans = sorted((s.start, s.end) for s in Slot.objects.filter(professional=world.gp))
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))
