"""The calendar in a real browser (Chromium through Playwright, tests/browser/conftest.py): a 7-column month
on a wide screen, a list of the days that have events on a phone, and the navigation by keyboard alone."""

import datetime as dt
import os
import re
import tempfile

import pytest
from django.urls import reverse
from django.utils import timezone

from agenda.tests.conftest import schedule
from coordination import actions as coordination
from coordination.models import Consent
from tests.browser.conftest import browser, page  # noqa: F401 - fixtures
from tests.browser.test_territory_browser import log_in
from tests.cast import make_cast, totp_code

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = os.environ.get("OPENCPTS_SCREENSHOT_DIR", tempfile.gettempdir())


@pytest.fixture
def circle(communes_loaded):
    cast = make_cast()
    patient = coordination.create_patient(
        cast.cpts, cast.member, family_name="NAVIGATEUR", given_names="Nina", birth_date=dt.date(1940, 1, 1)
    )
    group = coordination.open_care_circle(cast.cpts, cast.member, patient)
    coordination.record_consent(
        group,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Partage",
    )
    return cast, group


def test_month_grid_phone_list_and_keyboard_navigation(page, live_server, circle):  # noqa: F811 - fixture
    cast, group = circle
    first = timezone.localdate().replace(day=1)
    schedule(group, cast.member, day=first + dt.timedelta(days=9), title="Visite du dixième jour")
    calendar = reverse("agenda:group", kwargs={"slug": cast.cpts.slug, "group_id": group.pk})
    log_in(page, live_server.url, cast.member, totp_code(cast.member))

    page.goto(f"{live_server.url}{calendar}?vue=mois&date={first:%Y-%m-%d}")
    days = page.locator("ol.cal-month > li")
    assert days.count() % 7 == 0 and days.count() >= 28
    columns = page.eval_on_selector(
        "ol.cal-month", "el => getComputedStyle(el).gridTemplateColumns.split(' ').length"
    )
    assert columns == 7
    assert page.get_by_role("link", name="Visite du dixième jour").is_visible()
    page.screenshot(path=os.path.join(SCREENSHOTS, "agenda-month.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the days with events only, one column
    visible = page.locator("ol.cal-month > li:visible")
    assert visible.count() == 1
    assert page.get_by_role("link", name="Visite du dixième jour").is_visible()
    page.screenshot(path=os.path.join(SCREENSHOTS, "agenda-month-phone.png"), full_page=True)

    # Keyboard only: Tab to "Mois suivant", Enter, and the next month is shown.
    following = (first + dt.timedelta(days=32)).replace(day=1)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Mois suivant →":
            break
    else:
        pytest.fail("« Mois suivant » cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f"date={following:%Y-%m-%d}"))
    assert (
        page.get_by_role("heading", level=2, name=re.compile(r"\d{4}"))
        .inner_text()
        .endswith(str(following.year))
    )
    assert page.get_by_text("Aucun événement ce mois-ci.").is_visible()
