"""The referents' pages in Chromium at 360 px: nothing scrolls sideways, no serious axe-core violation, the
map draws the project's communes, and a decision is recorded from the dossier's page."""

import pytest
from django.urls import reverse

from projects import actions, reviews
from projects import territory as rules
from projects.models import Review
from territory.models import EPCI
from tests.browser import axe_core
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.browser.test_phone_width import OFFENDERS, WIDTH
from tests.cast import make_user, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter((v) => ['critical', 'serious'].includes(v.impact))
    .map((v) => v.id + ' ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
}"""


def test_the_follow_up_fits_a_phone_is_accessible_and_records_a_decision(
    browser,  # noqa: F811
    live_server,
    communes_loaded,
):
    staff = make_user("admin.browser@suivi.test", staff=True)
    porteuse = make_user("porteuse.browser@suivi.test", first_name="Solène", last_name="Le Gall")
    project = actions.create_project(porteuse, "CPTS du Pays Fouesnantais")
    rules.add_epci(project, EPCI.objects.get(siren="242900660"), porteuse)
    referent = make_user("ars.browser@suivi.test", first_name="Gwenaëlle", last_name="Morvan")
    reviews.grant_referent(staff, email=referent.email, body="ARS", code="53")
    context = browser.new_context(locale="fr-FR", viewport={"width": WIDTH, "height": 780})
    context.add_init_script(script=axe_core.script())
    problems = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, referent, totp_code(referent))
        urls = [
            reverse("oversight:home"),
            reverse("oversight:project", args=[project.pk]),
            reverse("oversight:project_diagnostic", args=[project.pk]),
        ]
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, (url, response and response.status)
            if url == reverse("oversight:home"):
                page.wait_for_function("() => document.querySelector('.map[data-loaded]') !== null")
                assert int(page.locator(".map").get_attribute("data-loaded")) >= 7
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > WIDTH:
                problems.append(f"{url}: {width}px; {page.evaluate(OFFENDERS, WIDTH)}")
            violations = page.evaluate(RUN_AXE)
            if violations:
                problems.append(f"{url}: {violations}")
        page.goto(live_server.url + reverse("oversight:project", args=[project.pk]))
        page.get_by_text("Enregistrer une décision").click()
        page.get_by_label("Dossier").last.select_option("ami")
        page.get_by_label("Modifications demandées").check()
        page.get_by_label("Précisions").fill("Ajoutez le calendrier de la première réunion.")
        page.get_by_role("button", name="Enregistrer la décision").click()
        page.wait_for_url("**" + reverse("oversight:project", args=[project.pk]))
        assert "Décision « Modifications demandées » enregistrée" in page.inner_text("main")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    review = Review.objects.get(project=project)
    assert (review.outcome, review.text) == (
        "changes_requested",
        "Ajoutez le calendrier de la première réunion.",
    )
