"""How long personal data of the waiting list are kept (``Policy``): a placed request is deleted some days
after the placement, a request still waiting after the configured months, an unconfirmed one after the
confirmation delay, a withdrawn or merged one after 30 days; the rows of an import left in preview are dropped
after the confirmation delay too. Deleting a request deletes its history and proposals; the anonymous
``Placement`` rows remain for the indicators."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.log import record_bulk
from cpts.models import CPTS
from cpts.scoping import scoped
from gpmatching import priority
from gpmatching.intake import CONFIRMATION_DAYS
from gpmatching.models import ImportBatch, Request
from opencpts.dates import shift_months

CLOSED_DAYS = 30


@dataclass
class Purged:
    placed: int = 0
    waiting: int = 0
    unconfirmed: int = 0
    closed: int = 0
    previews: int = (
        0  # import batches left in preview, cancelled (their rows hold personal data); not requests
    )

    @property
    def total(self) -> int:
        return self.placed + self.waiting + self.unconfirmed + self.closed


@transaction.atomic
def purge(cpts: CPTS, now: dt.datetime | None = None) -> Purged:
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = priority.policy_for(cpts)
    requests = scoped(Request, cpts)
    out = Purged()
    out.placed = (
        requests.filter(
            status=Request.Status.PLACED,
            placed_at__lt=now - dt.timedelta(days=policy.keep_after_placement_days),
        )
        .delete()[1]
        .get("gpmatching.Request", 0)
    )
    limit = shift_months(today, -policy.keep_waiting_months)  # the same day, not the first of the month
    out.waiting = (
        requests.filter(status__in=Request.QUEUED, waiting_since__lt=limit)
        .delete()[1]
        .get("gpmatching.Request", 0)
    )
    out.unconfirmed = (
        requests.filter(
            status=Request.Status.UNCONFIRMED, created_at__lt=now - dt.timedelta(days=CONFIRMATION_DAYS)
        )
        .delete()[1]
        .get("gpmatching.Request", 0)
    )
    out.closed = (
        requests.filter(
            status__in=[Request.Status.WITHDRAWN, Request.Status.MERGED],
            closed_at__lt=now - dt.timedelta(days=CLOSED_DAYS),
        )
        .delete()[1]
        .get("gpmatching.Request", 0)
    )
    previews = scoped(ImportBatch, cpts).filter(
        status=ImportBatch.Status.PREVIEW, created_at__lt=now - dt.timedelta(days=CONFIRMATION_DAYS)
    )
    preview_ids = list(previews.values_list("pk", flat=True))
    out.previews = previews.update(status=ImportBatch.Status.CANCELLED, rows=[])
    if preview_ids:
        record_bulk("update", ImportBatch, preview_ids, ["status", "rows"], cpts_id=cpts.pk)
    return out
