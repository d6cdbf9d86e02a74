"""What the annual report of one contract year says, gathered from the rule modules and nothing else.

``build`` returns a plain ``Report`` dataclass: the contract and its missions (deadlines, start and
deployment), each mission's indicators with their steps, result, step reached and amount earned against the
grid's variable part, the activity figures of the year computed from the platform (``aci.sources``), the money
(expected, received, planned and spent) and the list of justificatifs (their names, never their content). The
renderers (``aci.report.pdf``, ``aci.report.xlsx``) and the HTML preview read this dataclass only, so the
three always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from aci import budget, contracts, indicators, sources
from aci.models import Contract, Evidence, Indicator
from aci.report.formats import ZERO, day, euros, measure, size
from aci.tiers import territory_summary

ORIGINS = {
    "arrêté": "calculé, arrêté à la clôture de l'année",
    "calculé": "calculé en direct (année non arrêtée)",
    "saisi": "saisi",
    "": "pas encore de résultat",
}
DEADLINE_STATES = {
    "fait": "fait",
    "à venir": "à venir",
    "bientôt": "bientôt",
    "en retard": "en retard",
    "libre": "au choix",
}


@dataclass
class Step:
    label: str
    threshold: Decimal
    amount: Decimal
    text: str  # « Socle : ≥ 69,7 % → 1 000 € »


@dataclass
class IndicatorLine:
    name: str
    definition: str
    unit: str  # Indicator.Unit value
    unit_label: str
    direction: str
    source_label: str  # « calculé par la plateforme (…) » or « saisie »
    steps: list[Step]
    value: Decimal | None
    origin: str  # "arrêté", "calculé", "saisi", ""
    rows_counted: int | None
    step_label: str  # the step reached, "" when none
    earned: Decimal
    promised: Decimal  # the most the steps can earn
    evidence: int

    @property
    def origin_label(self) -> str:
        return ORIGINS.get(self.origin, self.origin)

    @property
    def result_text(self) -> str:
        return measure(self.value, self.unit)

    @property
    def steps_text(self) -> str:
        return "\n".join(s.text for s in self.steps) or "aucun palier pour cette année"


@dataclass
class MissionLine:
    code: str
    label: str
    optional: bool
    from_on: dt.date
    started_on: dt.date | None
    deployed_on: dt.date | None
    start_due: dt.date | None
    start_state: str
    deploy_due: dt.date | None
    deploy_state: str
    indicators: list[IndicatorLine]
    maximum: (
        Decimal | None
    )  # the grid's variable part for the year (None: none, or crisis-only without a crisis)
    earned: Decimal
    note: str = ""

    @property
    def attainment(self) -> Decimal | None:
        if not self.maximum:
            return None
        return min(Decimal(1), self.earned / self.maximum)

    @property
    def start_text(self) -> str:
        return _deadline_text(self.start_due, self.started_on, self.start_state)

    @property
    def deploy_text(self) -> str:
        return _deadline_text(self.deploy_due, self.deployed_on, self.deploy_state)


def _deadline_text(due: dt.date | None, done: dt.date | None, state: str) -> str:
    parts = [f"échéance {day(due)}" if due else "échéance libre"]
    if done:
        parts.append(f"réalisé le {day(done)}" + (" (en retard)" if due and done > due else ""))
    else:
        parts.append(DEADLINE_STATES.get(state, state))
    return " — ".join(parts)


@dataclass
class ActivityFigure:
    key: str
    label: str
    value: Decimal | None
    unit: str
    note: str
    rows_counted: int
    as_of: dt.date | None

    @property
    def value_text(self) -> str:
        return measure(self.value, self.unit)

    @property
    def detail(self) -> str:
        parts = [self.note] if self.note else []
        if self.as_of:
            parts.append(f"état au {day(self.as_of)}")
        return " ; ".join(parts)


@dataclass
class ActivityGroup:
    title: str
    figures: list[ActivityFigure]


@dataclass
class BudgetRow:
    label: str
    planned: Decimal
    spent: Decimal

    @property
    def gap(self) -> Decimal:
        return self.planned - self.spent

    @property
    def consumed(self) -> Decimal | None:
        return (self.spent / self.planned) if self.planned else None


@dataclass
class EvidenceLine:
    indicator: str
    mission: str
    title: str
    filename: str
    content_type: str
    size: int
    added_at: dt.datetime
    added_by: str

    @property
    def size_text(self) -> str:
        return size(self.size)


@dataclass
class Report:
    cpts_name: str
    cpts_slug: str
    year: int
    years: int
    first: dt.date
    last: dt.date
    counted_to: dt.date | None  # activity counted up to that day (None: the year has not started)
    signed_on: dt.date
    grid: str
    tier: int
    tier_label: str
    population: int
    population_on: dt.date | None
    population_source: str
    communes: int
    territory_population: int
    territory_population_label: str
    crisis_declared: bool
    missions: list[MissionLine]
    activity: list[ActivityGroup]
    expected: Decimal
    received: Decimal
    planned: Decimal
    spent: Decimal
    by_category: list[BudgetRow]
    by_mission: list[BudgetRow]
    evidence: list[EvidenceLine]
    generated_at: dt.datetime
    generated_by: str
    amendments: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return (
            f"Rapport d'activité — année {self.year} du contrat ACI "
            f"(du {day(self.first)} au {day(self.last)})"
        )

    @property
    def running(self) -> bool:
        return self.counted_to is not None and self.counted_to < self.last

    @property
    def earned(self) -> Decimal:
        return sum((m.earned for m in self.missions), ZERO)

    @property
    def maximum(self) -> Decimal:
        return sum((m.maximum or ZERO for m in self.missions), ZERO)

    @property
    def attainment(self) -> Decimal | None:
        return min(Decimal(1), self.earned / self.maximum) if self.maximum else None

    @property
    def gap(self) -> Decimal:
        """Received minus expected over the year: negative when payments are missing."""
        return self.received - self.expected

    @property
    def balance(self) -> Decimal:
        return self.received - self.spent

    @property
    def indicator_count(self) -> int:
        return sum(len(m.indicators) for m in self.missions)

    @property
    def filename_stem(self) -> str:
        return f"rapport-aci-{self.cpts_slug}-annee-{self.year}"


# The activity figures of the year, from aci.sources (the same computation as the indicators).
ACTIVITY = (
    (
        "Accès à un médecin traitant",
        ("gp_placed", "gp_placed_ald", "gp_placed_70", "gp_placed_precarity", "gp_median_waited"),
    ),
    (
        "Soins non programmés",
        ("snp_offered", "snp_booked", "snp_honoured", "snp_fill_rate", "snp_professionals"),
    ),
    ("Coordination et parcours", ("care_circles",)),
    ("Vie de la CPTS", ("members",)),
)


def source_label(indicator: Indicator) -> str:
    if indicator.computed:
        known = sources.SOURCES.get(indicator.source)
        return f"calculé par la plateforme ({known.label if known else indicator.source})"
    return f"saisie ({indicator.source_note})" if indicator.source_note else "saisie"


def _steps(indicator: Indicator, steps) -> list[Step]:
    sign = "≤" if indicator.direction == Indicator.Direction.LOWER else "≥"
    ordered = sorted(steps, key=lambda s: s.amount)
    return [
        Step(
            s.label,
            s.threshold,
            s.amount,
            f"{s.label} : {sign} {measure(s.threshold, indicator.unit)} → {euros(s.amount)}",
        )
        for s in ordered
    ]


def _activity(contract: Contract, first: dt.date, counted_to: dt.date | None) -> list[ActivityGroup]:
    groups = []
    for title, keys in ACTIVITY:
        figures = []
        for key in keys:
            source = sources.SOURCES[key]
            if counted_to is None:
                fig = sources.Figure(None, note="année du contrat pas encore commencée")
            else:
                fig = sources.compute(key, contract.cpts, first, counted_to)
            figures.append(
                ActivityFigure(
                    key, source.label, fig.value, source.unit, fig.note, fig.rows_counted, fig.as_of
                )
            )
        groups.append(ActivityGroup(title, figures))
    return groups


def build(contract: Contract, year: int, by=None, today: dt.date | None = None) -> Report:
    """Everything the report of contract year ``year`` says (raises ActionError for a year outside the
    contract)."""
    today = today or timezone.localdate()
    first, last = contracts.year_bounds(contract, year)
    counted_to = min(last, today) if first <= today else None
    money = budget.year_money(contract, year)
    grid = contract.grid
    tier = grid.tiers.filter(number=contract.tier).first()
    territory = territory_summary(contract.cpts)
    amendments = [f"{day(a.signed_on)} — {a.detail}" for a in contract.amendments.filter(signed_on__lte=last)]
    return Report(
        cpts_name=contract.cpts.name,
        cpts_slug=contract.cpts.slug,
        year=year,
        years=contract.years,
        first=first,
        last=last,
        counted_to=counted_to,
        signed_on=contract.signed_on,
        grid=grid.name,
        tier=contract.tier,
        tier_label=tier.label if tier else f"Taille {contract.tier}",
        population=contract.population,
        population_on=contract.population_on,
        population_source=contract.population_source,
        communes=territory.communes,
        territory_population=territory.population,
        territory_population_label=territory.population_label,
        crisis_declared=year in (contract.crisis_declared_years or []),
        missions=_missions(contract, year, today),
        activity=_activity(contract, first, counted_to),
        expected=money.expected,
        received=money.received,
        planned=money.planned,
        spent=money.spent,
        by_category=[BudgetRow(label, p, s) for label, p, s in money.by_category],
        by_mission=[BudgetRow(label, p, s) for label, p, s in money.by_mission],
        evidence=_evidence(contract, year),
        generated_at=timezone.now(),
        generated_by=(str(by) if by is not None else ""),
        amendments=amendments,
    )


def _missions(contract: Contract, year: int, today: dt.date) -> list[MissionLine]:
    status = {m.code: m for m in indicators.year_status(contract, year)}
    due = {(d.mission, d.kind): d for d in contracts.deadlines(contract, today)}
    return [
        _mission(cm, status.get(cm.mission.code), due) for cm in contract.missions.select_related("mission")
    ]


def _mission(cm, ms, due: dict) -> MissionLine:
    """One mission of the contract: its deadlines, its indicators, what it earned of the grid's maximum."""
    code = cm.mission.code
    lines = [_indicator(st) for st in (ms.indicators if ms else [])]
    start, deploy = due.get((code, "démarrage")), due.get((code, "déploiement"))
    maximum, earned, note = (ms.maximum, ms.earned, "") if ms else (None, ZERO, "")
    if ms and ms.conditional:
        # As in the payment schedule (aci.contracts.plan): no variable part without a declared crisis.
        maximum, earned = None, ZERO
        note = "part variable due seulement si une crise sanitaire grave est déclarée"
    return MissionLine(
        code,
        cm.mission.label,
        cm.mission.optional,
        cm.from_on,
        cm.started_on,
        cm.deployed_on,
        start.due_on if start else None,
        start.state if start else "",
        deploy.due_on if deploy else None,
        deploy.state if deploy else "",
        lines,
        maximum,
        earned,
        note,
    )


def _indicator(st) -> IndicatorLine:
    ind = st.indicator
    return IndicatorLine(
        ind.name,
        ind.definition,
        ind.unit,
        ind.get_unit_display(),
        ind.direction,
        source_label(ind),
        _steps(ind, st.steps),
        st.value,
        st.origin,
        st.rows_counted,
        st.step.label if st.step else "",
        st.earned,
        st.promised,
        st.evidence,
    )


def _evidence(contract: Contract, year: int) -> list[EvidenceLine]:
    return [
        EvidenceLine(
            e.indicator.name,
            e.indicator.mission.mission.label,
            e.title,
            e.filename,
            e.content_type,
            e.size,
            e.added_at,
            str(e.added_by) if e.added_by else "—",
        )
        for e in (
            Evidence.objects.filter(indicator__contract=contract, contract_year=year)
            .select_related("indicator__mission__mission", "added_by")
            .defer("ciphertext", "nonce")
            .order_by("indicator__mission__mission__order", "indicator__order", "added_at", "pk")
        )
    ]
