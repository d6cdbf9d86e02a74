"""The daily upkeep of the médecin traitant waiting lists, CPTS by CPTS (``manage.py gp_daily`` and the
periodic job ``gpmatching.daily``): reminders to GPs who have not answered a proposal and expiry of those past
the limit (gpmatching.matching.follow_up), deletion of personal data past their retention
(gpmatching.retention.purge), refresh of the priority scores (gpmatching.priority.refresh). Each CPTS is one
transaction per step, so an interrupted run is simply run again: what was done stays done and is not done
twice."""

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from cpts.models import CPTS
from gpmatching import matching, priority, retention
from gpmatching.models import Request


def run(now: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Totals: reminded, expired, purged, scored."""
    now = now or timezone.now()
    ids = list(Request.objects.values_list("cpts_id", flat=True).distinct().order_by("cpts_id"))
    totals = {"reminded": 0, "expired": 0, "purged": 0, "scored": 0}
    for done, cpts in enumerate(CPTS.objects.filter(pk__in=ids).order_by("pk"), 1):
        follow = matching.follow_up(cpts, now)
        purged = retention.purge(cpts, now)
        scored = priority.refresh(cpts, timezone.localdate(now))
        totals["reminded"] += follow.reminded
        totals["expired"] += follow.expired
        totals["purged"] += purged.total
        totals["scored"] += scored
        if progress:
            progress(done, len(ids))
    return totals
