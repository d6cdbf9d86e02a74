"""JSON API of the ACI reference data: the grid in force at a date and the financing simulator."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Query, Router, Schema, Status

from aci import financing
from aci.tiers import NoGridInForce, grid_in_force

router = Router(tags=["ACI"])


class Error(Schema):
    detail: str
    field: str | None = None


class TierOut(Schema):
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
    tiers: list[TierOut]
    missions: list[MissionOut]
    amounts: list[AmountOut]


@router.get("/grid", response={200: GridOut, 404: Error}, summary="La grille ACI en vigueur à une date")
def aci_grid(request, on: dt.date | None = None):
    try:
        grid = grid_in_force(on or timezone.localdate())
    except NoGridInForce as exc:
        return Status(404, {"detail": str(exc), "field": "on"})
    return {
        **{f: getattr(grid, f) for f in ("name", "source", "effective_from", "effective_to", "boundary_rule",
                                         "operating_at_signature_pct", "operating_advance_pct", "fixed_advance_pct")},
        "tiers": list(grid.tiers.all()),
        "missions": list(grid.missions.all()),
        "amounts": [{"tier": a.tier, "mission": a.mission.code if a.mission else None, "part": a.part, "years": a.years,
                     "crisis_only": a.crisis_only, "amount": a.amount, "status": a.status}
                    for a in grid.amounts.select_related("mission")],
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


@router.get("/simulation", response={200: SimulationOut, 400: Error},
            summary="Simulateur de financement ACI : montants annuels par ligne pour une taille et des missions")
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
    return {"grid": sim.grid, "tier": sim.tier, "year": sim.year, "crisis_declared": sim.crisis_declared,
            "operating": sim.operating, "fixed": sim.fixed, "variable": sim.variable, "undivided": sim.undivided,
            "total": sim.total, "lines": [{**line.__dict__, "total": line.total} for line in sim.lines]}
