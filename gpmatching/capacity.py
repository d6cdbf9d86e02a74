"""What GPs declare: how many new patients a month they take, under which conditions, their pauses and planned
retirement; the room left this month; the patients at risk and the projection of demand against capacity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cpts.models import CPTS, Membership, TerritoryCommune
from cpts.roles import Role
from cpts.scoping import scoped
from directory.models import PracticePlace, Professional
from gpmatching.models import Capacity, Proposal, Request
from opencpts.dates import first_of_month, shift_months
from opencpts.errors import ActionError

PHYSICIAN = "10"  # TRE_G15: médecin
MAX_PER_MONTH = 100
MAX_DISTANCE_KM = 100
AT_RISK_MONTHS = 24  # a GP retiring within this horizon puts their patients at risk


def is_physician(professional: Professional | None) -> bool:
    return professional is not None and professional.profession_code == PHYSICIAN


def can_declare(user, cpts: CPTS, professional: Professional) -> bool:
    """The GP for themself (active member), or the coordination for a member GP."""
    m = scoped(Membership, cpts).filter(user=user, active=True).first()
    if m is None:
        return False
    return m.role == Role.COORDINATOR or user.professional_id == professional.pk


def _int(
    data: dict, field: str, label: str, low: int, high: int | None, required: bool = False
) -> int | None:
    raw = data.get(field)
    if raw in (None, ""):
        if required:
            raise ActionError(f"{label} est obligatoire.", field)
        return None
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise ActionError(f"{label} : un nombre entier est attendu.", field) from exc
    if value < low:
        raise ActionError(
            f"{label} ne peut pas être en dessous de {low}." if low else f"{label} ne peut pas être négatif.",
            field,
        )
    if high is not None and value > high:
        raise ActionError(f"{label} ne peut pas dépasser {high}.", field)
    return value


def _date(data: dict, field: str, label: str) -> dt.date | None:
    raw = data.get(field)
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ActionError(f"{label} : date invalide.", field) from exc


def clean(cpts: CPTS, professional: Professional, data: dict, today: dt.date) -> dict:
    out = {
        "per_month": _int(
            data, "per_month", "Le nombre de nouveaux patients par mois", 0, MAX_PER_MONTH, True
        ),
        "max_distance_km": _int(data, "max_distance_km", "La distance maximale", 1, MAX_DISTANCE_KM),
        "min_age": _int(data, "min_age", "L'âge minimal", 0, 120) or 0,
        "max_age": _int(data, "max_age", "L'âge maximal", 0, 120),
        "patients": _int(data, "patients", "Le nombre de vos patients", 0, 20_000),
        "home_visits": bool(data.get("home_visits")),
        "paused_until": _date(data, "paused_until", "La date de fin de pause"),
        "retirement_on": _date(data, "retirement_on", "La date de départ en retraite"),
    }
    if out["max_age"] is not None and out["max_age"] < out["min_age"]:
        raise ActionError("L'âge maximal doit être supérieur ou égal à l'âge minimal.", "max_age")
    if out["paused_until"] and out["paused_until"] < today:
        raise ActionError(
            "La fin de la pause est déjà passée : laissez le champ vide pour reprendre.", "paused_until"
        )
    if out["retirement_on"] and out["retirement_on"] < today - dt.timedelta(days=1):
        raise ActionError("La date de départ en retraite est passée.", "retirement_on")
    codes = [c for c in (data.get("communes") or []) if c]
    communes = list(
        scoped(TerritoryCommune, cpts).filter(commune_id__in=codes).values_list("commune_id", flat=True)
    )
    unknown = sorted(set(map(str, codes)) - set(communes))
    if unknown:
        raise ActionError(f"Communes hors du territoire de la CPTS : {', '.join(unknown)}.", "communes")
    out["communes"] = communes
    place_id = data.get("place")
    place = None
    if place_id not in (None, ""):
        place = PracticePlace.objects.filter(pk=place_id, professional=professional, active=True).first()
        if place is None:
            raise ActionError("Ce lieu d'exercice n'est pas l'un des vôtres.", "place")
    out["place"] = place
    return out


@transaction.atomic
def declare(cpts: CPTS, professional: Professional, by, data: dict, today: dt.date | None = None) -> Capacity:
    today = today or timezone.localdate()
    if not is_physician(professional):
        raise ActionError(
            "Seuls les médecins déclarent une capacité d'accueil de patients sans médecin traitant."
        )
    if not can_declare(by, cpts, professional):
        raise ActionError("Seuls le médecin lui-même et la coordination déclarent sa capacité.")
    if not member_gps(cpts).filter(pk=professional.pk).exists():
        raise ActionError(
            "Ce médecin n'est pas adhérent de la CPTS : il doit d'abord adhérer pour recevoir des patients."
        )
    fields = clean(cpts, professional, data, today)
    communes = fields.pop("communes")
    capacity = scoped(Capacity, cpts).select_for_update().filter(professional=professional).first()
    if capacity is None:
        capacity = Capacity(cpts=cpts, professional=professional)
    for key, value in fields.items():
        setattr(capacity, key, value)
    capacity.updated_by = by
    capacity.save()
    capacity.communes.set(communes)
    return capacity


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def used_this_month(cpts: CPTS, today: dt.date) -> dict[int, int]:
    """Per professional: proposals sent this month that still hold a place (waiting for an answer, or
    accepted)."""
    start = dt.datetime.combine(month_start(today), dt.time.min, tzinfo=timezone.get_current_timezone())
    rows = (
        scoped(Proposal, cpts)
        .filter(sent_at__gte=start, status__in=[Proposal.Status.SENT, Proposal.Status.ACCEPTED])
        .values("professional_id")
        .annotate(n=Count("pk"))
    )
    return {r["professional_id"]: r["n"] for r in rows}


def unavailable_reason(capacity: Capacity, today: dt.date) -> str:
    """Why the GP takes nobody today, or ""."""
    name = f"Dr {capacity.professional.last_name.title()}"
    if capacity.retired_on(today):
        return f"{name} a pris sa retraite le {capacity.retirement_on:%d/%m/%Y}."
    if capacity.paused_on(today):
        return f"{name} est en pause jusqu'au {capacity.paused_until:%d/%m/%Y}."
    if capacity.per_month == 0:
        return f"{name} ne prend pas de nouveaux patients en ce moment."
    return ""


def remaining(capacity: Capacity, used: dict[int, int], today: dt.date) -> int:
    if unavailable_reason(capacity, today):
        return 0
    return max(0, capacity.per_month - used.get(capacity.professional_id, 0))


def location(capacity: Capacity) -> PracticePlace | None:
    if capacity.place_id and capacity.place and capacity.place.active and capacity.place.latitude is not None:
        return capacity.place
    return (
        PracticePlace.objects.filter(
            professional_id=capacity.professional_id, active=True, latitude__isnull=False
        )
        .order_by("-is_primary", "pk")
        .first()
    )


def locations(capacities: list[Capacity]) -> dict[int, PracticePlace]:
    """``location`` of many capacities in one query: professional id -> place (located ones only)."""
    out = {
        c.professional_id: c.place
        for c in capacities
        if c.place_id and c.place is not None and c.place.active and c.place.latitude is not None
    }
    missing = [c.professional_id for c in capacities if c.professional_id not in out]
    for place in PracticePlace.objects.filter(
        professional_id__in=missing, active=True, latitude__isnull=False
    ).order_by("professional_id", "-is_primary", "pk"):
        out.setdefault(place.professional_id, place)
    return out


@dataclass(frozen=True)
class Projection:
    months: list[str]  # "2026-12"
    demand: list[int]  # cumulated: waiting list + expected new requests + patients of retiring GPs
    capacity: list[int]  # cumulated new places offered by the GPs still practising
    at_risk: int  # patients of GPs retiring within AT_RISK_MONTHS


add_months = first_of_month  # the first day of the month ``months`` after ``day``'s month


def at_risk(capacities: list[Capacity], today: dt.date) -> int:
    horizon = shift_months(today, AT_RISK_MONTHS)
    return sum(c.patients or 0 for c in capacities if c.retirement_on and today < c.retirement_on < horizon)


def projection(cpts: CPTS, today: dt.date | None = None, months: int = 12) -> Projection:
    today = today or timezone.localdate()
    capacities = list(scoped(Capacity, cpts).select_related("professional"))
    waiting = scoped(Request, cpts).queued().count()
    since = add_months(month_start(today), -6)
    # The six full months before this one (the current month is not over: counting it would inflate the rate).
    recent = (
        scoped(Request, cpts)
        .filter(created_at__date__gte=since, created_at__date__lt=month_start(today))
        .exclude(status=Request.Status.MERGED)
        .count()
    )
    inflow = recent / 6
    labels, demand, supply = [], [], []
    total_demand, total_supply = float(waiting), 0
    for k in range(months):
        first = add_months(month_start(today), k)
        nxt = add_months(first, 1)
        labels.append(f"{first:%Y-%m}")
        total_demand += inflow
        total_demand += sum(
            c.patients or 0 for c in capacities if c.retirement_on and first <= c.retirement_on < nxt
        )
        for c in capacities:
            if c.retired_on(first) or (c.paused_until and c.paused_until >= nxt - dt.timedelta(days=1)):
                continue
            total_supply += c.per_month
        demand.append(round(total_demand))
        supply.append(total_supply)
    return Projection(labels, demand, supply, at_risk(capacities, today))


def member_gps(cpts: CPTS):
    """The physicians among the active members of the CPTS (those who may declare a capacity)."""
    ids = (
        scoped(Membership, cpts)
        .filter(
            active=True,
            user__is_active=True,
            role__in=[Role.MEMBER, Role.BUREAU, Role.COORDINATOR],
            user__professional__profession_code=PHYSICIAN,
        )
        .values("user__professional_id")
    )
    return Professional.objects.filter(pk__in=ids)


def gp_user_ids(cpts: CPTS, professional_id: int) -> list[int]:
    """The accounts of a GP that are active members of the CPTS (who is told of a proposal and may answer
    it)."""
    return list(
        scoped(Membership, cpts)
        .filter(active=True, user__is_active=True, user__professional_id=professional_id)
        .exclude(role__in=[Role.GUEST, Role.REFERENT])
        .values_list("user_id", flat=True)
    )
