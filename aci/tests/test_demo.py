"""The ACI contract of the demo CPTS (demo/aci.py, called by demo/seed.py): signed 20 months ago, indicators
fed by the demo's activity, year 1 closed, schedule recomputed, payments with a gap, budget and expenses;
idempotent."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import APIToken, User
from aci import budget, contracts, indicators
from aci.models import (
    BudgetLine,
    Contract,
    Evidence,
    ExpectedPayment,
    Expense,
    Indicator,
    IndicatorResult,
    ReceivedPayment,
    Schedule,
)
from aci.tiers import territory_summary
from demo import seed as demo
from demo.aci import seed_aci
from opencpts.dates import shift_months

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_cpts(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    cpts, _, created = demo.seed()
    assert created
    return cpts


def counts(cpts):
    return {
        model.__name__: model.objects.filter(**{lookup: cpts}).count()
        for model, lookup in [
            (Contract, "cpts"),
            (Schedule, "contract__cpts"),
            (ExpectedPayment, "schedule__contract__cpts"),
            (ReceivedPayment, "contract__cpts"),
            (Indicator, "contract__cpts"),
            (IndicatorResult, "indicator__contract__cpts"),
            (Evidence, "indicator__contract__cpts"),
            (Expense, "contract__cpts"),
            (BudgetLine, "contract__cpts"),
        ]
    }


def test_the_demo_has_a_running_contract_fed_by_its_activity(demo_cpts):
    today = timezone.localdate()
    contract = Contract.objects.get(cpts=demo_cpts)
    # Signed 20 months ago under the avenant 2 grid, tier from the territory's population.
    assert contract.signed_on == shift_months(today, -20) and contract.signed_on >= demo_cpts.founded_on
    assert contract.grid.name == "ACI CPTS 2019 modifié par l'avenant 2"
    # 40,556 inhabitants (population municipale 2023, in force on 1 January 2026): tier 2, with that vintage.
    summary = territory_summary(demo_cpts)
    assert contract.population == summary.population == 40_556 and contract.tier == 2
    assert contract.population_vintage == summary.vintage and summary.vintage.census_year == 2023
    assert list(contract.missions.values_list("mission__code", flat=True)) == [
        "access",
        "crisis",
        "pathways",
        "prevention",
        "quality",
    ]
    assert contracts.contract_year(contract, today) == 2
    # The crisis mission is late to deploy: the cockpit warns.
    states = {(d.mission, d.kind): d.state for d in contracts.deadlines(contract, today)}
    assert states[("crisis", "déploiement")] == "en retard"
    assert states[("access", "démarrage")] == "fait"

    # The schedule: computed at signature, then recomputed with the results of year 1.
    assert list(contract.schedules.order_by("pk").values_list("reason", flat=True)) == [
        "Signature du contrat",
        "Résultats de l'année 1",
    ]
    current = contracts.current_schedule(contract)
    assert current.reason == "Résultats de l'année 1"
    attainment = indicators.attainment(contract)
    assert Decimal(0) < attainment[("access", 1)] < 1
    access_v1 = current.payments.get(mission="access", part="variable", contract_year=1)
    first_schedule = contract.schedules.get(reason="Signature du contrat")
    assert (
        access_v1.amount
        < first_schedule.payments.get(mission="access", part="variable", contract_year=1).amount
    )

    # Indicators: computed ones read the demo's activity; year 1 closed with the rows it counted.
    statuses = {
        s.indicator.source if s.indicator.computed else s.indicator.name: s
        for m in indicators.year_status(contract, 1)
        for s in m.indicators
    }
    placed = statuses["gp_placed"]
    assert placed.origin == "arrêté" and placed.value > 0 and placed.rows_counted == placed.value
    assert statuses["gp_waiting_ald"].indicator.direction == "lower"
    ald_steps = sorted((s.threshold, s.amount) for s in statuses["gp_waiting_ald"].steps)
    # aci.md §3's example (9 000 / 6 000 / 3 000 € at tier 1), scaled to tier 2's variable maximum (× 1.2).
    assert ald_steps == [(50, 10800), (100, 7200), (219, 3600)]
    assert statuses["Taux de dépistage du cancer du sein"].value == Decimal("71.20")
    assert statuses["Taux de dépistage du cancer du sein"].step.label == "Socle"
    assert statuses["Plan de crise rédigé selon le modèle national"].evidence == 1
    closed = IndicatorResult.objects.filter(indicator__contract=contract, contract_year=1, computed=True)
    assert closed.count() >= 5
    # The demo's unscheduled-care history feeds year 1: slots offered, booked, honoured, a fill rate below
    # 100 %.
    assert statuses["snp_offered"].value > 100 and statuses["snp_offered"].origin == "arrêté"
    assert 0 < statuses["snp_honoured"].value < statuses["snp_offered"].value
    assert 50 < statuses["snp_fill_rate"].value < 90
    live = [s for m in indicators.year_status(contract, 2) for s in m.indicators if s.indicator.computed]
    assert any(s.origin == "calculé" and s.value for s in live)
    assert {s.indicator.source for s in live} >= {
        "gp_placed",
        "gp_placed_ald",
        "gp_waiting_ald",
        "snp_offered",
        "snp_fill_rate",
        "snp_honoured",
        "care_circles",
        "membership_rate",
    }
    # The steps never promise more than a mission's variable part.
    for year in (1, 2):
        for mission in indicators.year_status(contract, year):
            promised = sum((s.promised for s in mission.indicators), Decimal(0))
            assert promised <= (mission.maximum or 0), (year, mission.code)
            if mission.code != "crisis":
                assert promised > 0
    evidence = Evidence.objects.get(indicator__contract=contract)
    pdf = indicators.evidence_content(evidence)
    assert pdf.startswith(b"%PDF") and b"FICTIF" in pdf and evidence.content_type == "application/pdf"

    # Money: most past payments received, the year-1 variable part of the access mission missing.
    money = budget.money_position(contract, today)
    assert money.gap == -access_v1.amount < 0
    assert money.received_to_date > Decimal(200_000)
    received = list(contract.received.all())
    assert all(contract.signed_on <= r.received_on <= today for r in received)
    late = contract.received.get(label__contains="Fonctionnement année 2 (avance)")
    assert (late.received_on - contracts.anniversary(contract.signed_on, 1)).days == 75
    # Budget for years 1 and 2, about thirty past expenses across categories and missions.
    assert set(contract.budget.values_list("contract_year", flat=True)) == {1, 2}
    expenses = list(contract.expenses.all())
    assert len(expenses) == 30
    assert all(contract.signed_on <= e.spent_on <= today for e in expenses)
    assert len({e.category for e in expenses}) == 7 and len({e.mission for e in expenses}) == 6
    year1 = budget.year_money(contract, 1)
    assert 0 < year1.spent < year1.planned and year1.received > 0


def test_the_demo_contract_is_seeded_once_and_deterministically(demo_cpts):
    contract = Contract.objects.get(cpts=demo_cpts)
    before = counts(demo_cpts)
    assert before["Expense"] == 30 and before["Evidence"] == 1
    expenses = list(
        contract.expenses.order_by("spent_on", "label").values_list("spent_on", "label", "amount")
    )
    demo.seed()  # a second run of the whole demo
    assert seed_aci(demo_cpts) is False
    assert Contract.objects.filter(cpts=demo_cpts).count() == 1
    assert counts(demo_cpts) == before
    # Same seed, same demo; and fast.
    contract.delete()
    assert seed_aci(demo_cpts) is True
    again = Contract.objects.get(cpts=demo_cpts)
    assert (
        list(again.expenses.order_by("spent_on", "label").values_list("spent_on", "label", "amount"))
        == expenses
    )
    assert counts(demo_cpts) == before


def test_the_demo_referent_reads_the_contract_through_the_api(demo_cpts):
    referent = User.objects.get(email=f"ars@{demo.DOMAIN}")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {APIToken.issue(referent)[1]}")
    slug = demo_cpts.slug
    contract = client.get(reverse("api:aci_contract", kwargs={"slug": slug})).json()
    assert contract["tier"] == 2 and len(contract["missions"]) == 5
    assert contract["population_source"].startswith(
        "population municipale 2023, en vigueur au 1er janvier 2026"
    )
    schedule = client.get(reverse("api:aci_schedule", kwargs={"slug": slug})).json()
    assert schedule["reason"] == "Résultats de l'année 1" and Decimal(schedule["totals"]["gap"]) < 0
    year1 = client.get(reverse("api:aci_indicators", kwargs={"slug": slug}), {"year": 1}).json()
    access = next(m for m in year1["missions"] if m["code"] == "access")
    assert Decimal(access["earned"]) > 0 and any(i["origin"] == "arrêté" for i in access["indicators"])
    member = User.objects.get(email=f"medecin@{demo.DOMAIN}")
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {APIToken.issue(member)[1]}")
    assert refused.get(reverse("api:aci_contract", kwargs={"slug": slug})).status_code == 403
