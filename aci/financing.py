"""The ACI financing simulator: for a grid version, a size tier, the missions chosen and how far each
mission's indicators are met, the annual amounts line by line (fonctionnement, fixed part, variable part),
year 1 and the later years, and the total. ``brochure_table`` gives the four tiers side by side as the seed
001 brochure shows them (maxima: every mission, crisis year-1 fixed part, crisis variable part as if a crisis
were declared).

Every amount comes from the grid's ``GridAmount`` rows (reference data), never from this code."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from aci.models import GridAmount, GridMission, TierGrid

CENT = Decimal("0.01")


class SimulationError(ValueError):
    """Impossible simulation parameters; ``message`` is for the user (French)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Line:
    label: str
    mission: str | None  # GridMission code, None for fonctionnement
    fixed: Decimal = Decimal(0)
    variable: Decimal = Decimal(0)
    variable_max: Decimal = Decimal(0)
    undivided: Decimal = Decimal(0)  # a grid version that does not split fixed and variable (2019 accès)
    note: str = ""

    @property
    def total(self) -> Decimal:
        return self.fixed + self.variable + self.undivided


@dataclass
class Simulation:
    grid: str
    tier: int
    year: int  # 1 = first contract year; 2 = any later year
    crisis_declared: bool
    lines: list[Line] = field(default_factory=list)

    @property
    def operating(self) -> Decimal:
        return sum((line.fixed for line in self.lines if line.mission is None), Decimal(0))

    @property
    def fixed(self) -> Decimal:
        return sum((line.fixed for line in self.lines if line.mission is not None), Decimal(0))

    @property
    def variable(self) -> Decimal:
        return sum((line.variable for line in self.lines), Decimal(0))

    @property
    def undivided(self) -> Decimal:
        return sum((line.undivided for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.operating + self.fixed + self.variable + self.undivided


def pick(rows: list[GridAmount], part: str, year: int) -> GridAmount | None:
    """The row of ``part`` for the year: a year-specific row first, else the every-year one."""
    scope = GridAmount.Years.FIRST if year == 1 else GridAmount.Years.LATER
    specific = [r for r in rows if r.part == part and r.years == scope]
    if specific:
        return specific[0]
    return next((r for r in rows if r.part == part and r.years == GridAmount.Years.ALL), None)


def chosen_missions(grid: TierGrid, codes: list[str] | None) -> list[GridMission]:
    """The missions of the contract: every core mission (compulsory) and the optional ones asked for. ``None``
    means every mission of the grid."""
    missions = list(grid.missions.all())
    known = {m.code: m for m in missions}
    if codes is None:
        return missions
    seen = set()
    for code in codes:
        if code not in known:
            raise SimulationError(f"Mission inconnue dans la grille « {grid.name} » : {code}.", "missions")
        if code in seen:
            raise SimulationError(f"La mission « {known[code].label} » est choisie deux fois.", "missions")
        seen.add(code)
    missing = [m.label for m in missions if not m.optional and m.code not in seen]
    if missing:
        raise SimulationError(
            "Missions socles obligatoires manquantes : " + ", ".join(missing) + ".", "missions"
        )
    return [m for m in missions if m.code in seen]


def simulate(
    grid: TierGrid,
    tier: int,
    codes: list[str] | None = None,
    attainment: dict[str, Decimal] | None = None,
    year: int = 1,
    crisis_declared: bool = False,
) -> Simulation:
    tiers = sorted(grid.tiers.values_list("number", flat=True))
    if tier not in tiers:
        raise SimulationError(
            f"Taille inconnue : {tier} (tailles de la grille : {', '.join(map(str, tiers))}).", "tier"
        )
    if year < 1:
        raise SimulationError("L'année du contrat commence à 1.", "year")
    missions = chosen_missions(grid, codes)
    attainment = attainment or {}
    for code, rate in attainment.items():
        if not Decimal(0) <= Decimal(rate) <= Decimal(1):
            raise SimulationError(f"Taux d'atteinte de « {code} » : entre 0 et 100 %.", "attainment")
    rows = list(GridAmount.objects.filter(grid=grid, tier=tier).select_related("mission"))
    out = Simulation(grid=grid.name, tier=tier, year=1 if year == 1 else 2, crisis_declared=crisis_declared)
    operating = pick([r for r in rows if r.mission_id is None], GridAmount.Part.OPERATING, year)
    if operating is not None:
        out.lines.append(Line("Fonctionnement", None, fixed=operating.amount))
    for mission in missions:
        mine = [r for r in rows if r.mission_id == mission.pk]
        rate = Decimal(attainment.get(mission.code, 1))
        line = Line(mission.label, mission.code)
        fixed = pick(mine, GridAmount.Part.FIXED, year)
        variable = pick(mine, GridAmount.Part.VARIABLE, year)
        undivided = pick(mine, GridAmount.Part.UNDIVIDED, year)
        if fixed is not None:
            line.fixed = fixed.amount
        if variable is not None:
            line.variable_max = variable.amount
            if variable.crisis_only and not crisis_declared:
                line.note = "Part variable due seulement si une crise sanitaire grave est déclarée."
            else:
                line.variable = (variable.amount * rate).quantize(CENT, ROUND_HALF_UP)
        if undivided is not None:
            line.undivided = undivided.amount
            line.note = "Répartition entre part fixe et part variable non publiée pour cette version."
        out.lines.append(line)
    return out


@dataclass(frozen=True)
class TierColumn:
    tier: int
    operating: Decimal
    fixed: Decimal
    variable: Decimal
    total: Decimal


def brochure_table(grid: TierGrid) -> list[TierColumn]:
    """Each tier's maxima: fonctionnement, fixed parts of all missions (year 1), variable parts (crisis
    declared, every indicator met), total."""
    columns = []
    for tier in sorted(grid.tiers.values_list("number", flat=True)):
        sim = simulate(grid, tier, None, year=1, crisis_declared=True)
        columns.append(TierColumn(tier, sim.operating, sim.fixed + sim.undivided, sim.variable, sim.total))
    return columns
