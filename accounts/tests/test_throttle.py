"""Lockout after repeated failures, per account and per IP address (shared cache)."""

from django.conf import settings

from accounts.tests.helpers import post_password, text_of
from audit.models import AuditEntry

WRONG = "Mauvais-mot-de-passe-1"
ACCOUNT_MESSAGE = "Trop de tentatives de connexion échouées pour ce compte."
IP_MESSAGE = "Trop de tentatives de connexion échouées depuis votre adresse."


def _fail_account(client, email, times, ip="198.51.100.7"):
    for _ in range(times):
        response = post_password(client, email, WRONG, REMOTE_ADDR=ip)
        assert response.status_code == 200


def test_account_locked_after_max_failures_refuses_even_the_right_password(client, cast):
    _fail_account(client, cast.member.email, settings.LOGIN_MAX_FAILURES_PER_ACCOUNT)

    response = post_password(client, cast.member.email, REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 429
    assert ACCOUNT_MESSAGE in text_of(response)
    assert "_auth_user_id" not in client.session


def test_account_lockout_holds_from_another_ip_address(client, cast):
    _fail_account(client, cast.member.email, settings.LOGIN_MAX_FAILURES_PER_ACCOUNT, ip="198.51.100.7")

    response = post_password(client, cast.member.email, REMOTE_ADDR="192.0.2.99")

    assert response.status_code == 429
    assert ACCOUNT_MESSAGE in text_of(response)


def test_one_failure_less_than_the_limit_still_lets_the_right_password_in(client, cast):
    _fail_account(client, cast.member.email, settings.LOGIN_MAX_FAILURES_PER_ACCOUNT - 1)

    response = post_password(client, cast.member.email, REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.member.pk)


def test_account_lockout_does_not_block_another_account(client, cast):
    _fail_account(client, cast.member.email, settings.LOGIN_MAX_FAILURES_PER_ACCOUNT)

    response = post_password(client, cast.bureau.email, REMOTE_ADDR="192.0.2.99")

    assert response.status_code == 302


def test_blocked_attempt_is_recorded_in_the_audit_log(client, cast):
    _fail_account(client, cast.member.email, settings.LOGIN_MAX_FAILURES_PER_ACCOUNT)

    post_password(client, cast.member.email, REMOTE_ADDR="198.51.100.7")

    assert AuditEntry.objects.filter(action="login.blocked", object_label=cast.member.email).count() == 1


def test_ip_locked_after_max_failures_on_different_accounts(client, cast):
    ip = "203.0.113.9"
    for i in range(settings.LOGIN_MAX_FAILURES_PER_IP):
        response = post_password(client, f"inconnu{i}@cast.test", WRONG, REMOTE_ADDR=ip)
        assert response.status_code == 200

    response = post_password(client, cast.bureau.email, REMOTE_ADDR=ip)

    assert response.status_code == 429
    assert IP_MESSAGE in text_of(response)
    assert "_auth_user_id" not in client.session


def test_ip_lockout_does_not_block_another_ip_address(client, cast):
    for i in range(settings.LOGIN_MAX_FAILURES_PER_IP):
        post_password(client, f"inconnu{i}@cast.test", WRONG, REMOTE_ADDR="203.0.113.9")

    response = post_password(client, cast.bureau.email, REMOTE_ADDR="203.0.113.10")

    assert response.status_code == 302
