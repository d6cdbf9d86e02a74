"""In a real browser (Chromium through Playwright, pytest-django's live server): a member searches for a free
unscheduled slot, sees it on the list and the map, books it for a patient and sees the confirmation; on a
phone-sized screen the search page does not scroll sideways."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import browser, log_in, page  # noqa: F401 - the shared Chromium fixtures
from tests.browser.shell import go_to
from tests.cast import totp_code
from unscheduled import slots
from unscheduled.models import Booking
from unscheduled.tests.conftest import make_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_searches_books_and_sees_the_confirmation(page, live_server, communes_loaded, cast):  # noqa: F811
    world = make_world(cast)
    slots.publish_slot(
        cast.cpts,
        cast.bureau,
        world.nurse,
        place=world.nurse_place,
        day=timezone.localdate() + dt.timedelta(days=1),
        at=dt.time(10),
        minutes=20,
        visibility=["CPTS"],
        motifs="Pansement",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, cast.member, totp_code(cast.member))
    page.goto(live_server.url + reverse("cpts:home", args=[cast.cpts.slug]))
    go_to(page, "Soins non programmés")  # in a professional's bottom bar
    page.wait_for_url(re.compile(re.escape(reverse("unscheduled:search", args=[cast.cpts.slug]))))
    page.get_by_label("Quand").select_option("48h")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_test_id("count").filter(has_text="1 créneau libre").wait_for()
    page.wait_for_selector("#results-map[data-loaded='1']")  # one marker on the Leaflet map
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"horizontal scroll of {overflow}px on a phone"

    page.get_by_role("link", name=re.compile("^Réserver")).click()
    page.get_by_label("Nom du patient").fill("Durand")
    page.get_by_label("Prénoms").fill("Paul")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_label("Motif").fill("Pansement à refaire")
    page.get_by_role("button", name="Réserver").click()
    page.get_by_text("Rendez-vous réservé.").wait_for()
    assert "DURAND Paul" in page.locator("main").inner_text()
    assert Booking.objects.get().booked_by_id == cast.member.pk
