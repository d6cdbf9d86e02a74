"""Which event notifies whom. Connected to the domain events (delivered after the commit of the write that
emitted them) by ``NotificationsConfig.ready``.

The recipients are computed when the event is delivered, from the rules of the emitting app: a group's
audience (``coordination.access.audience``: its active members holding a patient-data role) or the
CPTS's news audience (``news.access.audience``). So a member removed a second ago gets nothing, and
nobody outside the group or the CPTS ever does. The author of the action is never notified of it.

| event | kind | recipients |
|---|---|---|
| ``message.posted``, ``message.replied`` | message | the group's audience |
| ``message.mentioned`` | mention (important) | the mentioned users who are in the audience |
| ``member.invited`` | invitation (important) | the invitee, while the invitation is pending |
| ``consent.withdrawn`` | consent_withdrawn (important) | the audience |
| ``group.closed`` / ``group.reopened`` | group_closed / group_reopened | the audience |
| ``document.added`` | document | the audience |
| ``event.created`` / ``changed`` / ``cancelled`` | event_* | its participants in the audience (all if none) |
| news ``post.published`` | news_post | the CPTS's news audience |
| news ``comment.added`` | news_comment | the post's author, if still in the news audience |

Other events (edits, deletions of messages, members joining or leaving...) notify nobody: the pages and the
real-time layer show them. A deleted news post takes its unread single notifications with it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.urls import reverse

from agenda.models import EventParticipant
from coordination import access
from coordination.models import Group
from news import access as news_access
from news.models import Post
from notifications import texts
from notifications.delivery import Subject, notify, unread_counts
from notifications.models import Kind, Notification
from notifications.signals import notifications_read

logger = logging.getLogger(__name__)

GROUP_KINDS = {
    "message.posted": Kind.MESSAGE,
    "message.replied": Kind.MESSAGE,
    "message.mentioned": Kind.MENTION,
    "member.invited": Kind.INVITATION,
    "consent.withdrawn": Kind.CONSENT_WITHDRAWN,
    "group.closed": Kind.GROUP_CLOSED,
    "group.reopened": Kind.GROUP_REOPENED,
    "document.added": Kind.DOCUMENT,
    "event.created": Kind.EVENT_CREATED,
    "event.changed": Kind.EVENT_CHANGED,
    "event.cancelled": Kind.EVENT_CANCELLED,
}


def _group_url(group: Group, anchor: str = "") -> str:
    url = reverse("coordination:group", kwargs={"slug": group.cpts.slug, "group_id": group.pk})
    return f"{url}#{anchor}" if anchor else url


def agenda_event_participants(event) -> set[int] | None:
    """The user ids taking part in an agenda event, or None when the event names none (then the whole
    audience is told): ``participant_ids`` in the event's data when given, otherwise the agenda's own
    participants of the event."""
    if "participant_ids" in event.data:
        return {int(uid) for uid in event.data["participant_ids"] or []} or None
    if event.object_id is None:
        return None
    return (
        set(EventParticipant.objects.filter(event_id=event.object_id).values_list("user_id", flat=True))
        or None
    )


def _agenda_urls(group: Group, event) -> tuple[str, str]:
    """The event's page, and the group's calendar for several events."""
    calendar = reverse("agenda:group", kwargs={"slug": group.cpts.slug, "group_id": group.pk})
    if event.object_id is None:
        return calendar, calendar
    return reverse(
        "agenda:event", kwargs={"slug": group.cpts.slug, "group_id": group.pk, "event_id": event.object_id}
    ), calendar


def group_recipients(event, group: Group) -> set[int]:
    """Who is told of ``event`` (before removing its author)."""
    if event.kind == "member.invited":
        user_id = event.data.get("user_id")
        return {user_id} if user_id and access.has_pending_invitation(user_id, group) else set()
    audience = set(access.audience(group))
    if event.kind == "message.mentioned":
        return audience & {int(uid) for uid in event.data.get("user_ids", [])}
    if event.kind.startswith("event."):
        participants = agenda_event_participants(event)
        return audience & participants if participants is not None else audience
    return audience


def _group_urls(event, group: Group) -> tuple[str, str]:
    """Where the notification leads: (first event's page, page for several grouped events or "" for the
    same)."""
    if event.kind == "member.invited":
        return reverse("coordination:groups", kwargs={"slug": group.cpts.slug}), ""  # the invitation is there
    if event.kind.startswith("message."):
        return _group_url(group, f"message-{event.object_id}" if event.object_id else "messages"), ""
    if event.kind.startswith("consent."):
        return _group_url(group, "consentements"), ""
    if event.kind == "document.added":
        return _group_url(group, "documents"), ""
    if event.kind.startswith("event."):
        return _agenda_urls(group, event)
    return _group_url(group), ""


def handle_group_event(event, now: dt.datetime | None = None) -> list[Notification]:
    kind = GROUP_KINDS.get(event.kind)
    if kind is None:
        return []
    group = Group.objects.filter(pk=event.group_id).select_related("cpts").first()
    if group is None:
        return []
    recipients = group_recipients(event, group) - {event.actor_id}
    if not recipients:
        return []
    url, grouped_url = _group_urls(event, group)
    subject = Subject(
        cpts_id=group.cpts_id,
        kind=kind,
        topic=f"grp.{group.pk}",
        url=url,
        grouped_url=grouped_url,
        texts=lambda count: texts.group_texts(kind, group, count),
        group_id=group.pk,
        object_id=event.object_id,
    )
    return notify(subject, recipients, now)


def on_group_event(sender, event, **kwargs) -> None:
    handle_group_event(event)


# --- News -----------------------------------------------------------------------------------------------


def handle_news_event(event, now: dt.datetime | None = None) -> list[Notification]:
    if event.kind == "post.deleted":
        forget_news_post(event.post_id)
        return []
    if event.kind not in ("post.published", "comment.added"):
        return []
    post = Post.objects.filter(pk=event.post_id, deleted_at__isnull=True).select_related("cpts").first()
    if post is None:
        return []
    post_url = reverse("news:post", kwargs={"slug": post.cpts.slug, "post_id": post.pk})
    audience = set(news_access.audience(post.cpts_id))
    if event.kind == "post.published":
        cpts_name = post.cpts.name
        subject = Subject(
            cpts_id=post.cpts_id,
            kind=Kind.NEWS_POST,
            topic=f"news.{post.cpts_id}",
            url=post_url,
            grouped_url=reverse("news:feed", kwargs={"slug": post.cpts.slug}),
            texts=lambda count: texts.news_post_texts(cpts_name, post.title, count),
            object_id=post.pk,
        )
        recipients = audience
    else:
        subject = Subject(
            cpts_id=post.cpts_id,
            kind=Kind.NEWS_COMMENT,
            topic=f"post.{post.pk}",
            url=f"{post_url}#commentaire-{event.object_id}"
            if event.object_id
            else f"{post_url}#commentaires",
            texts=lambda count: texts.news_comment_texts(post.title, count),
            object_id=post.pk,
        )
        recipients = audience & {post.author_id}
    return notify(subject, recipients - {event.actor_id}, now)


def forget_news_post(post_id: int) -> None:
    """A deleted post: its unread notifications pointing to it go (their link would lead nowhere)."""
    with transaction.atomic():
        doomed = Notification.objects.filter(
            kind__in=[Kind.NEWS_POST, Kind.NEWS_COMMENT], object_id=post_id, read_at__isnull=True
        ).exclude(kind=Kind.NEWS_POST, count__gt=1)
        user_ids = set(doomed.values_list("user_id", flat=True))
        doomed.delete()
    if user_ids:
        for user_id, unread in unread_counts(user_ids).items():
            notifications_read.send_robust(sender=Notification, user_id=user_id, unread=unread)


def on_news_event(sender, event, **kwargs) -> None:
    handle_news_event(event)
