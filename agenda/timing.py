"""When an event takes place: local dates and times of Europe/Paris turned into aware instants, checked.

``When.timed`` (a start and an end, each a date and a time of day) and ``When.days`` (whole days) raise
``ActionError`` with a French message for an end not after the start, a time that does not exist on the
day the clocks go forward, or an event longer than ``MAX_DURATION``. Day boundaries are midnights in
Europe/Paris, so that a day is 23 or 25 hours long on the days the clocks change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from opencpts.errors import ActionError

PARIS = ZoneInfo("Europe/Paris")
MAX_DURATION = dt.timedelta(days=366)
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def local_midnight(day: dt.date) -> dt.datetime:
    """The instant a day starts in Europe/Paris (midnight always exists there: clocks change at 2 or 3 am)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=PARIS)


def local(day: dt.date, at: dt.time, field: str) -> dt.datetime:
    """``day`` at ``at`` in Europe/Paris, or ActionError when the clocks skip that time. An hour that
    happens twice (clocks going back) is the first one."""
    value = dt.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=PARIS)
    if value.astimezone(dt.UTC).astimezone(PARIS).replace(tzinfo=None) != value.replace(tzinfo=None):
        raise ActionError(
            f"{at:%H:%M} n'existe pas le {day:%d/%m/%Y} (passage à l'heure d'été) : choisissez une "
            "autre heure.",
            field,
        )
    return value


def _in_range(day: dt.date, field: str, label: str) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ActionError(
            f"{label} : date hors de la période acceptée ({EARLIEST.year}–{LATEST.year}).", field
        )


@dataclass(frozen=True)
class When:
    starts_at: dt.datetime
    ends_at: dt.datetime
    all_day: bool = False

    def __post_init__(self):
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("When needs aware datetimes")
        if self.ends_at <= self.starts_at:
            raise ActionError(
                "La fin doit être après le début.", "end_time" if not self.all_day else "end_date"
            )
        if self.ends_at - self.starts_at > MAX_DURATION:
            raise ActionError("Un événement ne peut pas durer plus d'un an.", "end_date")

    @classmethod
    def timed(
        cls,
        start_date: dt.date,
        start_time: dt.time | None,
        end_date: dt.date | None,
        end_time: dt.time | None,
    ) -> When:
        """From a form: the end date defaults to the start date."""
        if start_date is None:
            raise ActionError("Date de début : ce champ est obligatoire.", "start_date")
        if start_time is None:
            raise ActionError(
                "Heure de début : obligatoire, sauf pour un événement sur la journée entière.", "start_time"
            )
        if end_time is None:
            raise ActionError(
                "Heure de fin : obligatoire, sauf pour un événement sur la journée entière.", "end_time"
            )
        end_date = end_date or start_date
        _in_range(start_date, "start_date", "Date de début")
        _in_range(end_date, "end_date", "Date de fin")
        return cls(local(start_date, start_time, "start_time"), local(end_date, end_time, "end_time"))

    @classmethod
    def days(cls, first: dt.date, last: dt.date | None = None) -> When:
        """Whole days, ``last`` included (defaults to ``first``)."""
        if first is None:
            raise ActionError("Date de début : ce champ est obligatoire.", "start_date")
        last = last or first
        _in_range(first, "start_date", "Date de début")
        _in_range(last, "end_date", "Date de fin")
        if last < first:
            raise ActionError("La date de fin ne peut pas précéder la date de début.", "end_date")
        return cls(local_midnight(first), local_midnight(last + dt.timedelta(days=1)), all_day=True)

    @classmethod
    def between(cls, starts_at: dt.datetime, ends_at: dt.datetime) -> When:
        """From aware instants (API, demo, tests)."""
        return cls(starts_at, ends_at)

    # Local views of the stored instants, for forms and pages.
    @property
    def first_day(self) -> dt.date:
        return self.starts_at.astimezone(PARIS).date()

    @property
    def last_day(self) -> dt.date:
        """The last day the event covers (an end at midnight belongs to the day before)."""
        end = self.ends_at.astimezone(PARIS)
        return end.date() - dt.timedelta(days=1) if end.time() == dt.time(0) else end.date()


def when_of(event) -> When:
    return When(event.starts_at, event.ends_at, event.all_day)
