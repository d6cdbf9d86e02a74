"""Domain events → channel layer, after the commit (the emitting apps deliver them then).

- Coordination (``coordination.events.group_event``): one message per event to the channel-layer group
  ``grp.<id>`` (the layer fans it out to every connected member, whatever application process serves
  them), carrying identifiers only and the audience computed now. Membership changes first send
  ``resync`` to the affected user (``usr.<id>``) so that their open connections add or drop the group
  at once.
- News (``news.events.news_event``): one message per event to
  ``news.<cpts_id>``; the audience (a whole CPTS) is not carried but computed once per application
  process when the message arrives (consumers.ProcessAudiences), keyed by the event's ``key``.
- Notifications (``notifications.signals.unread_counts_changed`` and ``notifications_read``): the new
  unread counts, to the users' own connections only (``usr.<id>``), or to the group's channel for its readers.

Real time is a delivery layer: it imports the apps whose events it forwards (coordination, news,
notifications), never the reverse; ``RealtimeConfig.ready`` connects the receivers (``connect_sources``).

A channel-layer failure (Redis down) is logged and never undoes or fails the user's action.
"""

import asyncio
import contextlib
import contextvars
import json
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from coordination import access
from coordination import events as group_events
from coordination.events import GroupEvent, group_event
from news.events import news_event
from notifications import signals as notification_signals

logger = logging.getLogger(__name__)

# Events after which the affected user's subscriptions change.
RESYNC_KINDS = {"member.invited", "member.joined", "member.declined", "member.left", "member.removed"}


def group_name(group_id: int) -> str:
    return f"grp.{group_id}"


def user_name(user_id: int) -> str:
    return f"usr.{user_id}"


def news_name(cpts_id: int) -> str:
    return f"news.{cpts_id}"


_pending: set = set()  # tasks scheduled on a running loop, kept referenced until done

# The messages of the event being delivered (``batched``), sent together when its delivery ends.
_batch: contextvars.ContextVar[list[tuple[str, dict]] | None] = contextvars.ContextVar("batch", default=None)


@contextlib.contextmanager
def batched():
    """Around the delivery of one domain event (coordination.events.delivery_scopes): the frame of the event
    and the members' new unread counts leave in one hop to the event loop instead of one each (a hop costs a
    thread switch and the loop's attention in the request's process)."""
    if _batch.get() is not None:  # already inside a batch: it sends everything
        yield
        return
    messages: list[tuple[str, dict]] = []
    token = _batch.set(messages)
    try:
        yield
    finally:
        _batch.reset(token)
        send_many(messages)


def send(name: str, message: dict) -> None:
    batch = _batch.get()
    if batch is not None:
        batch.append((name, message))
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    try:
        if loop is None:  # the usual case: a request's or a command's thread
            async_to_sync(layer.group_send)(name, message)
        else:  # called from code running on an event loop (e.g. in a greenlet): schedule, do not block it
            task = loop.create_task(layer.group_send(name, message))
            _pending.add(task)
            task.add_done_callback(_pending.discard)
    except Exception:  # noqa: BLE001 - real time is best effort; the data is committed and the page shows it
        logger.exception("real-time delivery failed for %s", name)


def send_many(messages: list[tuple[str, dict]]) -> None:
    """Several group_send in one hop to the event loop (one per user of a 50-member group would otherwise cost
    50 thread switches in the request's thread)."""
    batch = _batch.get()
    if batch is not None:
        batch.extend(messages)
        return
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    by_name: dict[str, list[dict]] = {}
    for name, message in messages:  # one channel's messages in their order; the channels at once
        by_name.setdefault(name, []).append(message)

    async def in_order(name: str, queued: list[dict]) -> None:
        for message in queued:
            await layer.group_send(name, message)

    async def all_of_them():
        names = list(by_name)
        results = await asyncio.gather(*(in_order(n, by_name[n]) for n in names), return_exceptions=True)
        for name, result in zip(names, results, strict=True):
            if isinstance(result, Exception):
                logger.error("real-time delivery failed for %s: %r", name, result)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    try:
        if loop is None:
            async_to_sync(all_of_them)()
        else:
            task = loop.create_task(all_of_them())
            _pending.add(task)
            task.add_done_callback(_pending.discard)
    except Exception:  # noqa: BLE001 - best effort, as send()
        logger.exception("real-time delivery failed for %d messages", len(messages))


def compact(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"))


@receiver(user_logged_out, dispatch_uid="realtime.user_logged_out")
def on_logout(sender, request, user, **kwargs) -> None:
    """The connections opened with this session close (the user's other sessions stay open)."""
    from realtime.access import session_fingerprint

    session = getattr(request, "session", None)
    fingerprint = session_fingerprint(getattr(session, "session_key", None))
    if user is not None and fingerprint:
        send(user_name(user.pk), {"type": "session.ended", "session": fingerprint})


@receiver(group_event, dispatch_uid="realtime.group_event")
def on_group_event(sender, event: GroupEvent, **kwargs) -> None:
    frame = {
        "type": "group",
        "kind": event.kind,
        "group": event.group_id,
        "object": event.object_id,
        "subject": event.data.get("subject_id"),
    }
    if event.kind in RESYNC_KINDS and event.data.get("user_id"):
        send(user_name(event.data["user_id"]), {"type": "resync"})
        if event.kind == "member.invited":
            # The invitee is not a member yet: they learn only that an invitation waits (no content).
            send(
                user_name(event.data["user_id"]),
                {"type": "direct", "text": compact({**frame, "subject": None})},
            )
    # Serialised once here, not once per connection.
    send(
        group_name(event.group_id),
        {
            "type": "group.event",
            "group": event.group_id,
            # Shared with the other subscribers of the event (one query); a deleted group has nobody.
            "audience": access.audience(event.group_id),
            "text": compact(frame),
        },
    )


def on_news_event(sender, event, **kwargs) -> None:
    frame = {
        "type": "news",
        "kind": event.kind,
        "cpts": event.cpts_id,
        "post": event.post_id,
        "object": event.object_id,
    }
    send(
        news_name(event.cpts_id),
        {"type": "news.event", "cpts": event.cpts_id, "key": uuid.uuid4().hex, "text": compact(frame)},
    )


def _unread_message(unread: int) -> dict:
    return {"type": "direct", "text": compact({"type": "notification", "unread": int(unread)})}


def on_unread_count(sender, user_id: int, unread: int, **kwargs) -> None:
    """notifications_read: the user's new unread count."""
    send(user_name(user_id), _unread_message(unread))


def on_unread_counts(sender, counts: dict, group_id: int | None = None, **kwargs) -> None:
    """unread_counts_changed: every recipient's new count, in one hop. When the notifications are about one
    group, its readers' counts travel in a single message on the group's channel (one publish instead of one
    per member); the others (an invitee...) get theirs on their own channel."""
    messages = []
    if group_id is not None:
        # During the delivery of the group's event, the audience its notifications were sent to (no query).
        readers = set(access.audience(group_id))
        in_group = {str(uid): int(n) for uid, n in counts.items() if uid in readers}
        if in_group:
            messages.append(
                (group_name(group_id), {"type": "group.counts", "group": group_id, "counts": in_group})
            )
        counts = {uid: n for uid, n in counts.items() if uid not in readers}
    messages += [(user_name(user_id), _unread_message(unread)) for user_id, unread in counts.items()]
    send_many(messages)


def connect_sources() -> None:
    """Called once at start-up (RealtimeConfig.ready): news events and the notifications' unread counts
    (``notification_created`` is not forwarded: ``unread_counts_changed`` carries the same counts)."""
    if batched not in group_events.delivery_scopes:
        group_events.delivery_scopes.append(batched)
    news_event.connect(on_news_event, dispatch_uid="realtime.news_event")
    notification_signals.unread_counts_changed.connect(
        on_unread_counts, dispatch_uid="realtime.unread_counts"
    )
    # Marked read on another page: the user's other open pages update their badge.
    notification_signals.notifications_read.connect(
        on_unread_count, dispatch_uid="realtime.notifications_read"
    )
