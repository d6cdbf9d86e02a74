"""Reads behind the ACI pages: what one indicator's page shows, gathered from ``aci.indicators``, and the
cockpit's first screen (``glance``: are we on track this year?).

Nothing is computed here: an indicator's value for a year, the step it reaches, what it earns and promises
come from ``aci.indicators.status`` (the one place), the mission's variable part from ``variable_maximum``,
what the mission's other indicators promise from ``promised_by_others``. The page (aci/views_indicators.py)
adds what depends on the viewer (columns they may see, forms, errors).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from aci import indicators, sources, verdict
from aci.budget import Money, money_position
from aci.contracts import year_bounds
from aci.models import Contract, Evidence, Indicator


@dataclass
class IndicatorDetail:
    year: int
    years: list[dict]  # every contract year: bounds, steps, stored result, step it reaches, justificatifs
    status: indicators.Status  # the selected year, live (a computed figure when no result is stored)
    figure: (
        sources.Figure | None
    )  # the live figure of a computed indicator (its rows: « d'où vient ce chiffre ? »)
    maximum: Decimal | None  # the mission's variable part that year
    others: Decimal  # what the mission's other indicators promise that year
    conditional: bool  # paid only for a declared crisis, and none is declared that year
    evidence: list[Evidence]  # the justificatifs of the selected year


def _prefetch(indicator: Indicator) -> None:
    prefetch_related_objects(
        [indicator],
        "steps",
        "results",
        Prefetch("evidence", Evidence.objects.defer("ciphertext", "nonce")),
    )


def _history(contract: Contract, indicator: Indicator) -> list[dict]:
    """Every year with its stored result only (a live figure is computed for the selected year alone)."""
    out = []
    for number in range(1, contract.years + 1):
        first, last = year_bounds(contract, number)
        stored = indicators.status(indicator, number, live=False)
        out.append(
            {
                "number": number,
                "first": first,
                "last": last,
                "steps": stored.steps,
                "result": stored.result,
                "step": stored.step,
                "evidence": stored.evidence,
            }
        )
    return out


def indicator_detail(contract: Contract, indicator: Indicator, year: int) -> IndicatorDetail:
    """One indicator for a contract year (between 1 and ``contract.years``), and its history."""
    _prefetch(indicator)
    figure = indicators.figure(indicator, year) if indicator.computed else None
    return IndicatorDetail(
        year=year,
        years=_history(contract, indicator),
        status=indicators.status(indicator, year, fig=figure),
        figure=figure,
        maximum=indicators.variable_maximum(contract, indicator.mission.mission.code, year),
        others=indicators.promised_by_others(indicator, year),
        conditional=indicator.mission.mission.code in indicators.crisis_only_missions(contract, year),
        evidence=[e for e in indicator.evidence.all() if e.contract_year == year],
    )


# --- At a glance: are we on track this year? ----------------------------------------------------------------


# A phone-wide chart has room for short names; its table gives the full ones.
SHORT_MISSIONS = {
    "access": "Accès aux soins",
    "crisis": "Crises",
    "pathways": "Parcours",
    "prevention": "Prévention",
    "quality": "Qualité",
    "support": "Accompagnement",
}


@dataclass
class Judged:
    """An indicator of the year with its status (``aci.indicators.status``) and its verdict
    (``aci.verdict``)."""

    mission: str  # the mission's label
    status: indicators.Status
    verdict: verdict.Verdict


@dataclass
class Glance:
    year: int
    bounds: tuple[dt.date, dt.date]
    elapsed: Decimal  # share of the contract year gone today
    missions: list[indicators.MissionYear]
    earned: Decimal  # variable part the current figures earn, capped per mission (conditional parts left out)
    maximum: Decimal  # the grid's variable maximum of the year (conditional parts left out)
    judged: list[Judged]  # every indicator with steps or a figure, what needs attention first
    money: Money  # expected (schedule) against received, to date

    @property
    def share(self) -> Decimal | None:
        return min(Decimal(1), self.earned / self.maximum) if self.maximum else None

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        return verdict.counts(j.verdict for j in self.judged)

    def having(self, *codes: str) -> list[Judged]:
        return [j for j in self.judged if j.verdict.code in codes]

    @property
    def chart(self) -> list[tuple[str, str, Decimal, Decimal]]:
        """(short name for the chart, mission, earned, maximum) of the missions with a variable part to earn
        this year."""
        return [
            (SHORT_MISSIONS.get(m.code, m.label), m.label.split(" (")[0], m.payable, m.payable_maximum)
            for m in self.missions
            if m.payable_maximum
        ]


def glance(contract: Contract, today: dt.date | None = None) -> Glance:
    """The running contract year at a glance: the variable part the current figures earn against its
    maximum, each indicator's verdict against its steps (the date of its figure), the money received against
    the money expected. Computed indicators are read live (``aci.indicators.year_status``)."""
    today = today or timezone.localdate()
    year = indicators.current_year(contract, today)
    bounds = year_bounds(contract, year)
    missions = indicators.year_status(contract, year)
    earned, maximum = indicators.year_totals(missions)
    judged = [
        Judged(m.label, s, verdict.of(s, bounds, today))
        for m in missions
        for s in m.indicators
        if s.steps or s.value is not None
    ]
    judged.sort(key=lambda j: (j.verdict.order, -(j.status.promised), j.status.indicator.name))
    return Glance(
        year,
        bounds,
        verdict.elapsed_share(*bounds, today),
        missions,
        earned,
        maximum,
        judged,
        money_position(contract, today),
    )
