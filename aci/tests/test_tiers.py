"""ACI size tiers: reference grids from migration aci/0002, tier_for, grid_in_force, TierGrid.clean."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from aci.models import SizeTier, TierGrid
from aci.tiers import NoGridInForce, grid_in_force, tier_for

pytestmark = pytest.mark.django_db

GRID_2019 = "ACI CPTS 2019"
GRID_AVENANT_2 = "ACI CPTS 2019 modifié par l'avenant 2"
AFTER_AVENANT_2 = dt.date(2024, 6, 1)


def test_the_2019_grid_is_loaded_with_its_dates():
    grid = TierGrid.objects.get(name=GRID_2019)
    assert grid.effective_from == dt.date(2019, 8, 25)
    assert grid.effective_to == dt.date(2022, 3, 30)
    assert grid.boundary_rule == TierGrid.Boundary.BY_TIER


def test_the_avenant_2_grid_is_loaded_from_31_march_2022_without_end():
    grid = TierGrid.objects.get(name=GRID_AVENANT_2)
    assert grid.effective_from == dt.date(2022, 3, 31)
    assert grid.effective_to is None


@pytest.mark.parametrize("name", [GRID_2019, GRID_AVENANT_2])
def test_each_grid_has_the_four_tiers_with_their_thresholds(name):
    tiers = SizeTier.objects.filter(grid__name=name).order_by("number")
    assert [(t.number, t.min_population, t.max_population) for t in tiers] == [
        (1, 0, 40000),
        (2, 40000, 80000),
        (3, 80000, 175000),
        (4, 175000, None),
    ]


def test_tier_for_39999_is_tier_1():
    assert tier_for(39_999, AFTER_AVENANT_2).number == 1


def test_tier_for_40000_is_tier_2_under_the_default_upper_rule():
    assert tier_for(40_000, AFTER_AVENANT_2).number == 2


@pytest.mark.parametrize("on", [dt.date(2020, 6, 1), AFTER_AVENANT_2])
@pytest.mark.parametrize(
    ("population", "tier"),
    [
        (39_999, 1),
        (40_000, 2),
        (40_001, 2),
        (79_999, 2),
        (80_000, 3),
        (80_001, 3),
        (174_999, 3),
        (175_000, 3),
        (175_001, 4),
    ],
)
def test_exact_boundaries_follow_the_wording_of_seed_001(on, population, tier):
    """« Taille 1 : < 40 000 » (40 000 is taille 2), « Taille 4 : > 175 000 » (175 000 is taille 3),
    80 000 in both « entre » ranges: the lower bound of a range is included, as for 40 000 (taille 3)."""
    assert tier_for(population, on).number == tier


@pytest.mark.parametrize("name", [GRID_2019, GRID_AVENANT_2])
def test_each_grid_states_which_side_each_exact_boundary_falls_on_quoting_its_source(name):
    grid = TierGrid.objects.get(name=name)
    wording = dict(grid.tiers.values_list("number", "source_wording"))
    assert wording == {
        1: "< 40 000 habitants",
        2: "Entre 40 000 et 80 000 habitants",
        3: "Entre 80 000 et 175 000 habitants",
        4: "> 175 000 habitants",
    }
    assert "40 000 habitants : taille 2" in grid.boundary_note
    assert "80 000 habitants : taille 3" in grid.boundary_note
    assert "175 000 habitants : taille 3" in grid.boundary_note
    assert "« Taille 1 : < 40 000 habitants ;" in grid.boundary_note


def test_tier_for_40000_is_tier_1_when_the_grid_uses_the_lower_rule():
    TierGrid.objects.filter(name=GRID_AVENANT_2).update(boundary_rule=TierGrid.Boundary.LOWER)
    assert tier_for(40_000, AFTER_AVENANT_2).number == 1
    assert tier_for(40_001, AFTER_AVENANT_2).number == 2


def test_tier_for_175001_is_tier_4():
    assert tier_for(175_001, AFTER_AVENANT_2).number == 4


def test_tier_for_0_is_tier_1():
    assert tier_for(0, AFTER_AVENANT_2).number == 1


def test_tier_result_names_the_grid_and_a_french_label():
    result = tier_for(90_000, AFTER_AVENANT_2)
    assert result.number == 3
    assert result.grid == GRID_AVENANT_2
    assert result.label.startswith("Taille 3 (80")
    assert result.population == 90_000


def test_grid_in_force_in_2020_is_the_2019_grid():
    assert grid_in_force(dt.date(2020, 6, 15)).name == GRID_2019


def test_grid_in_force_on_the_last_day_of_the_2019_grid_is_still_2019():
    assert grid_in_force(dt.date(2022, 3, 30)).name == GRID_2019


def test_grid_in_force_from_31_march_2022_is_the_avenant_2_grid():
    assert grid_in_force(dt.date(2022, 3, 31)).name == GRID_AVENANT_2


def test_no_grid_before_august_2019_raises_a_french_message():
    with pytest.raises(NoGridInForce, match="Aucune grille ACI en vigueur au 01/01/2018"):
        grid_in_force(dt.date(2018, 1, 1))


def test_tier_grid_clean_refuses_overlapping_dates_with_a_french_message():
    grid = TierGrid(
        name="Grille qui chevauche", effective_from=dt.date(2021, 1, 1), effective_to=dt.date(2021, 12, 31)
    )
    with pytest.raises(ValidationError) as exc:
        grid.full_clean()
    assert f"Cette période chevauche la grille « {GRID_2019} »." in exc.value.messages


def test_tier_grid_clean_refuses_an_open_ended_grid_overlapping_the_current_one():
    grid = TierGrid(name="Grille future", effective_from=dt.date(2030, 1, 1))
    with pytest.raises(ValidationError) as exc:
        grid.full_clean()
    assert any("chevauche" in m and GRID_AVENANT_2 in m for m in exc.value.messages)


def test_tier_grid_clean_refuses_an_end_before_the_start():
    grid = TierGrid(
        name="Grille à l'envers", effective_from=dt.date(2010, 6, 1), effective_to=dt.date(2010, 1, 1)
    )
    with pytest.raises(ValidationError) as exc:
        grid.full_clean()
    assert exc.value.message_dict["effective_to"] == ["La date de fin précède la date de début."]


def test_tier_grid_clean_accepts_a_period_before_the_existing_grids():
    TierGrid(
        name="Grille ancienne", effective_from=dt.date(2010, 1, 1), effective_to=dt.date(2019, 8, 24)
    ).full_clean()


def test_an_existing_grid_validates_against_the_others_not_itself():
    TierGrid.objects.get(name=GRID_AVENANT_2).full_clean()
