"""Contract writes that bypass the model signals are in the audit trail of the CPTS: the lines of a
schedule, the schedule it supersedes, an indicator's steps, imported expenses (model, ids, field names;
never values)."""

import pytest

from aci import budget, contracts
from aci import indicators as rules
from aci.models import ExpectedPayment, Indicator, Schedule
from aci.tests.test_budget import GOOD_CSV
from aci.tests.test_budget import contract as contract  # noqa: F401, PLC0414 - the fixture
from aci.tests.test_indicators import SCREENING, define
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _bulk(object_type, action):
    return list(
        AuditEntry.objects.filter(object_type=object_type, action=action, details__bulk=True).order_by("seq")
    )


def test_computing_a_schedule_records_its_lines_and_the_schedule_it_supersedes(cast, contract):  # noqa: F811
    first = Schedule.objects.get(contract=contract)
    (lines,) = _bulk("aci.expectedpayment", "create")
    assert lines.chain == cast.cpts.pk
    assert lines.details["schedule_id"] == first.pk
    assert lines.details["ids"] == [
        str(pk)
        for pk in ExpectedPayment.objects.filter(schedule=first).order_by("pk").values_list("pk", flat=True)
    ]

    second = contracts.compute_schedule(contract, cast.coordinator, "Avenant")

    (superseded,) = _bulk("aci.schedule", "update")
    assert (superseded.object_id, superseded.details["fields"]) == (str(first.pk), ["superseded_at"])
    assert [e.details["schedule_id"] for e in _bulk("aci.expectedpayment", "create")] == [first.pk, second.pk]


def test_setting_an_indicators_steps_is_recorded(cast, contract):  # noqa: F811
    ind = define(
        contract,
        cast.coordinator,
        "Dépistage du cancer du sein",
        mission="prevention",
        unit=Indicator.Unit.PERCENT,
        baseline="68,5",
    )

    steps = rules.set_steps(ind, cast.coordinator, 1, SCREENING)

    (entry,) = _bulk("aci.indicatorstep", "create")
    assert (entry.chain, entry.details["indicator_id"]) == (cast.cpts.pk, ind.pk)
    assert entry.details["ids"] == [str(s.pk) for s in sorted(steps, key=lambda s: s.pk)]


def test_importing_expenses_is_recorded(cast, contract):  # noqa: F811
    saved = budget.import_expenses(contract, cast.coordinator, "depenses.csv", GOOD_CSV.encode())

    (entry,) = _bulk("aci.expense", "create")
    assert entry.chain == cast.cpts.pk
    assert entry.details["count"] == len(saved)
    assert sorted(entry.details["ids"], key=int) == sorted(str(e.pk) for e in saved)
