"""Deleting personal data past their retention (gpmatching.retention): each rule at its boundary, the counts,
the anonymous placements kept, other CPTS untouched."""

import datetime as dt

import pytest
from django.utils import timezone

from gpmatching import csv_import, intake, matching, retention
from gpmatching.models import ImportBatch, Placement, Policy, Proposal, Request, RequestEvent
from gpmatching.tests.conftest import AMBERIEU

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 1, 20, 12, 0, tzinfo=timezone.get_current_timezone())


def aged(request, **fields):
    Request.objects.filter(pk=request.pk).update(**fields)
    return request


def test_purge_deletes_what_is_past_its_retention_and_keeps_the_rest(
    gp_world, django_capture_on_commit_callbacks
):
    w = gp_world
    # A request placed through the real flow, then 31 days old; another placed 29 days ago.
    w.declare(0, per_month=2)
    placed = w.request(ald=True)
    run = matching.run(w.cpts, w.cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        matching.send(w.cpts, w.cast.coordinator, [run.proposals.get().pk])
        matching.accept(w.cpts, run.proposals.get().pk, w.cast.member)
    aged(placed, placed_at=NOW - dt.timedelta(days=31))
    recent_placed = aged(w.request(), status=Request.Status.PLACED, placed_at=NOW - dt.timedelta(days=29))
    # Waiting: 24 months to the day is kept, one day more is deleted (proposed ones too).
    old_waiting = aged(w.request(), waiting_since=dt.date(2025, 1, 19))
    old_proposed = aged(w.request(), waiting_since=dt.date(2024, 12, 1), status=Request.Status.PROPOSED)
    Proposal.objects.create(
        cpts=w.cpts,
        request=old_proposed,
        professional=w.gps[1],
        status=Proposal.Status.SENT,
        sent_at=NOW - dt.timedelta(days=2),
    )
    kept_waiting = aged(w.request(), waiting_since=dt.date(2025, 1, 20))
    # Unconfirmed public requests: 7 days.
    stale = intake.submit_public(w.cpts, w.patient(reason="moved")).request
    aged(stale, created_at=NOW - dt.timedelta(days=7, minutes=1))
    fresh = intake.submit_public(w.cpts, w.patient(reason="moved")).request
    aged(fresh, created_at=NOW - dt.timedelta(days=6))
    # Withdrawn or merged: 30 days after closing.
    withdrawn = aged(w.request(), status=Request.Status.WITHDRAWN, closed_at=NOW - dt.timedelta(days=31))
    merged = aged(
        w.request(),
        status=Request.Status.MERGED,
        closed_at=NOW - dt.timedelta(days=40),
        merged_into=kept_waiting,
    )
    recent_withdrawn = aged(
        w.request(), status=Request.Status.WITHDRAWN, closed_at=NOW - dt.timedelta(days=29)
    )
    # The other CPTS's old request is not this CPTS's business.
    elsewhere = intake.submit_for_patient(
        w.cast.other, w.patient(commune=AMBERIEU), w.cast.other_coordinator
    ).request
    aged(elsewhere, waiting_since=dt.date(2020, 1, 1))
    placement_reference = Placement.objects.get().request_reference

    purged = retention.purge(w.cpts, now=NOW)

    assert (purged.placed, purged.waiting, purged.unconfirmed, purged.closed, purged.total) == (1, 2, 1, 2, 6)
    gone = {placed.pk, old_waiting.pk, old_proposed.pk, stale.pk, withdrawn.pk, merged.pk}
    assert not Request.objects.filter(pk__in=gone).exists()
    assert set(Request.objects.values_list("pk", flat=True)) == {
        recent_placed.pk,
        kept_waiting.pk,
        fresh.pk,
        recent_withdrawn.pk,
        elsewhere.pk,
    }
    # History and proposals go with the requests; the anonymous placement stays.
    assert not RequestEvent.objects.filter(request_id__in=gone).exists()
    assert not Proposal.objects.filter(request_id__in=gone).exists()
    placement = Placement.objects.get()
    assert (placement.request_reference, placement.ald, placement.professional) == (
        placement_reference,
        True,
        w.gps[0],
    )
    # Run again: nothing more.
    assert retention.purge(w.cpts, now=NOW).total == 0


def test_a_shorter_policy_deletes_sooner(gp_world):
    Policy.objects.update_or_create(
        cpts=gp_world.cpts, defaults={"keep_waiting_months": 6, "keep_after_placement_days": 0}
    )
    a = aged(gp_world.request(), waiting_since=dt.date(2026, 7, 19))
    b = aged(gp_world.request(), waiting_since=dt.date(2026, 7, 20))
    c = aged(gp_world.request(), status=Request.Status.PLACED, placed_at=NOW - dt.timedelta(seconds=1))
    purged = retention.purge(gp_world.cpts, now=NOW)
    assert (purged.waiting, purged.placed) == (1, 1)
    assert list(Request.objects.values_list("pk", flat=True)) == [b.pk]
    assert not Request.objects.filter(pk__in=[a.pk, c.pk]).exists()


def test_end_of_month_limits(gp_world):
    # 31 March minus 1 month is the last day of February.
    keep = aged(gp_world.request(), waiting_since=dt.date(2025, 2, 28))
    drop = aged(gp_world.request(), waiting_since=dt.date(2025, 2, 27))
    Policy.objects.filter(cpts=gp_world.cpts).update(keep_waiting_months=1)
    now = dt.datetime(2025, 3, 31, 10, tzinfo=timezone.get_current_timezone())
    assert retention.purge(gp_world.cpts, now=now).waiting == 1
    assert list(Request.objects.values_list("pk", flat=True)) == [keep.pk]
    assert not Request.objects.filter(pk=drop.pk).exists()


def test_import_previews_left_aside_lose_their_rows(gp_world):
    content = b"nom;prenom;date_naissance;commune;telephone\nDurand;Paul;10/05/1980;01034;0612345678\n"
    old = csv_import.parse(gp_world.cpts, "a.csv", content, gp_world.cast.coordinator)
    new = csv_import.parse(gp_world.cpts, "b.csv", content, gp_world.cast.coordinator)
    ImportBatch.objects.filter(pk=old.pk).update(created_at=NOW - dt.timedelta(days=8))
    ImportBatch.objects.filter(pk=new.pk).update(created_at=NOW - dt.timedelta(days=1))
    purged = retention.purge(gp_world.cpts, now=NOW)
    assert purged.previews == 1 and purged.total == 0
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.rows) == (ImportBatch.Status.CANCELLED, [])
    assert new.status == ImportBatch.Status.PREVIEW and len(new.rows) == 1
