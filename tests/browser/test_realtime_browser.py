"""Two browsers on one care circle: A posts, B sees the message arrive without reloading (real time over
WebSocket, served by uvicorn on the test database with the in-process channel layer)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination import actions
from coordination.models import Consent
from realtime.tests.servers import app_servers
from tests.browser.conftest import (
    CHROMIUM_ARGS,  # noqa: F401 - same browser settings
    log_in,
)
from tests.cast import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_b_sees_a_message_from_a_without_reloading(browser, communes_loaded, cast):
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
