"""Rules of the news feed, per role of the standing cast (tests/cast.py), on the real database."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEntry
from cpts.models import Membership
from news import access, actions
from news.models import Comment, CommentRevision, Post, PostRevision
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
BELLEY = "01034"  # in cast.cpts's territory
AMBERIEU = "01004"  # in the other CPTS's territory


def announce(cast, by=None, **fields):
    data = {
        "kind": Post.Kind.ANNOUNCEMENT,
        "title": "Assemblée générale",
        "body": "Le 12 juin à Belley.",
    } | fields
    return actions.publish_post(cast.cpts, by or cast.coordinator, **data)


def event(cast, by=None, **fields):
    data = {
        "kind": Post.Kind.EVENT,
        "title": "Soirée RCP",
        "body": "Cas cliniques anonymisés.",
        "event_date": TODAY + dt.timedelta(days=10),
        "event_time": dt.time(20, 0),
        "place": "Salle des fêtes",
        "commune_insee": BELLEY,
    } | fields
    return actions.publish_post(cast.cpts, by or cast.coordinator, **data)


# --- Who reads ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "bureau", "member", "partner", "referent"])
def test_every_active_member_reads_the_feed_whatever_their_role(cast, role):
    post = announce(cast)
    user = getattr(cast, role)
    assert list(access.visible_posts(user, cast.cpts)) == [post]
    assert access.post_to_read(user, cast.cpts, post.pk) == post


@pytest.mark.parametrize("role", ["other_coordinator", "outsider", "admin"])
def test_other_cpts_outsiders_and_instance_admins_read_nothing(cast, role):
    post = announce(cast)
    user = getattr(cast, role)
    assert list(access.visible_posts(user, cast.cpts)) == []
    with pytest.raises(PermissionDenied):
        access.post_to_read(user, cast.cpts, post.pk)


def test_anonymous_reads_nothing(cast):
    post = announce(cast)
    assert list(access.visible_posts(AnonymousUser(), cast.cpts)) == []
    assert access.permissions(AnonymousUser(), cast.cpts) == set()
    with pytest.raises(PermissionDenied):
        access.post_to_read(AnonymousUser(), cast.cpts, post.pk)


def test_a_post_of_another_cpts_is_not_found_through_this_one(cast):
    theirs = actions.publish_post(
        cast.other, cast.other_coordinator, kind=Post.Kind.INFORMATION, title="Chez nous", body="Texte"
    )
    with pytest.raises(Http404):
        access.post_to_read(cast.coordinator, cast.cpts, theirs.pk)
    assert list(access.visible_posts(cast.coordinator, cast.cpts)) == []


def test_a_deactivated_membership_loses_the_feed(cast):
    post = announce(cast)
    Membership.objects.filter(cpts=cast.cpts, user=cast.member).update(active=False)
    assert not access.can(cast.member, cast.cpts, access.READ)
    with pytest.raises(PermissionDenied):
        access.post_to_read(cast.member, cast.cpts, post.pk)
    with pytest.raises(PermissionDenied):
        actions.add_comment(post, cast.member, "Encore là ?")
    assert not Comment.objects.exists()


# --- Who publishes, comments, moderates ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "bureau"])
def test_coordination_and_bureau_publish(cast, role):
    post = announce(cast, by=getattr(cast, role))
    assert post.author == getattr(cast, role) and post.published_at is not None and not post.pinned


@pytest.mark.parametrize("role", ["member", "partner", "referent", "other_coordinator", "outsider", "admin"])
def test_other_roles_cannot_publish_and_nothing_is_written(cast, role):
    with pytest.raises(PermissionDenied):
        announce(cast, by=getattr(cast, role))
    assert not Post.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "bureau", "member", "partner"])
def test_roles_taking_part_in_care_comment(cast, role):
    post = announce(cast)
    comment = actions.add_comment(post, getattr(cast, role), "Merci pour l'information.")
    assert comment.post == post and comment.cpts == cast.cpts


@pytest.mark.parametrize("role", ["referent", "other_coordinator", "outsider", "admin"])
def test_referents_and_strangers_cannot_comment(cast, role):
    post = announce(cast)
    with pytest.raises(PermissionDenied):
        actions.add_comment(post, getattr(cast, role), "Bonjour")
    assert not Comment.objects.exists()


def test_only_the_author_edits_a_post_not_even_a_coordinator(cast):
    post = announce(cast, by=cast.bureau)
    for user in (cast.coordinator, cast.member, cast.other_coordinator):
        with pytest.raises(PermissionDenied):
            actions.edit_post(post, user, kind=post.kind, title="Réécrit", body=post.body)
    assert Post.objects.get(pk=post.pk).title == "Assemblée générale"
    assert not PostRevision.objects.exists()


def test_the_author_deletes_their_post_and_a_coordinator_moderates_any(cast):
    own, other = announce(cast, by=cast.bureau), announce(cast, by=cast.bureau, title="Deuxième")
    with pytest.raises(PermissionDenied):
        actions.delete_post(own, cast.member)
    actions.delete_post(own, cast.bureau)
    actions.delete_post(other, cast.coordinator)
    assert set(Post.objects.values_list("deleted_by", flat=True)) == {cast.bureau.pk, cast.coordinator.pk}
    decisions = AuditEntry.objects.filter(action="decision", object_type="news.post")
    assert [(e.object_id, e.details["decision"]) for e in decisions] == [(str(other.pk), "news_post_removed")]


def test_a_bureau_member_cannot_remove_the_coordinations_post(cast):
    post = announce(cast)
    with pytest.raises(PermissionDenied):
        actions.delete_post(post, cast.bureau)
    assert Post.objects.get(pk=post.pk).deleted_at is None


def test_only_coordinators_pin(cast):
    post = announce(cast, by=cast.bureau)
    for user in (cast.bureau, cast.member, cast.other_coordinator):
        with pytest.raises(PermissionDenied):
            actions.set_pinned(post, user, True)
    with pytest.raises(PermissionDenied):
        announce(cast, by=cast.bureau, pinned=True, title="Épinglée d'office")
    assert not Post.objects.filter(pinned=True).exists()
    actions.set_pinned(post, cast.coordinator, True)
    post.refresh_from_db()
    assert post.pinned and post.pinned_by == cast.coordinator and post.pinned_at is not None


def test_pinning_twice_or_unpinning_an_unpinned_post_says_so(cast):
    post = announce(cast)
    with pytest.raises(ActionError, match="n'est pas épinglée"):
        actions.set_pinned(post, cast.coordinator, False)
    actions.set_pinned(post, cast.coordinator, True)
    with pytest.raises(ActionError, match="déjà épinglée"):
        actions.set_pinned(post, cast.coordinator, True)
    actions.set_pinned(post, cast.coordinator, False)
    post.refresh_from_db()
    assert not post.pinned and post.pinned_at is None


def test_at_most_three_pinned_posts(cast):
    for i in range(actions.MAX_PINNED):
        announce(cast, title=f"Épinglée {i}", pinned=True)
    fourth = announce(cast, title="Quatrième")
    with pytest.raises(ActionError, match="3 actualités au plus"):
        actions.set_pinned(fourth, cast.coordinator, True)
    with pytest.raises(ActionError, match="3 actualités au plus"):
        announce(cast, title="Cinquième", pinned=True)
    assert Post.objects.filter(pinned=True).count() == 3 and Post.objects.count() == 4


def test_comment_authors_edit_and_delete_their_own_and_coordinators_moderate(cast):
    post = announce(cast)
    mine = actions.add_comment(post, cast.member, "Je viendrai.")
    theirs = actions.add_comment(post, cast.partner, "Moi aussi.")
    with pytest.raises(PermissionDenied):
        actions.edit_comment(mine, cast.partner, "Détourné")
    with pytest.raises(PermissionDenied):
        actions.edit_comment(mine, cast.coordinator, "Réécrit par la coordination")
    with pytest.raises(PermissionDenied):
        actions.delete_comment(theirs, cast.member)
    with pytest.raises(PermissionDenied):
        actions.delete_comment(theirs, cast.bureau)  # the bureau publishes, it does not moderate
    actions.edit_comment(mine, cast.member, "Je viendrai, avec une collègue.")
    actions.delete_comment(mine, cast.member)
    actions.delete_comment(theirs, cast.coordinator)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.deleted_by == cast.member and not mine.moderated
    assert theirs.deleted_by == cast.coordinator and theirs.moderated
    assert theirs.body == "Moi aussi."  # soft delete: the trace stays
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["Je viendrai."]
    assert AuditEntry.objects.filter(
        action="decision", object_type="news.comment", object_id=str(theirs.pk)
    ).exists()
    with pytest.raises(ActionError, match="déjà supprimé"):
        actions.delete_comment(theirs, cast.coordinator)


def test_a_deleted_post_is_gone_and_cannot_be_commented(cast):
    post = announce(cast)
    actions.delete_post(post, cast.coordinator)
    assert list(access.visible_posts(cast.member, cast.cpts)) == []
    with pytest.raises(Http404):
        access.post_to_read(cast.member, cast.cpts, post.pk)
    with pytest.raises(ActionError, match="supprimée"):
        actions.add_comment(post, cast.member, "Trop tard")
    with pytest.raises(ActionError, match="déjà supprimée"):
        actions.delete_post(post, cast.coordinator)
    post.refresh_from_db()
    assert post.title == "Assemblée générale" and post.deleted_at is not None  # kept, traced


# --- Ordering, filter, upcoming events ---------------------------------------------------------------------


def test_pinned_first_then_newest(cast):
    old = announce(cast, title="Ancienne")
    pinned_old = announce(cast, title="Épinglée ancienne")
    middle = announce(cast, title="Intermédiaire")
    pinned_new = announce(cast, title="Épinglée récente")
    new = announce(cast, title="Récente")
    base = timezone.now()
    for i, post in enumerate([old, pinned_old, middle, pinned_new, new]):
        Post.objects.filter(pk=post.pk).update(published_at=base - dt.timedelta(days=10 - i))
    actions.set_pinned(pinned_old, cast.coordinator, True)
    actions.set_pinned(pinned_new, cast.coordinator, True)
    titles = [p.title for p in access.visible_posts(cast.member, cast.cpts)]
    assert titles == ["Épinglée récente", "Épinglée ancienne", "Récente", "Intermédiaire", "Ancienne"]


def test_feed_filters_by_kind_and_counts_live_comments(cast):
    post = announce(cast)
    rcp = event(cast)
    actions.add_comment(rcp, cast.member, "Présent")
    gone = actions.add_comment(rcp, cast.partner, "Présente")
    actions.delete_comment(gone, cast.partner)
    assert [p.pk for p in access.feed(cast.member, cast.cpts, Post.Kind.EVENT)] == [rcp.pk]
    counts = {p.pk: p.comment_count for p in access.feed(cast.member, cast.cpts)}
    assert counts == {post.pk: 0, rcp.pk: 1}


def test_upcoming_events_are_future_events_soonest_first(cast):
    later = event(cast, title="Plénière", event_date=TODAY + dt.timedelta(days=30))
    soon = event(cast, title="RCP", event_date=TODAY + dt.timedelta(days=3))
    today = event(cast, title="Ce soir", event_date=TODAY, event_time=dt.time(23, 59))
    past = event(cast, title="Passée", event_date=TODAY + dt.timedelta(days=1))
    Post.objects.filter(pk=past.pk).update(event_date=TODAY - dt.timedelta(days=1))
    announce(cast)
    cancelled = event(cast, title="Annulée", event_date=TODAY + dt.timedelta(days=5))
    actions.delete_post(cancelled, cast.coordinator)
    assert access.upcoming_events(cast.member, cast.cpts, TODAY) == [today, soon, later]
    assert access.upcoming_events(cast.outsider, cast.cpts, TODAY) == []


# --- Validation: French messages, nothing written -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "Titre : ce champ est obligatoire."),
        ({"body": ""}, "Texte : ce champ est obligatoire."),
        ({"title": "x" * 201}, "Titre : 200 caractères au plus."),
        ({"body": "x" * 10001}, "Texte : 10000 caractères au plus."),
        ({"kind": "publicite"}, "Type d'actualité inconnu"),
        ({"event_date": None}, "Date de l'événement : ce champ est obligatoire."),
        ({"event_time": None}, "Heure de l'événement : ce champ est obligatoire."),
        ({"place": ""}, "Lieu : ce champ est obligatoire."),
        ({"event_date": TODAY - dt.timedelta(days=1)}, "La date de l'événement est passée."),
        ({"event_date": TODAY.replace(year=TODAY.year + 4)}, "trop lointaine"),
        ({"commune_insee": AMBERIEU}, "Commune inconnue dans le territoire"),
        ({"body": "Mme X, NIR 2 84 12 76 451 089 93, à revoir"}, "numéro de sécurité sociale"),
        ({"title": "Patient 184127645108946"}, "numéro de sécurité sociale"),
    ],
)
def test_bad_input_gets_a_french_message_and_writes_nothing(cast, fields, message):
    with pytest.raises(ActionError, match=message):
        event(cast, **fields)
    assert not Post.objects.exists()


def test_a_number_that_is_not_a_nir_is_accepted(cast):
    post = announce(cast, body="Standard : 04 79 81 00 00. RPPS 10000000009. Réf. 184127645108947.")
    assert "184127645108947" in post.body  # wrong key: not a NIR


def test_event_fields_are_cleared_for_other_kinds(cast):
    post = announce(cast, event_date=TODAY, event_time=dt.time(9, 0), place="Ici", commune_insee=BELLEY)
    assert (post.event_date, post.event_time, post.place, post.commune) == (None, None, "", None)


def test_a_comment_is_checked_too(cast):
    post = announce(cast)
    with pytest.raises(ActionError, match="Commentaire : ce champ est obligatoire."):
        actions.add_comment(post, cast.member, "   ")
    with pytest.raises(ActionError, match="4000 caractères au plus"):
        actions.add_comment(post, cast.member, "x" * 4001)
    with pytest.raises(ActionError, match="numéro de sécurité sociale"):
        actions.add_comment(post, cast.member, "C'est 1 84 12 76 451 089 46 ?")
    assert not Comment.objects.exists()


# --- Edit history -------------------------------------------------------------------------------------------


def test_an_edit_keeps_the_previous_version_and_marks_the_post(cast):
    post = event(cast, by=cast.bureau)
    assert post.edited_at is None
    actions.edit_post(
        post,
        cast.bureau,
        kind=Post.Kind.EVENT,
        title="Soirée RCP (salle changée)",
        body=post.body,
        event_date=post.event_date,
        event_time=dt.time(20, 30),
        place="Mairie",
        commune_insee=BELLEY,
    )
    post.refresh_from_db()
    assert (
        post.title == "Soirée RCP (salle changée)" and post.place == "Mairie" and post.edited_at is not None
    )
    (revision,) = post.revisions.all()
    assert (revision.title, revision.place, revision.event_time, revision.edited_by) == (
        "Soirée RCP",
        "Salle des fêtes",
        dt.time(20, 0),
        cast.bureau,
    )
    actions.edit_post(
        post, cast.bureau, kind=Post.Kind.INFORMATION, title="Soirée reportée", body="À suivre."
    )
    post.refresh_from_db()
    assert post.event_date is None and post.revisions.count() == 2
    assert [r.title for r in post.revisions.all()] == ["Soirée RCP (salle changée)", "Soirée RCP"]


def test_an_edit_without_change_is_refused_and_adds_no_version(cast):
    post = announce(cast)
    with pytest.raises(ActionError, match="Aucune modification"):
        actions.edit_post(post, cast.coordinator, kind=post.kind, title=post.title, body=post.body)
    assert not PostRevision.objects.exists() and Post.objects.get(pk=post.pk).edited_at is None


def test_a_past_event_can_be_corrected_without_moving_its_date(cast):
    post = event(cast)
    past = TODAY - dt.timedelta(days=2)
    Post.objects.filter(pk=post.pk).update(event_date=past)
    post.refresh_from_db()
    actions.edit_post(
        post,
        cast.coordinator,
        kind=post.kind,
        title="Soirée RCP : compte rendu",
        body=post.body,
        event_date=past,
        event_time=post.event_time,
        place=post.place,
    )
    with pytest.raises(ActionError, match="passée"):
        actions.edit_post(
            post,
            cast.coordinator,
            kind=post.kind,
            title=post.title,
            body=post.body,
            event_date=past - dt.timedelta(days=1),
            event_time=post.event_time,
            place=post.place,
        )


def test_changes_are_audited_by_the_signals_field_names_only(cast):
    post = announce(cast, body="Texte qui ne doit pas entrer dans le journal")
    actions.edit_post(post, cast.coordinator, kind=post.kind, title=post.title, body="Nouveau texte")
    entries = AuditEntry.objects.filter(object_type="news.post", object_id=str(post.pk)).order_by("seq")
    assert [e.action for e in entries] == ["create", "update"]
    assert "body" in entries[1].details["fields"] and "edited_at" in entries[1].details["fields"]
    assert "Texte qui ne doit pas" not in str([(e.details, e.object_label) for e in entries])
    assert AuditEntry.objects.filter(object_type="news.postrevision", action="create").exists()
    assert all(e.chain == cast.cpts.pk for e in entries)
