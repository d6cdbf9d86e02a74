"""The diagnostic page in a real browser on a 360 px phone: nothing scrolls sideways, the maps draw every
commune of the territory, the charts are drawn, and the axe-core check finds no serious violation."""

import pytest
from django.urls import reverse

from cpts import territory as territory_rules
from diagnostic.tests.helpers import ARTEMARE, BELLEY, CULOZ, gp, professional
from territory.models import Commune
from tests.browser import axe_core
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.browser.test_accessibility import RUN_AXE
from tests.cast import make_cast, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_diagnostic_fits_a_phone_and_draws_its_maps(browser, live_server, communes_loaded, tmp_path):  # noqa: F811
    cast = make_cast()
    territory_rules.add_communes(
        cast.cpts, list(Commune.objects.filter(insee__in=[CULOZ, ARTEMARE])), cast.admin
    )
    for _ in range(8):
        gp(BELLEY)
    gp(CULOZ)
    professional("60", CULOZ)
    professional("21", BELLEY)
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 780})
    context.add_init_script(script=axe_core.script())
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, cast.member, totp_code(cast.member))
        page.goto(live_server.url + reverse("diagnostic:cpts", kwargs={"slug": cast.cpts.slug}))
        page.wait_for_selector('.map[data-choropleth="gp_density"][data-loaded]')
        assert page.get_attribute('.map[data-choropleth="gp_density"]', "data-loaded") == "3"
        assert page.get_attribute('.map[data-choropleth="share_65"]', "data-loaded") == "3"
        assert page.locator(".map[data-choropleth] path.leaflet-interactive").count() >= 6
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
        assert page.locator("canvas[data-age-chart][data-ready]").count() == 1
        page.screenshot(path=str(tmp_path / "diagnostic-360.png"), full_page=True)
        assert page.evaluate(RUN_AXE, ["critical", "serious"]) == []
        page.goto(live_server.url + reverse("diagnostic:datasets"))
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
        assert page.evaluate(RUN_AXE, ["critical", "serious"]) == []
    finally:
        context.close()
