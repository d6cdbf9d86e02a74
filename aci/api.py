"""JSON API of the ACI: the reference data (the grid in force at a date, the financing simulator) and a CPTS's
contract (contract and missions, payment schedule against payments received, indicators of a contract
year)."""

import datetime as dt
from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from aci import budget, contracts, financing, indicators
from aci.models import Contract
from aci.tiers import NoGridInForce, grid_in_force
from cpts.scoping import access_cpts, scoped

router = Router(tags=["ACI"])


class AciError(Schema):  # its own name: one schema per name in the OpenAPI document
    detail: str
    field: str | None = None


class GridTierOut(Schema):
    number: int
    min_population: int
    max_population: int | None


class MissionOut(Schema):
    code: str
    label: str
    optional: bool
    start_months: int | None
    deploy_months: int | None


class AmountOut(Schema):
    tier: int
    mission: str | None
    part: str
    years: str
    crisis_only: bool
    amount: Decimal
    status: str


class GridOut(Schema):
    name: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    boundary_rule: str
    operating_at_signature_pct: Decimal
    operating_advance_pct: Decimal
    fixed_advance_pct: Decimal
    tiers: list[GridTierOut]
    missions: list[MissionOut]
    amounts: list[AmountOut]


@router.get("/grid", response={200: GridOut, 404: AciError}, summary="La grille ACI en vigueur à une date")
def aci_grid(request, on: dt.date | None = None):
    try:
        grid = grid_in_force(on or timezone.localdate())
    except NoGridInForce as exc:
        return Status(404, {"detail": str(exc), "field": "on"})
    return {
        **{
            f: getattr(grid, f)
            for f in (
                "name",
                "source",
                "effective_from",
                "effective_to",
                "boundary_rule",
                "operating_at_signature_pct",
                "operating_advance_pct",
                "fixed_advance_pct",
            )
        },
        "tiers": list(grid.tiers.all()),
        "missions": list(grid.missions.all()),
        "amounts": [
            {
                "tier": a.tier,
                "mission": a.mission.code if a.mission else None,
                "part": a.part,
                "years": a.years,
                "crisis_only": a.crisis_only,
                "amount": a.amount,
                "status": a.status,
            }
            for a in grid.amounts.select_related("mission")
        ],
    }


class LineOut(Schema):
    label: str
    mission: str | None
    fixed: Decimal
    variable: Decimal
    variable_max: Decimal
    undivided: Decimal
    total: Decimal
    note: str


class SimulationOut(Schema):
    grid: str
    tier: int
    year: int
    crisis_declared: bool
    operating: Decimal
    fixed: Decimal
    variable: Decimal
    undivided: Decimal
    total: Decimal
    lines: list[LineOut]


class SimulationIn(Schema):
    on: dt.date | None = None
    tier: int = 1
    missions: list[str] | None = None
    attainment_pct: Decimal | None = None  # the same rate for every mission, in percent
    year: int = 1
    crisis_declared: bool = False


@router.get(
    "/simulation",
    response={200: SimulationOut, 400: AciError},
    summary="Simulateur de financement ACI : montants annuels par ligne pour une taille et des missions",
)
def aci_simulation(request, params: Query[SimulationIn]):
    try:
        grid = grid_in_force(params.on or timezone.localdate())
        rate = params.attainment_pct
        codes = params.missions
        attainment = {}
        if rate is not None:
            attainment = {m.code: rate / 100 for m in grid.missions.all()}
        sim = financing.simulate(grid, params.tier, codes, attainment, params.year, params.crisis_declared)
    except NoGridInForce as exc:
        return Status(400, {"detail": str(exc), "field": "on"})
    except financing.SimulationError as exc:
        return Status(400, {"detail": exc.message, "field": exc.field})
    return {
        "grid": sim.grid,
        "tier": sim.tier,
        "year": sim.year,
        "crisis_declared": sim.crisis_declared,
        "operating": sim.operating,
        "fixed": sim.fixed,
        "variable": sim.variable,
        "undivided": sim.undivided,
        "total": sim.total,
        "lines": [{**line.__dict__, "total": line.total} for line in sim.lines],
    }


# --- A CPTS's contract: /api/cpts/{slug}/aci/... (mounted on /cpts by opencpts/api.py) ----------------------

cpts_router = Router(tags=["ACI"])

NO_CONTRACT = "Aucun contrat ACI pour cette CPTS."


def _contract(request, slug: str):
    """The CPTS's contract for a reader of contracts (403 otherwise, 401 without authentication), 404 without
    one."""
    access = access_cpts(request.user, slug, "cpts.view_contract")
    contract = scoped(Contract.objects.select_related("grid", "cpts"), access.cpts).first()
    if contract is None:
        raise Http404(NO_CONTRACT)
    return contract


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


class GridRefOut(Schema):
    name: str
    effective_from: dt.date


class DeadlineOut(Schema):
    kind: str  # "démarrage" / "déploiement"
    due_on: dt.date | None
    done_on: dt.date | None
    state: str  # "fait", "à venir", "bientôt", "en retard", "libre"


class ContractMissionOut(Schema):
    code: str
    label: str
    optional: bool
    from_on: dt.date
    started_on: dt.date | None
    deployed_on: dt.date | None
    deadlines: list[DeadlineOut]


class AmendmentOut(Schema):
    signed_on: dt.date
    kind: str
    detail: str


class ContractOut(Schema):
    signed_on: dt.date
    ends_on: dt.date
    years: int
    tier: int
    population: int
    population_on: dt.date | None
    population_source: str
    grid: GridRefOut
    missions: list[ContractMissionOut]
    amendments: list[AmendmentOut]
    crisis_declared_years: list[int]


@cpts_router.get(
    "/{slug}/aci/contract",
    response={200: ContractOut, 404: AciError},
    url_name="aci_contract",
    summary="Contrat ACI de la CPTS : signature, taille, population, missions et leurs échéances, avenants",
)
def aci_contract(request, slug: str):
    contract = _contract(request, slug)
    deadlines: dict[str, list] = {}
    for d in contracts.deadlines(contract, timezone.localdate()):
        deadlines.setdefault(d.mission, []).append(
            {"kind": d.kind, "due_on": d.due_on, "done_on": d.done_on, "state": d.state}
        )
    missions = [
        {
            "code": cm.mission.code,
            "label": cm.mission.label,
            "optional": cm.mission.optional,
            "from_on": cm.from_on,
            "started_on": cm.started_on,
            "deployed_on": cm.deployed_on,
            "deadlines": deadlines.get(cm.mission.code, []),
        }
        for cm in contract.missions.select_related("mission")
    ]
    return {
        "signed_on": contract.signed_on,
        "ends_on": contracts.year_bounds(contract, contract.years)[1],
        "years": contract.years,
        "tier": contract.tier,
        "population": contract.population,
        "population_on": contract.population_on,
        "population_source": contract.population_source,
        "grid": {"name": contract.grid.name, "effective_from": contract.grid.effective_from},
        "missions": missions,
        "amendments": [
            {"signed_on": a.signed_on, "kind": a.kind, "detail": a.detail} for a in contract.amendments.all()
        ],
        "crisis_declared_years": sorted(contract.crisis_declared_years),
    }


class PaymentOut(Schema):
    due_on: dt.date
    contract_year: int
    mission: str  # mission code, "" for fonctionnement
    part: str  # operating, fixed, variable
    label: str
    amount: Decimal


class ReceivedOut(Schema):
    received_on: dt.date
    amount: Decimal
    label: str


class TotalsOut(Schema):
    expected_total: Decimal
    expected_to_date: Decimal
    received_to_date: Decimal
    gap: Decimal  # received minus expected to date: negative when payments are late


class MonthMoneyOut(Schema):
    month: dt.date
    expected: Decimal  # cumulated expected up to the end of the month
    received: Decimal | None  # cumulated received; null for months to come


class ScheduleOut(Schema):
    computed_at: dt.datetime | None
    reason: str
    grid: str | None
    payments: list[PaymentOut]
    received: list[ReceivedOut]
    totals: TotalsOut
    months: list[MonthMoneyOut]


@cpts_router.get(
    "/{slug}/aci/schedule",
    response={200: ScheduleOut, 404: AciError},
    url_name="aci_schedule",
    summary="Échéancier ACI en vigueur, versements reçus et écart (reçu moins attendu à ce jour)",
)
def aci_schedule(request, slug: str):
    contract = _contract(request, slug)
    schedule = contracts.current_schedule(contract)
    money = budget.money_position(contract, timezone.localdate())
    return {
        "computed_at": schedule.computed_at if schedule else None,
        "reason": schedule.reason if schedule else "",
        "grid": schedule.grid.name if schedule else None,
        "payments": list(schedule.payments.all()) if schedule else [],
        "received": list(contract.received.all()),
        "totals": {
            "expected_total": _cents(money.expected_total),
            "expected_to_date": _cents(money.expected_to_date),
            "received_to_date": _cents(money.received_to_date),
            "gap": _cents(money.gap),
        },
        "months": [
            {
                "month": p.month,
                "expected": _cents(p.expected),
                "received": _cents(p.received) if p.received is not None else None,
            }
            for p in money.series
        ],
    }


class StepOut(Schema):
    label: str
    threshold: Decimal
    amount: Decimal


class IndicatorOut(Schema):
    id: int
    name: str
    unit: str
    direction: str  # higher / lower is better
    source: str  # a computed source's key, or "manual"
    computed: bool
    value: Decimal | None
    origin: str  # "arrêté" (year closed), "calculé" (live), "saisi" (entered), "" (no result)
    rows_counted: int | None
    steps: list[StepOut]
    reached_step: str | None  # the label of the best step reached
    earned: Decimal


class MissionYearOut(Schema):
    code: str
    label: str
    maximum: Decimal | None  # the grid's variable part of the mission for that year
    earned: Decimal
    attainment: Decimal | None  # earned / maximum, 0..1
    conditional: bool  # a variable part paid only when a crisis is declared, and none is declared that year
    indicators: list[IndicatorOut]


class IndicatorsYearOut(Schema):
    year: int
    first: dt.date
    last: dt.date
    missions: list[MissionYearOut]


@cpts_router.get(
    "/{slug}/aci/indicators",
    response={200: IndicatorsYearOut, 400: AciError, 404: AciError},
    url_name="aci_indicators",
    summary="Indicateurs ACI d'une année du contrat : résultats, paliers atteints, part variable gagnée",
)
def aci_indicators(request, slug: str, year: int | None = None):
    contract = _contract(request, slug)
    year = indicators.current_year(contract, timezone.localdate()) if year is None else year
    if not 1 <= year <= contract.years:
        return Status(400, {"detail": f"Année du contrat entre 1 et {contract.years}.", "field": "year"})
    first, last = contracts.year_bounds(contract, year)
    missions = []
    for m in indicators.year_status(contract, year):
        attainment = None if m.conditional else m.attainment
        missions.append(
            {
                "code": m.code,
                "label": m.label,
                "maximum": m.maximum,
                "earned": _cents(m.payable),
                "attainment": attainment.quantize(Decimal("0.0001")) if attainment is not None else None,
                "conditional": m.conditional,
                "indicators": [
                    {
                        "id": s.indicator.pk,
                        "name": s.indicator.name,
                        "unit": s.indicator.unit,
                        "direction": s.indicator.direction,
                        "source": s.indicator.source,
                        "computed": s.indicator.computed,
                        "value": s.value,
                        "origin": s.origin,
                        "rows_counted": s.rows_counted,
                        "steps": [
                            {"label": st.label, "threshold": st.threshold, "amount": st.amount}
                            for st in sorted(s.steps, key=lambda st: st.amount)
                        ],
                        "reached_step": s.step.label if s.step else None,
                        "earned": _cents(s.earned),
                    }
                    for s in m.indicators
                ],
            }
        )
    return {"year": year, "first": first, "last": last, "missions": missions}
