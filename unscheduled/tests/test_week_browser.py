"""In a real browser at 390 × 844 (a phone): the GP publishes next week's slots Monday to Friday 18:00–20:00
from « Mes créneaux » — « Ajouter des créneaux » (next week, Monday to Friday preselected), the hours, the
preview naming the slot already there, « Ignorer les chevauchements » — and reads the exact confirmation;
the week shows one day at a time and nothing scrolls sideways."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agenda.timing import PARIS
from opencpts import french
from tests.browser.conftest import browser, log_in, page  # noqa: F401 - the shared Chromium fixtures
from tests.cast import totp_code
from unscheduled import slots
from unscheduled.models import Slot
from unscheduled.tests.conftest import make_world

pytestmark = pytest.mark.django_db(transaction=True)


def overflow(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_next_week_on_a_phone_and_its_exact_confirmation(page, live_server, communes_loaded, cast):  # noqa: F811
    world = make_world(cast)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    slots.publish_slot(
        cast.cpts,
        cast.member,
        world.gp,
        place=world.gp_place,
        day=monday,
        at=dt.time(18),
        minutes=20,
        visibility=["CPTS"],
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, cast.member, totp_code(cast.member))
    page.goto(live_server.url + reverse("unscheduled:mine", args=[cast.cpts.slug]))
    assert overflow(page) <= 0
    visible_days = page.locator(".slots-day:visible")
    assert visible_days.count() == 1  # one day at a time on a phone

    page.get_by_role("link", name="Ajouter des créneaux", exact=True).click()
    page.wait_for_url(re.compile(re.escape(reverse("unscheduled:publish", args=[cast.cpts.slug]))))
    assert overflow(page) <= 0
    for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi"):
        assert page.get_by_label(day, exact=True).is_checked()
    assert not page.get_by_label("samedi", exact=True).is_checked()
    page.get_by_label(re.compile(r"^De( \*)?$")).fill("18:00")
    page.get_by_label(re.compile(r"^À( \*)?$")).fill("20:00")
    page.get_by_role("button", name="Voir l'aperçu").click()

    page.get_by_text("29 créneaux seront publiés").wait_for()
    assert page.get_by_text("1 créneau chevauche vos créneaux existants").is_visible()
    assert overflow(page) <= 0
    assert Slot.objects.count() == 1  # nothing saved before the choice
    page.get_by_role("button", name="Ignorer les chevauchements").click()

    expected = f"29 créneaux publiés, 1 ignoré : déjà occupé le {french.day(monday)}."
    page.get_by_text(expected).wait_for()
    assert Slot.objects.count() == 30
    starts = {s.start.astimezone(PARIS).time() for s in Slot.objects.all()}
    assert starts == {
        dt.time(18),
        dt.time(18, 20),
        dt.time(18, 40),
        dt.time(19),
        dt.time(19, 20),
        dt.time(19, 40),
    }
    # Back on the week of the new slots: the chips switch the day shown, without leaving the page.
    page.locator(f".slots-chip[data-day='{(monday + dt.timedelta(days=2)).isoformat()}']").click()
    assert page.locator(f"#jour-{(monday + dt.timedelta(days=2)).isoformat()}").is_visible()
    assert page.locator(f"#jour-{monday.isoformat()}").is_hidden()
    assert page.locator(".slots-day:visible .slots-block").count() == 6
    assert overflow(page) <= 0
    # The narrowest phone: the week, the form and a preview with collisions all fit in 360 px.
    page.set_viewport_size({"width": 360, "height": 740})
    assert overflow(page) <= 0
    targets = "main button, main .slots-chip, main .slots-toggle label, main .slots-block label"

    def all_targets_are_44_px_high():
        for target in page.locator(targets).all():
            box = target.bounding_box()
            assert box is None or box["height"] >= 44, target.inner_text()

    all_targets_are_44_px_high()
    page.get_by_role("link", name="Ajouter des créneaux", exact=True).click()
    assert overflow(page) <= 0
    all_targets_are_44_px_high()
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.get_by_role("button", name="Remplacer").wait_for()  # every slot of the preset collides now
    assert overflow(page) <= 0
    all_targets_are_44_px_high()
