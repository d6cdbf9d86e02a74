"""The financing grid as reference data (migrations aci/0003-0004) and the simulator (aci.financing)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aci import financing
from aci.models import GridAmount, GridMission, TierGrid
from aci.tiers import grid_in_force

pytestmark = pytest.mark.django_db

SEED_001 = {  # the brochure's table (seed 001): fonctionnement, fixed up to, variable up to, total, per tier
    1: (50_000, 127_500, 110_000, 287_500),
    2: (60_000, 172_500, 150_000, 382_500),
    3: (75_000, 222_500, 190_000, 487_500),
    4: (90_000, 265_000, 225_000, 580_000),
}


def current():
    return grid_in_force(dt.date(2026, 12, 1))


def test_the_current_grid_adds_up_tier_by_tier_to_the_seed_001_table():
    table = financing.brochure_table(current())
    assert {c.tier: (c.operating, c.fixed, c.variable, c.total) for c in table} == {
        tier: tuple(Decimal(v) for v in values) for tier, values in SEED_001.items()
    }


def test_the_2019_grid_adds_up_to_the_2019_totals_and_keeps_the_acces_envelope_undivided():
    grid = TierGrid.objects.get(name="ACI CPTS 2019")
    assert [c.total for c in financing.brochure_table(grid)] == [
        Decimal(v) for v in (220_000, 287_000, 370_000, 450_000)
    ]
    sim = financing.simulate(grid, 1)
    access = next(line for line in sim.lines if line.mission == "access")
    assert (access.fixed, access.variable, access.undivided) == (0, 0, Decimal(75_000))
    assert "non publiée" in access.note
    assert not grid.missions.filter(code="crisis").exists()


def test_core_missions_and_deadlines_of_the_current_grid():
    missions = {m.code: (m.optional, m.start_months, m.deploy_months) for m in current().missions.all()}
    assert missions == {
        "access": (False, 6, 18),
        "crisis": (False, 6, 18),
        "pathways": (False, 12, 24),
        "prevention": (False, 12, 24),
        "quality": (True, None, None),
        "support": (True, None, None),
    }


def test_year_one_and_later_years_differ_by_the_crisis_plan_update():
    grid = current()
    first = financing.simulate(grid, 3, ["access", "crisis", "pathways", "prevention"], year=1)
    later = financing.simulate(grid, 3, ["access", "crisis", "pathways", "prevention"], year=2)
    assert first.fixed - later.fixed == Decimal(22_500)
    # Without a declared crisis, its variable part is not due; every other indicator met.
    assert first.variable == Decimal(35_000 + 45_000 + 17_500)
    assert first.total == Decimal(75_000 + 90_000 + 45_000 + 45_000 + 17_500) + first.variable
    crisis = next(line for line in first.lines if line.mission == "crisis")
    assert crisis.variable == 0 and crisis.variable_max == Decimal(67_500) and "crise" in crisis.note


def test_attainment_scales_the_variable_parts_only():
    grid = current()
    sim = financing.simulate(
        grid,
        2,
        ["access", "crisis", "pathways", "prevention", "support"],
        {"access": Decimal("0.5"), "pathways": Decimal("0"), "support": Decimal("0.25")},
        crisis_declared=True,
    )
    by = {line.mission: line for line in sim.lines}
    assert by["access"].variable == Decimal(15_000) and by["access"].fixed == Decimal(70_000)
    assert by["pathways"].variable == 0 and by["pathways"].fixed == Decimal(35_000)
    assert by["support"].variable == Decimal("1875.00")
    assert by["crisis"].variable == Decimal(52_500)
    assert "quality" not in by


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"codes": ["access", "pathways", "prevention"]},
            "Missions socles obligatoires manquantes : Réponse aux crises",
        ),
        ({"codes": ["access", "crisis", "pathways", "prevention", "access"]}, "est choisie deux fois"),
        ({"codes": ["access", "crisis", "pathways", "prevention", "teleconsult"]}, "Mission inconnue"),
        ({"attainment": {"access": Decimal("1.2")}}, "entre 0 et 100 %"),
        ({"attainment": {"access": Decimal("-0.1")}}, "entre 0 et 100 %"),
        ({"tier": 5}, "Taille inconnue : 5"),
    ],
)
def test_impossible_simulations_are_refused_in_french(args, message):
    tier = args.pop("tier", 1)
    with pytest.raises(financing.SimulationError) as refused:
        financing.simulate(current(), tier, **args)
    assert message in refused.value.message


def test_a_negative_amount_or_a_percentage_above_100_is_refused():
    grid = current()
    line = GridAmount(
        grid=grid,
        tier=1,
        mission=grid.missions.get(code="access"),
        part="fixed",
        years="first",
        amount=Decimal("-1"),
    )
    with pytest.raises(ValidationError):
        line.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()
    grid.fixed_advance_pct = Decimal("120")
    with pytest.raises(ValidationError):
        grid.full_clean()


def test_an_operating_line_belongs_to_no_mission_and_a_mission_line_to_its_own_grid():
    grid = current()
    other = TierGrid.objects.get(name="ACI CPTS 2019")
    with pytest.raises(ValidationError):
        GridAmount(grid=grid, tier=1, mission=grid.missions.first(), part="operating", amount=1).full_clean()
    with pytest.raises(ValidationError):
        GridAmount(
            grid=grid,
            tier=1,
            mission=GridMission.objects.filter(grid=other).first(),
            part="fixed",
            years="first",
            amount=1,
        ).full_clean()
