"""Finding the earliest free unscheduled slots for a patient: today, within 24 h or 48 h, near an address or a
commune, by profession, specialty and modality; sorted by time then distance. The professionals who take part
(they publish slots in this CPTS) but have nothing free in the window are returned apart, nearest first.

Members of the CPTS see every bookable slot whatever its types (TRE_R314: PUBLIC = general public and every
professional, PRO = professionals, SNP = the SAS regulation, CPTS = the CPTS's members): each type opens the
slot at least to them. What "bookable" means is ``Slot.objects.bookable`` (unscheduled/models.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from agenda.timing import PARIS
from cpts.models import CPTS
from cpts.scoping import scoped
from directory.models import Professional
from directory.search import haversine_km
from unscheduled.models import Audience, AvailabilityPattern, Slot

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


def _within(distance: float | None, point, radius_km: float | None) -> bool:
    """Inside the radius (always, without a point or a radius; never, for a place without coordinates)."""
    if radius_km is None or point is None:
        return True
    return distance is not None and distance <= radius_km


def _free_slots(cpts: CPTS, now, until, *, profession, specialty, modality, professional_id):
    qs = (
        scoped(Slot, cpts)
        .bookable(audience=Audience.MEMBER, now=now)
        .filter(start__lt=until)
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
    return qs


def _nearest_first(qs, point, radius_km) -> list[Found]:
    found = []
    for slot in qs.order_by("start", "pk")[: MAX_RESULTS * 5]:
        distance = _distance(slot.place, point)
        if _within(distance, point, radius_km):
            found.append(Found(slot, distance))
    found.sort(key=lambda f: (f.slot.start, f.distance_km if f.distance_km is not None else 1e9, f.slot.pk))
    return found[:MAX_RESULTS]


def _taking_part(cpts: CPTS, now) -> set[int]:
    """The professionals who take part: a pattern not ended or a slot to come in this CPTS."""
    ids = set(
        scoped(AvailabilityPattern, cpts).not_ended(now.date()).values_list("professional_id", flat=True)
    )
    ids |= set(scoped(Slot, cpts).filter(start__gt=now).values_list("professional_id", flat=True))
    return ids


def _idle(ids: set[int], point, radius_km, *, profession, specialty) -> list[Idle]:
    idle_qs = Professional.objects.filter(pk__in=ids, active=True).prefetch_related("places")
    if profession:
        idle_qs = idle_qs.filter(profession_code=profession)
    if specialty:
        idle_qs = idle_qs.filter(specialty_code=specialty)
    idle = []
    for pro in idle_qs:
        distances = [d for d in (_distance(p, point) for p in pro.places.all() if p.active) if d is not None]
        distance = min(distances) if distances else None
        if _within(distance, point, radius_km):
            idle.append(Idle(pro, distance))
    idle.sort(key=lambda i: (i.distance_km if i.distance_km is not None else 1e9, i.professional.last_name))
    return idle


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
    qs = _free_slots(
        cpts,
        now,
        until,
        profession=profession,
        specialty=specialty,
        modality=modality,
        professional_id=professional_id,
    )
    found = _nearest_first(qs, point, radius_km)
    idle_ids = _taking_part(cpts, now) - {f.slot.professional_id for f in found}
    if professional_id:
        idle_ids &= {professional_id}
    idle = _idle(idle_ids, point, radius_km, profession=profession, specialty=specialty)
    return Results(found, idle, until)
