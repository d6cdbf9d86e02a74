"""Real-browser tests (Chromium through Playwright) of the login with TOTP and of the territory page.

They run against pytest-django's live server, hence a transactional database: ``communes_loaded``
reloads the official communes, ``tier_grids`` the ACI tier grids (both emptied by the flush between
transactional tests).
"""

import os
import re
import tempfile

import pytest
from django.db.models import Sum
from django.urls import reverse

from cpts import actions
from cpts import territory as territory_rules
from territory.models import EPCI, Commune
from tests.browser.conftest import log_in
from tests.cast import make_user, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

SMALL_COMMUNE = "01001"  # L'Abergement-Clémenciat (Ain), under a thousand inhabitants: tier 1
BIG_EPCI = "200046977"  # Métropole de Lyon: well above 175,000 inhabitants, tier 4
SCREENSHOT = os.environ.get("OPENCPTS_SCREENSHOT", os.path.join(tempfile.gettempdir(), "territory.png"))


def digits(text: str) -> int:
    """ "1 234 567" with French (narrow) no-break spaces -> 1234567."""
    return int(re.sub(r"\D", "", text))


@pytest.fixture
def coordinator_cpts(communes_loaded, tier_grids):
    coordinator = make_user("coord.browser@cast.test", first_name="Colette", last_name="Coord")
    admin = make_user("admin.browser@cast.test", staff=True, with_totp=False)
    cpts = actions.create_cpts(name="CPTS Navigateur", coordinator=coordinator)
    territory_rules.add_communes(cpts, [Commune.objects.get(insee=SMALL_COMMUNE)], admin)
    return coordinator, cpts


def test_coordinator_adds_a_whole_epci_and_the_tier_changes(page, live_server, coordinator_cpts):
    coordinator, cpts = coordinator_cpts
    small = Commune.objects.get(insee=SMALL_COMMUNE)
    epci = EPCI.objects.get(siren=BIG_EPCI)
    epci_population = Commune.objects.filter(epci=epci, kind="COM").aggregate(p=Sum("population"))["p"]
    assert epci_population > 175_000

    log_in(page, live_server.url, coordinator, totp_code(coordinator))
    assert "/connexion/" not in page.url and "/compte/verification/" not in page.url, page.url

    page.goto(live_server.url + reverse("cpts:territory", args=[cpts.slug]))
    tier = page.get_by_test_id("tier")
    population = page.get_by_test_id("population")
    assert tier.inner_text().strip() == "Taille 1"
    assert digits(population.inner_text()) == small.population
    map_el = page.locator(".map[data-geojson]")
    page.wait_for_function("el => el.getAttribute('data-loaded') === '1'", arg=map_el.element_handle())

    # HTMX search (300 ms debounce), then the whole EPCI.
    page.locator("#commune-search").press_sequentially(epci.name, delay=20)
    add_epci = page.get_by_role("button", name=f"Ajouter toutes les communes de {epci.name}")
    add_epci.wait_for()
    assert page.locator("#search-results").get_by_text("Ajouter tout l'EPCI").count() == 1
    add_epci.click()
    page.wait_for_load_state()

    page.get_by_text(f"de l'EPCI {epci.name} ajoutées au territoire").wait_for()
    assert tier.inner_text().strip() == "Taille 4"
    assert digits(population.inner_text()) == small.population + epci_population
    n_communes = Commune.objects.filter(epci=epci, kind="COM").count() + 1
    page.wait_for_function(
        "([el, n]) => Number(el.getAttribute('data-loaded')) === n", arg=[map_el.element_handle(), n_communes]
    )
    assert int(map_el.get_attribute("data-loaded")) > 0
    assert page.locator(".map path.leaflet-interactive").count() == n_communes
    page.screenshot(path=SCREENSHOT.replace(".png", "-desktop.png"), full_page=True)
    map_el.screenshot(path=SCREENSHOT.replace(".png", "-map.png"))

    # The same page on a phone-sized screen.
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    page.wait_for_function(
        "el => Number(el.getAttribute('data-loaded')) > 0",
        arg=page.locator(".map[data-geojson]").element_handle(),
    )
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.screenshot(path=SCREENSHOT.replace(".png", "-phone-top.png"))  # the first screen only
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls horizontally on a phone by {overflow}px"


def test_wrong_totp_code_shows_a_french_error_and_does_not_log_in(page, live_server, transactional_db):
    # A coordinator: a role reaching patient data, hence a second factor required.
    user = make_user("wrong.totp@cast.test")
    actions.create_cpts(name="CPTS Code Faux", coordinator=user)
    good = totp_code(user)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"

    log_in(page, live_server.url, user, wrong)

    assert reverse("accounts:otp_verify") in page.url
    error = page.locator(".error, .errorlist").first
    assert "Code incorrect" in error.inner_text()
    # Still not logged in past the second factor: a protected page sends back to the verification.
    page.goto(live_server.url + reverse("cpts:list"))
    assert reverse("accounts:otp_verify") in page.url
    assert page.get_by_role("heading", name="Vérification en deux étapes").is_visible()
