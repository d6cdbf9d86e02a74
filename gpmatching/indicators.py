"""Figures of the médecin traitant mission, without identity: the waiting list by priority, commune and
waiting time; placements per month (of which ALD, 70 and over, precarity); the map of demand against GP
capacity. The ACI cockpit reuses ``summary`` and ``placements_by_month``; each figure names the rows it counts
(``rows_*``)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from cpts.models import CPTS
from cpts.scoping import scoped
from gpmatching import capacity as capacity_rules
from gpmatching.models import Capacity, Placement, Request

BANDS = [("Très haute (80 et plus)", 80), ("Haute (50 à 79)", 50), ("Moyenne (30 à 49)", 30), ("Standard", 0)]
WAIT_BUCKETS = [
    ("Moins d'1 mois", 0, 30),
    ("1 à 3 mois", 30, 91),
    ("3 à 6 mois", 91, 183),
    ("6 à 12 mois", 183, 365),
    ("Plus d'un an", 365, 10**6),
]


def band(points: int) -> str:
    return next(label for label, low in BANDS if points >= low)


def waiting_rows(cpts: CPTS):
    """The rows the waiting-list figures count: confirmed requests not placed yet."""
    return scoped(Request, cpts).filter(status__in=Request.QUEUED)


def placement_rows(cpts: CPTS, first: dt.date, last: dt.date):
    """The rows the placement figures count (kept without identity after the requests are deleted)."""
    return scoped(Placement, cpts).filter(placed_on__gte=first, placed_on__lte=last)


@dataclass
class WaitingList:
    total: int = 0
    ald: int = 0
    age_70: int = 0
    precarity: int = 0
    by_band: list[tuple[str, int]] = field(default_factory=list)
    by_wait: list[tuple[str, int]] = field(default_factory=list)
    by_commune: list[tuple[str, str, int]] = field(default_factory=list)  # insee, name, count
    median_wait_days: int | None = None


def waiting_list(cpts: CPTS, today: dt.date | None = None) -> WaitingList:
    today = today or timezone.localdate()
    rows = list(
        waiting_rows(cpts).values(
            "priority", "waiting_since", "ald", "c2s", "ame", "birth_date", "commune_id", "commune__name"
        )
    )
    out = WaitingList(total=len(rows))
    bands, waits, communes, names = Counter(), Counter(), Counter(), {}
    days = []
    seventy = (
        today.replace(year=today.year - 70)
        if not (today.month == 2 and today.day == 29)
        else dt.date(today.year - 70, 2, 28)
    )
    for r in rows:
        out.ald += r["ald"]
        out.precarity += r["c2s"] or r["ame"]
        out.age_70 += bool(r["birth_date"] and r["birth_date"] <= seventy)
        bands[band(r["priority"])] += 1
        d = (today - r["waiting_since"]).days
        days.append(d)
        waits[next(label for label, low, high in WAIT_BUCKETS if low <= d < high)] += 1
        communes[r["commune_id"]] += 1
        names[r["commune_id"]] = r["commune__name"] or "Commune inconnue"
    out.by_band = [(label, bands[label]) for label, _ in BANDS]
    out.by_wait = [(label, waits[label]) for label, _, _ in WAIT_BUCKETS]
    out.by_commune = sorted(
        ((c or "", names[c], n) for c, n in communes.items()), key=lambda t: (-t[2], t[1])
    )
    out.median_wait_days = int(statistics.median(days)) if days else None
    return out


@dataclass
class MonthPlacements:
    month: str  # "2026-11"
    placed: int = 0
    ald: int = 0
    age_70: int = 0
    precarity: int = 0


def placements_by_month(cpts: CPTS, first: dt.date, last: dt.date) -> list[MonthPlacements]:
    months: dict[str, MonthPlacements] = {}
    day = first.replace(day=1)
    while day <= last:
        months[f"{day:%Y-%m}"] = MonthPlacements(f"{day:%Y-%m}")
        day = capacity_rules.add_months(day, 1)
    for p in placement_rows(cpts, first, last).values("placed_on", "ald", "age_70", "precarity"):
        m = months[f"{p['placed_on']:%Y-%m}"]
        m.placed += 1
        m.ald += p["ald"]
        m.age_70 += p["age_70"]
        m.precarity += p["precarity"]
    return list(months.values())


def summary(cpts: CPTS, first: dt.date, last: dt.date, today: dt.date | None = None) -> dict:
    """The figures the ACI cockpit asks for over a period (placements) and today (waiting list)."""
    placements = list(placement_rows(cpts, first, last).values("ald", "age_70", "precarity", "waited_days"))
    waiting = waiting_list(cpts, today)
    waited = [p["waited_days"] for p in placements]
    return {
        "placed": len(placements),
        "placed_ald": sum(p["ald"] for p in placements),
        "placed_70": sum(p["age_70"] for p in placements),
        "placed_precarity": sum(p["precarity"] for p in placements),
        "median_waited_days": int(statistics.median(waited)) if waited else None,
        "waiting": waiting.total,
        "waiting_ald": waiting.ald,
        "waiting_70": waiting.age_70,
        "waiting_precarity": waiting.precarity,
        "median_wait_days": waiting.median_wait_days,
        "gps_with_capacity": scoped(Capacity, cpts).filter(per_month__gt=0).count(),
    }


def demand_map(cpts: CPTS, today: dt.date | None = None) -> dict:
    """GeoJSON-like points for the map: waiting requests per commune, and GPs with their monthly capacity."""
    today = today or timezone.localdate()
    demand = defaultdict(int)
    for r in waiting_rows(cpts).values("commune_id"):
        demand[r["commune_id"]] += 1
    from territory.models import Commune

    communes = Commune.objects.in_bulk([c for c in demand if c])
    used = capacity_rules.used_this_month(cpts, today)
    gps = []
    declared = list(scoped(Capacity, cpts).select_related("professional", "place"))
    located = capacity_rules.locations(declared)
    for c in declared:
        place = located.get(c.professional_id)
        if place is None:
            continue
        gps.append(
            {
                "lat": place.latitude,
                "lon": place.longitude,
                "per_month": c.per_month,
                "remaining": capacity_rules.remaining(c, used, today),
                "unavailable": capacity_rules.unavailable_reason(c, today),
            }
        )
    return {
        "demand": [
            {
                "insee": k,
                "name": communes[k].name,
                "lat": communes[k].latitude,
                "lon": communes[k].longitude,
                "count": n,
            }
            for k, n in demand.items()
            if k in communes and communes[k].latitude is not None
        ],
        "gps": gps,
    }
