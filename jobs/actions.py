"""Relaunching a failed or stuck job (« Relancer »): the instance administrator's only write here, audited
on the instance chain."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.log import record
from jobs import engine, status
from jobs.models import JobFailure
from opencpts.errors import ActionError


def _check(user) -> None:
    """``user`` None: the operator at the shell (``jobs_status --relancer``), recorded as « système »."""
    if user is not None and not user.is_staff:
        raise ActionError("Seul un administrateur de l'instance peut relancer une tâche.")


def retry_job(user, job_id: int) -> None:
    """A job of the queue (PostgreSQL), failed or stuck on a stopped worker, goes back to « à faire »."""
    _check(user)
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.models import ProcrastinateJob

    job = (
        ProcrastinateJob.objects.filter(pk=job_id, status__in=["failed", "doing"])
        .select_related("worker")
        .first()
    )
    if job is None or (job.status == "doing" and not status.held_by_a_stopped_worker(job, timezone.now())):
        raise ActionError("Cette tâche n'est plus en échec ni bloquée : rien à relancer.")
    with transaction.atomic():
        app.job_manager.retry_job_by_id(job.id, timezone.now(), job.priority, job.queue_name, job.lock)
        for failure in JobFailure.objects.filter(job_id=job.id, resolved_at__isnull=True):
            failure.resolved_at, failure.resolved_by = timezone.now(), user
            failure.save(update_fields=["resolved_at", "resolved_by"])
        record(
            "job.retried",
            object_type="procrastinate.job",
            object_id=str(job.id),
            object_label=job.task_name,
            details={"task": job.task_name},
        )


def rerun_failure(user, failure_id: int) -> bool:
    """A job that failed inline runs again now; True when it succeeds (a new failure is recorded if not)."""
    _check(user)
    with transaction.atomic():
        failure = (
            JobFailure.objects.select_for_update()
            .filter(pk=failure_id, job_id__isnull=True, resolved_at__isnull=True)
            .first()
        )
        if failure is None:
            raise ActionError("Cette tâche a déjà été relancée : rien à relancer.")
        if failure.task_name not in engine.REGISTRY:
            raise ActionError(
                "Cette tâche n'existe plus dans cette version : elle ne peut pas être relancée."
            )
        failure.resolved_at, failure.resolved_by = timezone.now(), user
        failure.save(update_fields=["resolved_at", "resolved_by"])
        record(
            "job.retried",
            object_type="jobs.jobfailure",
            object_id=str(failure.pk),
            object_label=failure.task_name,
            details={"task": failure.task_name},
        )
    return engine.run_inline(failure.task_name, failure.args)
