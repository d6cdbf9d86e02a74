"""Domain events of the coordination network, delivered only after the database commit.

Write paths (``coordination.actions`` and the apps that extend a group: documents, agenda) call
``emit``; subscribers (real-time delivery, notifications) connect to ``group_event``. An event carries
identifiers, never clinical content: each subscriber decides who receives it with
``coordination.access.audience`` at delivery time and lets the reader fetch the content through a page
that checks the rules again.

Kinds: ``message.posted`` (a new subject), ``message.replied``, ``message.edited``, ``message.deleted``,
``message.mentioned`` (data: ``user_ids``), ``member.invited`` / ``member.joined`` / ``member.declined`` /
``member.left`` / ``member.removed`` (data: ``user_id``), ``group.closed``, ``group.reopened``,
``group.edited``, ``consent.recorded``, ``consent.withdrawn``, ``document.added``, ``event.created``,
``event.changed``, ``event.cancelled``.
"""

from __future__ import annotations

import dataclasses

import django.dispatch
from django.db import transaction

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
    event = GroupEvent(kind=kind, cpts_id=group.cpts_id, group_id=group.pk,
                       actor_id=getattr(actor, "pk", None), object_id=getattr(obj, "pk", None), data=data)
    # robust: a failing subscriber (Redis down, SMTP refused) is logged and never undoes the committed write.
    transaction.on_commit(lambda: group_event.send_robust(sender=GroupEvent, event=event), robust=True)
    return event
