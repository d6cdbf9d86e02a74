"""Waiting-list writes that bypass the model signals are in the audit trail: proposals drafted, requests
marked proposed when proposals are sent, set back to waiting, scores refreshed, confirmations and merges,
pending proposals discarded (model, ids, field names; never values)."""

import datetime as dt

import pytest

from audit.models import AuditEntry
from gpmatching import intake, matching, priority
from gpmatching.models import Request

pytestmark = pytest.mark.django_db


def _bulk(object_type, action="update", **details):
    return [
        e
        for e in AuditEntry.objects.filter(
            object_type=object_type, action=action, details__bulk=True
        ).order_by("seq")
        if all(e.details.get(k) == v for k, v in details.items())
    ]


@pytest.fixture
def drafted(gp_world):
    gp_world.declare(0, per_month=2)
    requests = [gp_world.request(birth_date=dt.date(1950, 1, 2), ald=True), gp_world.request()]
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    return requests, run


def test_a_run_records_the_proposals_it_drafts(gp_world, drafted):
    _, run = drafted

    (entry,) = _bulk("gpmatching.proposal", action="create", run_id=run.pk)
    assert entry.chain == gp_world.cpts.pk
    assert entry.details["ids"] == [str(p.pk) for p in run.proposals.order_by("pk")]
    assert (entry.details["count"], "fields" in entry.details) == (2, False)


def test_refreshing_the_scores_is_recorded(gp_world, drafted):
    (first, second), _ = drafted

    priority.refresh(gp_world.cpts, force=True)

    (scored,) = _bulk("gpmatching.request", fields=["priority", "priority_on", "priority_reasons"])
    assert sorted(scored.details["ids"]) == sorted([str(first.pk), str(second.pk)])


def test_a_new_run_records_the_drafts_it_discards(gp_world, drafted):
    _, run = drafted

    matching.run(gp_world.cpts, gp_world.cast.coordinator)

    (discarded,) = _bulk("gpmatching.proposal", fields=["status"])
    assert discarded.details["ids"] == [str(p.pk) for p in run.proposals.order_by("pk")]


def test_sending_proposals_records_the_requests_marked_proposed(gp_world, drafted):
    (first, second), run = drafted

    matching.send(gp_world.cpts, gp_world.cast.coordinator, [p.pk for p in run.proposals.all()])

    (entry,) = _bulk("gpmatching.request", fields=["status"])
    assert sorted(entry.details["ids"]) == sorted([str(first.pk), str(second.pk)])
    assert set(Request.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        Request.Status.PROPOSED
    }


def test_a_declined_proposal_records_its_request_back_to_waiting(gp_world, drafted):
    (first, _), run = drafted
    proposal = run.proposals.get(request=first)
    matching.send(gp_world.cpts, gp_world.cast.coordinator, [proposal.pk])

    matching.decline(gp_world.cpts, proposal.pk, gp_world.cast.member, "Patientèle complète")

    assert [e.object_id for e in _bulk("gpmatching.request", fields=["status"])] == [str(first.pk)] * 2


def test_withdrawing_a_request_records_its_pending_proposals_discarded(gp_world, drafted):
    (first, _), run = drafted

    intake.withdraw(first, gp_world.cast.coordinator, "Médecin trouvé par ailleurs")

    (entry,) = _bulk("gpmatching.proposal", fields=["status"])
    assert entry.details["ids"] == [str(run.proposals.get(request=first).pk)]


def test_confirming_a_request_is_recorded(gp_world):
    result = intake.submit_public(gp_world.cpts, gp_world.patient(reason="never"))

    intake.confirm_by_coordinator(result.request, gp_world.cast.coordinator)

    (entry,) = _bulk("gpmatching.request", fields=["confirmation_token_hash", "confirmed_at", "status"])
    assert entry.object_id == str(result.request.pk)
