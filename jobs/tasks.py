"""The engine's own upkeep (jobs/engine.py): finished jobs and old failures do not pile up."""

import datetime as dt

from asgiref.sync import async_to_sync
from django.utils import timezone

from jobs.engine import PROCRASTINATE, engine, task
from jobs.models import JobFailure

KEEP_SUCCEEDED_HOURS = 7 * 24
KEEP_FAILURES = dt.timedelta(days=90)


@task(
    "jobs.purge",
    label="Effacement des tâches terminées (7 jours) et des échecs réglés (90 jours)",
    cron="30 1 * * *",
)
def purge(timestamp: int) -> int:
    if engine() == PROCRASTINATE:
        from procrastinate.contrib.django import app

        async_to_sync(app.job_manager.delete_old_jobs)(nb_hours=KEEP_SUCCEEDED_HOURS, include_cancelled=True)
    old = JobFailure.objects.filter(failed_at__lt=timezone.now() - KEEP_FAILURES)
    deleted, _ = old.exclude(final=True, resolved_at__isnull=True).delete()
    return deleted
