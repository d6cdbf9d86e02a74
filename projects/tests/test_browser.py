"""The project pages in Chromium at 360 px: nothing scrolls sideways, no serious axe-core violation, the map
draws the communes, and the AMI then the lettre d'intention are sent from their pages."""

import pytest
from django.urls import reverse

from projects import actions
from projects import territory as rules
from projects.models import Submission
from projects.tests.conftest import FOUESNANT_EPCI
from projects.tests.test_ami import complete_ami
from projects.tests.test_letter import complete_letter
from territory.models import EPCI
from tests.browser import axe_core
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.browser.test_phone_width import OFFENDERS, WIDTH
from tests.cast import make_user, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "detail",
    "territory",
    "porteurs",
    "partners",
    "diagnostic",
    "ami",
    "ami_send",
    "letter",
    "letter_send",
    "stage",
    "convert",
]
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter((v) => ['critical', 'serious'].includes(v.impact))
    .map((v) => v.id + ' ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
}"""


def test_project_pages_fit_a_phone_are_accessible_and_send_the_ami_and_the_letter(
    browser,  # noqa: F811
    live_server,
    communes_loaded,
):
    porteuse = make_user("porteuse.browser@projet.test", first_name="Solène", last_name="Le Gall")
    project = actions.create_project(porteuse, "CPTS du Pays Fouesnantais")
    rules.add_epci(project, EPCI.objects.get(siren=FOUESNANT_EPCI), porteuse)
    actions.save_ami(project, complete_ami(), porteuse)
    actions.save_letter(project, complete_letter(), porteuse)
    context = browser.new_context(locale="fr-FR", viewport={"width": WIDTH, "height": 780})
    context.add_init_script(script=axe_core.script())
    problems = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, porteuse, totp_code(porteuse))
        urls = [reverse("projects:list"), reverse("projects:create")]
        urls += [reverse(f"projects:{name}", args=[project.pk]) for name in PAGES]
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, (url, response and response.status)
            if url.endswith("/territoire/"):
                page.wait_for_function("() => document.querySelector('.map[data-loaded]') !== null")
                assert int(page.locator(".map").get_attribute("data-loaded")) > 7
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > WIDTH:
                problems.append(f"{url}: {width}px; {page.evaluate(OFFENDERS, WIDTH)}")
            violations = page.evaluate(RUN_AXE)
            if violations:
                problems.append(f"{url}: {violations}")
        page.goto(live_server.url + reverse("projects:ami_send", args=[project.pk]))
        page.get_by_role("button", name="Envoyer l'AMI à ARS Bretagne").click()
        page.wait_for_url("**" + reverse("projects:detail", args=[project.pk]))
        assert "AMI envoyé à ARS Bretagne" in page.inner_text("main")
        page.goto(live_server.url + reverse("projects:letter_send", args=[project.pk]))
        page.get_by_role("button", name="Envoyer la lettre à ARS Bretagne").click()
        page.wait_for_url("**" + reverse("projects:detail", args=[project.pk]))
        assert "Lettre d'intention envoyée à ARS Bretagne" in page.inner_text("main")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    assert sorted(Submission.objects.filter(project=project).values_list("kind", flat=True)) == [
        "ami",
        "lettre",
    ]
