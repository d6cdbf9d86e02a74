"""News events leave only after the commit, with identifiers only; the audience is the CPTS's readers."""

import dataclasses
import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cpts.models import Membership
from cpts.roles import Role
from news import access, actions
from news.events import NewsEvent, news_event
from news.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    events = []

    def receiver(sender, event, **kwargs):
        assert sender is NewsEvent
        events.append(event)

    news_event.connect(receiver, weak=False)
    yield events
    news_event.disconnect(receiver)


def publish(cast, **fields):
    data = {
        "kind": Post.Kind.ANNOUNCEMENT,
        "title": "Plénière",
        "body": "Texte confidentiel du bureau",
    } | fields
    return actions.publish_post(cast.cpts, cast.coordinator, **data)


def test_the_event_is_a_frozen_dataclass_with_the_agreed_fields():
    assert [f.name for f in dataclasses.fields(NewsEvent)] == [
        "kind",
        "cpts_id",
        "post_id",
        "actor_id",
        "object_id",
        "data",
    ]
    event = NewsEvent(kind="post.published", cpts_id=1, post_id=2, actor_id=None, object_id=None, data={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.kind = "post.deleted"


def test_published_only_after_the_commit_and_without_content(
    cast, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post = publish(cast, pinned=True)
        assert received == []  # not before the commit
    assert callbacks  # sent from an on_commit callback (other subscribers may queue their own)
    (event,) = received
    assert event == NewsEvent(
        kind="post.published",
        cpts_id=cast.cpts.pk,
        post_id=post.pk,
        actor_id=cast.coordinator.pk,
        object_id=post.pk,
        data={"post_kind": "annonce", "pinned": True, "author_id": cast.coordinator.pk},
    )
    assert "confidentiel" not in repr(event) and "Plénière" not in repr(event)


def test_no_event_when_the_transaction_rolls_back(cast, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            publish(cast)
            raise RuntimeError("rollback")
    assert callbacks == [] and received == []
    assert not Post.objects.exists()


def test_no_event_when_the_action_is_refused(cast, received, django_capture_on_commit_callbacks):
    post = publish(cast)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Exception):  # noqa: B017 - PermissionDenied and ActionError alike
            actions.add_comment(post, cast.referent, "Je ne peux pas commenter")
        with pytest.raises(Exception):  # noqa: B017
            actions.set_pinned(post, cast.coordinator, False)  # not pinned
    assert callbacks == []


def test_each_write_emits_its_kind(cast, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = actions.publish_post(
            cast.cpts,
            cast.bureau,
            kind=Post.Kind.EVENT,
            title="RCP",
            body="Texte",
            event_date=timezone.localdate() + dt.timedelta(days=3),
            event_time=dt.time(20, 0),
            place="Belley",
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_post(
            post,
            cast.bureau,
            kind=Post.Kind.EVENT,
            title="RCP (modifiée)",
            body="Texte",
            event_date=post.event_date,
            event_time=post.event_time,
            place="Belley",
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_pinned(post, cast.coordinator, True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_pinned(post, cast.coordinator, False)
    with django_capture_on_commit_callbacks(execute=True):
        comment = actions.add_comment(post, cast.member, "Présent")
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_post(post, cast.coordinator)
    assert [(e.kind, e.actor_id, e.object_id, e.data) for e in received] == [
        (
            "post.published",
            cast.bureau.pk,
            post.pk,
            {"post_kind": "evenement", "pinned": False, "author_id": cast.bureau.pk},
        ),
        ("post.updated", cast.bureau.pk, post.pk, {"post_kind": "evenement", "author_id": cast.bureau.pk}),
        ("post.pinned", cast.coordinator.pk, post.pk, {"pinned": True}),
        ("post.pinned", cast.coordinator.pk, post.pk, {"pinned": False}),
        ("comment.added", cast.member.pk, comment.pk, {"post_author_id": cast.bureau.pk}),
        ("post.deleted", cast.coordinator.pk, post.pk, {"author_id": cast.bureau.pk, "moderated": True}),
    ]
    assert {(e.cpts_id, e.post_id) for e in received} == {(cast.cpts.pk, post.pk)}


def test_a_failing_subscriber_does_not_undo_the_write(cast, received, django_capture_on_commit_callbacks):
    def broken(sender, event, **kwargs):
        raise ConnectionError("Redis indisponible")

    news_event.connect(broken, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post = publish(cast)
    finally:
        news_event.disconnect(broken)
    assert Post.objects.filter(pk=post.pk).exists()
    assert [e.kind for e in received] == ["post.published"]


def test_audience_is_every_active_member_whatever_their_role(cast):
    expected = {cast.coordinator.pk, cast.bureau.pk, cast.member.pk, cast.partner.pk, cast.referent.pk}
    assert access.audience(cast.cpts.pk) == sorted(expected)
    assert access.audience(cast.other.pk) == [cast.other_coordinator.pk]


def test_audience_follows_memberships_and_accounts_right_now(cast):
    Membership.objects.filter(cpts=cast.cpts, user=cast.partner).update(active=False)
    User.objects.filter(pk=cast.referent.pk).update(is_active=False)
    newcomer = User.objects.create_user(
        "nouveau@cast.test", "x-Password-2026", first_name="Néo", last_name="Venu"
    )
    Membership.objects.create(cpts=cast.cpts, user=newcomer, role=Role.MEMBER)
    audience = access.audience(cast.cpts.pk)
    assert cast.partner.pk not in audience and cast.referent.pk not in audience
    assert newcomer.pk in audience
    assert (
        cast.outsider.pk not in audience
        and cast.admin.pk not in audience
        and cast.other_coordinator.pk not in audience
    )


def test_audience_matches_who_can_read(cast):
    users = [u for u in cast.by_role().values() if u is not None]
    readers = sorted(u.pk for u in users if access.can(u, cast.cpts, access.READ))
    assert access.audience(cast.cpts.pk) == readers
