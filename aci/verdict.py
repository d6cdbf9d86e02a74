"""Is an indicator on track this contract year? THE verdict rule, in one place (docs/DESIGN.md « ACI at
a glance »): the cockpit, the coordinator's « Aujourd'hui » and anything else that says « en bonne voie »
read it here.

The step that pays is the easiest step of the year with an amount above zero (the first euro). With the
indicator's figure, the date of that figure and the share of the contract year elapsed on that date:

- « en bonne voie »: the figure already reaches the step that pays (higher is better: at least its threshold;
  lower is better: at most its threshold). It earns money if the year ended now.
- « à risque »: not yet, but the distance still to cover is at most the threshold × the share of the year
  still to come — at the pace of the year so far it would get there. Higher is better: figure ≥ threshold ×
  elapsed; lower is better: figure − threshold ≤ threshold × (1 − elapsed). A yes/no indicator (unit
  « réalisé ») that is not done yet cannot be pro-rated: at risk while its year runs.
- « hors trajectoire »: neither; in particular every figure that misses the step once its year is over.
- « pas encore de chiffre »: no figure for the year (a manual result not entered, a year not started).
- « sans palier »: no step pays this year: nothing to judge.

The share elapsed is measured at the date of the figure, not today: a figure entered in June is judged
against June, and the page shows that date beside the verdict. A live figure is dated today (or the last day
of its year), a stored one by when it was entered or closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from aci.models import Indicator, IndicatorStep

if TYPE_CHECKING:
    from aci.indicators import Status

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_FIGURE = "no_figure"
NO_STEP = "no_step"

LABELS = {
    ON_TRACK: "en bonne voie",
    AT_RISK: "à risque",
    OFF_TRACK: "hors trajectoire",
    NO_FIGURE: "pas encore de chiffre",
    NO_STEP: "sans palier",
}
# What needs attention first: the order of the lists and of the counts.
ORDER = {OFF_TRACK: 0, AT_RISK: 1, NO_FIGURE: 2, ON_TRACK: 3, NO_STEP: 4}
ZERO, ONE = Decimal(0), Decimal(1)


def paying_step(direction: str, steps: Iterable[IndicatorStep]) -> IndicatorStep | None:
    """The easiest step with an amount above zero (None when no step pays)."""
    paying = [s for s in steps if s.amount > 0]
    if not paying:
        return None
    if direction == Indicator.Direction.LOWER:
        return max(paying, key=lambda s: s.threshold)
    return min(paying, key=lambda s: s.threshold)


def judge(direction: str, unit: str, steps: Iterable[IndicatorStep], value: Decimal | None, elapsed) -> str:
    """The verdict of a figure ``value`` against ``steps`` when ``elapsed`` (0..1) of the year is gone."""
    target = paying_step(direction, steps)
    if target is None:
        return NO_STEP
    if value is None:
        return NO_FIGURE
    elapsed = min(ONE, max(ZERO, Decimal(str(elapsed))))
    threshold, lower = target.threshold, direction == Indicator.Direction.LOWER
    if (value <= threshold) if lower else (value >= threshold):
        return ON_TRACK
    if unit == Indicator.Unit.DONE:
        return AT_RISK if elapsed < ONE else OFF_TRACK
    still = threshold * (ONE - elapsed)
    gap = value - threshold if lower else threshold - value
    return AT_RISK if gap <= still else OFF_TRACK


def elapsed_share(first: dt.date, last: dt.date, on: dt.date) -> Decimal:
    """The share of the period first..last (both included) gone at the end of ``on``, 0..1."""
    days = (last - first).days + 1
    gone = (min(on, last) - first).days + 1
    return min(ONE, max(ZERO, Decimal(gone) / Decimal(days)))


def figure_date(status: Status, last: dt.date, today: dt.date) -> dt.date | None:
    """The date of the figure a status reads: a stored result's entry (or closing) date, today for a live
    figure; never after the last day of its year."""
    if status.value is None:
        return None
    if status.result is not None:
        day = timezone.localtime(status.result.entered_at).date()
    else:
        day = today
    return min(day, last)


@dataclass(frozen=True)
class Verdict:
    code: str
    target: IndicatorStep | None  # the step that pays
    as_of: dt.date | None  # the date of the figure judged
    elapsed: Decimal  # the share of the year gone on that date

    @property
    def label(self) -> str:
        return LABELS[self.code]

    @property
    def order(self) -> int:
        return ORDER[self.code]


def of(status: Status, bounds: tuple[dt.date, dt.date], today: dt.date | None = None) -> Verdict:
    """The verdict of ``status`` (``aci.indicators.status`` for the contract year whose first and last days
    are ``bounds``)."""
    today = today or timezone.localdate()
    first, last = bounds
    as_of = figure_date(status, last, today)
    elapsed = elapsed_share(first, last, as_of) if as_of else elapsed_share(first, last, today)
    indicator = status.indicator
    code = judge(indicator.direction, indicator.unit, status.steps, status.value, elapsed)
    return Verdict(code, paying_step(indicator.direction, status.steps), as_of, elapsed)


def counts(verdicts: Iterable[Verdict]) -> list[tuple[str, str, int]]:
    """(code, label, how many) for every verdict, in the order of attention, zeros included."""
    found: dict[str, int] = {}
    for v in verdicts:
        found[v.code] = found.get(v.code, 0) + 1
    return [(code, LABELS[code], found.get(code, 0)) for code in sorted(ORDER, key=ORDER.get)]
