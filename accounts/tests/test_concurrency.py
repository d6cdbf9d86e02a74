"""Concurrent attempts on one account: real threads, each with its own database connection (SQLite: the
write lock; PostgreSQL: row locks), through the real pages. A second factor code is accepted once; wrong
passwords are checked at most up to the limit."""

import threading

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.urls import reverse

from accounts.tests.helpers import post_password
from audit.models import AuditEntry
from tests.cast import PASSWORD, totp_code
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def _logged_in_with_password(user, n):
    clients = []
    for _ in range(n):
        client = Client()
        assert post_password(client, user.email, PASSWORD).status_code == 302
        clients.append(client)
    return clients


def test_one_totp_code_sent_by_eight_sessions_at_once_is_accepted_once(communes_loaded, cast):
    clients = _logged_in_with_password(cast.coordinator, 8)
    code = totp_code(cast.coordinator)

    responses = run_together(clients, lambda c: c.post(reverse("accounts:otp_verify"), {"code": code}))

    accepted = [r for r in responses if r.status_code == 302]
    assert len(accepted) == 1, [r.status_code for r in responses]
    assert sum("otp_device_id" in c.session for c in clients) == 1
    assert AuditEntry.objects.filter(action="otp.success").count() == 1


def test_one_recovery_code_sent_by_eight_sessions_at_once_is_accepted_once(communes_loaded, cast):
    from accounts import twofactor

    code = twofactor.regenerate_recovery_codes(cast.coordinator)[0]
    clients = _logged_in_with_password(cast.coordinator, 8)

    responses = run_together(clients, lambda c: c.post(reverse("accounts:otp_verify"), {"code": code}))

    assert [r.status_code for r in responses].count(302) == 1, [r.status_code for r in responses]
    assert sum("otp_device_id" in c.session for c in clients) == 1


class SlowerHasher(PBKDF2PasswordHasher):
    """A real hasher, with fewer rounds than production's but more than the tests' MD5: checking a password
    takes a few milliseconds, as in production, so that concurrent attempts overlap."""

    iterations = 20_000


@pytest.fixture
def slow_hash(settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.test_concurrency.SlowerHasher"]


def test_thirty_wrong_passwords_at_once_are_checked_at_most_up_to_the_limit(communes_loaded, cast, slow_hash):
    cast.member.set_password(PASSWORD)
    cast.member.save()
    clients = [Client(REMOTE_ADDR=f"198.51.100.{i + 1}") for i in range(30)]

    responses = run_together(clients, lambda c: post_password(c, cast.member.email, "Mauvais-mot-de-passe-1"))

    statuses = [r.status_code for r in responses]
    limit = settings.LOGIN_MAX_FAILURES_PER_ACCOUNT
    assert statuses.count(200) == limit, statuses  # a password checked (and wrong)
    assert statuses.count(429) == 30 - limit
    assert AuditEntry.objects.filter(action="login.failure").count() == limit
    # The right password is refused too: the account is locked.
    assert post_password(Client(), cast.member.email, PASSWORD).status_code == 429


def test_thirty_wrong_passwords_at_once_from_one_address_are_checked_at_most_up_to_the_ip_limit(
    communes_loaded, cast, slow_hash
):
    clients = [Client(REMOTE_ADDR="203.0.113.50") for _ in range(30)]
    emails = iter(f"inconnu{i}@cast.test" for i in range(30))
    lock = threading.Lock()

    def attempt(client):
        with lock:
            email = next(emails)
        return post_password(client, email, "Mauvais-mot-de-passe-1")

    responses = run_together(clients, attempt)

    statuses = [r.status_code for r in responses]
    limit = settings.LOGIN_MAX_FAILURES_PER_IP
    assert statuses.count(200) == limit, statuses
    assert statuses.count(429) == 30 - limit
