"""The projet de santé pages in Chromium at 360 px: nothing scrolls sideways, no serious axe-core violation,
and a chapter is written from its page."""

import pytest
from django.urls import reverse

from healthplan import actions
from healthplan.models import Chapter
from healthplan.tests.conftest import FOUESNANT_EPCI, two_sheets
from projects import actions as project_actions
from projects import territory as rules
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


def test_health_plan_pages_fit_a_phone_are_accessible_and_a_chapter_is_written(
    browser,  # noqa: F811
    live_server,
    communes_loaded,
):
    porteuse = make_user("porteuse.sante@projet.test", first_name="Solène", last_name="Le Gall")
    project = project_actions.create_project(porteuse, "CPTS du Pays Fouesnantais")
    rules.add_epci(project, EPCI.objects.get(siren=FOUESNANT_EPCI), porteuse)
    first, _ = two_sheets(project, porteuse)
    actions.save_chapter(project, "gouvernance", "Association en trois collèges.", 0, porteuse)
    context = browser.new_context(locale="fr-FR", viewport={"width": WIDTH, "height": 780})
    context.add_init_script(script=axe_core.script())
    problems = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, porteuse, totp_code(porteuse))
        urls = [
            reverse("healthplan:overview", args=[project.pk]),
            reverse("healthplan:chapter", args=[project.pk, "contexte"]),
            reverse("healthplan:chapter_history", args=[project.pk, "gouvernance"]),
            reverse("healthplan:sheet_new", args=[project.pk]),
            reverse("healthplan:sheet", args=[project.pk, first.pk]),
            reverse("healthplan:sheet_history", args=[project.pk, first.pk]),
            reverse("healthplan:budget", args=[project.pk]),
        ]
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, (url, response and response.status)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > WIDTH:
                problems.append(f"{url}: {width}px; {page.evaluate(OFFENDERS, WIDTH)}")
            violations = page.evaluate(RUN_AXE)
            if violations:
                problems.append(f"{url}: {violations}")
        page.goto(live_server.url + reverse("healthplan:chapter", args=[project.pk, "contexte"]))
        page.get_by_label("Texte du chapitre").fill("Sept communes.\nTrois MSP.")
        page.get_by_role("button", name="Enregistrer le chapitre").click()
        page.wait_for_url("**" + reverse("healthplan:overview", args=[project.pk]))
        assert "enregistré" in page.inner_text("main")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    assert Chapter.objects.get(key="contexte").text == "Sept communes.\nTrois MSP."
