"""The inline engine (the embedded SQLite default, and the test suite's): a job runs right after the commit of
the transaction that deferred it, never after a rollback; a failure is recorded with its error, listed by
``jobs_status`` and the « Tâches de fond » page (instance administrators only), and relaunched (audited). The
declarations: every periodic work with its period, the bounded exponential backoff of the retried jobs."""

import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

import jobs
from audit.models import AuditEntry
from jobs import engine
from jobs.engine import REGISTRY
from jobs.models import JobFailure
from jobs.tests import tasks_for_tests
from tests.cast import login


@pytest.fixture(autouse=True)
def _reset():
    tasks_for_tests.CALLS.clear()
    tasks_for_tests.FLAKY["fail"] = True
    yield
    tasks_for_tests.FLAKY["fail"] = True


@pytest.mark.django_db
def test_a_job_runs_after_the_commit_of_its_transaction_and_never_after_a_rollback(
    settings, django_capture_on_commit_callbacks
):
    settings.OPENCPTS_JOBS_ENGINE = "inline"
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            jobs.defer("jobs_tests.remember", value="validé")
            assert tasks_for_tests.CALLS == []  # not before the commit
    assert tasks_for_tests.CALLS == [{"value": "validé"}]

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(tasks_for_tests.Boom), transaction.atomic():
            jobs.defer("jobs_tests.remember", value="annulé")
            raise tasks_for_tests.Boom
    assert tasks_for_tests.CALLS == [{"value": "validé"}]

    with pytest.raises(LookupError):
        jobs.defer("jobs_tests.unknown")


@pytest.mark.django_db
def test_a_failed_job_is_recorded_shown_to_the_administrator_and_relaunched(
    settings, cast, client, django_capture_on_commit_callbacks
):
    settings.OPENCPTS_JOBS_ENGINE = "inline"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        jobs.defer("jobs_tests.flaky", value="smtp")
    failure = JobFailure.objects.get()
    assert (failure.task_name, failure.args, failure.final) == ("jobs_tests.flaky", {"value": "smtp"}, True)
    assert "relais injoignable : smtp" in failure.error

    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("jobs_status", stdout=out)
    assert raised.value.returncode == 1
    assert "jobs_tests.flaky" in out.getvalue() and "relais injoignable : smtp" in out.getvalue()

    url = reverse("jobs:status")
    login(client, cast.member)
    assert client.get(url).status_code == 403
    assert client.post(url, {"failure": failure.pk}).status_code == 403
    assert JobFailure.objects.get().resolved_at is None

    login(client, cast.admin)
    assert f'href="{url}"' in client.get(reverse("cpts:list")).content.decode()  # from the instance's menu
    page = client.get(url).content.decode()
    assert "Essai : échouer tant qu&#x27;on le demande" in page and "relais injoignable" in page
    assert "Relancer" in page

    client.post(url, {"failure": failure.pk})  # still failing: a new failure is recorded
    assert JobFailure.objects.filter(resolved_at__isnull=True).count() == 1
    tasks_for_tests.FLAKY["fail"] = False
    retry = JobFailure.objects.get(resolved_at__isnull=True)
    response = client.post(url, {"failure": retry.pk}, follow=True)
    assert "terminée sans erreur" in response.content.decode()
    assert tasks_for_tests.CALLS == [{"value": "smtp"}]
    assert not JobFailure.objects.filter(resolved_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="job.retried", actor_id=cast.admin.pk).count() == 2
    assert "Aucune tâche échouée ni bloquée" in client.get(url).content.decode()

    response = client.post(url, {"failure": retry.pk}, follow=True)  # twice: refused, nothing done
    assert "déjà été relancée" in response.content.decode()
    response = client.post(url, {"failure": "abc"}, follow=True)
    assert "Tâche introuvable" in response.content.decode()
    call_command("jobs_status", stdout=io.StringIO())  # nothing left: exit 0

    tasks_for_tests.FLAKY["fail"] = True  # from the shell now
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        jobs.defer("jobs_tests.flaky", value="shell")
    tasks_for_tests.FLAKY["fail"] = False
    out = io.StringIO()
    call_command("jobs_status", relancer=JobFailure.objects.get(resolved_at__isnull=True).pk, stdout=out)
    assert "réussie" in out.getvalue()
    assert AuditEntry.objects.filter(action="job.retried", actor_id=None).count() == 1


@pytest.mark.django_db
def test_run_jobs_on_sqlite_runs_the_periodic_tasks_of_the_periods_passed(settings, tmp_path):
    settings.OPENCPTS_JOBS_ENGINE = "inline"
    settings.OPENCPTS_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    midnight = 1_800_000_000 - 1_800_000_000 % 86400
    last = {name: midnight - 1 for name in REGISTRY}
    ran = engine.run_due_periodic(last, midnight + 30)
    assert sorted(ran) == ["audit.checkpoint", "notifications.send_due"]
    assert engine.run_due_periodic(last, midnight + 45) == []  # nothing twice in the same period
    assert not JobFailure.objects.exists()


@pytest.mark.once
def test_every_periodic_work_is_declared_with_its_period():
    periodic = {name: spec.cron for name, spec in REGISTRY.items() if spec.periodic}
    assert periodic == {
        "notifications.send_due": "* * * * *",
        "audit.checkpoint": "*/5 * * * *",
        "audit.verify": "45 3 * * *",
        "unscheduled.materialise_slots": "15 2 * * *",
        "gpmatching.daily": "0 6 * * *",
        "jobs.purge": "30 1 * * *",
    }


@pytest.mark.once
def test_a_failed_push_is_retried_with_an_exponential_backoff_then_given_up():
    from procrastinate.contrib.django import app
    from procrastinate.jobs import Job

    strategy = app.tasks["notifications.push_retry"].retry_strategy
    waits = []
    for attempts in range(7):
        job = Job(id=1, queue="default", lock=None, queueing_lock=None, task_name="x", attempts=attempts)
        decision = strategy.get_retry_decision(exception=Exception(), job=job)
        waits.append(decision and round(decision.retry_at.timestamp() - time.time()))
    assert waits[:5] == [4, 16, 64, 256, 1024]
    assert waits[5:] == [None, None]
