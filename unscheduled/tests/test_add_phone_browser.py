"""In a real browser on a phone (390 × 844, then 360 × 640): « Ajouter des créneaux » and its preview put the
decision within reach without scrolling (bench/ux.py task b). « Voir l'aperçu » is on the first screen, above
the shell's bottom bar, and stays there (sticky) when « Chaque semaine » makes the form longer than the
screen; the seven days are one row of 44 px chips named by their full day; on the preview the counts and the
buttons come before the list of what collides."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import browser, log_in, page  # noqa: F401 - the shared Chromium fixtures
from tests.cast import totp_code
from unscheduled import slots
from unscheduled.models import Slot
from unscheduled.tests.conftest import make_world

pytestmark = pytest.mark.django_db(transaction=True)

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Whether a person sees and can touch the element where it is now: inside the window and not covered (by the
# bottom bar or anything fixed) at its centre.
REACHABLE = """(el) => {
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) return false;
  const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!at && (at === el || el.contains(at));
}"""


def reachable(locator) -> bool:
    return locator.evaluate(REACHABLE)


def scrolled(tab) -> int:
    return tab.evaluate("window.scrollY")


def overflow(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_the_decision_is_on_the_first_screen_of_a_phone(page, live_server, communes_loaded, cast):  # noqa: F811
    world = make_world(cast)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    for day in (monday, monday + dt.timedelta(days=1)):  # Monday and Tuesday 18:00–20:00 already there
        for minutes in range(0, 120, 20):
            at = dt.time(18 + minutes // 60, minutes % 60)
            slots.publish_slot(
                cast.cpts,
                cast.member,
                world.gp,
                place=world.gp_place,
                day=day,
                at=at,
                minutes=20,
                visibility=["CPTS"],
            )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, cast.member, totp_code(cast.member))
    page.goto(live_server.url + reverse("unscheduled:publish", args=[cast.cpts.slug]))
    bar = page.locator(".bottombar")
    assert bar.is_visible()  # the shell's fixed bar is there: the buttons must stay clear of it
    preview = page.get_by_role("button", name="Voir l'aperçu")
    assert reachable(preview) and scrolled(page) == 0
    assert reachable(page.get_by_role("textbox", name="De")) and reachable(
        page.get_by_role("textbox", name="À")
    )

    # The days: one row of chips, each a 44 px target named by its full day, even at 360 px.
    page.set_viewport_size({"width": 360, "height": 640})
    assert overflow(page) <= 0
    chips = [page.get_by_label(day, exact=True) for day in DAYS]
    boxes = [page.locator(f"label[for='{chip.get_attribute('id')}']").bounding_box() for chip in chips]
    assert len({round(box["y"]) for box in boxes}) == 1
    assert all(box["width"] >= 44 and box["height"] >= 44 for box in boxes), boxes
    assert [page.get_by_role("checkbox", name=day, exact=True).is_checked() for day in DAYS] == [True] * 5 + [
        False
    ] * 2

    # « Chaque semaine » makes the form longer than the screen: « Voir l'aperçu » stays on it, above the bar.
    page.get_by_role("radio", name=re.compile("Chaque semaine$")).check()
    page.get_by_label("À partir du").wait_for()
    form = page.locator("form.slots-add-form").bounding_box()
    assert form["y"] + form["height"] > 640  # the form goes on below the screen
    assert reachable(preview) and scrolled(page) == 0
    assert preview.bounding_box()["y"] + preview.bounding_box()["height"] <= bar.bounding_box()["y"]
    page.get_by_role("radio", name=re.compile("Une semaine$")).check()

    # The folded options hold the duration (20 min by default).
    assert not page.get_by_label("Durée de chaque créneau").is_visible()
    page.get_by_text("Durée, lieu, modalité et visibilité").click()
    assert page.get_by_label("Durée de chaque créneau").input_value() == "20"

    page.get_by_role("textbox", name="De").fill("18:00")
    page.get_by_role("textbox", name="À").fill("20:00")
    preview.click()

    # The preview: the counts, what the buttons do and the buttons first; the twelve collisions folded below.
    # On the short phone the buttons stick above the bottom bar; on the 390 × 844 one they are on the screen.
    page.get_by_text("12 créneaux chevauchent vos créneaux existants").wait_for()
    assert overflow(page) <= 0 and scrolled(page) == 0
    replace = page.get_by_role("button", name="Remplacer")
    skip = page.get_by_role("button", name="Ignorer les chevauchements")
    assert reachable(skip) and reachable(replace)
    page.set_viewport_size({"width": 390, "height": 844})
    assert reachable(skip) and reachable(replace) and scrolled(page) == 0
    collisions = page.locator("details", has_text=re.compile("Voir les 12 chevauchements"))
    assert (
        not collisions.get_attribute("open") and collisions.bounding_box()["y"] > replace.bounding_box()["y"]
    )
    assert Slot.objects.count() == 12  # nothing written before the choice
    replace.click()
    page.get_by_text(re.compile(r"^\d+ créneaux publiés")).wait_for()
