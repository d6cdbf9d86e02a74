"""The one place to defer a background job and to declare periodic work (docs/OPERATIONS.md « Background
jobs »).

Apps declare their tasks in their ``tasks.py`` (interface modules, imported at start-up by
``jobs/apps.py``) with ``@task(...)``, calling their existing functions; domain modules defer them by name,
``jobs.engine.defer("notifications.email", notification_ids=[...])``, without importing the task module.

Two engines, chosen by ``OPENCPTS_JOBS_ENGINE`` (default: by the database):

- ``procrastinate`` (PostgreSQL): the job is a row of ``procrastinate_jobs`` written through Django's own
  connection, so a job deferred inside ``transaction.atomic()`` commits or rolls back with the write. Workers
  (``manage.py run_jobs``, one or more per host) run the jobs, retry the failing ones with an exponential
  backoff up to the task's bound, and defer the periodic tasks: one job per period whatever the number of
  workers (the table ``procrastinate_periodic_defers`` is unique per task and period), at most one waiting
  (``queueing_lock``) and never two running at once across hosts (``lock``).
- ``inline`` (the embedded SQLite default): the job runs in the same process right after the commit (at
  once outside a transaction), one attempt; the periodic work is done by the same management commands
  (cron) or by ``manage.py run_jobs``, which runs the periodic tasks inline when they are due.

Whatever the engine, every failed attempt is written to ``jobs.JobFailure`` with its error (a task
middleware on the worker, ``run_inline`` in process): the instance administrator sees the failed and the
stuck jobs on « Tâches de fond » and ``manage.py jobs_status``, and relaunches them (jobs/actions.py).
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

PROCRASTINATE = "procrastinate"
INLINE = "inline"
ENGINES = (PROCRASTINATE, INLINE)
ERROR_MAX_CHARS = 4000
# Retries with an exponential backoff: the n-th retry waits BACKOFF_BASE ** n seconds (4 s, 16 s, 64 s,
# 4 min, 17 min for the default 5 retries).
BACKOFF_BASE = 4


@dataclass(frozen=True)
class Spec:
    """A task as declared by its app: its name (the key to defer it), its function, French label, retries
    after the first attempt (the n-th waits ``backoff_base ** n`` seconds), the cron expression of a periodic
    task, its queue."""

    name: str
    func: Callable
    label: str
    retries: int = 0
    cron: str = ""
    queue: str = "default"
    backoff_base: int = BACKOFF_BASE

    @property
    def periodic(self) -> bool:
        return bool(self.cron)


REGISTRY: dict[str, Spec] = {}


def engine() -> str:
    return settings.OPENCPTS_JOBS_ENGINE


def can_retry_later() -> bool:
    """Whether a job deferred now may wait (a retry after a delay): only the engine with workers."""
    return engine() == PROCRASTINATE


def _procrastinate_app():
    from procrastinate.contrib.django import app

    return app


def task(
    name: str, *, label: str, retries: int = 0, cron: str = "", queue: str = "default", backoff_base=None
):
    """Declare the function as the task ``name`` (``<app>.<what>``). ``retries``: attempts after the first
    one, with an exponential backoff (``backoff_base``, default ``BACKOFF_BASE``). ``cron``: a periodic task
    (5 fields, on the worker's clock: UTC in production), called with the ``timestamp`` of its period."""

    def wrap(func: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"Tâche déclarée deux fois : {name}")
        base = BACKOFF_BASE if backoff_base is None else backoff_base
        REGISTRY[name] = current = Spec(name, func, label, retries, cron, queue, base)
        declare(_procrastinate_app(), current)
        return func

    return wrap


def declare(app, current: Spec) -> None:
    """Declare a task on a Procrastinate app (Django's, or another host's in the tests)."""
    from procrastinate import RetryStrategy

    retry = RetryStrategy(max_attempts=current.retries, exponential_wait=current.backoff_base)
    registered = app.task(
        name=current.name,
        queue=current.queue,
        retry=retry if current.retries else False,
        # A periodic task: at most one waiting and never two running at once, whatever the hosts.
        lock=current.name if current.periodic else None,
        queueing_lock=current.name if current.periodic else None,
        task_middleware=[record_failures],
    )(current.func)
    if current.periodic:
        app.periodic(cron=current.cron, periodic_id="")(registered)


def spec(name: str) -> Spec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise LookupError(f"Tâche inconnue : {name}") from None


def defer(name: str, *, delay_seconds: int = 0, **kwargs) -> int | None:
    """Defer the task ``name`` with ``kwargs`` (JSON values). With workers: a row in the current transaction,
    run after ``delay_seconds``; returns the job's id. Inline: run after the commit (``delay_seconds`` is not
    honoured: there is nobody to wait)."""
    spec(name)
    if engine() == PROCRASTINATE:
        options = {"schedule_in": {"seconds": delay_seconds}} if delay_seconds else {}
        return _procrastinate_app().configure_task(name, allow_unknown=False, **options).defer(**kwargs)
    transaction.on_commit(functools.partial(run_inline, name, kwargs), robust=True)
    return None


def describe(exc: BaseException) -> str:
    """The error as shown to the administrator: the exception and the last frames of its traceback."""
    text = "".join(traceback.format_exception(exc, limit=-6))
    return text[-ERROR_MAX_CHARS:]


def _record(name: str, kwargs: dict, exc: BaseException, *, job_id=None, attempt=1, final=True) -> None:
    from jobs.models import JobFailure

    try:
        JobFailure.objects.create(
            task_name=name,
            job_id=job_id,
            args=kwargs,
            attempt=attempt,
            final=final,
            error=describe(exc),
            failed_at=timezone.now(),
        )
    except Exception:  # noqa: BLE001 - the failure is still in the log and in the engine's table
        logger.exception("jobs: could not record the failure of %s", name)


def run_inline(name: str, kwargs: dict) -> bool:
    """Run the task now, in this process; a failure is logged and recorded (never raised to the caller: the
    user's action is done)."""
    current = spec(name)
    if current.periodic and "timestamp" not in kwargs:
        kwargs = {**kwargs, "timestamp": int(timezone.now().timestamp())}
    try:
        current.func(**kwargs)
    except Exception as exc:  # noqa: BLE001 - recorded and visible to the administrator
        logger.exception("jobs: %s failed", name)
        _record(name, kwargs, exc)
        return False
    return True


def run_due_periodic(last: dict[str, int], now: int) -> list[str]:
    """Inline engine (``run_jobs`` on SQLite): run each periodic task with a period between its last run
    (``last``, timestamps, updated) and ``now``; the names run."""
    from croniter import croniter

    ran = []
    for current in REGISTRY.values():
        if not current.periodic:
            continue
        since = last.setdefault(current.name, now)
        due = int(croniter(current.cron, since).get_next(float))
        if due <= now:
            last[current.name] = now
            run_inline(current.name, {"timestamp": due})
            ran.append(current.name)
    return ran


def record_failures(call_next, context, worker):
    """Task middleware of the workers: each failed attempt is recorded with its error, final when no retry
    follows."""
    try:
        return call_next()
    except Exception as exc:
        job = context.job
        decision = context.task.retry_strategy
        final = decision is None or decision.get_retry_decision(exception=exc, job=job) is None
        _record(job.task_name, job.task_kwargs, exc, job_id=job.id, attempt=job.attempts + 1, final=final)
        raise
