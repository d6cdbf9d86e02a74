"""In a real browser (Chromium through Playwright, pytest-django's live server), on a phone-sized screen: a
person without a médecin traitant fills the public form with the keyboard, sends it (after the anti-robot
delay, which is not bypassed) and confirms it from the e-mail; the coordinator proposes attributions and sends
them, and sees the dashboard's map and charts; the GP accepts the patient on "Mes patients proposés". The
request ends placed."""

import re
import time

import pytest
from django.core import mail
from django.urls import reverse

from directory.models import PracticePlace
from gpmatching import capacity as capacity_rules
from gpmatching import spam
from gpmatching.models import Proposal, Request
from territory.models import Commune
from tests.browser.conftest import browser, log_in, page  # noqa: F401 - the shared Chromium fixtures
from tests.browser.shell import go_to
from tests.cast import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# The public form in keyboard order: what a person reaches pressing Tab from the family name.
TAB_ORDER = [  # what is needed first and the consent, then the optional situation and folded details
    "id_last_name",
    "id_first_name",
    "id_birth_date",
    "id_phone",
    "id_email",
    "id_commune",
    "id_reason",
    "A",  # « vos données en détail », just above the consent
    "id_consent",
    *[f"id_situations_{k}" for k in range(7)],
    "SUMMARY",  # « Préciser ma situation (facultatif) », opened with the keyboard
    "id_nir",
    "id_address",
    "id_comment",
]


def declare_gp(cast):
    belley = Commune.objects.get(insee="01034")
    place = PracticePlace.objects.create(
        professional=cast.member.professional,
        label="Cabinet du Dr Membre",
        address="1 rue de la Paix",
        postal_code="01300",
        commune=belley,
        latitude=belley.latitude,
        longitude=belley.longitude,
        is_primary=True,
    )
    capacity_rules.declare(
        cast.cpts,
        cast.member.professional,
        cast.member,
        {"per_month": 3, "max_distance_km": 20, "place": place.pk},
    )


def no_sideways_scroll(tab):
    overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"horizontal scroll of {overflow}px on a phone"


def type_date(tab, selector, iso):
    """Type a date in a date field: its day, month and year boxes follow the browser's language (month first
    in English, day first in French), and the year comes last in both; the focus ends in the year box."""
    year, month, day = iso.split("-")
    for digits in (month + day + year, day + month + year):
        tab.keyboard.type(digits)
        if tab.locator(selector).input_value() == iso:
            return
        tab.locator(selector).fill("")
        tab.locator(selector).focus()
    raise AssertionError(f"the date field would not take {iso} from the keyboard")


def tab_out(tab):
    """Tab to the next field: inside a date field, Tab first goes through its own boxes (and calendar
    button)."""
    before = focused(tab)
    for _ in range(4):
        tab.keyboard.press("Tab")
        if focused(tab) != before:
            return


def focused(tab) -> str:
    return tab.evaluate("document.activeElement.id || document.activeElement.tagName")


def test_from_the_public_form_to_an_accepted_patient(page, browser, live_server, communes_loaded, cast):  # noqa: F811
    declare_gp(cast)
    codes = {u.pk: totp_code(u) for u in (cast.coordinator, cast.member)}
    base = live_server.url

    # The person, no account, on a phone.
    page.set_viewport_size(PHONE)
    page.goto(base + reverse("gpmatching:public_form", args=[cast.cpts.slug]))
    shown_at = time.monotonic()
    no_sideways_scroll(page)
    # The honeypot is out of sight and out of the tab order; its container is hidden from screen readers.
    trap = page.locator("#id_website")
    box = trap.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0
    assert trap.get_attribute("tabindex") == "-1"
    assert page.locator(".hp").get_attribute("aria-hidden") == "true"

    page.get_by_label(re.compile(r"^Nom\b")).focus()
    typed = {
        "id_last_name": "Durand",
        "id_first_name": "Paul",
        "id_phone": "0612345678",
        "id_email": "paul.durand@example.org",
        "id_comment": "Mon médecin est parti à la retraite en juin.",
    }
    order = []
    for k, expected in enumerate(TAB_ORDER):
        if k:
            tab_out(page)
        order.append(focused(page))
        if order[-1] != expected:
            break
        if expected in typed:
            page.keyboard.type(typed[expected])
        elif expected == "id_birth_date":
            type_date(page, "#id_birth_date", "1955-03-15")
        elif expected in ("id_commune", "id_reason"):
            page.keyboard.press("ArrowDown")  # the first real choice: Belley ; "parti à la retraite"
        elif expected in ("id_situations_0", "id_consent"):
            page.keyboard.press("Space")  # ALD ; the consent
        elif expected == "SUMMARY":
            page.keyboard.press("Enter")  # unfolds the optional details
    assert order == TAB_ORDER
    tab_out(page)  # the privacy notice, said just before sending (privacy app)
    assert page.evaluate("document.activeElement.textContent") == "notice sur vos données et vos droits"
    tab_out(page)
    assert page.evaluate("document.activeElement.textContent") == "Envoyer ma demande"
    assert "id_website" not in order
    # What the keyboard produced, read back through the labels.
    assert page.get_by_label("Date de naissance").input_value() == "1955-03-15"
    assert page.get_by_label("Commune").input_value() == "01034"
    assert page.get_by_label("Pourquoi n'avez-vous pas de médecin traitant ?").input_value() == "retirement"
    assert page.get_by_label("Affection de longue durée").is_checked()
    assert page.get_by_label("J'accepte que la CPTS conserve").is_checked()

    # The form refuses an answer faster than a person: wait out the real delay (not patched).
    page.wait_for_timeout(max(0, spam.MIN_SECONDS + 0.5 - (time.monotonic() - shown_at)) * 1000)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(reverse("gpmatching:public_done", args=[cast.cpts.slug]))))
    reference = page.get_by_test_id("reference").inner_text()
    no_sideways_scroll(page)
    item = Request.objects.get(reference=reference)
    assert (
        item.status == Request.Status.UNCONFIRMED and item.ald and item.birth_date.isoformat() == "1955-03-15"
    )
    assert item.reason == "retirement" and item.commune_id == "01034"

    # The confirmation link from the e-mail: the page asks, the button confirms.
    message = next(m for m in mail.outbox if reference in m.body)
    path = re.search(r"https?://[^/\s]+(/medecin-traitant/confirmer/\S+/)", message.body).group(1)
    page.goto(base + path)
    page.get_by_role("button", name="Je confirme ma demande").click()
    page.get_by_text("votre demande est confirmée").wait_for()
    item.refresh_from_db()
    assert item.status == Request.Status.WAITING

    # The coordinator proposes attributions and sends them.
    coord_context = browser.new_context(locale="fr-FR", viewport=PHONE)
    try:
        coord = coord_context.new_page()
        coord.set_default_timeout(15_000)
        log_in(coord, base, cast.coordinator, codes[cast.coordinator.pk])
        coord.goto(base + reverse("gpmatching:waiting_list", args=[cast.cpts.slug]))
        assert reference in coord.locator("main").inner_text()
        coord.get_by_role("navigation", name="Médecin traitant").get_by_role(
            "link", name="Attributions"
        ).click()
        coord.get_by_role("button", name="Proposer des attributions").click()
        coord.get_by_text("1 attribution proposée sur 1 demande en attente").wait_for()
        assert (
            coord.get_by_test_id("explanation").inner_text()
            == "Proposé au Dr Marie Membre, 0,0 km, capacité restante 2"
        )
        assert coord.get_by_role("checkbox", name=f"Choisir la proposition pour {reference}").is_checked()
        no_sideways_scroll(coord)
        coord.get_by_role("button", name="Envoyer les propositions choisies").click()
        coord.get_by_text("1 proposition envoyée aux médecins.").wait_for()
        assert Proposal.objects.get(request=item).status == Proposal.Status.SENT

        # The dashboard: the demand map (one commune, one GP) and the charts drawn along the x axis.
        coord.goto(base + reverse("gpmatching:dashboard", args=[cast.cpts.slug]))
        coord.wait_for_selector(".map[data-demand][data-loaded='2']")
        coord.wait_for_function(
            "() => document.querySelectorAll(\"canvas[data-chart][data-ready='1']\").length === 2"
        )
        axes = coord.evaluate(
            "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
            ".map(c => Chart.getChart(c).options.indexAxis)"
        )
        assert axes == ["x", "x"]
        assert coord.locator(".map[data-demand] .leaflet-interactive").count() == 2
    finally:
        coord_context.close()

    # The GP accepts on "Mes patients proposés".
    gp_context = browser.new_context(locale="fr-FR", viewport=PHONE)
    try:
        gp = gp_context.new_page()
        gp.set_default_timeout(15_000)
        log_in(gp, base, cast.member, codes[cast.member.pk])
        gp.goto(base + reverse("cpts:home", args=[cast.cpts.slug]))
        go_to(gp, "Patients qui me sont proposés")  # through « Menu » on a phone
        gp.get_by_role("heading", name="Patients sans médecin traitant qui vous sont proposés").wait_for()
        card = gp.locator("section.proposal").filter(
            has=gp.get_by_role("heading", name=re.compile("^DURAND Paul"))
        )
        assert "Proposé au Dr Marie Membre" in card.inner_text()
        no_sideways_scroll(gp)
        card.get_by_role("button", name="J'accepte ce patient").click()
        gp.get_by_text("Merci : le patient est informé et la demande est close.").wait_for()
        assert (
            "DURAND Paul"
            in gp.get_by_role("heading", name="Patients acceptés")
            .locator("xpath=following-sibling::ul[1]")
            .inner_text()
        )
    finally:
        gp_context.close()

    item.refresh_from_db()
    assert item.status == Request.Status.PLACED and item.placed_with == cast.member.professional
    assert Proposal.objects.get(request=item).status == Proposal.Status.ACCEPTED


def test_a_person_faster_than_the_delay_confirms_and_the_request_is_stored_once(
    page,  # noqa: F811
    live_server,
    communes_loaded,
    cast,
    monkeypatch,
):
    """Every send counts as too fast here (the delay raised to an hour in the live server): the form comes
    back filled in, asks « Merci de confirmer l'envoi », and only the confirmation stores the request."""
    monkeypatch.setattr(spam, "MIN_SECONDS", 3600)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("gpmatching:public_form", args=[cast.cpts.slug]))
    page.locator("#id_last_name").fill("Durand")
    page.locator("#id_first_name").fill("Paul")
    page.locator("#id_birth_date").fill("1955-03-15")
    page.locator("#id_phone").fill("0612345678")
    page.locator("#id_commune").select_option("01034")
    page.locator("#id_situations_0").check()
    page.locator("#id_reason").select_option("retirement")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_load_state()

    assert "Merci de confirmer l'envoi" in page.locator("#confirmer-envoi").inner_text()
    assert page.locator("#id_last_name").input_value() == "Durand"
    assert "Votre demande est enregistrée" not in page.content() and not Request.objects.exists()
    no_sideways_scroll(page)

    page.locator("#confirmer-envoi").get_by_role("button", name="Confirmer l'envoi").click()
    page.wait_for_url(re.compile(re.escape(reverse("gpmatching:public_done", args=[cast.cpts.slug]))))

    reference = page.get_by_test_id("reference").inner_text()
    assert Request.objects.get().reference == reference
