"""Reads of the projet de santé: its chapters in the order of lifecycle.md §4, the fiches-actions grouped by
ACI mission, the budget prévisionnel (the ACI simulator for the project's tier, the planned expenses, the
balance), the history of a chapter or a fiche-action. Also what other modules read (the reviews of the ARS and
CPAM referents, the document, the ACI signature): ``plan_of``, ``overview``, ``objectives``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from aci import financing
from aci.models import GridMission, TierGrid
from aci.tiers import NoGridInForce, grid_in_force
from healthplan.models import ActionSheet, Chapter, HealthPlan, PlannedExpense, SheetIndicator
from projects import territory as project_territory
from projects.models import Project

# The projet's order (lifecycle.md §4): the fiches-actions come after the diagnostic.
BEFORE_SHEETS = [Chapter.Key.CONTEXT, Chapter.Key.DIAGNOSTIC]
AFTER_SHEETS = [Chapter.Key.GOVERNANCE, Chapter.Key.EVALUATION, Chapter.Key.BUDGET]
HELP = {
    Chapter.Key.CONTEXT: "Le territoire, son histoire, les coopérations existantes (MSP, ESP, DAC, hôpital), "
    "ce qui a fait naître le projet.",
    Chapter.Key.DIAGNOSTIC: "Le diagnostic calculé par OpenCPTS est inséré dans le document ; écrivez ici "
    "votre lecture : méthode, besoins repérés, ruptures de parcours, ce que disent les professionnels.",
    Chapter.Key.GOVERNANCE: "Structure juridique, instances, place des libéraux et des établissements, "
    "équipe de coordination, outils numériques partagés.",
    Chapter.Key.EVALUATION: "Comment et quand les actions seront évaluées, avec qui (ARS, CPAM), "
    "le dialogue annuel.",
    Chapter.Key.BUDGET: "Vos commentaires sur le budget prévisionnel calculé ci-dessous.",
}


def plan_of(project: Project) -> HealthPlan | None:
    return HealthPlan.objects.filter(project=project).first()


@dataclass
class ChapterState:
    key: str
    label: str
    help: str
    text: str = ""
    version: int = 0
    updated_by: object = None
    updated_at: dt.datetime | None = None
    chapter: Chapter | None = None

    @property
    def written(self) -> bool:
        return bool(self.text.strip())


def chapter_state(project: Project, key: str) -> ChapterState:
    chapter = Chapter.objects.filter(plan__project=project, key=key).select_related("updated_by").first()
    state = ChapterState(key, Chapter.Key(key).label, HELP[Chapter.Key(key)])
    if chapter is not None:
        state.text, state.version, state.chapter = chapter.text, chapter.version, chapter
        state.updated_by, state.updated_at = chapter.updated_by, chapter.updated_at
    return state


def mission_order() -> list[tuple[str, str]]:
    """(code, label) of the ACI missions in the order of the grid in force (else of the code list)."""
    try:
        missions = list(grid_in_force().missions.all())
    except NoGridInForce:
        missions = []
    seen = [(m.code, m.label) for m in missions]
    codes = {c for c, _ in seen}
    return seen + [(c, label) for c, label in GridMission.Code.choices if c not in codes]


@dataclass
class MissionSheets:
    code: str
    label: str
    sheets: list[ActionSheet]


def sheets_by_mission(project: Project, *, every_mission: bool = False) -> list[MissionSheets]:
    sheets = list(
        ActionSheet.objects.filter(plan__project=project)
        .select_related("updated_by")
        .prefetch_related("indicators")
        .order_by("pk")
    )
    out = []
    for code, label in mission_order():
        mine = [s for s in sheets if s.mission == code]
        if mine or every_mission:
            out.append(MissionSheets(code, label, mine))
    return out


# --- Budget prévisionnel ------------------------------------------------------------------------------------


@dataclass
class BudgetRow:
    label: str
    mission: str | None
    first: Decimal
    later: Decimal


@dataclass
class Budget:
    tier: int | None = None
    tier_label: str = ""
    grid: str = ""
    population: int = 0
    error: str = ""
    rows: list[BudgetRow] = field(default_factory=list)
    expenses: list[PlannedExpense] = field(default_factory=list)

    @property
    def income_first(self) -> Decimal:
        return sum((r.first for r in self.rows), Decimal(0))

    @property
    def income_later(self) -> Decimal:
        return sum((r.later for r in self.rows), Decimal(0))

    @property
    def spending(self) -> Decimal:
        return sum((e.amount for e in self.expenses), Decimal(0))

    @property
    def balance_first(self) -> Decimal:
        return self.income_first - self.spending

    @property
    def balance_later(self) -> Decimal:
        return self.income_later - self.spending


def budget_missions(grid: TierGrid, project: Project) -> list[str]:
    """The core missions of the grid and the optional ones the projet has fiches-actions for."""
    planned = set(ActionSheet.objects.filter(plan__project=project).values_list("mission", flat=True))
    return [m.code for m in grid.missions.all() if not m.optional or m.code in planned]


def budget(project: Project, on: dt.date | None = None) -> Budget:
    """The ACI amounts the projet can expect each year at its territory's tier (the simulator of
    aci/financing.py, every indicator met: the variable parts are maxima), the planned expenses and the
    balance, year 1 and later years."""
    summary = project_territory.check(project).summary
    out = Budget(
        population=summary.population, expenses=list(PlannedExpense.objects.filter(plan__project=project))
    )
    if not summary.communes:
        out.error = "Ajoutez les communes du territoire : la taille de la CPTS en dépend."
        return out
    if summary.tier is None:
        out.error = summary.tier_error
        return out
    out.tier, out.tier_label, out.grid = summary.tier.number, summary.tier.label, summary.tier.grid
    grid = grid_in_force(on)
    codes = budget_missions(grid, project)
    first = financing.simulate(grid, out.tier, codes, year=1)
    later = financing.simulate(grid, out.tier, codes, year=2)
    for a, b in zip(first.lines, later.lines, strict=True):
        out.rows.append(BudgetRow(a.label, a.mission, a.total, b.total))
    return out


# --- For the document, the reviews and the ACI signature ---------------------------------------------------


@dataclass
class Overview:
    plan: HealthPlan | None
    before: list[ChapterState]
    missions: list[MissionSheets]
    after: list[ChapterState]

    @property
    def sheets(self) -> int:
        return sum(len(m.sheets) for m in self.missions)

    @property
    def written(self) -> int:
        return sum(1 for c in self.before + self.after if c.written)


def overview(project: Project) -> Overview:
    return Overview(
        plan_of(project),
        [chapter_state(project, k) for k in BEFORE_SHEETS],
        sheets_by_mission(project),
        [chapter_state(project, k) for k in AFTER_SHEETS],
    )


def objectives(project: Project) -> list[SheetIndicator]:
    """The fiches-actions' indicators, with their fiche: what becomes the ACI contract's objectives."""
    return list(
        SheetIndicator.objects.filter(sheet__plan__project=project)
        .select_related("sheet")
        .order_by("sheet__pk", "order", "pk")
    )


def optional_missions(project: Project) -> list[str]:
    """The ACI missions of the fiches-actions (the signature page proposes the optional ones among them)."""
    return sorted(set(ActionSheet.objects.filter(plan__project=project).values_list("mission", flat=True)))


def chapter_history(chapter: Chapter):
    return chapter.versions.select_related("author")


def sheet_history(sheet: ActionSheet):
    return sheet.versions.select_related("author")
