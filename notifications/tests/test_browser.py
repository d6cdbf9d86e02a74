"""In a real browser: B's unread badge rises when A posts (real time, no reload), then B marks the
notification read on the notifications page (HTMX: the item and the badge change in place, the focus stays on
the item).

Served by uvicorn on the test database (realtime/tests/servers.py), as the real-time browser test does."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination import actions
from coordination.models import Consent
from notifications.models import Notification
from realtime.tests.servers import app_servers
from tests.browser.conftest import (
    browser,  # noqa: F401 - the Chromium fixture
    log_in,
)
from tests.cast import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_badge_rises_live_and_htmx_marks_read(browser, communes_loaded, cast):  # noqa: F811
    patient = actions.create_patient(
        cast.cpts, cast.member, family_name="BADGE", given_names="Lou", birth_date=dt.date(1950, 2, 3)
    )
    circle = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.invite(circle, cast.member, cast.bureau)
    actions.answer_invitation(circle, cast.bureau, accept=True)
    actions.record_consent(
        circle,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Coordination",
    )
    Notification.objects.update(read_at=timezone.now())  # the bureau's invitation (committed, so delivered)
    codes = {u.pk: totp_code(u) for u in (cast.member, cast.bureau)}

    with app_servers(1, None) as (address,):
        base = f"http://{address}"
        contexts = [
            browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}) for _ in range(2)
        ]
        try:
            a, b = (context.new_page() for context in contexts)
            for page in (a, b):
                page.set_default_timeout(15_000)
            log_in(a, base, cast.member, codes[cast.member.pk])
            log_in(b, base, cast.bureau, codes[cast.bureau.pk])
            b.goto(base + reverse("notifications:list"))
            b.get_by_text("Aucune notification non lue").wait_for()
            badge = b.locator("#unread-badge")
            assert badge.is_hidden()
            b.wait_for_function("() => document.body.dataset.realtimeState === 'ready'")
            b.evaluate("() => { window.__notReloaded = true; }")

            a.goto(base + reverse("coordination:group", args=[cast.cpts.slug, circle.pk]))
            a.get_by_text("Nouveau sujet", exact=True).click()
            a.locator("#sujet_subject").fill("Passage infirmier")
            a.locator("#sujet_body").fill("Pansement refait ce matin.")
            a.get_by_role("button", name="Envoyer").click()
            a.wait_for_load_state()

            b.wait_for_function(
                "() => document.getElementById('unread-badge').textContent.trim() === '1'", timeout=5_000
            )
            assert badge.is_visible() and b.evaluate("() => window.__notReloaded === true")

            b.reload()
            item = b.locator(".notification").first
            assert "Nouveau message dans le cercle de soins" in item.inner_text()
            assert "BADGE" not in b.content()
            b.get_by_role("button", name=re.compile("^Marquer comme lue")).focus()
            b.keyboard.press("Enter")  # keyboard only
            b.get_by_text("Aucune notification non lue").wait_for()
            assert badge.is_hidden()
            assert b.locator(".notification").first.get_by_role("button").count() == 0
            assert b.evaluate("() => document.activeElement.closest('.notification') !== null")
            assert Notification.objects.get(user=cast.bureau, kind="message").read_at is not None
        finally:
            for context in contexts:
                context.close()
