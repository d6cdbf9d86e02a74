"""JSON API of the news feed: the same rules as the pages (tokens and verified sessions alike)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from accounts.models import APIToken
from news import actions
from news.api import PAGE_SIZE
from news.models import Comment, Post
from tests.cast import login

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _, raw = APIToken.issue(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def feed_path(cast, suffix=""):
    return f"/api/cpts/{cast.cpts.slug}/news{suffix}"


def comment(client, cast, post_id, body, auth):
    return client.post(
        feed_path(cast, f"/{post_id}/comments"),
        json.dumps({"body": body}),
        content_type="application/json",
        **auth,
    )


@pytest.fixture
def posts(cast):
    old = actions.publish_post(
        cast.cpts, cast.coordinator, kind="annonce", title="Épinglée", body="<b>Texte</b>", pinned=True
    )
    rcp = actions.publish_post(
        cast.cpts,
        cast.bureau,
        kind="evenement",
        title="Soirée RCP",
        body="Cas",
        event_date=timezone.localdate() + dt.timedelta(days=7),
        event_time=dt.time(20, 0),
        place="Salle des fêtes",
        commune_insee="01034",
    )
    actions.add_comment(rcp, cast.member, "Présent")
    return old, rcp


def test_the_routes_are_in_the_schema(client, db):
    paths = json.loads(client.get("/api/openapi.json").content)["paths"]
    assert {
        "/api/cpts/{slug}/news",
        "/api/cpts/{slug}/news/{post_id}",
        "/api/cpts/{slug}/news/{post_id}/comments",
    } <= set(paths)


@pytest.mark.parametrize("role", ["coordinator", "bureau", "member", "partner", "referent"])
def test_every_member_reads_the_feed_pinned_first(client, cast, posts, role):
    pinned, rcp = posts
    response = client.get(feed_path(cast), **bearer(getattr(cast, role)))
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["page"], data["pages"]) == (2, 1, 1)
    first, second = data["results"]
    assert (first["id"], first["pinned"], first["body"], first["event"]) == (
        pinned.pk,
        True,
        "<b>Texte</b>",
        None,
    )
    assert second["event"] == {
        "date": rcp.event_date.isoformat(),
        "time": "20:00:00",
        "place": "Salle des fêtes",
        "commune_insee": "01034",
        "commune": "Belley",
    }
    assert second["comment_count"] == 1 and second["url"] == f"/c/{cast.cpts.slug}/actualites/{rcp.pk}/"


def test_feed_filter_paging_and_bad_parameters(client, cast, posts):
    auth = bearer(cast.member)
    events = client.get(feed_path(cast), {"kind": "evenement"}, **auth).json()
    assert [p["title"] for p in events["results"]] == ["Soirée RCP"]
    for i in range(PAGE_SIZE):
        actions.publish_post(cast.cpts, cast.coordinator, kind="information", title=f"Info {i}", body="x")
    second = client.get(feed_path(cast), {"page": 2}, **auth).json()
    assert (second["count"], second["page"], second["pages"], len(second["results"])) == (
        PAGE_SIZE + 2,
        2,
        2,
        2,
    )
    bad = client.get(feed_path(cast), {"kind": "publicite"}, **auth)
    assert bad.status_code == 400 and "Type d'actualité inconnu" in bad.json()["detail"]
    assert client.get(feed_path(cast), {"page": 0}, **auth).status_code == 400


def test_a_post_with_its_comments(client, cast, posts):
    _, rcp = posts
    gone = actions.add_comment(rcp, cast.partner, "À retirer")
    actions.delete_comment(gone, cast.coordinator)
    data = client.get(feed_path(cast, f"/{rcp.pk}"), **bearer(cast.referent)).json()
    assert data["title"] == "Soirée RCP" and data["comment_count"] == 1
    assert [(c["body"], c["deleted"]) for c in data["comments"]] == [("Présent", False), ("", True)]


@pytest.mark.parametrize("role", ["coordinator", "bureau", "member", "partner"])
def test_commenters_post_a_comment(client, cast, posts, role):
    _, rcp = posts
    response = comment(client, cast, rcp.pk, "Je viendrai.", bearer(getattr(cast, role)))
    assert response.status_code == 201
    assert response.json()["body"] == "Je viendrai." and response.json()["deleted"] is False
    assert Comment.objects.filter(post=rcp, author=getattr(cast, role), body="Je viendrai.").exists()


def test_refusals_and_bad_input_write_nothing(client, cast, posts):
    _, rcp = posts
    before = Comment.objects.count()
    assert comment(client, cast, rcp.pk, "Bonjour", bearer(cast.referent)).status_code == 403
    assert comment(client, cast, rcp.pk, "Bonjour", bearer(cast.other_coordinator)).status_code == 403
    assert comment(client, cast, rcp.pk, "Bonjour", {}).status_code == 401
    assert comment(client, cast, 999999, "Bonjour", bearer(cast.member)).status_code == 404
    empty = comment(client, cast, rcp.pk, "   ", bearer(cast.member))
    assert empty.status_code == 400 and empty.json() == {
        "detail": "Commentaire : ce champ est obligatoire.",
        "field": "body",
    }
    nir = comment(client, cast, rcp.pk, "1 84 12 76 451 089 46", bearer(cast.member))
    assert nir.status_code == 400 and "numéro de sécurité sociale" in nir.json()["detail"]
    missing = client.post(
        feed_path(cast, f"/{rcp.pk}/comments"), "{}", content_type="application/json", **bearer(cast.member)
    )
    assert missing.status_code == 422
    assert Comment.objects.count() == before


def test_other_cpts_anonymous_and_deleted_posts(client, cast, posts):
    pinned, _ = posts
    assert client.get(feed_path(cast), **bearer(cast.other_coordinator)).status_code == 403
    assert client.get(feed_path(cast), **bearer(cast.outsider)).status_code == 403
    assert client.get(feed_path(cast)).status_code == 401
    theirs = actions.publish_post(
        cast.other, cast.other_coordinator, kind="information", title="Voisine", body="x"
    )
    assert client.get(feed_path(cast, f"/{theirs.pk}"), **bearer(cast.member)).status_code == 404
    actions.delete_post(pinned, cast.coordinator)
    auth = bearer(cast.member)
    assert client.get(feed_path(cast, f"/{pinned.pk}"), **auth).status_code == 404
    assert [p["title"] for p in client.get(feed_path(cast), **auth).json()["results"]] == ["Soirée RCP"]
    assert comment(client, cast, pinned.pk, "Trop tard", auth).status_code == 404


def test_a_verified_session_works_like_a_token(client, cast, posts):
    login(client, cast.partner)
    _, rcp = posts
    assert client.get(feed_path(cast)).status_code == 200
    response = client.post(
        feed_path(cast, f"/{rcp.pk}/comments"),
        json.dumps({"body": "Par la session"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Post.objects.get(pk=rcp.pk).comments.filter(body="Par la session", author=cast.partner).exists()


def test_a_token_post_is_not_refused_by_csrf_while_a_session_post_still_needs_its_token(cast, posts):
    """As a real client sends them (Django's test client skips CSRF unless asked): a POST with a bearer token
    and no session cookie passes; a POST riding on a browser session without the CSRF token is refused."""
    from django.test import Client

    _, rcp = posts
    api_client = Client(enforce_csrf_checks=True)
    assert comment(api_client, cast, rcp.pk, "Par jeton.", bearer(cast.member)).status_code == 201
    logged_in = Client()
    login(logged_in, cast.member)
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["sessionid"] = logged_in.cookies["sessionid"].value
    assert comment(browser, cast, rcp.pk, "Sans jeton CSRF.", {}).status_code == 403
    assert not Comment.objects.filter(body="Sans jeton CSRF.").exists()
