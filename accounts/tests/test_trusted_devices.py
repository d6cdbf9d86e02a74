"""Trusted devices: « Faire confiance à cet appareil pendant 30 jours » after the second factor, the next
password login without the code on that browser only, and every way the trust ends (another account,
revocation, expiry, a forged cookie, a password change, the instance setting), listed in « Sécurité »."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import trust
from accounts.models import TrustedDevice
from accounts.tests.helpers import post_password, text_of
from audit.models import AuditEntry
from tests.cast import PASSWORD, totp_code

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 "
    "Mobile Safari/537.36"
)
OPTION = "Faire confiance à cet appareil pendant 30 jours"


def _is_verified(client) -> bool:
    return "otp_device_id" in client.session


def _pass_code(client, user, trust_device=True):
    TOTPDevice.objects.filter(user=user).update(last_t=-1)
    data = {"code": totp_code(user)}
    if trust_device:
        data["trust_device"] = "on"
    return client.post(reverse("accounts:otp_verify"), data)


def _trusted_browser(user) -> Client:
    """A browser where ``user`` logged in with the code and ticked the option, then logged out."""
    browser = Client(HTTP_USER_AGENT=PHONE)
    post_password(browser, user.email)
    response = _pass_code(browser, user)
    assert response.status_code == 302
    browser.post(reverse("accounts:logout"), follow=True)  # the messages shown and gone
    return browser


def _actions(prefix="trusted_device."):
    return list(
        AuditEntry.objects.filter(action__startswith=prefix).order_by("seq").values_list("action", flat=True)
    )


def test_the_code_page_offers_the_option(client, cast):
    post_password(client, cast.member.email)

    response = client.get(reverse("accounts:otp_verify"))

    assert OPTION in text_of(response)
    assert 'name="trust_device"' in response.content.decode()


def test_trusting_sets_a_signed_http_only_lax_cookie_and_stores_only_a_hash(cast):
    client = Client(HTTP_USER_AGENT=PHONE)
    post_password(client, cast.member.email)

    response = _pass_code(client, cast.member)

    cookie = response.cookies[trust.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    device = TrustedDevice.objects.get()
    assert device.user == cast.member and device.label == "Chrome sur Android"
    assert device.expires_at - device.created_at == dt.timedelta(days=30)
    raw = cookie.value.split(":")[0]
    assert raw not in device.digest and device.digest == trust._digest(raw)  # only its SHA-256
    assert _actions() == ["trusted_device.created"]


def test_the_cookie_is_secure_over_https(client, cast, settings):
    post_password(client, cast.member.email, secure=True)
    TOTPDevice.objects.filter(user=cast.member).update(last_t=-1)

    response = client.post(
        reverse("accounts:otp_verify"), {"code": totp_code(cast.member), "trust_device": "on"}, secure=True
    )

    assert response.cookies[trust.COOKIE]["secure"]


def test_without_ticking_nothing_is_trusted(client, cast):
    post_password(client, cast.member.email)

    response = _pass_code(client, cast.member, trust_device=False)

    assert trust.COOKIE not in response.cookies and not TrustedDevice.objects.exists()


def test_the_next_password_login_on_the_trusted_browser_skips_the_code(cast):
    browser = _trusted_browser(cast.member)

    response = post_password(browser, cast.member.email)

    assert response.status_code == 302 and _is_verified(browser)
    assert browser.get(reverse("cpts:home", args=[cast.cpts.slug])).status_code == 200
    assert _actions() == ["trusted_device.created", "trusted_device.used"]
    assert TrustedDevice.objects.get().last_used_at is not None


def test_a_trusted_session_lasts_longer_and_survives_closing_the_browser(cast, settings):
    browser = _trusted_browser(cast.member)

    post_password(browser, cast.member.email)

    assert browser.session.get_expiry_age() == settings.TRUSTED_SESSION_SECONDS
    assert not browser.session.get_expire_at_browser_close()


def test_a_password_is_still_needed_on_a_trusted_browser(cast):
    browser = _trusted_browser(cast.member)

    response = post_password(browser, cast.member.email, "Mauvais-mot-de-passe-1")

    assert "_auth_user_id" not in browser.session
    assert "Adresse e-mail ou mot de passe incorrect." in text_of(response)


def _without_tokens(page: str) -> str:
    return re.sub(r'(name="csrfmiddlewaretoken" value|name="csrf-token" content)="[^"]*"', "", page)


def _asks_the_code(browser, user):
    response = post_password(browser, user.email, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:otp_verify"))
    assert not _is_verified(browser)
    return text_of(response)


def test_a_cookie_of_another_account_does_not_skip_the_code_and_says_nothing(cast):
    browser = _trusted_browser(cast.member)

    page = _asks_the_code(browser, cast.coordinator)

    assert _without_tokens(page) == _without_tokens(_asks_the_code(Client(), cast.coordinator))
    entry = AuditEntry.objects.filter(action="trusted_device.ignored").get()
    assert entry.details["reason"] == "other_user" and entry.object_id == str(cast.coordinator.pk)
    # The other account's valid cookie is left for its owner.
    assert TrustedDevice.objects.get().revoked_at is None
    post_password(browser, cast.member.email)
    assert _is_verified(browser)


def test_a_revoked_device_does_not_skip_the_code_and_its_cookie_is_dropped(cast):
    browser = _trusted_browser(cast.member)
    trust.revoke(TrustedDevice.objects.get())

    response = post_password(browser, cast.member.email)

    assert not _is_verified(browser)
    assert response.cookies[trust.COOKIE].value == ""  # deleted
    assert AuditEntry.objects.filter(action="trusted_device.ignored").get().details["reason"] == "revoked"


def test_an_expired_device_does_not_skip_the_code(cast):
    browser = _trusted_browser(cast.member)
    device = TrustedDevice.objects.get()
    device.expires_at = timezone.now() - dt.timedelta(minutes=1)
    device.save()

    _asks_the_code(browser, cast.member)

    assert AuditEntry.objects.filter(action="trusted_device.ignored").get().details["reason"] == "expired"


@pytest.mark.parametrize("forged", ["tampered", "unsigned", "other_salt"])
def test_a_tampered_cookie_does_not_skip_the_code(cast, forged):
    from django.core import signing

    browser = _trusted_browser(cast.member)
    value = browser.cookies[trust.COOKIE].value
    browser.cookies[trust.COOKIE] = {
        "tampered": value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"),
        "unsigned": value.split(":")[0],
        "other_salt": signing.get_cookie_signer(salt="other").sign(value.split(":")[0]),
    }[forged]

    _asks_the_code(browser, cast.member)

    assert (
        AuditEntry.objects.filter(action="trusted_device.ignored").get().details["reason"] == "bad_signature"
    )


def test_a_password_change_ends_the_trust(cast):
    browser = _trusted_browser(cast.member)
    cast.member.set_password(PASSWORD + "x")
    cast.member.save()

    response = browser.post(
        reverse("accounts:login"), {"email": cast.member.email, "password": PASSWORD + "x"}
    )

    assert response.status_code == 302 and not _is_verified(browser)
    assert (
        AuditEntry.objects.filter(action="trusted_device.ignored").get().details["reason"]
        == "password_changed"
    )


def test_the_instance_setting_hides_the_option_and_ignores_existing_cookies(client, cast, settings):
    browser = _trusted_browser(cast.member)
    settings.OPENCPTS_TRUSTED_DEVICES = False

    _asks_the_code(browser, cast.member)
    page = text_of(browser.get(reverse("accounts:otp_verify")))
    response = _pass_code(browser, cast.member)

    assert OPTION not in page
    assert trust.COOKIE not in response.cookies or response.cookies[trust.COOKIE].value == ""
    assert TrustedDevice.objects.count() == 1
    assert AuditEntry.objects.filter(action="trusted_device.ignored").get().details["reason"] == "disabled"


def test_security_lists_the_devices_marks_this_one_and_revokes_one(cast):
    browser = _trusted_browser(cast.member)
    _trusted_browser(cast.member)  # a second browser
    post_password(browser, cast.member.email)

    page = text_of(browser.get(reverse("accounts:security")))

    assert page.count("Chrome sur Android") >= 2 and "cet appareil" in page
    assert "Retirer la confiance à tous les appareils" in page
    this = trust.current_device_id(browser.get(reverse("accounts:security")).wsgi_request)
    other = TrustedDevice.objects.exclude(pk=this).get()

    response = browser.post(reverse("accounts:revoke_trusted_device", args=[other.pk]), follow=True)

    assert "Confiance retirée à l'appareil « Chrome sur Android »" in text_of(response)
    other.refresh_from_db()
    assert other.revoked_at is not None and TrustedDevice.objects.get(pk=this).revoked_at is None
    assert "trusted_device.revoked" in _actions()


def test_revoking_all_ends_the_session_opened_on_a_trusted_device(cast):
    browser = _trusted_browser(cast.member)
    post_password(browser, cast.member.email)
    elsewhere = Client()
    post_password(elsewhere, cast.member.email)
    _pass_code(elsewhere, cast.member, trust_device=False)

    response = elsewhere.post(reverse("accounts:revoke_all_trusted_devices"), follow=True)

    assert "Confiance retirée à 1 appareil" in text_of(response)
    assert browser.get(reverse("cpts:home", args=[cast.cpts.slug])).status_code == 302
    assert "_auth_user_id" not in browser.session


def test_nobody_revokes_the_device_of_another_account(cast):
    _trusted_browser(cast.member)
    device = TrustedDevice.objects.get()
    other = Client()
    post_password(other, cast.coordinator.email)
    _pass_code(other, cast.coordinator, trust_device=False)

    response = other.post(reverse("accounts:revoke_trusted_device", args=[device.pk]))

    assert response.status_code == 404
    device.refresh_from_db()
    assert device.revoked_at is None


def test_revoking_needs_the_second_factor(cast):
    _trusted_browser(cast.member)
    device = TrustedDevice.objects.get()
    half = Client()
    post_password(half, cast.member.email)  # no trusted cookie on this browser: not verified

    response = half.post(reverse("accounts:revoke_trusted_device", args=[device.pk]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_verify"))
    device.refresh_from_db()
    assert device.revoked_at is None


@pytest.mark.parametrize(
    "agent, label",
    [
        (PHONE, "Chrome sur Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 Version/17.0 "
            "Mobile Safari/604.1",
            "Safari sur iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox sur Windows",
        ),
        ("", "Navigateur"),
    ],
)
def test_device_labels_come_from_the_user_agent(agent, label):
    assert trust.label_from(agent) == label


def test_a_session_that_passed_the_code_stays_open_when_its_device_is_revoked(client, cast):
    post_password(client, cast.member.email)
    _pass_code(client, cast.member)  # the code, and the option ticked

    client.post(reverse("accounts:revoke_all_trusted_devices"))

    assert client.get(reverse("cpts:home", args=[cast.cpts.slug])).status_code == 200
    assert TrustedDevice.objects.get().revoked_at is not None


def test_the_session_opened_without_the_code_is_told_it_ends(cast):
    browser = _trusted_browser(cast.member)
    post_password(browser, cast.member.email)
    device = TrustedDevice.objects.get()

    response = browser.post(reverse("accounts:revoke_trusted_device", args=[device.pk]), follow=True)

    assert "ouverte sans code, est fermée" in text_of(response)
    assert "_auth_user_id" not in browser.session
    assert AuditEntry.objects.filter(action="trusted_device.session_ended").count() == 1
