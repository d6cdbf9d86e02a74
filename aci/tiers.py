"""Which ACI size tier a population falls in, by the grid in force at a date."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone

from aci.models import SizeTier, TierGrid
from cpts.models import CPTS, TerritoryCommune
from cpts.scoping import scoped
from territory.models import DatasetVersion


class NoGridInForce(LookupError):
    pass


@dataclass(frozen=True)
class TierResult:
    number: int
    label: str
    grid: str
    population: int


def grid_in_force(on: dt.date | None = None) -> TierGrid:
    on = on or timezone.localdate()
    grid = (
        TierGrid.objects.filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )
    if grid is None:
        raise NoGridInForce(f"Aucune grille ACI en vigueur au {on:%d/%m/%Y}.")
    return grid


def reaches(grid: TierGrid, tier: SizeTier, population: int) -> bool:
    """Whether a population reaches this tier's lower threshold. The grid's rule places an exact boundary:
    the upper tier (UPPER), the lower one (LOWER) or, by tier (BY_TIER), as the source's wording of that
    tier says: seed 001 gives « Taille 1 : < 40 000 habitants », « Taille 2 : Entre 40 000 et 80 000 »,
    « Taille 3 : Entre 80 000 et 175 000 », « Taille 4 : > 175 000 », so 40 000 is taille 2, 80 000
    taille 3, 175 000 taille 3 (aci migration 0007 writes this in each grid's ``boundary_note``)."""
    threshold = tier.min_population
    if grid.boundary_rule == TierGrid.Boundary.BY_TIER:
        included = tier.includes_min
    else:
        included = grid.boundary_rule == TierGrid.Boundary.UPPER
    return population >= threshold if included else population > threshold


def tier_in_grid(grid: TierGrid, population: int) -> SizeTier:
    """Thresholds are the ``min_population`` of each tier; ``reaches`` places exact boundaries."""
    tiers = sorted(grid.tiers.all(), key=lambda t: t.number)
    chosen = tiers[0]
    for tier in tiers[1:]:
        if reaches(grid, tier, population):
            chosen = tier
    return chosen


def tier_for(population: int, on: dt.date | None = None) -> TierResult:
    grid = grid_in_force(on)
    tier = tier_in_grid(grid, population)
    return TierResult(tier.number, tier.label, grid.name, population)


@dataclass
class TerritorySummary:
    communes: int
    population: int
    tier: TierResult | None
    tier_error: str = ""
    # The vintage of the populations légales summed (« population municipale 2023, en vigueur au 1er janvier
    # 2026 »): shown wherever the population or the tier is.
    vintage: DatasetVersion | None = None

    @property
    def population_label(self) -> str:
        return self.vintage.population_label if self.vintage else "population municipale"


def summary_of(communes: int, population: int, on: dt.date | None = None) -> TerritorySummary:
    """A territory of ``communes`` communes and ``population`` inhabitants (current vintage): its tier. The
    one rule for a CPTS's territory and a project's (projects/territory.py)."""
    try:
        tier = tier_for(population, on)
        error = ""
    except NoGridInForce as exc:
        tier, error = None, str(exc)
    return TerritorySummary(communes, population, tier, error, DatasetVersion.current_for("communes"))


def territory_summary(cpts: CPTS, on: dt.date | None = None) -> TerritorySummary:
    """The CPTS's communes, their population in the current vintage and the tier it falls in."""
    qs = scoped(TerritoryCommune, cpts)
    agg = qs.aggregate(population=Sum("commune__population"))
    return summary_of(qs.count(), agg["population"] or 0, on)
