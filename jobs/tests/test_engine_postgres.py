"""The real engine on PostgreSQL (Procrastinate): a job deferred inside ``atomic()`` lives or dies with the
write; a worker runs the notification jobs deferred with the notifications; a failing job is retried, then
failed and shown with its error, and relaunched (audited); two deferrers on two hosts defer each period
once. The worker runs in the test's process on its own connection (as ``run_jobs`` does on a host)."""

import asyncio

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

import jobs
from audit.models import AuditEntry
from cpts.models import Membership
from cpts.roles import Role
from jobs import actions, status
from jobs.engine import REGISTRY, declare
from jobs.models import JobFailure
from jobs.tasks import purge
from jobs.tests import tasks_for_tests
from notifications.delivery import Subject, notify
from notifications.models import EmailState, Kind, Notification, PushSubscription
from notifications.tests.conftest import set_prefs
from opencpts.errors import ActionError
from tests.cast import make_user

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _app():
    from procrastinate.contrib.django import procrastinate_app

    return procrastinate_app.current_app


def _jobs(**filters):
    from procrastinate.contrib.django.models import ProcrastinateJob

    return ProcrastinateJob.objects.filter(**filters)


@pytest.fixture(autouse=True)
def engine(settings, monkeypatch):
    """The Procrastinate engine, an empty queue before and after, and no periodic deferring by the workers
    started here (the periodic test drives its own deferrers)."""
    from procrastinate.periodic import PeriodicRegistry

    settings.OPENCPTS_JOBS_ENGINE = "procrastinate"
    tasks_for_tests.CALLS.clear()
    monkeypatch.setattr(_app(), "periodic_registry", PeriodicRegistry())

    def empty():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_periodic_defers")
            cursor.execute("DELETE FROM procrastinate_events")
            cursor.execute("DELETE FROM procrastinate_jobs")

    empty()
    yield
    empty()


def run_worker(*queues: str) -> None:
    """One worker run until the queue is empty (``run_jobs --une-fois``)."""
    app = _app()
    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(
            queues=list(queues) or None,
            wait=False,
            install_signal_handlers=False,
            listen_notify=False,
            fetch_job_polling_interval=0.05,
        )


def test_a_job_deferred_inside_atomic_commits_or_rolls_back_with_the_write(cast, settings):
    with pytest.raises(tasks_for_tests.Boom), transaction.atomic():
        make_user("gone@jobs.test", with_totp=False)
        jobs.defer("jobs_tests.remember", value="rolled back")
        raise tasks_for_tests.Boom
    assert not _jobs(task_name="jobs_tests.remember").exists()

    with transaction.atomic():
        make_user("kept@jobs.test", with_totp=False)
        job_id = jobs.defer("jobs_tests.remember", value="kept")
        assert tasks_for_tests.CALLS == []  # nothing runs before a worker takes it
    job = _jobs().get()
    assert (job.id, job.status, job.args) == (job_id, "todo", {"value": "kept"})
    assert status.problems() == []
    settings.OPENCPTS_JOBS_STUCK_MINUTES = 0  # no worker took it: shown as waiting
    assert [(r.job_id, r.state) for r in status.problems()] == [(job_id, "en attente d'un worker")]
    settings.OPENCPTS_JOBS_STUCK_MINUTES = 10

    run_worker("tests")
    assert tasks_for_tests.CALLS == [{"value": "kept"}]
    assert _jobs().get().status == "succeeded"


def test_a_worker_sends_what_the_notifications_deferred_in_their_transaction(cast):
    users = [make_user(f"w{i}@jobs.test", with_totp=False, first_name=f"W{i}") for i in range(3)]
    for user in users:
        Membership.objects.create(cpts=cast.cpts, user=user, role=Role.MEMBER)
        set_prefs(user, news="immediate")
    subject = Subject(
        cpts_id=cast.cpts.pk,
        kind=Kind.NEWS_POST,
        topic=f"news.{cast.cpts.pk}",
        url="/",
        texts=lambda n: ("Nouvelle actualité", "Nouvelle actualité publiée par votre CPTS"),
    )
    created = notify(subject, [u.pk for u in users])

    ids = sorted(n.pk for n in created)
    queued = {j.task_name: sorted(j.args["notification_ids"]) for j in _jobs()}
    assert all(j.args["at"] for j in _jobs())
    # No push job: none of them has a Web Push subscription (notifications/delivery.py:_active_recipients).
    assert queued == {"notifications.email": ids}
    assert mail.outbox == []  # nothing sent by the request itself

    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
    assert set(_jobs().values_list("status", flat=True)) == {"succeeded"}

    purge(0)  # the daily upkeep keeps what finished less than 7 days ago
    assert _jobs().count() == 1

    # One of them subscribes a browser: the next notifications defer a push job for hers only.
    PushSubscription.objects.create(
        user=users[1],
        endpoint="https://fcm.googleapis.com/fcm/send/w1",
        p256dh="x",
        auth="y",
        created_at=timezone.now(),
    )
    Notification.objects.update(read_at=timezone.now())
    again = {n.user_id: n.pk for n in notify(subject, [u.pk for u in users])}
    pushes = [j.args["notification_ids"] for j in _jobs().filter(task_name="notifications.push")]
    assert pushes == [[again[users[1].pk]]]


def test_a_failing_job_is_retried_then_shown_with_its_error_and_relaunched(cast, client):
    job_id = jobs.defer("jobs_tests.fail", value="x")
    run_worker("tests")

    assert tasks_for_tests.CALLS == [{"failed": "x"}] * 3  # the first attempt and 2 retries
    job = _jobs().get()
    assert (job.status, job.attempts) == ("failed", 3)
    failures = list(JobFailure.objects.filter(job_id=job_id).order_by("attempt"))
    assert [(f.attempt, f.final) for f in failures] == [(1, False), (2, False), (3, True)]
    assert "échec voulu : x" in failures[-1].error and "Boom" in failures[-1].error

    (row,) = status.problems()
    assert (row.job_id, row.state, row.attempts) == (job_id, "échouée", 3)
    assert "échec voulu" in row.error

    actions.retry_job(cast.admin, job_id)
    assert _jobs().get().status == "todo"
    assert status.problems() == []
    assert AuditEntry.objects.filter(action="job.retried", object_id=str(job_id)).exists()
    assert not JobFailure.objects.filter(resolved_at__isnull=True).exists()
    with pytest.raises(ActionError):  # waiting again: nothing to relaunch
        actions.retry_job(cast.admin, job_id)


def test_two_hosts_defer_each_period_once_and_never_queue_a_second_run(cast):
    """Two hosts' deferrers (each its own app and connection pool, as two ``run_jobs``) at the same period:
    one job per periodic task; the next period while that job still waits adds nothing."""
    from procrastinate import App, PsycopgConnector
    from procrastinate.contrib.django import connector_params
    from procrastinate.periodic import PeriodicDeferrer

    periodic = [spec for spec in REGISTRY.values() if spec.periodic]
    midnight = 1_800_000_000 - 1_800_000_000 % 86400  # 2027-01-15 00:00 UTC: a period of each of them

    async def host(timestamp):
        app = App(connector=PsycopgConnector(kwargs=connector_params()))
        for spec in periodic:
            declare(app, spec)
        async with app.open_async():
            deferrer = PeriodicDeferrer(registry=app.periodic_registry)
            await deferrer.defer_jobs(
                [(pt, timestamp) for pt in app.periodic_registry.periodic_tasks.values()]
            )

    async def two_hosts(timestamp):
        await asyncio.gather(host(timestamp), host(timestamp))

    asyncio.run(two_hosts(midnight))
    names = sorted(spec.name for spec in periodic)
    assert sorted(_jobs().values_list("task_name", flat=True)) == names
    assert set(_jobs().values_list("status", flat=True)) == {"todo"}
    assert {j.task_name: j.args["timestamp"] for j in _jobs()} == dict.fromkeys(names, midnight)

    asyncio.run(two_hosts(midnight + 60))  # the next minute: notifications.send_due is due again
    assert sorted(_jobs().values_list("task_name", flat=True)) == names  # still waiting: not queued twice
    assert {j.lock for j in _jobs()} == set(names)  # and never two running at once
