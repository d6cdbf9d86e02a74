"""« Modèles de documents » in Chromium at phone width: nothing sticks out at 360 px, no serious axe-core
violation, a refused upload says why beside the file field, keyboard-reachable."""

import pytest
from django.urls import reverse

from docgen import registry
from docgen.models import TemplateOverride
from docgen.tests import letter
from docgen.tests.helpers import letter_with
from tests.browser import axe_core
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.browser.test_accessibility import RUN_AXE
from tests.browser.test_phone_width import OFFENDERS
from tests.cast import make_cast, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def registered():
    yield letter.register()
    registry.unregister(letter.KEY)


def test_the_pages_fit_a_phone_are_accessible_and_explain_a_refusal(
    browser,  # noqa: F811
    live_server,
    communes_loaded,
    registered,
    tmp_path,
):
    cast = make_cast()
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 780})
    context.add_init_script(script=axe_core.script())
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, cast.admin, totp_code(cast.admin))
        bad = tmp_path / "lettre.docx"
        bad.write_bytes(letter_with({"Madame, Monsieur,": "Le projet {{ projet.nom } est déposé."}))
        template_url = reverse("docgen:template", kwargs={"key": letter.KEY})

        page.goto(live_server.url + reverse("docgen:list"))
        page.get_by_role("link", name="Lettre de la CPTS (essai)").click()
        page.wait_for_url(f"**{template_url}")
        page.get_by_label("Nouveau modèle (.docx, 2 Mo au plus)").set_input_files(str(bad))
        page.get_by_role("button", name="Vérifier et remplacer").focus()
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        alert = page.get_by_role("alert")
        assert "{{ projet.nom } (paragraphe 7 : « } » inattendu)" in alert.inner_text()
        assert not TemplateOverride.objects.exists()

        for url in (reverse("docgen:list"), template_url):
            page.goto(live_server.url + url)
            assert page.evaluate(OFFENDERS, 360) == [], url
            serious = page.evaluate(RUN_AXE, ["critical", "serious"])
            assert serious == [], (url, serious)
    finally:
        context.close()
