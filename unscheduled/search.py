"""Finding the earliest free unscheduled slots for a patient: today, within 24 h or 48 h, near an address or a
commune, by profession, specialty and modality; sorted by time then distance. The professionals who take part
(they publish slots in this CPTS) but have nothing free in the window are returned apart, nearest first.

Members of the CPTS see every free slot whatever its types (TRE_R314: PUBLIC = general public and every
professional, PRO = professionals, SNP = the SAS regulation, CPTS = the CPTS's members): each type opens the
slot at least to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from agenda.timing import PARIS
from cpts.models import CPTS
from cpts.scoping import scoped
from directory.models import Professional
from directory.search import haversine_km
from unscheduled.models import AvailabilityPattern, Slot

WINDOWS = {"aujourdhui": "Aujourd'hui", "24h": "Dans les 24 heures", "48h": "Dans les 48 heures"}
MAX_RESULTS = 200


@dataclass(frozen=True)
class Found:
    slot: Slot
    distance_km: float | None


@dataclass(frozen=True)
class Idle:
    professional: Professional
    distance_km: float | None


@dataclass(frozen=True)
class Results:
    slots: list[Found]
    idle: list[Idle]
    until: dt.datetime


def window_end(window: str, now: dt.datetime) -> dt.datetime:
    if window == "aujourdhui":
        local = now.astimezone(PARIS)
        return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)
    return now + dt.timedelta(hours=48 if window == "48h" else 24)


def _distance(place, point) -> float | None:
    if point is None or place.latitude is None or place.longitude is None:
        return None
    return haversine_km(point[0], point[1], place.latitude, place.longitude)


def find(
    cpts: CPTS,
    *,
    point: tuple[float, float] | None = None,
    radius_km: float | None = None,
    window: str = "24h",
    profession: str = "",
    specialty: str = "",
    modality: str = "",
    professional_id: int | None = None,
    now: dt.datetime | None = None,
) -> Results:
    now = now or timezone.now()
    until = window_end(window, now)
    qs = (
        scoped(Slot, cpts)
        .filter(status=Slot.Status.FREE, paused=False, start__gt=now, start__lt=until)
        .filter(Q(show_public=True) | Q(show_pro=True) | Q(show_snp=True) | Q(show_cpts=True))
        .select_related("professional", "place", "place__commune")
    )
    if profession:
        qs = qs.filter(professional__profession_code=profession)
    if specialty:
        qs = qs.filter(professional__specialty_code=specialty)
    if modality:
        qs = qs.filter(modality=modality)
    if professional_id:  # one practitioner's free slots (the link the SAS shows the regulator)
        qs = qs.filter(professional_id=professional_id)
    found = []
    for slot in qs.order_by("start", "pk")[: MAX_RESULTS * 5]:
        distance = _distance(slot.place, point)
        if radius_km is not None and point is not None and (distance is None or distance > radius_km):
            continue
        found.append(Found(slot, distance))
    found.sort(key=lambda f: (f.slot.start, f.distance_km if f.distance_km is not None else 1e9, f.slot.pk))
    found = found[:MAX_RESULTS]
    with_slots = {f.slot.professional_id for f in found}
    # Taking part: an active pattern or a slot to come in this CPTS.
    taking_part = set(
        scoped(AvailabilityPattern, cpts)
        .filter(valid_until__gte=now.date())
        .values_list("professional_id", flat=True)
    )
    taking_part |= set(scoped(Slot, cpts).filter(start__gt=now).values_list("professional_id", flat=True))
    idle_ids = taking_part - with_slots
    if professional_id:
        idle_ids &= {professional_id}
    idle_qs = Professional.objects.filter(pk__in=idle_ids, active=True).prefetch_related("places")
    if profession:
        idle_qs = idle_qs.filter(profession_code=profession)
    if specialty:
        idle_qs = idle_qs.filter(specialty_code=specialty)
    idle = []
    for pro in idle_qs:
        distances = [d for d in (_distance(p, point) for p in pro.places.all() if p.active) if d is not None]
        distance = min(distances) if distances else None
        if radius_km is not None and point is not None and (distance is None or distance > radius_km):
            continue
        idle.append(Idle(pro, distance))
    idle.sort(key=lambda i: (i.distance_km if i.distance_km is not None else 1e9, i.professional.last_name))
    return Results(found, idle, until)
