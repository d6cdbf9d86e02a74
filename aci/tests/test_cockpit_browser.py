"""In a real browser (Chromium through Playwright, pytest-django's live server), on a phone-sized screen: the
coordinator records the signed ACI contract with the keyboard only, then finds the dashboard with the
missions' deadlines and the forecast chart drawn; no page of the cockpit scrolls sideways."""

import re

import pytest
from django.urls import reverse

from aci.models import Contract
from aci.tiers import territory_summary
from tests.browser.conftest import browser, log_in, page  # noqa: F401 - the shared Chromium fixtures
from tests.browser.shell import go_to
from tests.cast import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(tab, what: str):
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (
        f"{what}: horizontal scroll ({width}px wide on a {PHONE['width']}px screen)"
    )


def focused(tab) -> str:
    return tab.evaluate("document.activeElement.id || document.activeElement.tagName")


def tab_out(tab):
    """To the next field: inside a date field, Tab first goes through its own boxes."""
    before = focused(tab)
    for _ in range(4):
        tab.keyboard.press("Tab")
        if focused(tab) != before:
            return


def type_date(tab, selector, iso):
    """Day, month and year boxes follow the browser's language (month first in English, day first in French);
    the year comes last either way."""
    year, month, day = iso.split("-")
    for digits in (month + day + year, day + month + year):
        tab.keyboard.type(digits)
        if tab.locator(selector).input_value() == iso:
            return
        tab.locator(selector).fill("")
        tab.locator(selector).focus()
    raise AssertionError(f"the date field would not take {iso} from the keyboard")


def test_the_coordinator_signs_on_a_phone_and_sees_the_dashboard(page, live_server, communes_loaded, cast):  # noqa: F811
    base = live_server.url
    slug = cast.cpts.slug
    population = territory_summary(cast.cpts).population
    log_in(page, base, cast.coordinator, totp_code(cast.coordinator))
    page.set_viewport_size(PHONE)

    page.goto(base + reverse("cpts:home", args=[slug]))
    go_to(page, "Contrat ACI")  # in the coordinator's bottom bar
    page.get_by_role("heading", name="Aucun contrat ACI enregistré").wait_for()
    no_sideways_scroll(page, "tableau de bord sans contrat")
    page.get_by_role("link", name="Enregistrer le contrat signé").click()
    page.get_by_role("heading", name="Enregistrer le contrat ACI signé").wait_for()
    assert page.get_by_label(
        "Accès aux soins (médecin traitant, soins non programmés, SAS) (socle)"
    ).is_disabled()
    assert page.get_by_label("Population couverte (habitants)").input_value() == str(population)
    no_sideways_scroll(page, "signature")

    # Keyboard only, from the first field: the core missions (disabled) are skipped by Tab.
    page.get_by_label("Date de signature du contrat").focus()
    type_date(page, "#id_signed_on", "2025-01-15")
    order = []
    for _ in range(5):
        tab_out(page)
        order.append(focused(page))
        if order[-1] == "id_optional_quality":
            page.keyboard.press("Space")
        elif order[-1] == "id_population_on":
            type_date(page, "#id_population_on", "2025-01-01")
    assert order == [
        "id_optional_quality",
        "id_optional_support",
        "id_population",
        "id_population_on",
        "id_population_source",
    ]
    tab_out(page)
    assert page.evaluate("document.activeElement.textContent") == "Enregistrer le contrat"
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(re.escape(reverse("aci:cockpit", args=[slug])) + "$"))
    page.get_by_text("Contrat ACI enregistré (signé le 15/01/2025").wait_for()
    contract = Contract.objects.get(cpts=cast.cpts)
    assert contract.population == population and contract.schedules.count() == 1
    assert "quality" in set(contract.missions.values_list("mission__code", flat=True))

    # The dashboard: 5 missions × (start, deployment) deadlines, the late ones first; the chart drawn.
    deadlines = page.get_by_test_id("deadlines").locator("li")
    assert deadlines.count() == 10
    assert deadlines.first.locator(".badge").inner_text() == "en retard"
    page.wait_for_function("() => document.querySelector('#money-chart[data-ready=\"1\"]') !== null")
    chart = page.evaluate(
        "() => { const c = Chart.getChart(document.getElementById('money-chart'));"
        " return [c.config.type, c.data.datasets.length, c.data.labels.length]; }"
    )
    assert chart == ["line", 2, 61]  # January 2025 to January 2030, month by month
    assert page.locator("#money-chart").bounding_box()["width"] <= PHONE["width"]
    no_sideways_scroll(page, "tableau de bord")

    for name in ("contract", "schedule", "budget", "expenses", "expenses_import"):
        page.goto(base + reverse(f"aci:{name}", args=[slug]))
        assert page.locator("h1").count() == 1
        no_sideways_scroll(page, name)
