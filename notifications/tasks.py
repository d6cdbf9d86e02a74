"""Background jobs of the notifications app (jobs/engine.py): sending, never deciding. Each calls the
sending functions of notifications/mailer.py and notifications/push.py."""

import datetime as dt

from django.utils import timezone

from jobs.engine import task
from notifications import mailer, push
from opencpts.french import count


class EmailsGivenUp(Exception):
    """Notification e-mails abandoned after ``mailer.MAX_ATTEMPTS`` failures: shown as a failed job."""


def _time(at: str | None) -> dt.datetime:
    """The notifications' time (``delivery.defer_sending``), at most a few seconds before the job runs."""
    return dt.datetime.fromisoformat(at) if at else timezone.now()


@task("notifications.push", label="Notifications sur appareil (Web Push)")
def push_notifications(notification_ids: list[int], at: str | None = None) -> int:
    return push.send_now(notification_ids, _time(at))


@task("notifications.push_retry", label="Nouvel essai d'une notification sur appareil", retries=5)
def push_again(subscription_id: int, notification_id: int) -> bool:
    return push.send_again(subscription_id, notification_id)


@task("notifications.email", label="E-mails immédiats de notification")
def email_notifications(notification_ids: list[int], at: str | None = None) -> int:
    # A refused or unreachable relay is retried by the rows' own backoff (notifications/mailer.py), run by
    # the periodic job below.
    return mailer.send_now(notification_ids, _time(at)).emails


@task(
    "notifications.send_due",
    label="E-mails de notification dus (reports, nouveaux essais, résumés)",
    cron="* * * * *",
)
def send_due(timestamp: int) -> int:
    report = mailer.send_due()
    if report.given_up:
        raise EmailsGivenUp(
            f"{count(report.given_up, 'notification')} sans e-mail après {mailer.MAX_ATTEMPTS} essais : "
            "vérifiez le relais SMTP (EMAIL_HOST) et le journal."
        )
    return report.emails
