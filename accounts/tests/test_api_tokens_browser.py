"""« Mes jetons d'API » in a real browser at phone width: create a token (shown once), see it listed, revoke
it; nothing wider than the 360 px screen."""

import re

import pytest
from django.urls import reverse

from accounts.models import APIToken
from tests.browser.conftest import browser, log_in  # noqa: F401 - the fixture
from tests.cast import make_user, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"la page déborde : {width} px pour un écran de 360 px"


def test_create_list_and_revoke_a_token_on_a_phone(phone, live_server):
    user = make_user("jetons.browser@cast.test", first_name="Jeanne", staff=True)
    log_in(phone, live_server.url, user, totp_code(user))

    phone.goto(live_server.url + reverse("accounts:api_tokens"))
    _no_horizontal_overflow(phone)
    phone.get_by_text("Créer un jeton").click()
    phone.get_by_label("Nom du jeton").fill(
        "Tableau de bord de l'ARS Auvergne-Rhône-Alpes, export hebdomadaire"
    )
    phone.get_by_label("Validité").select_option("90")
    phone.get_by_label("Lecture seule").check()
    phone.get_by_role("button", name="Créer le jeton").click()

    raw = phone.locator("#jeton-valeur").input_value()
    assert re.fullmatch(r"ocp_[\w-]{40,}", raw)
    assert APIToken.objects.get().digest == APIToken.digest_of(raw)
    _no_horizontal_overflow(phone)
    card = phone.get_by_test_id("jeton")
    assert "lecture seule" in card.inner_text() and "jamais" in card.inner_text()

    card.get_by_role("button", name=re.compile("Révoquer")).click()
    phone.wait_for_url(re.compile(re.escape(reverse("accounts:api_tokens")) + "$"))
    assert "révoqué" in phone.get_by_test_id("jeton").inner_text()
    assert APIToken.objects.get().revoked
    _no_horizontal_overflow(phone)
