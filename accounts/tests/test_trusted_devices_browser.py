"""A trusted device in a real browser at phone width: tick the option after the code, come back with the
password alone, see the device in « Sécurité », withdraw the trust, and the code is asked again."""

import re

import pytest
from django.urls import reverse

from accounts.models import TrustedDevice
from tests.browser.conftest import browser  # noqa: F401 - the fixture
from tests.cast import PASSWORD, make_user, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _password(page, base, user):
    page.goto(base + reverse("accounts:login"))
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def _forget_session(page):
    page.context.clear_cookies(name="sessionid")


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"la page déborde : {width} px pour un écran de 360 px"


def test_trust_this_phone_then_log_in_with_the_password_alone_then_withdraw(phone, live_server):
    user = make_user("confiance.browser@cast.test", first_name="Jeanne", staff=True)
    base = live_server.url

    _password(phone, base, user)
    phone.wait_for_url(re.compile(re.escape(reverse("accounts:otp_verify"))))
    _no_horizontal_overflow(phone)
    phone.get_by_label("Faire confiance à cet appareil pendant 30 jours").check()
    phone.locator("#id_code").fill(totp_code(user))
    phone.get_by_role("button", name="Valider").click()
    phone.wait_for_load_state()
    assert "Cet appareil est de confiance pendant 30 jours" in phone.content()
    cookie = next(c for c in phone.context.cookies() if c["name"] == "opencpts_appareil")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    _forget_session(phone)
    _password(phone, base, user)
    assert reverse("accounts:otp_verify") not in phone.url  # no code asked

    phone.goto(base + reverse("accounts:security"))
    _no_horizontal_overflow(phone)
    assert phone.get_by_text("cet appareil", exact=True).is_visible()
    phone.get_by_role("button", name=re.compile("Retirer la confiance à .* \\(cet appareil\\)")).click()
    phone.wait_for_load_state()
    assert "Confiance retirée à l'appareil" in phone.content()
    assert TrustedDevice.objects.get().revoked_at is not None

    _forget_session(phone)
    _password(phone, base, user)
    phone.wait_for_url(re.compile(re.escape(reverse("accounts:otp_verify"))))
