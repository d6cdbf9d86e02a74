"""The verdict of an indicator for its contract year (aci/verdict.py): « en bonne voie » when the figure
reaches the step that pays, « à risque » when the gap left is within the threshold × the share of the year
to come, « hors trajectoire » otherwise; no verdict without a figure or a paying step. Boundaries: zero,
exactly at a step, lower is better, a yes/no indicator, the date of a stored figure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aci import contracts, verdict
from aci import indicators as rules
from aci.indicators import StepInput
from aci.models import Indicator, IndicatorResult, IndicatorStep

HIGHER, LOWER = Indicator.Direction.HIGHER, Indicator.Direction.LOWER
COUNT, PERCENT, DONE = Indicator.Unit.COUNT, Indicator.Unit.PERCENT, Indicator.Unit.DONE


def steps(*rows):
    return [
        IndicatorStep(label=f"P{i}", threshold=Decimal(t), amount=Decimal(a)) for i, (t, a) in enumerate(rows)
    ]


# Higher is better: 10 → 1 000 €, 20 → 2 000 €, 30 → 3 000 € (the step that pays: 10).
GRADED = steps(("10", "1000"), ("20", "2000"), ("30", "3000"))
# Lower is better (patients in ALD without a GP): ≤ 219 → 3 000 €, ≤ 100 → 6 000 €, ≤ 50 → 9 000 €.
ALD = steps(("219", "3000"), ("100", "6000"), ("50", "9000"))


def judge(value, elapsed, direction=HIGHER, unit=COUNT, rows=GRADED):
    return verdict.judge(direction, unit, rows, None if value is None else Decimal(value), elapsed)


def test_the_step_that_pays_is_the_easiest_with_an_amount():
    free_first = steps(("5", "0"), ("10", "1000"), ("30", "3000"))
    assert verdict.paying_step(HIGHER, free_first).threshold == 10
    assert verdict.paying_step(LOWER, ALD).threshold == 219
    assert verdict.paying_step(HIGHER, steps(("5", "0"))) is None


def test_exactly_at_the_step_that_pays_is_on_track_whatever_the_date():
    assert judge("10", "0") == verdict.ON_TRACK
    assert judge("10", "1") == verdict.ON_TRACK
    assert judge("9.99", "1") == verdict.OFF_TRACK  # the year is over: no time left


def test_at_risk_up_to_the_pro_rata_of_the_year_and_off_track_below():
    # Half the year gone: 10 × 0.5 = 5 is the pace that reaches the step by the end of the year.
    assert judge("5", "0.5") == verdict.AT_RISK
    assert judge("4.99", "0.5") == verdict.OFF_TRACK
    assert judge("7.5", "0.75") == verdict.AT_RISK and judge("7.49", "0.75") == verdict.OFF_TRACK


def test_zero_is_at_risk_only_on_the_first_day_and_never_with_a_zero_threshold_missed():
    assert judge("0", "0") == verdict.AT_RISK
    assert judge("0", "0.01") == verdict.OFF_TRACK
    assert judge("0", "0.5", rows=steps(("0", "500"))) == verdict.ON_TRACK  # 0 ≥ 0


def test_lower_is_better_reaches_the_step_at_or_under_its_threshold():
    assert judge("219", "0.9", LOWER, rows=ALD) == verdict.ON_TRACK
    assert judge("40", "1", LOWER, rows=ALD) == verdict.ON_TRACK
    # Half the year gone: up to 219 + 219 × 0.5 = 328.5 the rest of the year can bring it down.
    assert judge("328.5", "0.5", LOWER, rows=ALD) == verdict.AT_RISK
    assert judge("329", "0.5", LOWER, rows=ALD) == verdict.OFF_TRACK
    assert judge("220", "1", LOWER, rows=ALD) == verdict.OFF_TRACK
    # A zero threshold (none allowed): above it there is nothing to pro-rate.
    assert judge("0", "0.5", LOWER, rows=steps(("0", "800"))) == verdict.ON_TRACK
    assert judge("1", "0", LOWER, rows=steps(("0", "800"))) == verdict.OFF_TRACK


def test_a_yes_no_indicator_not_done_is_at_risk_while_its_year_runs():
    plan = steps(("1", "4000"))
    assert judge("1", "0.2", unit=DONE, rows=plan) == verdict.ON_TRACK
    assert judge("0", "0.99", unit=DONE, rows=plan) == verdict.AT_RISK
    assert judge("0", "1", unit=DONE, rows=plan) == verdict.OFF_TRACK


def test_no_figure_and_no_paying_step_give_no_verdict():
    assert judge(None, "0.5") == verdict.NO_FIGURE
    assert judge("50", "0.5", rows=[]) == verdict.NO_STEP
    assert judge(None, "0.5", rows=steps(("10", "0"))) == verdict.NO_STEP


def test_a_percent_is_judged_by_the_same_rule():
    screening = steps(("69.70", "1000"), ("72.40", "2500"), ("75", "3500"))
    assert judge("71.2", "0.3", unit=PERCENT, rows=screening) == verdict.ON_TRACK
    assert judge("40", "0.5", unit=PERCENT, rows=screening) == verdict.AT_RISK  # ≥ 34,85
    assert judge("69.69", "1", unit=PERCENT, rows=screening) == verdict.OFF_TRACK


def test_elapsed_share_counts_whole_days_and_stays_within_the_year():
    first, last = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    assert verdict.elapsed_share(first, last, dt.date(2025, 12, 1)) == 0
    assert verdict.elapsed_share(first, last, dt.date(2026, 1, 1)) == Decimal(1) / 365
    assert verdict.elapsed_share(first, last, dt.date(2026, 12, 31)) == 1
    assert verdict.elapsed_share(first, last, dt.date(2027, 3, 1)) == 1


def test_counts_list_every_verdict_in_the_order_of_attention():
    vs = [verdict.Verdict(code, None, None, Decimal(0)) for code in ("on_track", "off_track", "on_track")]
    assert verdict.counts(vs) == [
        ("off_track", "hors trajectoire", 1),
        ("at_risk", "à risque", 0),
        ("no_figure", "pas encore de chiffre", 0),
        ("on_track", "en bonne voie", 2),
        ("no_step", "sans palier", 0),
    ]


# --- On the real database: the date of a stored figure ---------------------------------------------------


@pytest.mark.django_db
def test_a_figure_entered_mid_year_is_judged_against_its_own_date(cast):
    contract = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=dt.date(2025, 1, 1),
        missions=["access", "crisis", "pathways", "prevention"],
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    actions = rules.define(contract, cast.coordinator, mission="prevention", name="Actions de prévention")
    rules.set_steps(
        actions, cast.coordinator, 1, [StepInput("Socle", "4", "1000"), StepInput("Objectif", "8", "2000")]
    )
    result = rules.record_result(actions, cast.coordinator, 1, "2")
    bounds = contracts.year_bounds(contract, 1)
    # Entered on 1 July 2025 (182 days of 365 gone): 2 ≥ 4 × 182/365 keeps the pace of the socle; a day
    # later it would not (4 × 183/365 > 2).
    entered = dt.datetime(2025, 7, 1, 10, 0, tzinfo=timezone.get_current_timezone())
    IndicatorResult.objects.filter(pk=result.pk).update(entered_at=entered)
    actions.refresh_from_db()
    status = rules.status(actions, 1)
    v = verdict.of(status, bounds, today=dt.date(2025, 12, 1))
    assert (v.code, v.as_of, v.target.label) == (verdict.AT_RISK, dt.date(2025, 7, 1), "Socle")
    assert v.label == "à risque"
    # The same figure read after the year is over, without a new entry, is still dated July.
    assert verdict.of(status, bounds, today=dt.date(2026, 3, 1)).code == verdict.AT_RISK
    IndicatorResult.objects.filter(pk=result.pk).update(entered_at=entered + dt.timedelta(days=1))
    actions.refresh_from_db()
    assert verdict.of(rules.status(actions, 1), bounds, today=dt.date(2025, 12, 1)).code == verdict.OFF_TRACK
    # An indicator without a result has no verdict yet, whatever the date.
    other = rules.define(contract, cast.coordinator, mission="pathways", name="Parcours rédigés")
    rules.set_steps(other, cast.coordinator, 1, [StepInput("Socle", "1", "500")])
    assert verdict.of(rules.status(other, 1), bounds, today=dt.date(2025, 6, 1)).code == verdict.NO_FIGURE
