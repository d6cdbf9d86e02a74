"""Reads behind the ACI pages: what one indicator's page shows, gathered from ``aci.indicators``.

Nothing is computed here: an indicator's value for a year, the step it reaches, what it earns and promises
come from ``aci.indicators.status`` (the one place), the mission's variable part from ``variable_maximum``,
what the mission's other indicators promise from ``promised_by_others``. The page (aci/views_indicators.py)
adds what depends on the viewer (columns they may see, forms, errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, prefetch_related_objects

from aci import indicators, sources
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
