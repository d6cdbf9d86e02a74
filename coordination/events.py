"""Domain events of the coordination network, delivered only after the database commit.

Write paths (``coordination.actions`` and the apps that extend a group: documents, agenda) call
``emit``; subscribers (real-time delivery, notifications) connect to ``group_event``. An event carries
identifiers, never clinical content: each subscriber decides who receives it with
``coordination.access.audience`` at delivery time and lets the reader fetch the content through a page
that checks the rules again. The subscribers of one event share that audience, read once when the event is
delivered (``deliver``).

Each event is also written to the audit trail (``trace``: action ``event``, filed under the group) inside the
emitting transaction: the group's history page reads it there.

Kinds: ``message.posted`` (a new subject), ``message.replied``, ``message.edited``, ``message.deleted``,
``message.mentioned`` (data: ``user_ids``), ``member.invited`` / ``member.joined`` / ``member.declined`` /
``member.left`` / ``member.removed`` (data: ``user_id``), ``group.closed``, ``group.reopened``,
``group.edited``, ``consent.recorded``, ``consent.withdrawn``, ``document.added``, ``event.created``,
``event.changed``, ``event.cancelled``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

import django.dispatch
from django.db import transaction

from coordination.access import one_audience_per_event

# Sent with ``event=GroupEvent``, after the commit of the transaction that emitted it.
group_event = django.dispatch.Signal()


@dataclasses.dataclass(frozen=True)
class GroupEvent:
    kind: str
    cpts_id: int
    group_id: int
    actor_id: int | None = None
    object_id: int | None = None
    data: dict = dataclasses.field(default_factory=dict)


def emit(kind: str, group, actor=None, obj=None, **data) -> GroupEvent:
    event = GroupEvent(
        kind=kind,
        cpts_id=group.cpts_id,
        group_id=group.pk,
        actor_id=getattr(actor, "pk", None),
        object_id=getattr(obj, "pk", None),
        data=data,
    )
    trace(event, group, actor, obj)
    # robust: a failing subscriber (Redis down, SMTP refused) is logged and never undoes the committed write.
    transaction.on_commit(lambda: deliver(event), robust=True)
    return event


# Context managers entered around the delivery of each event, registered at start-up by the apps that
# subscribe (realtime gathers the publishes of one event into one hop to the channel layer).
delivery_scopes: list[Callable[[], contextlib.AbstractContextManager]] = []


def deliver(event: GroupEvent) -> None:
    """Send ``event`` to its subscribers; the group's audience is read once for all of them
    (coordination.access.one_audience_per_event)."""
    with one_audience_per_event(), contextlib.ExitStack() as scopes:
        for scope in delivery_scopes:
            scopes.enter_context(scope())
        group_event.send_robust(sender=GroupEvent, event=event)


def _plain(value) -> bool:
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, bool | int | str)


def trace(event: GroupEvent, group, actor=None, obj=None) -> None:
    """The event in the audit trail, in the emitter's transaction, filed under the group (``object_type``
    ``coordination.group``) so that the group's history (coordination.history) reads it through the audit
    index. Identifiers only, like the event itself."""
    from audit.context import Actor, current_actor
    from audit.log import record

    who = current_actor()
    if actor is not None and getattr(actor, "pk", None) != who.user_id:
        who = Actor(actor.pk, getattr(actor, "email", "") or str(actor), who.ip, who.request_id)
    details = {"event": event.kind}
    if obj is not None:
        details["object_type"], details["object_id"] = obj._meta.label_lower, obj.pk
    details.update({k: list(v) if isinstance(v, tuple) else v for k, v in event.data.items() if _plain(v)})
    record("event", obj=group, cpts_id=group.cpts_id, details=details, actor=who)
