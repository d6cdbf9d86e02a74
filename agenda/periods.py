"""The periods the calendar pages show (a day, a week from Monday, a month in whole weeks) and the events
of each day in them. Days are Europe/Paris days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from agenda.timing import EARLIEST, LATEST, PARIS, local_midnight
from opencpts.dates import first_of_month

# URL value -> internal name (the URLs are French: ?vue=semaine&date=2026-03-02).
VIEWS = {"jour": "day", "semaine": "week", "mois": "month"}
VIEW_LABELS = {"jour": "Jour", "semaine": "Semaine", "mois": "Mois"}
DEFAULT_VIEW = "semaine"


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass
class Period:
    view: str  # "jour", "semaine" or "mois"
    anchor: dt.date  # the date asked for
    first: dt.date  # first day of the period (a month: its 1st)
    last: dt.date  # last day of the period, included
    days: list[dt.date]  # the days shown (a month: whole weeks, Monday to Sunday)
    previous: dt.date | None
    next: dt.date | None

    @property
    def starts_at(self) -> dt.datetime:
        return local_midnight(self.days[0])

    @property
    def ends_at(self) -> dt.datetime:
        return local_midnight(self.days[-1] + dt.timedelta(days=1))


def period(view: str, anchor: dt.date) -> Period:
    if view not in VIEWS:
        view = DEFAULT_VIEW
    anchor = min(max(anchor, EARLIEST), LATEST)
    if view == "jour":
        first = last = anchor
        days = [anchor]
        previous, following = anchor - dt.timedelta(days=1), anchor + dt.timedelta(days=1)
    elif view == "semaine":
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=6)
        days = [first + dt.timedelta(days=i) for i in range(7)]
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        first = _month_start(anchor)
        last = first_of_month(first, 1) - dt.timedelta(days=1)
        start = first - dt.timedelta(days=first.weekday())
        end = last + dt.timedelta(days=6 - last.weekday())
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        previous, following = first_of_month(first, -1), first_of_month(first, 1)
    return Period(
        view,
        anchor,
        first,
        last,
        days,
        previous if previous >= EARLIEST else None,
        following if following <= LATEST else None,
    )


def parse_date(value: str | None, today: dt.date) -> tuple[dt.date, bool]:
    """(date, valid): an absent value is today; a malformed or out-of-range one is today, not valid."""
    if not value:
        return today, True
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return today, False
    if not EARLIEST <= day <= LATEST:
        return today, False
    return day, True


@dataclass
class Occurrence:
    """An event as shown on one day: whether it began before that day or goes on after it."""

    event: object
    starts_before: bool
    ends_after: bool

    @property
    def start_time(self) -> str:
        return self.event.starts_at.astimezone(PARIS).strftime("%H:%M")

    @property
    def end_time(self) -> str:
        return self.event.ends_at.astimezone(PARIS).strftime("%H:%M")


@dataclass
class Day:
    date: dt.date
    in_period: bool
    is_today: bool
    occurrences: list[Occurrence] = field(default_factory=list)


def days_with_events(p: Period, events, today: dt.date) -> list[Day]:
    """Each day shown with the events that overlap it, all-day events first, then by start."""
    out = []
    events = sorted(events, key=lambda e: (not e.all_day, e.starts_at, e.pk))
    for day in p.days:
        start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
        occurrences = [
            Occurrence(e, e.starts_at < start, e.ends_at > end)
            for e in events
            if e.starts_at < end and e.ends_at > start
        ]
        out.append(Day(day, p.first <= day <= p.last, day == today, occurrences))
    return out
