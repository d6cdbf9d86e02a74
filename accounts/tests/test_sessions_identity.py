"""Session expiry (idle timeout renewed by requests, at most once a minute) and the external identity of an
account."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.middleware import RENEW_EVERY, RENEWED_KEY
from accounts.models import User
from tests.cast import login


def test_session_idle_timeout_is_thirty_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_session_is_not_written_on_every_request():
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert "accounts.middleware.SessionRenewalMiddleware" in settings.MIDDLEWARE


def test_session_ends_when_the_browser_closes():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_logged_in_session_expires_after_the_idle_timeout(client, cast):
    login(client, cast.coordinator)

    session = Session.objects.get(session_key=client.session.session_key)

    remaining = session.expire_date - timezone.now()
    assert (
        timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
        < remaining
        <= timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )


def _renewed_ago(client, seconds: int) -> str:
    """The session as last renewed ``seconds`` ago, expiring in 2 minutes; its key."""
    session = client.session
    session[RENEWED_KEY] = int(time.time()) - seconds
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=2)
    )
    return session.session_key


def test_a_request_a_minute_after_the_last_renewal_pushes_the_expiry_back(client, cast):
    login(client, cast.coordinator)
    key = _renewed_ago(client, RENEW_EVERY)

    client.get("/compte/securite/")

    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert remaining > timedelta(minutes=25)


def test_requests_within_the_minute_do_not_write_the_session(client, cast):
    login(client, cast.coordinator)
    key = _renewed_ago(client, 5)

    client.get("/compte/securite/")
    client.get("/compte/securite/")

    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert remaining <= timedelta(minutes=2)


def test_a_renewal_time_from_the_future_is_renewed(client, cast):
    login(client, cast.coordinator)
    key = _renewed_ago(client, -3600)  # a clock moved back, or a tampered value: renewed, not frozen

    client.get("/compte/securite/")

    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert remaining > timedelta(minutes=25)


def test_expired_session_is_no_longer_logged_in(client, cast):
    login(client, cast.coordinator)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/compte/securite/")

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_account_can_carry_an_external_identity(db):
    user = User.objects.create_user("psc@cast.test", "Lune-Rousse-2026!", external_idnat="810001234567")

    assert User.objects.get(external_idnat="810001234567") == user


def test_external_identity_is_unique(db):
    User.objects.create_user("psc1@cast.test", "Lune-Rousse-2026!", external_idnat="810001234567")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("psc2@cast.test", "Lune-Rousse-2026!", external_idnat="810001234567")


def test_many_accounts_can_have_no_external_identity(db):
    User.objects.create_user("a@cast.test", "Lune-Rousse-2026!")
    User.objects.create_user("b@cast.test", "Lune-Rousse-2026!")

    assert User.objects.filter(external_idnat__isnull=True).count() == 2
