"""Unscheduled-care slots of the demo CPTS (demo/seed.py): weekly availabilities for a few member
professionals who have a located place of practice — the demo GP and nurse accounts first — so that "Soins non
programmés" shows free slots today and in the coming days; and the past activity of those professionals (slots
offered over the last 21 months, booked, honoured, absent or cancelled, for synthetic patients) so that the
indicators and the ACI cockpit have figures. Idempotent: nothing is added once the CPTS has a pattern, nor
history once it has past slots."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from cpts.models import CPTS, Membership
from cpts.roles import Role
from cpts.scoping import scoped
from directory.models import PracticePlace
from unscheduled import slots
from unscheduled.models import AvailabilityPattern, Booking, Modality, Slot

PARIS = ZoneInfo("Europe/Paris")
HISTORY_DAYS = 640  # about 21 months: the demo ACI contract was signed 20 months ago
MOTIFS = ["Fièvre", "Douleur aiguë", "Infection urinaire", "Pansement", "Plaie", "Entorse", "Otite", "Angine"]

# (weekdays, from, to, minutes, modality, motifs, visibility) for the 1st, 2nd, 3rd professional.
PLANS = [
    (
        [0, 1, 2, 3, 4],
        dt.time(12),
        dt.time(13),
        15,
        Modality.CABINET,
        "Fièvre, douleur aiguë, infection urinaire",
        ["PRO", "SNP", "CPTS"],
    ),
    (
        [0, 1, 2, 3, 4, 5],
        dt.time(17, 30),
        dt.time(19),
        20,
        Modality.HOME,
        "Pansement, injection, surveillance",
        ["SNP", "CPTS"],
    ),
    (
        [1, 3, 5],
        dt.time(9),
        dt.time(11),
        20,
        Modality.CABINET,
        "Petite traumatologie, plaie",
        ["PRO", "CPTS"],
    ),
]


@transaction.atomic
def seed_unscheduled(cpts: CPTS) -> bool:
    """Returns True when patterns were created, False when the CPTS had some already (or nobody fits)."""
    if scoped(AvailabilityPattern, cpts).exists():
        return False
    coordinator = (
        scoped(Membership, cpts)
        .filter(role=Role.COORDINATOR, active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if coordinator is None:
        return False
    members = (
        scoped(Membership, cpts)
        .filter(active=True, user__professional__isnull=False)
        .select_related("user__professional")
    )
    demo_first = sorted(members, key=lambda m: (not m.user.email.startswith(("medecin@", "bureau@")), m.pk))
    today = timezone.localdate()
    created = 0
    for membership in demo_first:
        if created == len(PLANS):
            break
        pro = membership.user.professional
        place = (
            PracticePlace.objects.filter(professional=pro, active=True, latitude__isnull=False)
            .order_by("-is_primary", "pk")
            .first()
        )
        if place is None:
            continue
        weekdays, start, end, minutes, modality, motifs, visibility = PLANS[created]
        slots.create_pattern(
            cpts,
            coordinator.user,
            pro,
            place=place,
            weekdays=weekdays,
            start_time=start,
            end_time=end,
            slot_minutes=minutes,
            valid_from=today,
            valid_until=today + dt.timedelta(days=180),
            modality=modality,
            motifs=motifs,
            visibility=visibility,
        )
        created += 1
    seed_history(cpts, coordinator.user)
    return created > 0


def seed_history(cpts: CPTS, by, rng_seed: int = 2026) -> int:
    """Past slots of the CPTS's patterns' professionals, following their plans, with bookings: about 70 %
    booked, of which 88 % honoured, 5 % absent, 7 % cancelled; 15 % regulated by the SAS. Synthetic patients
    only ("PATIENT FICTIF"). Written in bulk (demo data, not user actions). Returns the number of slots
    created."""
    today = timezone.localdate()
    if scoped(Slot, cpts).filter(start__lt=dt.datetime.combine(today, dt.time(0), tzinfo=PARIS)).exists():
        return 0
    rng = random.Random(rng_seed)
    patterns = list(scoped(AvailabilityPattern, cpts).select_related("professional", "place").order_by("pk"))
    new_slots = []
    for pattern, plan in zip(patterns, PLANS, strict=False):
        weekdays, start, end, minutes, modality, motifs, _ = plan
        for back in range(HISTORY_DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            if day.weekday() not in weekdays or rng.random() < 0.12:  # holidays, days off
                continue
            moment = dt.datetime.combine(day, start, tzinfo=PARIS)
            finish = dt.datetime.combine(day, end, tzinfo=PARIS)
            while moment + dt.timedelta(minutes=minutes) <= finish:
                new_slots.append(
                    Slot(
                        cpts=cpts,
                        professional=pattern.professional,
                        place=pattern.place,
                        start=moment,
                        end=moment + dt.timedelta(minutes=minutes),
                        modality=modality,
                        motifs=motifs,
                        created_by=by,
                        show_pro=pattern.show_pro,
                        show_snp=pattern.show_snp,
                        show_cpts=pattern.show_cpts,
                        show_public=pattern.show_public,
                    )
                )
                moment += dt.timedelta(minutes=minutes)
    Slot.objects.bulk_create(new_slots, batch_size=1000)
    created = list(
        scoped(Slot, cpts)
        .filter(start__lt=dt.datetime.combine(today, dt.time(0), tzinfo=PARIS))
        .order_by("start", "pk")
    )
    bookings, booked_slots = [], []
    for slot in created:
        if rng.random() >= 0.7:
            continue
        draw = rng.random()
        status = (
            Booking.Status.HONOURED
            if draw < 0.88
            else Booking.Status.NO_SHOW
            if draw < 0.93
            else Booking.Status.CANCELLED
        )
        booked_at = slot.start - dt.timedelta(hours=rng.choice([1, 2, 3, 5, 8, 20, 26, 40]))
        bookings.append(
            Booking(
                cpts=cpts,
                slot=slot,
                status=status,
                family_name="PATIENT FICTIF",
                given_names=f"N° {len(bookings) + 1}",
                motif=rng.choice(MOTIFS),
                booked_by=by,
                regulated=rng.random() < 0.15,
                closed_at=slot.end,
                closed_by=by,
                cancel_reason="Annulé par le patient" if status == Booking.Status.CANCELLED else "",
                booked_at=booked_at,
            )
        )
        if status != Booking.Status.CANCELLED:
            booked_slots.append(slot.pk)
    Booking.objects.bulk_create(bookings, batch_size=1000)
    saved = list(
        scoped(Booking, cpts).filter(slot__start__lt=dt.datetime.combine(today, dt.time(0), tzinfo=PARIS))
    )
    stamps = {b.slot_id: b.booked_at for b in bookings}
    for booking in saved:
        booking.booked_at = stamps[booking.slot_id]
    Booking.objects.bulk_update(saved, ["booked_at"], batch_size=1000)  # auto_now_add set "now" on insert
    for i in range(0, len(booked_slots), 500):
        Slot.objects.filter(pk__in=booked_slots[i : i + 500]).update(status=Slot.Status.BOOKED)
    return len(created)
