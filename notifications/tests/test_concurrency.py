"""Two senders at once (two overlapping cron runs): every e-mail leaves exactly once. Real threads, each with
its own database connection, on SQLite (write lock) and PostgreSQL (SKIP LOCKED)."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection

from cpts.models import Membership
from cpts.roles import Role
from notifications import mailer
from notifications.delivery import Subject, notify
from notifications.models import EmailState, Kind, Notification
from tests.cast import make_user

from .conftest import paris, set_prefs

pytestmark = pytest.mark.django_db(transaction=True)

NOON = paris(2026, 3, 2, 12)


def test_two_senders_at_once_send_each_email_once(communes_loaded, cast, settings):
    settings.NOTIFICATION_EMAILS_ON_COMMIT = False  # everything left to the senders below
    settings.EMAIL_BACKEND = "notifications.tests.mail_backends.SlowBackend"
    users = [make_user(f"u{i}@notif.test", with_totp=False, first_name=f"U{i}") for i in range(8)]
    for user in users:
        Membership.objects.create(cpts=cast.cpts, user=user, role=Role.MEMBER)  # in the news audience
        set_prefs(user, news="immediate")
    subject = Subject(
        cpts_id=cast.cpts.pk,
        kind=Kind.NEWS_POST,
        topic=f"news.{cast.cpts.pk}",
        url="/",
        texts=lambda n: ("Nouvelle actualité", "Nouvelle actualité publiée par votre CPTS"),
    )
    notify(subject, [u.pk for u in users], now=NOON)
    assert Notification.objects.filter(email_state=EmailState.IMMEDIATE).count() == 8

    start = threading.Barrier(2)
    reports, errors = [], []

    def sender():
        try:
            start.wait()
            # A small batch, so that both senders loop while the other one works.
            reports.append(mailer.send_due(NOON + dt.timedelta(minutes=1), batch_users=2))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert sum(r.emails for r in reports) == 8
    assert set(Notification.objects.values_list("email_state", "claim")) == {(EmailState.SENT, "")}
