"""The directory on a 390 px phone, on the demo: the GP looks for a nurse who visits patients at home near
Belley and can call or write to the first one found; the grouped map opens the list of a point."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from cpts.models import CPTS
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.cast import PASSWORD, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT = 390, 844


def test_gp_finds_a_nurse_visiting_homes_near_a_commune_on_a_phone(
    browser,  # noqa: F811
    live_server,
    communes_loaded,  # noqa: F811
    settings,
    tmp_path,
):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    cpts = CPTS.objects.get(slug="cpts-bugey-sud")
    user = User.objects.get(email="medecin@demo.opencpts.test")
    user.set_password(PASSWORD)  # the demo's own password is random
    user.save(update_fields=["password"])
    context = browser.new_context(locale="fr-FR", viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, user, totp_code(user))
        page.goto(live_server.url + reverse("directory:search", args=[cpts.slug]))

        page.get_by_label("Profession", exact=True).select_option(label="Infirmier")
        page.get_by_label("Autour de", exact=True).fill("Belley")
        page.get_by_text("Filtres", exact=True).click()
        page.get_by_label("Visites à domicile", exact=True).check()
        page.get_by_role("button", name="Rechercher").click()
        page.wait_for_url(re.compile(r"home_visits=on"))

        assert re.search(r"\d+ professionnels? trouvés?", page.get_by_test_id("count").inner_text())
        first = page.get_by_test_id("result").first
        assert first.get_by_test_id("distance").inner_text().startswith(("à ", "dans la commune"))
        assert "Visites à domicile" in first.inner_text()
        contact = first.locator("a[href^='tel:'], a[href^='mailto:']")
        assert contact.count() >= 1
        assert re.fullmatch(r"tel:0\d{9}|mailto:.+@.+", contact.first.get_attribute("href"))
        assert page.locator(".dir-filters-toggle .dir-badge").inner_text() == "1"

        # The map: one marker per point with its count, opening the list of the professionals there.
        page.locator("#results-map[data-loaded]").wait_for()
        pins = page.locator("#results-map .dir-pin")
        assert pins.count() >= 1
        total = sum(int(pins.nth(i).inner_text()) for i in range(pins.count()))
        assert total == page.get_by_test_id("result").count()
        assert page.locator("#results-map").get_attribute("role") != "img"
        pins.first.scroll_into_view_if_needed()
        pins.first.click()
        assert page.locator(".leaflet-popup .dir-popup a").count() == int(pins.first.inner_text())

        assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    finally:
        context.close()
