"""A care circle on a 390×844 phone, as the demo's GP (medecin@): the conversation opens on its newest
messages, a message typed and sent (double tapped) appears once at the bottom and empties the composer, an
empty send is refused in French, a message typed without connection is kept and sent when it comes back,
and the Documents tab opens on its own URL; nothing scrolls sideways."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from coordination.models import Message
from cpts.models import CPTS
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.cast import PASSWORD, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

TABS = [
    "coordination:group",
    "coordination:members",
    "coordination:consents",
    "coordination:documents",
    "agenda:group",
    "coordination:informations",
    "coordination:history",
]
OFFLINE = "Hors ligne — votre message sera envoyé au retour de la connexion"


def overflow(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def at_bottom(page) -> bool:
    return page.evaluate(
        "() => { const s = document.scrollingElement;"
        " return s.scrollHeight - s.scrollTop - s.clientHeight < 4; }"
    )


def last_bubble_text(page) -> str:
    return page.locator("#messages .chat-item").last.locator(".bubble-body").inner_text()


def test_a_circle_as_a_conversation_on_a_phone(browser, live_server, communes_loaded, settings, tmp_path):  # noqa: F811
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    cpts = CPTS.objects.get(slug="cpts-bugey-sud")
    gp = User.objects.get(email="medecin@demo.opencpts.test")
    gp.set_password(PASSWORD)  # the demo's own password is random
    gp.save(update_fields=["password"])
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, gp, totp_code(gp))

        # The list, by last activity, each row with the first words of its last message; open a circle.
        page.goto(live_server.url + reverse("coordination:groups", args=[cpts.slug]))
        assert overflow(page) <= 0
        page.locator(".group-row a", has_text="Prise en charge de").first.click()
        page.wait_for_url(re.compile(r"/groupes/\d+/$"))
        group_id = int(re.search(r"/groupes/(\d+)/$", page.url).group(1))
        page.wait_for_function("() => document.body.classList.contains('page-conversation')")
        assert at_bottom(page)  # the newest messages are in view
        assert overflow(page) <= 0
        before = Message.objects.filter(group_id=group_id).count()

        # Empty: refused in French, nothing sent.
        page.get_by_role("button", name="Envoyer").click()
        assert page.locator("#composer-status").inner_text() == (
            "Le message est vide : écrivez votre texte avant d'envoyer."
        )
        assert Message.objects.filter(group_id=group_id).count() == before

        # Typed and double tapped: one message, at the bottom, above the composer; the composer is empty.
        page.locator("#sujet_body").fill("Passage infirmier demain à 9 h, je m'occupe du pansement.")
        page.get_by_role("button", name="Envoyer").dblclick()
        page.wait_for_function(
            "() => [...document.querySelectorAll('#messages .bubble-body')].some("
            "b => b.textContent.includes('je m\\'occupe du pansement'))"
        )
        assert "je m'occupe du pansement" in last_bubble_text(page)
        assert page.locator("#sujet_body").input_value() == ""
        assert (
            Message.objects.filter(group_id=group_id, body__contains="je m'occupe du pansement").count() == 1
        )
        sent = Message.objects.get(body__contains="je m'occupe du pansement")
        assert sent.parent_id is not None  # no subject: it continues the last one
        bubble = page.locator(f"#message-{sent.pk}").bounding_box()
        composer = page.locator("#composer").bounding_box()
        assert bubble["y"] + bubble["height"] <= composer["y"] + 1  # the composer hides nothing
        assert overflow(page) <= 0

        # The connection drops while typing: kept, said, sent when it comes back (once).
        context.set_offline(True)
        page.locator("#sujet_body").fill("Message écrit sans réseau")
        page.get_by_role("button", name="Envoyer").click()
        page.get_by_text(OFFLINE).wait_for()
        draft = page.evaluate(f"() => JSON.parse(localStorage.getItem('opencpts:circle-draft:{group_id}'))")
        assert draft["body"] == "Message écrit sans réseau" and draft["pending"] is True
        assert not Message.objects.filter(body="Message écrit sans réseau").exists()
        context.set_offline(False)
        page.wait_for_function(
            "() => [...document.querySelectorAll('#messages .bubble-body')].some("
            "b => b.textContent.includes('Message écrit sans réseau'))"
        )
        assert Message.objects.filter(body="Message écrit sans réseau").count() == 1
        assert page.locator("#sujet_body").input_value() == ""

        # The Documents tab, on its own URL.
        page.get_by_role("link", name="Documents", exact=True).click()
        page.wait_for_url(
            re.compile(re.escape(reverse("coordination:documents", args=[cpts.slug, group_id])))
        )
        page.get_by_role("heading", name="Documents").wait_for()
        assert overflow(page) <= 0

        # Every tab fits a 360 px phone.
        page.set_viewport_size({"width": 360, "height": 780})
        wide = []
        for name in TABS:
            response = page.goto(live_server.url + reverse(name, args=[cpts.slug, group_id]))
            assert response is not None and response.status == 200, name
            if overflow(page) > 0:
                wide.append(name)
        assert not wide, f"Tabs wider than 360 px: {wide}"
    finally:
        context.close()
