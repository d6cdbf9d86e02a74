"""Pages of the news feed: feed, detail with comments (plain posts and HTMX), publishing, editing, pinning,
deleting; escaping; refusals leave the data intact."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from news import actions
from news.models import Comment, Post, PostRevision
from news.views import PAGE_SIZE
from tests.cast import login

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, cast, **kwargs):
    return reverse(f"news:{name}", kwargs={"slug": cast.cpts.slug, **kwargs})


def announce(cast, by=None, **fields):
    data = {"kind": Post.Kind.ANNOUNCEMENT, "title": "Assemblée générale", "body": "Le 12 juin."} | fields
    return actions.publish_post(cast.cpts, by or cast.coordinator, **data)


EVENT_FORM = {
    "kind": "evenement",
    "title": "Soirée RCP",
    "body": "Cas anonymisés.\nInscription : https://exemple.fr",
    "event_date": (TODAY + dt.timedelta(days=14)).isoformat(),
    "event_time": "20:00",
    "place": "Salle des fêtes",
    "commune": "01034",
}


@pytest.mark.parametrize("role", ["coordinator", "bureau", "member", "partner", "referent"])
def test_every_member_sees_the_feed_and_the_navigation_link(client, cast, role):
    announce(cast)
    login(client, getattr(cast, role))
    page = client.get(url("feed", cast)).content.decode()
    assert "Assemblée générale" in page
    menu_entry = re.compile(rf'href="{url("feed", cast)}"[^>]*>(?:(?!</a>).)*menu-label">Actualités<', re.S)
    assert menu_entry.search(page)  # the menu's entry (cpts/navigation.py)
    assert ("Publier une actualité" in page) == (role in ("coordinator", "bureau"))


@pytest.mark.parametrize("role", ["other_coordinator", "outsider", "admin"])
def test_other_cpts_and_outsiders_are_refused(client, cast, role):
    post = announce(cast)
    login(client, getattr(cast, role))
    assert client.get(url("feed", cast)).status_code == 403
    assert client.get(url("post", cast, post_id=post.pk)).status_code == 403


def test_anonymous_is_sent_to_the_login(client, cast):
    response = client.get(url("feed", cast))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_feed_pinned_first_filter_paging_and_upcoming_events(client, cast):
    for i in range(PAGE_SIZE + 2):
        announce(cast, title=f"Annonce {i:02d}")
    pinned = announce(cast, title="Annonce épinglée", pinned=True)
    Post.objects.filter(pk=pinned.pk).update(published_at=timezone.now() - dt.timedelta(days=30))
    actions.publish_post(
        cast.cpts,
        cast.coordinator,
        kind=Post.Kind.EVENT,
        title="Plénière de printemps",
        body="Ordre du jour à venir",
        event_date=TODAY + dt.timedelta(days=5),
        event_time=dt.time(19, 30),
        place="Mairie de Belley",
    )
    login(client, cast.member)
    page = client.get(url("feed", cast)).content.decode()
    titles = re.findall(r'<h3 id="actualite-\d+"><a [^>]+>([^<]+)</a>', page)
    assert titles[0] == "Annonce épinglée" and len(titles) == PAGE_SIZE
    assert "Épinglé</span>" in page and "Page 1 sur 2" in page
    upcoming = page.split('id="agenda-titre"')[1].split("</section>")[0]
    assert "Plénière de printemps" in upcoming and "19 h 30" in upcoming and "Mairie de Belley" in upcoming
    events_only = client.get(url("feed", cast), {"type": "evenement"}).content.decode()
    assert re.findall(r'<h3 id="actualite-\d+"><a [^>]+>([^<]+)</a>', events_only) == [
        "Plénière de printemps"
    ]
    assert client.get(url("feed", cast), {"page": "2"}).status_code == 200
    assert client.get(url("feed", cast), {"type": "<script>", "page": "abc"}).status_code == 200


def test_a_script_in_a_post_or_comment_is_shown_as_text(client, cast):
    post = announce(
        cast, title="<i>Titre</i>", body='<script>alert("x")</script>\nhttps://exemple.fr/?a=1&b=2'
    )
    actions.add_comment(post, cast.member, "<img src=x onerror=alert(1)>")
    login(client, cast.partner)
    for page in (
        client.get(url("post", cast, post_id=post.pk)).content.decode(),
        client.get(url("feed", cast)).content.decode(),
    ):
        assert "<script>alert" not in page and "<i>Titre</i>" not in page
        assert "&lt;script&gt;" in page and "&lt;i&gt;Titre&lt;/i&gt;" in page
    detail = client.get(url("post", cast, post_id=post.pk)).content.decode()
    assert "<img src=x" not in detail and "&lt;img src=x onerror=alert(1)&gt;" in detail
    assert '<a href="https://exemple.fr/?a=1&amp;b=2" rel="nofollow noopener noreferrer">' in detail


def test_publish_an_event_through_the_page(client, cast):
    login(client, cast.bureau)
    form = client.get(url("create", cast)).content.decode()
    assert "aucune donnée de patient" in form and "Épingler" not in form  # the bureau does not pin
    response = client.post(url("create", cast), EVENT_FORM)
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == url("post", cast, post_id=post.pk)
    assert (post.kind, post.event_time, post.place, post.commune_id, post.author) == (
        "evenement",
        dt.time(20, 0),
        "Salle des fêtes",
        "01034",
        cast.bureau,
    )
    detail = client.get(response["Location"]).content.decode()
    assert "Salle des fêtes (Belley)" in detail and "20 h" in detail


def test_a_bad_post_shows_the_french_message_and_saves_nothing(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("create", cast), {**EVENT_FORM, "place": ""})
    assert response.status_code == 200 and "Lieu : ce champ est obligatoire." in response.content.decode()
    response = client.post(url("create", cast), {**EVENT_FORM, "body": "NIR 1 84 12 76 451 089 46"})
    assert "numéro de sécurité sociale" in response.content.decode()
    response = client.post(url("create", cast), {**EVENT_FORM, "event_date": "31/02/2026"})
    assert "Saisissez une date valide" in response.content.decode()
    assert not Post.objects.exists()


def test_the_coordinator_publishes_pinned(client, cast):
    login(client, cast.coordinator)
    assert "Épingler en tête du fil" in client.get(url("create", cast)).content.decode()
    client.post(
        url("create", cast), {"kind": "annonce", "title": "Important", "body": "À lire", "pinned": "on"}
    )
    assert Post.objects.get().pinned


def test_edit_through_the_page_keeps_the_history(client, cast):
    post = announce(cast, by=cast.bureau)
    login(client, cast.bureau)
    form = client.get(url("edit", cast, post_id=post.pk)).content.decode()
    assert 'value="Assemblée générale"' in form
    response = client.post(
        url("edit", cast, post_id=post.pk),
        {"kind": "annonce", "title": "AG reportée", "body": "Nouvelle date à venir."},
    )
    assert response.status_code == 302
    detail = client.get(url("post", cast, post_id=post.pk)).content.decode()
    assert "AG reportée" in detail and "Modifié le" in detail and "Historique des modifications (1)" in detail
    assert "Voir cette version" not in detail  # previous texts: moderators only
    client.logout()
    login(client, cast.coordinator)
    assert "Voir cette version" in client.get(url("post", cast, post_id=post.pk)).content.decode()


def test_edit_by_someone_else_is_refused(client, cast):
    post = announce(cast, by=cast.bureau)
    login(client, cast.coordinator)
    assert client.get(url("edit", cast, post_id=post.pk)).status_code == 403
    response = client.post(
        url("edit", cast, post_id=post.pk), {"kind": "annonce", "title": "Réécrit", "body": "x"}
    )
    assert response.status_code == 403
    assert Post.objects.get(pk=post.pk).title == "Assemblée générale" and not PostRevision.objects.exists()


def test_pin_unpin_and_delete_through_the_page(client, cast):
    post = announce(cast, by=cast.bureau)
    login(client, cast.coordinator)
    detail = client.get(url("post", cast, post_id=post.pk)).content.decode()
    assert (
        "Épingler en tête du fil" in detail
        and "Confirmer la suppression" in detail
        and ">Modifier</a>" not in detail
    )
    assert client.post(url("pin", cast, post_id=post.pk)).status_code == 302
    assert Post.objects.get(pk=post.pk).pinned
    response = client.post(url("unpin", cast, post_id=post.pk), {"retour": "fil"})
    assert response["Location"] == url("feed", cast) and not Post.objects.get(pk=post.pk).pinned
    response = client.post(url("delete", cast, post_id=post.pk))
    assert response["Location"] == url("feed", cast)
    assert Post.objects.get(pk=post.pk).deleted_by == cast.coordinator
    assert client.get(url("post", cast, post_id=post.pk)).status_code == 404
    assert "Assemblée générale" not in client.get(url("feed", cast)).content.decode()


def test_member_cannot_pin_or_delete(client, cast):
    post = announce(cast)
    login(client, cast.member)
    detail = client.get(url("post", cast, post_id=post.pk)).content.decode()
    assert "Épingler" not in detail and "Supprimer cette actualité" not in detail
    assert client.post(url("pin", cast, post_id=post.pk)).status_code == 403
    assert client.post(url("delete", cast, post_id=post.pk)).status_code == 403
    post.refresh_from_db()
    assert not post.pinned and post.deleted_at is None


def test_comment_without_htmx_redirects_to_the_comments(client, cast):
    post = announce(cast)
    login(client, cast.member)
    response = client.post(url("comment", cast, post_id=post.pk), {"body": "Je serai là."})
    assert response["Location"] == url("post", cast, post_id=post.pk) + "#commentaires"
    assert Comment.objects.get().author == cast.member
    page = client.get(response["Location"]).content.decode()
    assert "Commentaire publié." in page and "Je serai là." in page and "Commentaires (1)" in page


def test_comment_with_htmx_returns_the_comments_section_only(client, cast):
    post = announce(cast)
    login(client, cast.partner)
    response = client.post(url("comment", cast, post_id=post.pk), {"body": "Présente."}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<section id="commentaires"')
    assert "<html" not in html and "Présente." in html and "Commentaire publié." in html
    assert re.search(r'<textarea [^>]*id="commentaire_body"[^>]*>\s*</textarea>', html)  # a fresh, empty form
    response = client.post(
        url("comment", cast, post_id=post.pk), {"body": "NIR 1 84 12 76 451 089 46"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in html and "numéro de sécurité sociale" in html
    assert re.search(
        r'id="commentaire_body"[^>]*>\s*NIR 1 84 12 76 451 089 46</textarea>', html
    )  # typed text kept
    response = client.post(url("comment", cast, post_id=post.pk), {"body": ""}, **HTMX)
    assert "obligatoire" in response.content.decode()
    assert Comment.objects.count() == 1


def test_edit_and_delete_own_comment_and_moderation(client, cast):
    post = announce(cast)
    mine = actions.add_comment(post, cast.member, "Premier jet")
    theirs = actions.add_comment(post, cast.partner, "Hors sujet")
    login(client, cast.member)
    section = client.get(url("comments", cast, post_id=post.pk)).content.decode()
    assert f'action="{url("edit_comment", cast, post_id=post.pk, comment_id=mine.pk)}"' in section
    assert url("delete_comment", cast, post_id=post.pk, comment_id=theirs.pk) not in section
    client.post(
        url("edit_comment", cast, post_id=post.pk, comment_id=mine.pk), {"body": "Version finale"}, **HTMX
    )
    assert Comment.objects.get(pk=mine.pk).body == "Version finale"
    response = client.post(url("delete_comment", cast, post_id=post.pk, comment_id=theirs.pk), **HTMX)
    assert response.status_code == 403 and Comment.objects.get(pk=theirs.pk).deleted_at is None
    client.logout()
    login(client, cast.coordinator)
    html = client.post(
        url("delete_comment", cast, post_id=post.pk, comment_id=theirs.pk), **HTMX
    ).content.decode()
    assert "Commentaire retiré par la coordination" in html and "Hors sujet" not in html
    assert "Version finale" in html and "Modifié le" in html


def test_referent_reads_but_cannot_comment(client, cast):
    post = announce(cast)
    login(client, cast.referent)
    detail = client.get(url("post", cast, post_id=post.pk)).content.decode()
    assert "pas de les commenter" in detail and 'name="body"' not in detail
    assert client.post(url("comment", cast, post_id=post.pk), {"body": "Bonjour"}).status_code == 403
    assert not Comment.objects.exists()


def test_a_post_of_another_cpts_is_not_found_here(client, cast):
    theirs = actions.publish_post(
        cast.other, cast.other_coordinator, kind="information", title="Voisine", body="x"
    )
    login(client, cast.coordinator)
    assert client.get(url("post", cast, post_id=theirs.pk)).status_code == 404
    assert client.post(url("comment", cast, post_id=theirs.pk), {"body": "x"}).status_code == 404
    assert client.post(url("delete", cast, post_id=theirs.pk)).status_code == 404
    assert Post.objects.get(pk=theirs.pk).deleted_at is None and not Comment.objects.exists()
