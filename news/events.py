"""Domain events of the news feed, delivered only after the database commit.

``news.actions`` calls ``emit``; subscribers (real-time delivery, notifications) connect to ``news_event``
and receive ``event=NewsEvent``. An event carries identifiers, never the text of a post or comment: each
subscriber decides who receives it with ``news.access.audience(event.cpts_id)`` at delivery time, and the
reader fetches the content through a page or API route that checks the rules again.

Kinds and their ``data``:

- ``post.published``: ``{"post_kind": <post kind>, "pinned": bool, "author_id": int}``
- ``post.updated``: ``{"post_kind": <post kind>, "author_id": int}``
- ``post.pinned``: ``{"pinned": True}`` when pinned, ``{"pinned": False}`` when unpinned
- ``post.deleted``: ``{"author_id": int, "moderated": bool}`` (moderated: removed by someone else)
- ``comment.added``: ``{"post_author_id": int}``; ``object_id`` is the comment's id
"""

from __future__ import annotations

import dataclasses

import django.dispatch
from django.db import transaction

KINDS = ("post.published", "post.updated", "post.pinned", "post.deleted", "comment.added")

# Sent as news_event.send_robust(sender=NewsEvent, event=NewsEvent(...)) after the commit that emitted it.
news_event = django.dispatch.Signal()


@dataclasses.dataclass(frozen=True)
class NewsEvent:
    kind: str
    cpts_id: int
    post_id: int
    actor_id: int | None = None
    object_id: int | None = None
    data: dict = dataclasses.field(default_factory=dict)


def emit(kind: str, post, actor=None, obj=None, **data) -> NewsEvent:
    """Queue the event for after the commit of the current transaction (at once outside a transaction)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown news event kind {kind!r}")
    event = NewsEvent(
        kind=kind,
        cpts_id=post.cpts_id,
        post_id=post.pk,
        actor_id=getattr(actor, "pk", None),
        object_id=getattr(obj, "pk", None),
        data=data,
    )
    # robust: a failing subscriber (Redis down, SMTP refused) is logged and never undoes the committed write.
    transaction.on_commit(lambda: news_event.send_robust(sender=NewsEvent, event=event), robust=True)
    return event
