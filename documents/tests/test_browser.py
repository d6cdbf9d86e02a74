"""In a real browser (Chromium through Playwright, pytest-django's live server): upload a document from the
group page, preview it in a new tab (sandboxed, inline), attach a file to a new subject, and see the French
reason when an executable renamed .pdf is refused."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination import actions as coordination
from coordination.models import Consent, Message
from documents.models import Document
from documents.tests import samples
from tests.browser.conftest import browser, log_in, page  # noqa: F401 - the shared Chromium fixtures
from tests.cast import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_upload_preview_attach_and_refusal(page, live_server, communes_loaded, cast):  # noqa: F811
    patient = coordination.create_patient(
        cast.cpts, cast.member, family_name="NAVIGATEUR", given_names="Léon", birth_date=dt.date(1941, 7, 14)
    )
    circle = coordination.open_care_circle(cast.cpts, cast.member, patient)
    coordination.record_consent(
        circle,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Coordination",
    )
    log_in(page, live_server.url, cast.member, totp_code(cast.member))
    page.goto(live_server.url + reverse("coordination:group", args=[cast.cpts.slug, circle.pk]))

    # Upload from the Documents section (keyboard-reachable labelled fields).
    page.get_by_role("link", name="Documents", exact=True).click()
    page.get_by_label("Fichier").set_input_files(
        {"name": "compte-rendu.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("Vu en navigateur")}
    )
    page.get_by_label("Titre (facultatif)").fill("Compte rendu de sortie")
    page.get_by_role("button", name="Déposer", exact=True).click()
    page.get_by_text("Document « Compte rendu de sortie » déposé.").wait_for()
    row = page.locator("#documents tbody tr").first
    assert "Compte rendu de sortie" in row.inner_text() and "PDF" in row.inner_text()

    # Preview: a new tab, the PDF inline, sandboxed.
    with page.context.expect_page() as new_tab:
        row.get_by_role("link", name=re.compile("^Aperçu")).click()
    tab = new_tab.value
    document = Document.objects.get()
    preview = reverse("documents:preview", args=[cast.cpts.slug, circle.pk, document.pk, 1])
    tab.wait_for_url(re.compile(re.escape(preview) + "$"), wait_until="commit")
    served = page.request.get(live_server.url + preview)  # same session: the headers the tab received
    assert served.status == 200 and served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("inline;")
    assert served.headers["content-security-policy"].startswith("sandbox;")
    assert served.body() == samples.pdf("Vu en navigateur")
    tab.close()

    # A refused file: the French reason, nothing listed.
    page.get_by_label("Fichier").set_input_files(
        {"name": "facture.pdf", "mimeType": "application/pdf", "buffer": samples.pe_executable()}
    )
    page.get_by_role("button", name="Déposer", exact=True).click()
    page.get_by_text("« facture.pdf » : c'est un programme exécutable").wait_for()
    assert Document.objects.count() == 1

    # A new subject with an attachment, from the conversation's composer.
    page.get_by_role("link", name="Messages", exact=True).click()
    page.get_by_text("Nouveau sujet", exact=True).click()
    page.locator("#sujet_subject").fill("Photo de la plaie")
    page.locator("#sujet_body").fill("Évolution favorable.")
    page.locator("#sujet_attachments").set_input_files(
        {"name": "plaie.png", "mimeType": "image/png", "buffer": samples.png(4, 4)}
    )
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_text("Message envoyé.").wait_for()
    page.get_by_role("heading", name="Photo de la plaie").wait_for()
    message = page.locator(f"#message-{Message.objects.get().pk}")
    assert message.get_by_role("link", name="plaie.png", exact=True).is_visible()
    assert Document.objects.get(message__isnull=False).title == "plaie.png"
