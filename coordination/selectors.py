"""Reads of the coordination network shared by several pages: unread counts, conversations, message search.

Every read starts from ``coordination.access.visible_groups`` (the groups the user may read right now), so a
member who left or was removed, or a role without access to patient data, gets nothing.
"""

from __future__ import annotations

import dataclasses

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr

from coordination import access
from coordination.models import Group, GroupMember, Message
from cpts.models import CPTS

SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 200


def unread_messages(user, groups: QuerySet) -> QuerySet:
    """Messages of ``groups`` the user has not read: not theirs, not deleted, without their read receipt."""
    return (
        Message.objects.filter(group__in=groups, deleted_at__isnull=True)
        .exclude(author=user)
        .exclude(receipts__user=user)
    )


def with_unread(groups: QuerySet, user) -> QuerySet:
    """``groups`` annotated with ``unread`` (their unread messages for ``user``) and ``last_message_at``, in
    the same query (one correlated count per row, no query per group)."""
    per_group = (
        Message.objects.filter(group=OuterRef("pk"), deleted_at__isnull=True)
        .exclude(author=user)
        .exclude(receipts__user=user)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last = Message.objects.filter(group=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    return groups.annotate(
        unread=Coalesce(Subquery(per_group, output_field=IntegerField()), 0), last_message_at=Subquery(last)
    )


def unread_totals(user, cpts: CPTS) -> dict[str, int]:
    """The user's unread messages in ``cpts``: in groups (care circles, working groups) and in
    conversations."""
    groups = access.visible_groups(user, cpts).values("pk")
    totals = unread_messages(user, groups).aggregate(
        groups=Count("pk", filter=~Q(group__kind=Group.Kind.CONVERSATION)),
        conversations=Count("pk", filter=Q(group__kind=Group.Kind.CONVERSATION)),
    )
    return {"groups": totals["groups"] or 0, "conversations": totals["conversations"] or 0}


def unread_totals_of_request(request, cpts: CPTS) -> dict[str, int]:
    """``unread_totals`` of the request's user, computed once per request (the navigation's badges and the
    pages that show the same totals share it)."""
    cached = getattr(request, "_coordination_unread", None)
    if cached is None or cached[0] != cpts.pk:
        cached = (cpts.pk, unread_totals(request.user, cpts))
        request._coordination_unread = cached
    return cached[1]


def navigation_counts(request, user, cpts: CPTS, permissions: set[str]) -> dict[str, int]:
    """The navigation's badges owned by coordination (registered in coordination/apps.py): unread messages
    in groups, in conversations, and both (« messages »)."""
    if "cpts.use_coordination" not in permissions:
        return {}
    totals = unread_totals_of_request(request, cpts)
    return {**totals, "messages": totals["groups"] + totals["conversations"]}


PREVIEW_CHARS = 90


def with_last_message(groups: QuerySet) -> QuerySet:
    """``groups`` annotated with their last live message: ``last_body`` (its first PREVIEW_CHARS + 1
    characters, cut in the database) and ``last_author_first_name`` / ``last_author_id`` (one correlated
    subquery per column, no query per group). For the pages of readers of these groups only: notifications and
    e-mails never carry message text."""
    last = Message.objects.filter(group=OuterRef("pk"), deleted_at__isnull=True).order_by(
        "-created_at", "-pk"
    )
    return groups.annotate(
        last_body=Subquery(last.annotate(head=Substr("body", 1, PREVIEW_CHARS + 1)).values("head")[:1]),
        last_author_id=Subquery(last.values("author_id")[:1]),
        last_author_first_name=Subquery(last.values("author__first_name")[:1]),
    )


def preview(text: str | None, chars: int = PREVIEW_CHARS) -> str:
    """The first words of a message on one line, cut at a word with « … »."""
    text = " ".join((text or "").split())
    if len(text) <= chars:
        return text
    cut = text[:chars].rsplit(" ", 1)[0] if " " in text[:chars] else text[:chars]
    return cut.rstrip(" ,;:.") + "…"


def my_groups(user, cpts: CPTS) -> QuerySet:
    """Care circles and working groups the user reads, latest activity first, with their unread counts and
    their last live message (``with_last_message``), in one query."""
    groups = (
        access.visible_groups(user, cpts)
        .exclude(kind=Group.Kind.CONVERSATION)
        .select_related("patient", "initiator")
    )
    return with_last_message(with_unread(groups, user)).order_by(
        Coalesce("last_message_at", "created_at").desc(), "-pk"
    )


def my_conversations(user, cpts: CPTS) -> list[Group]:
    """The user's conversations, latest activity first, each with ``unread``, its last live message
    (``with_last_message``) and ``others`` (the other active members, to name the conversation)."""
    conversations = list(
        with_last_message(
            with_unread(access.visible_groups(user, cpts).filter(kind=Group.Kind.CONVERSATION), user)
        ).order_by(Coalesce("last_message_at", "created_at").desc(), "-pk")
    )
    members = (
        GroupMember.objects.filter(group__in=[c.pk for c in conversations], status=GroupMember.Status.ACTIVE)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    others: dict[int, list] = {}
    for member in members:
        others.setdefault(member.group_id, []).append(member.user)
    for conversation in conversations:
        conversation.others = others.get(conversation.pk, [])
    return conversations


def current_subject(group: Group) -> Message | None:
    """The subject a message sent without one continues: the thread of the group's latest live message
    (a subject or a reply), else of its latest message."""
    latest = (
        Message.objects.filter(group=group)
        .order_by(F("deleted_at").asc(nulls_first=True), "-created_at", "-pk")
        .select_related("parent")
        .first()
    )
    if latest is None:
        return None
    return latest.parent or latest


def clean_query(raw: str | None) -> str:
    return " ".join((raw or "").split())[:SEARCH_MAX_LENGTH]


def search_messages(user, cpts: CPTS, query: str) -> QuerySet:
    """Live messages of the groups the user reads now whose text or subject contains ``query``
    (case-insensitive ``icontains``: works on SQLite and PostgreSQL; PostgreSQL full-text search can replace
    it), newest first."""
    groups = access.visible_groups(user, cpts).values("pk")
    return (
        Message.objects.filter(group__in=groups, deleted_at__isnull=True)
        .filter(Q(body__icontains=query) | Q(subject__icontains=query))
        .select_related("group", "author", "parent")
        .order_by("-created_at", "-pk")
    )


@dataclasses.dataclass(frozen=True)
class Excerpt:
    """A piece of text around the first occurrence of a query, in three parts the template escapes."""

    before: str
    match: str
    after: str


def excerpt(text: str, query: str, width: int = 90) -> Excerpt:
    text = " ".join((text or "").split())
    at = text.lower().find(query.lower()) if query else -1
    if at < 0:
        return Excerpt(text[: 2 * width] + ("…" if len(text) > 2 * width else ""), "", "")
    start, end = max(0, at - width), min(len(text), at + len(query) + width)
    return Excerpt(
        ("…" if start > 0 else "") + text[start:at],
        text[at : at + len(query)],
        text[at + len(query) : end] + ("…" if end < len(text) else ""),
    )
