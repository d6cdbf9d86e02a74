"""Indicators of unscheduled care, computed from the platform's own rows: slots offered, booked, fill rate,
honoured and no-show, median delay from the booking to the consultation; in total or by week, profession or
commune of the place of practice. The ACI cockpit reuses ``summary`` for the access-to-care mission, and
every figure can be traced back to the rows it counts (``offered_slots`` / ``live_bookings``).

Definitions (per period, by the slot's start in Europe/Paris):
- offered: slots published and not paused (booked ones included: they were offered);
- booked: slots holding a live booking (booked, honoured or no-show);
- fill rate: booked / offered;
- honoured, no-show: bookings whose outcome the professional recorded;
- delay: from the moment of the booking to the start of the consultation, median in hours.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from agenda.timing import PARIS
from cpts.models import CPTS
from cpts.scoping import scoped
from nomenclature.selectors import display
from unscheduled.models import Booking, Slot

GROUPINGS = {"semaine": "Semaine", "profession": "Profession", "commune": "Commune"}


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    offered: int
    booked: int
    honoured: int
    no_show: int
    median_delay_hours: float | None

    @property
    def fill_rate(self) -> float:
        return self.booked / self.offered if self.offered else 0.0


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(first, dt.time(0), tzinfo=PARIS),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS),
    )


def offered_slots(cpts: CPTS, first: dt.date, last: dt.date) -> QuerySet:
    start, end = _bounds(first, last)
    return scoped(Slot, cpts).filter(start__gte=start, start__lt=end, paused=False)


def live_bookings(cpts: CPTS, first: dt.date, last: dt.date) -> QuerySet:
    start, end = _bounds(first, last)
    return scoped(Booking, cpts).filter(status__in=Booking.LIVE, slot__start__gte=start, slot__start__lt=end)


KEYS = {"semaine": "week", "profession": "professional__profession_code", "commune": "place__commune_id"}


def _label(grouping: str, key) -> str:
    if key is None:
        return "Non renseignée"
    if grouping == "semaine":
        return (
            f"Semaine du {key.astimezone(PARIS):%d/%m/%Y}"
            if isinstance(key, dt.datetime)
            else f"Semaine du {key:%d/%m/%Y}"
        )
    if grouping == "profession":
        return display("TRE_G15", key) or key
    return key


def table(cpts: CPTS, first: dt.date, last: dt.date, grouping: str = "semaine") -> list[Row]:
    """One row per week, profession or commune, in order."""
    if grouping not in KEYS:
        raise ValueError(grouping)
    slots = offered_slots(cpts, first, last)
    bookings = live_bookings(cpts, first, last)
    if grouping == "semaine":
        slots = slots.annotate(week=TruncWeek("start", tzinfo=PARIS))
        bookings = bookings.annotate(week=TruncWeek("slot__start", tzinfo=PARIS))
        booking_key = "week"
    else:
        booking_key = "slot__" + KEYS[grouping]
    field = KEYS[grouping]
    offered = {row[field]: row["n"] for row in slots.values(field).annotate(n=Count("pk")).order_by()}
    counts: dict = {}
    delays: dict = {}
    for key, status, booked_at, start in bookings.values_list(
        booking_key, "status", "booked_at", "slot__start"
    ):
        c = counts.setdefault(key, {"booked": 0, "honoured": 0, "no_show": 0})
        c["booked"] += 1
        if status == "honoured":
            c["honoured"] += 1
        elif status == "no_show":
            c["no_show"] += 1
        delays.setdefault(key, []).append(max(0.0, (start - booked_at).total_seconds() / 3600))
    names = {}
    if grouping == "commune":
        from territory.models import Commune

        names = dict(Commune.objects.filter(insee__in=[k for k in offered if k]).values_list("insee", "name"))
    rows = []
    for key in sorted(set(offered) | set(counts), key=lambda k: (k is None, str(k))):
        c = counts.get(key, {"booked": 0, "honoured": 0, "no_show": 0})
        label = names.get(key, key) if grouping == "commune" and key else _label(grouping, key)
        rows.append(
            Row(
                str(key.date() if isinstance(key, dt.datetime) else key),
                label,
                offered.get(key, 0),
                c["booked"],
                c["honoured"],
                c["no_show"],
                round(statistics.median(delays[key]), 1) if delays.get(key) else None,
            )
        )
    return rows


def summary(cpts: CPTS, first: dt.date, last: dt.date) -> Row:
    """The whole period in one row (what the ACI indicators read)."""
    offered = offered_slots(cpts, first, last).count()
    bookings = live_bookings(cpts, first, last)
    agg = bookings.aggregate(
        booked=Count("pk"),
        honoured=Count("pk", filter=Q(status="honoured")),
        no_show=Count("pk", filter=Q(status="no_show")),
    )
    delays = [
        max(0.0, (start - at).total_seconds() / 3600)
        for at, start in bookings.values_list("booked_at", "slot__start")
    ]
    return Row(
        "total",
        "Total",
        offered,
        agg["booked"],
        agg["honoured"],
        agg["no_show"],
        round(statistics.median(delays), 1) if delays else None,
    )
