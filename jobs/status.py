"""What the instance administrator must see: the jobs that failed for good and the stuck ones, whatever the
engine (``manage.py jobs_status``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from jobs.engine import REGISTRY
from jobs.models import JobFailure

LIMIT = 200  # of each kind, the most recent first


@dataclass
class Row:
    state: str  # « échouée », « en attente d'un worker », « bloquée sur un worker arrêté »
    task_name: str
    job_id: int | None
    failure_id: int | None
    attempts: int
    error: str
    at: dt.datetime | None

    @property
    def label(self) -> str:
        spec = REGISTRY.get(self.task_name)
        return spec.label if spec else self.task_name


def _last_errors(job_ids: list[int]) -> dict[int, JobFailure]:
    last: dict[int, JobFailure] = {}
    for failure in JobFailure.objects.filter(job_id__in=job_ids).order_by("failed_at", "pk"):
        last[failure.job_id] = failure
    return last


def held_by_a_stopped_worker(job, now: dt.datetime) -> bool:
    """A running job whose worker is gone or silent for ``OPENCPTS_JOBS_STUCK_MINUTES``."""
    stuck_before = now - dt.timedelta(minutes=settings.OPENCPTS_JOBS_STUCK_MINUTES)
    return job.worker is None or job.worker.last_heartbeat < stuck_before


def _engine_rows(now: dt.datetime) -> list[Row]:
    from procrastinate.contrib.django.models import ProcrastinateJob

    stuck_before = now - dt.timedelta(minutes=settings.OPENCPTS_JOBS_STUCK_MINUTES)
    waiting_too_long = Q(status="todo") & (
        Q(scheduled_at__lt=stuck_before) | Q(scheduled_at__isnull=True, at__lt=stuck_before)
    )
    jobs = list(
        ProcrastinateJob.objects.annotate(at=Max("procrastinateevent__at"))
        .filter(Q(status__in=["failed", "doing"]) | waiting_too_long)
        .select_related("worker")
        .order_by("-id")[:LIMIT]
    )
    errors = _last_errors([j.id for j in jobs])
    rows = []
    for job in jobs:
        if job.status == "failed":
            state = "échouée"
        elif job.status == "doing" and held_by_a_stopped_worker(job, now):
            state = "bloquée sur un worker arrêté"
        elif job.status == "todo" and (job.scheduled_at or job.at or now) < stuck_before:
            state = "en attente d'un worker"
        else:
            continue
        failure = errors.get(job.id)
        error = failure.error if failure else ""
        rows.append(Row(state, job.task_name, job.id, None, job.attempts, error, job.at))
    return rows


def problems(now: dt.datetime | None = None) -> list[Row]:
    """Failed and stuck jobs, most recent first: the engine's (PostgreSQL), and the failures of jobs run
    inline that nobody has relaunched."""
    now = now or timezone.now()
    rows = _engine_rows(now) if engine_installed() else []
    inline = JobFailure.objects.filter(job_id__isnull=True, resolved_at__isnull=True, final=True)
    rows += [Row("échouée", f.task_name, None, f.pk, f.attempt, f.error, f.failed_at) for f in inline[:LIMIT]]
    return sorted(rows, key=lambda r: r.at or now, reverse=True)


def engine_installed() -> bool:
    return apps.is_installed("procrastinate.contrib.django")


def counts() -> dict[str, int]:
    """Jobs per status in the engine's queue (empty on the inline engine)."""
    if not engine_installed():
        return {}
    from procrastinate.contrib.django.models import ProcrastinateJob

    return dict(ProcrastinateJob.objects.order_by().values_list("status").annotate(n=Count("id")))
