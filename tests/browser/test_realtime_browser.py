"""Two browsers on one care circle: A posts, B sees the message arrive without reloading (real time over
WebSocket, served by uvicorn on the test database with the in-process channel layer)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination import actions
from coordination.models import Consent
from notifications.access import unread_count
from realtime.tests.servers import app_servers
from tests.browser.conftest import (
    CHROMIUM_ARGS,  # noqa: F401 - same browser settings
    log_in,
)
from tests.cast import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def shared_circle(cast):
    """A care circle of the member and the bureau member, with the patient's consent."""
    patient = actions.create_patient(
        cast.cpts, cast.member, family_name="NAVIGATEUR", given_names="Léa", birth_date=dt.date(1948, 6, 1)
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
    return circle


def test_b_sees_a_message_from_a_without_reloading(browser, communes_loaded, cast):
    circle = shared_circle(cast)
    codes = {u.pk: totp_code(u) for u in (cast.member, cast.bureau)}
    group_path = reverse("coordination:group", args=[cast.cpts.slug, circle.pk])

    with app_servers(1, None) as (address,):
        base = f"http://{address}"
        contexts = [browser.new_context(locale="fr-FR") for _ in range(2)]
        try:
            a, b = (context.new_page() for context in contexts)
            for page in (a, b):
                page.set_default_timeout(15_000)
            log_in(a, base, cast.member, codes[cast.member.pk])
            log_in(b, base, cast.bureau, codes[cast.bureau.pk])
            for page in (a, b):
                page.goto(base + group_path)
                # The page's WebSocket is open and the server has subscribed it.
                page.wait_for_function("() => document.body.dataset.realtimeState === 'ready'")
            b.evaluate("() => { window.__notReloaded = true; }")

            b.locator("#sujet_body").fill("Brouillon de B, pas encore envoyé")  # half-typed, must survive
            a.get_by_text("Nouveau sujet", exact=True).click()
            a.locator("#sujet_subject").fill("Passage infirmier")
            a.locator("#sujet_body").fill("Pansement refait ce matin, RAS.")
            a.get_by_role("button", name="Envoyer").click()
            a.wait_for_load_state()

            b.get_by_text("Pansement refait ce matin, RAS.").wait_for(timeout=3_000)
            assert b.evaluate("() => window.__notReloaded === true")  # same page: no reload happened
            assert b.get_by_role("heading", name="Passage infirmier").is_visible()
            assert b.locator("#sujet_body").input_value() == "Brouillon de B, pas encore envoyé"
            b.wait_for_function(
                "() => document.getElementById('rt-announce').textContent.includes('Nouveau message')"
            )
        finally:
            for context in contexts:
                context.close()


def test_after_a_reconnection_the_page_catches_up_on_what_it_missed(browser, communes_loaded, cast):
    """The socket drops; a message is posted meanwhile (by this test's process, whose events never reach
    the application process: only the page's catch-up can show it); once reconnected, the page shows it
    and the badge its count, without a reload, and says « connexion perdue » exactly while it is."""
    circle = shared_circle(cast)
    with app_servers(1, None) as (address,):
        base = f"http://{address}"
        context = browser.new_context(locale="fr-FR")
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            # The page's WebSocket goes through the test: it can drop it, and refuse reconnections meanwhile
            # (the application process restarting behind nginx, as the page sees it).
            line = {"up": True, "open": []}

            def route(ws):
                if not line["up"]:
                    ws.close(code=1012, reason="Service restart")
                    return
                line["open"].append((ws, ws.connect_to_server()))

            page.route_web_socket(re.compile(r"/ws/"), route)
            log_in(page, base, cast.bureau, totp_code(cast.bureau))
            page.goto(base + reverse("coordination:group", args=[cast.cpts.slug, circle.pk]))
            page.wait_for_function("() => document.body.dataset.realtimeState === 'ready'")
            page.evaluate("() => { window.__notReloaded = true; }")
            lost = page.locator("#rt-status")
            assert lost.is_hidden()

            line["up"] = False
            for ws, server in line["open"]:
                server.close()
                ws.close(code=1012, reason="Service restart")
            lost.wait_for(state="visible")
            actions.post_message(circle, cast.member, "Tension 13/8 ce soir.", subject="Pendant la coupure")
            unread = unread_count(cast.bureau)
            assert unread > 0
            page.wait_for_timeout(1_500)  # a reconnection attempt fails meanwhile: still lost
            assert lost.is_visible()
            assert page.get_by_text("Tension 13/8 ce soir.").count() == 0

            line["up"] = True
            page.get_by_text("Tension 13/8 ce soir.").wait_for()
            assert lost.is_hidden()
            assert page.evaluate("() => window.__notReloaded === true")
            assert page.locator("#unread-badge").inner_text() == str(unread)
        finally:
            context.close()
