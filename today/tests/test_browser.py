"""In a real browser (Chromium through Playwright) on a 390 px phone, from the demo (seed_demo): the GP's
« Aujourd'hui » answers « what needs me today? » — a booking of today or tomorrow, the unread conversations
with their first words, the events to come, the shortcut to publish slots — without scrolling sideways; the
coordinator's shows the coordination's blocks, and the cockpit's first screen its verdicts."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cpts.models import CPTS
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.cast import PASSWORD, totp_code
from unscheduled import booking as booking_rules
from unscheduled.models import Slot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(tab, what: str) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}: {width}px wide on a {PHONE['width']}px screen"


def demo_user(local: str) -> User:
    user = User.objects.get(email=f"{local}@demo.opencpts.test")
    user.set_password(PASSWORD)  # the demo's own password is random
    user.save(update_fields=["password"])
    return user


def test_the_home_of_the_demo_gp_on_a_phone(browser, live_server, communes_loaded, settings, tmp_path):  # noqa: F811
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    cpts = CPTS.objects.get(slug="cpts-bugey-sud")
    gp, coordinator = demo_user("medecin"), demo_user("coordination")
    # A patient booked on one of the GP's slots of tomorrow (through the booking rule, by the coordination).
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    slot = (
        Slot.objects.bookable()
        .filter(cpts=cpts, professional_id=gp.professional_id, start__date=tomorrow)
        .order_by("start")
        .first()
    )
    assert slot is not None, "the demo publishes the GP's slots of the coming days"
    booking_rules.book(
        slot, coordinator, family_name="Durand", given_names="Lucie", motif="Fièvre", phone="0612345678"
    )

    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    try:
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        log_in(tab, live_server.url, gp, totp_code(gp))
        tab.goto(live_server.url + reverse("cpts:home", args=[cpts.slug]))
        tab.get_by_role("heading", name="Aujourd'hui", exact=True).wait_for()
        bookings = tab.locator('[data-block="bookings"]')
        assert "DURAND Lucie" in bookings.inner_text()
        assert bookings.get_by_role("heading", name="Demain", exact=False).is_visible()
        unread = tab.locator('[data-block="unread"]')
        assert unread.locator(".item-preview").count() >= 1  # the last message's first words
        assert tab.locator('[data-block="events"] .items li').count() >= 1
        assert tab.get_by_role("link", name="Publier des créneaux").is_visible()
        assert (
            tab.locator('[data-block="gp-queue"], [data-block="membership"], [data-block="reports"]').count()
            == 0
        )
        # The first block that needs the GP starts on the first screen.
        first = tab.locator(".today-grid > section").first
        assert first.get_attribute("data-block") in ("bookings", "unread", "proposals", "events")
        assert first.bounding_box()["y"] < PHONE["height"]
        no_sideways_scroll(tab, "Aujourd'hui du médecin")
        # One tap to the booking.
        bookings.get_by_role("link", name="DURAND Lucie").click()
        tab.wait_for_url(f"**{reverse('unscheduled:booking', args=[cpts.slug, slot.bookings.get().pk])}")
    finally:
        context.close()

    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    try:
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        log_in(tab, live_server.url, coordinator, totp_code(coordinator))
        tab.goto(live_server.url + reverse("cpts:home", args=[cpts.slug]))
        assert tab.locator('[data-block="gp-queue"]').is_visible()
        assert tab.locator('[data-block="off-track"]').count() == 1
        no_sideways_scroll(tab, "Aujourd'hui de la coordination")
        tab.goto(live_server.url + reverse("aci:cockpit", args=[cpts.slug]))
        glance = tab.get_by_test_id("glance")
        glance.get_by_role("heading", name="où en sommes-nous ?", exact=False).wait_for()
        chips = glance.locator("[data-testid=judged] .verdict")
        assert chips.count() > 0
        assert all(text.strip() for text in chips.all_inner_texts())  # each chip says its verdict in words
        tab.wait_for_function("() => document.querySelector('#variable-chart[data-ready=\"1\"]') !== null")
        no_sideways_scroll(tab, "tableau de bord ACI")
    finally:
        context.close()
