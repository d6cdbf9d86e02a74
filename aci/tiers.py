"""Which ACI size tier a population falls in, by the grid in force at a date."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from aci.models import SizeTier, TierGrid


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


def tier_in_grid(grid: TierGrid, population: int) -> SizeTier:
    """Thresholds are the ``min_population`` of each tier; the grid's rule places exact boundaries."""
    tiers = sorted(grid.tiers.all(), key=lambda t: t.number)
    chosen = tiers[0]
    for tier in tiers[1:]:
        threshold = tier.min_population
        above = population >= threshold if grid.boundary_rule == TierGrid.Boundary.UPPER else population > threshold
        if above:
            chosen = tier
    return chosen


def tier_for(population: int, on: dt.date | None = None) -> TierResult:
    grid = grid_in_force(on)
    tier = tier_in_grid(grid, population)
    return TierResult(tier.number, tier.label, grid.name, population)
