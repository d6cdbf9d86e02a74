"""The ACI cockpit at a glance (aci/selectors.py:glance, templates/aci/_glance.html): the variable part the
current figures earn against its maximum, every indicator's verdict (aci/verdict.py) with the date of its
figure, what needs attention first, the money received against the money expected; a chart with its table."""

import datetime as dt
import html as html_lib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aci import budget, contracts, selectors
from aci import indicators as rules
from aci.indicators import StepInput
from aci.models import IndicatorResult
from tests.cast import login

pytestmark = pytest.mark.django_db

SIGNED = dt.date(2025, 1, 15)  # year 1: 15/01/2025 – 14/01/2026
MIDYEAR = dt.date(2025, 7, 15)  # 182 days of 365 gone


@pytest.fixture
def contract(cast):
    contract = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=SIGNED,
        missions=["access", "crisis", "pathways", "prevention"],
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    contracts.compute_schedule(contract, cast.coordinator, "Signature du contrat")
    return contract


def manual(contract, by, name, mission, rows, value=None, entered=MIDYEAR):
    ind = rules.define(contract, by, mission=mission, name=name)
    rules.set_steps(ind, by, 1, [StepInput(label, t, a) for label, t, a in rows])
    if value is not None:
        result = rules.record_result(ind, by, 1, value)
        at = dt.datetime.combine(entered, dt.time(9), tzinfo=timezone.get_current_timezone())
        IndicatorResult.objects.filter(pk=result.pk).update(entered_at=at)
    return ind


@pytest.fixture
def three(contract, cast):
    by = cast.coordinator
    manual(
        contract, by, "Parcours rédigés", "pathways", [("Socle", "2", "3000"), ("Objectif", "4", "6000")], "2"
    )
    manual(contract, by, "Actions de prévention", "prevention", [("Socle", "4", "2000")], "2")  # 2 ≥ 4 × 0.5
    manual(contract, by, "Réunions tenues", "prevention", [("Socle", "10", "1000")], "1")  # 1 < 10 × 0.5
    manual(contract, by, "Protocoles signés", "access", [("Socle", "3", "1500")])  # no figure yet
    return contract


def test_glance_judges_every_indicator_and_puts_what_needs_attention_first(three):
    g = selectors.glance(three, MIDYEAR)
    assert g.year == 1 and g.bounds == (SIGNED, dt.date(2026, 1, 14))
    assert [(j.status.indicator.name, j.verdict.code) for j in g.judged] == [
        ("Réunions tenues", "off_track"),
        ("Actions de prévention", "at_risk"),
        ("Protocoles signés", "no_figure"),
        ("Parcours rédigés", "on_track"),
    ]
    assert {j.verdict.as_of for j in g.judged if j.status.value is not None} == {MIDYEAR}
    assert [(code, n) for code, _, n in g.counts if n] == [
        ("off_track", 1),
        ("at_risk", 1),
        ("no_figure", 1),
        ("on_track", 1),
    ]
    assert [j.status.indicator.name for j in g.having("off_track")] == ["Réunions tenues"]


def test_glance_adds_what_the_figures_earn_against_the_variable_maximum(three):
    g = selectors.glance(three, MIDYEAR)
    missions = rules.year_status(three, 1, live=False)
    earned, maximum = rules.year_totals(missions)
    assert g.earned == earned == Decimal("3000") and g.maximum == maximum > 0
    assert g.share == Decimal("3000") / maximum
    pathways = next(row for row in g.chart if row[1] == "Parcours pluriprofessionnels")
    assert pathways[0] == "Parcours" and pathways[2] == Decimal("3000")
    assert all(row[3] > 0 for row in g.chart)


def test_glance_compares_money_received_with_money_expected(three, cast):
    g = selectors.glance(three, MIDYEAR)
    assert g.money.received_to_date == 0 and g.money.expected_to_date > 0
    budget.record_payment(
        three, cast.coordinator, received_on=dt.date(2025, 3, 1), amount="10000", label="Avance"
    )
    g = selectors.glance(three, MIDYEAR)
    assert g.money.received_to_date == Decimal("10000")


def test_the_cockpit_first_screen_shows_the_verdicts_in_words_and_the_chart_with_its_table(
    client, cast, three
):
    login(client, cast.referent)  # a reader of the contract, who changes nothing
    page = html_lib.unescape(client.get(reverse("aci:cockpit", args=[cast.cpts.slug])).content.decode())
    glance = page.index('data-testid="glance"')
    assert glance < page.index('id="echeances"') < page.index('id="argent"')  # first, before the rest
    assert 'data-testid="variable-earned"' in page and 'data-testid="money-received"' in page
    # Running year 2 today: no step set for it, so the page says so rather than judging year 1's figures.
    assert "Aucun indicateur avec des paliers pour cette année." in page


def test_the_cockpit_lists_each_indicator_with_a_chip_that_says_its_verdict(client, cast, contract):
    year = rules.current_year(contract)
    ind = rules.define(contract, cast.coordinator, mission="prevention", name="Ateliers tenus")
    rules.set_steps(ind, cast.coordinator, year, [StepInput("Socle", "5", "2000")])
    rules.record_result(ind, cast.coordinator, year, "0")
    login(client, cast.coordinator)
    page = html_lib.unescape(client.get(reverse("aci:cockpit", args=[cast.cpts.slug])).content.decode())
    today = timezone.localdate()
    first, _ = contracts.year_bounds(contract, year)
    expected = "at_risk" if today == first else "off_track"
    label = {"at_risk": "à risque", "off_track": "hors trajectoire"}[expected]
    assert f'<span class="verdict verdict-{expected}" data-verdict="{expected}">{label}</span>' in page
    assert "Ateliers tenus" in page and "Palier qui rapporte : Socle, au moins 5 → 2\u202f000\u00a0€" in page
    assert 'id="variable-chart"' in page and 'data-testid="variable-table"' in page
    assert "<caption>Part variable par mission : acquis et maximum</caption>" in page
