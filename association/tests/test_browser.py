"""The association pages in Chromium at 360 px: nothing scrolls sideways, no serious axe-core violation, and
the statuts are saved from their page (pre-filled choices kept)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from association import actions
from association.models import Statutes
from projects import actions as project_actions
from projects import territory as rules
from projects.tests.conftest import FOUESNANT_EPCI
from projects.tests.test_browser import RUN_AXE
from territory.models import EPCI
from tests.browser import axe_core
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.browser.test_phone_width import OFFENDERS, WIDTH
from tests.cast import make_user, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "overview",
    "statutes",
    "reglement",
    "founders",
    "documents",
    "convocation",
    "minutes",
    "identifiers",
]


def test_association_pages_fit_a_phone_are_accessible_and_save_the_statuts(
    browser,  # noqa: F811
    live_server,
    communes_loaded,
):
    porteuse = make_user("porteuse.asso@projet.test", first_name="Solène", last_name="Le Gall")
    project = project_actions.create_project(
        porteuse, "CPTS du Pays Fouesnantais", on=timezone.localdate() - dt.timedelta(days=60)
    )
    rules.add_epci(project, EPCI.objects.get(siren=FOUESNANT_EPCI), porteuse)
    actions.add_founder(project, porteuse, name="Solène Le Gall", profession="Médecin généraliste")
    actions.save_convocation(
        project, {"held_on": timezone.localdate(), "place": "Fouesnant", "agenda": "Statuts"}, porteuse
    )
    context = browser.new_context(locale="fr-FR", viewport={"width": WIDTH, "height": 780})
    context.add_init_script(script=axe_core.script())
    problems = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, porteuse, totp_code(porteuse))
        for name in PAGES:
            url = reverse(f"association:{name}", args=[project.pk])
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, (url, response and response.status)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > WIDTH:
                problems.append(f"{url}: {width}px; {page.evaluate(OFFENDERS, WIDTH)}")
            violations = page.evaluate(RUN_AXE)
            if violations:
                problems.append(f"{url}: {violations}")
        page.goto(live_server.url + reverse("association:statutes", args=[project.pk]))
        page.get_by_label("Adresse du siège").fill("2 rue de la Mairie, 29170 Fouesnant")
        page.get_by_role("button", name="Enregistrer les statuts").click()
        page.wait_for_url("**" + reverse("association:overview", args=[project.pk]))
        assert "Statuts enregistrés : 3 collèges, conseil d'administration de 12 sièges." in page.inner_text(
            "main"
        )
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    statutes = Statutes.objects.get(project=project)
    assert statutes.seat_address == "2 rue de la Mairie, 29170 Fouesnant"
    assert statutes.name == "Communauté Professionnelle Territoriale de Santé du Pays Fouesnantais"
