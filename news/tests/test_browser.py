"""In a real browser (Chromium through Playwright, pytest-django's live server): a member comments a post and
the comment appears without the page reloading (HTMX), with the focus on the confirmation; a script typed in a
comment stays text; the navigation leads to the feed, pinned post first."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from news import actions
from news.models import Comment, Post
from tests.browser.conftest import browser, log_in, page  # noqa: F401 - the shared Chromium fixtures
from tests.browser.shell import go_to
from tests.cast import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_comments_without_reloading_and_the_script_stays_text(
    page,  # noqa: F811
    live_server,
    communes_loaded,
    cast,
):
    actions.publish_post(
        cast.cpts,
        cast.coordinator,
        kind=Post.Kind.ANNOUNCEMENT,
        title="Bienvenue",
        body="Bonjour",
        pinned=True,
    )
    rcp = actions.publish_post(
        cast.cpts,
        cast.coordinator,
        kind=Post.Kind.EVENT,
        title="Soirée RCP",
        body="Inscription : https://exemple.fr/rcp",
        event_date=timezone.localdate() + dt.timedelta(days=7),
        event_time=dt.time(20, 0),
        place="Salle des fêtes",
        commune_insee="01034",
    )
    log_in(page, live_server.url, cast.member, totp_code(cast.member))

    page.goto(live_server.url + reverse("cpts:home", args=[cast.cpts.slug]))
    go_to(page, "Actualités")
    page.wait_for_url(re.compile(re.escape(reverse("news:feed", args=[cast.cpts.slug]))))
    titles = page.locator("#fil article h3").all_inner_texts()
    assert titles == ["Bienvenue", "Soirée RCP"]
    assert "Soirée RCP" in page.locator("section.news-upcoming").inner_text()

    page.get_by_role("link", name="Soirée RCP").first.click()
    page.wait_for_url(re.compile(rf"/actualites/{rcp.pk}/$"))
    assert (
        page.get_by_role("link", name="https://exemple.fr/rcp").get_attribute("rel")
        == "nofollow noopener noreferrer"
    )
    page.evaluate("window.__notReloaded = true")

    page.get_by_label("Votre commentaire").fill("<script>window.__pwned = true</script> Je serai là.")
    page.get_by_role("button", name="Commenter").click()
    status = page.get_by_role("status").filter(has_text="Commentaire publié.")
    status.wait_for()
    assert page.evaluate("window.__notReloaded") is True  # the page was not reloaded
    # The focus moves to the confirmation once HTMX has settled the swap (a few ms after it appears).
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.textContent === 'Commentaire publié.'",
        timeout=3_000,
    )
    comment = page.locator("#commentaires article.comment").first
    assert "<script>window.__pwned = true</script> Je serai là." in comment.inner_text()
    assert page.evaluate("window.__pwned === undefined")
    assert page.get_by_label("Votre commentaire").input_value() == ""
    assert page.locator("#commentaires-titre").inner_text() == "Commentaires (1)"
    assert Comment.objects.get().author_id == cast.member.pk


def test_a_phone_sized_screen_keeps_the_feed_usable(page, live_server, communes_loaded, cast):  # noqa: F811
    actions.publish_post(
        cast.cpts,
        cast.bureau,
        kind=Post.Kind.INFORMATION,
        title="Campagne de vaccination",
        body="https://exemple.fr/" + "tres-longue-adresse-" * 10,
    )
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server.url, cast.referent, totp_code(cast.referent))
    page.goto(live_server.url + reverse("news:feed", args=[cast.cpts.slug]))
    assert page.get_by_role("heading", name="Actualités", level=1).is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"horizontal scroll of {overflow}px on a phone"
