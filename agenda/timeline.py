"""The timeline of a care circle: its events, messages and documents in one chronological list.

Entries come from providers, one per source, kept in a small registry so that an app can add its own
(``register``). The built-in providers read the calendar, the messages (subjects and replies, never the
deleted ones) and the group's documents. agenda and documents are independent layers (import-linter): the
documents provider takes the model from the app registry (``apps.get_model``) rather than importing it;
moving the registry down to coordination would let documents register its own provider. Providers receive a
group the caller has already checked readable (agenda.access).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.text import Truncator

from agenda.models import Event
from agenda.timing import PARIS
from coordination.models import Group, Message


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str  # "event", "message", "reply", "document", or a registered source's own
    label: str  # what it is, in French ("Rendez-vous : visite à domicile", "Message", "Document")
    title: str
    url: str
    author: str = ""
    detail: str = ""
    struck: bool = False  # a cancelled event


Provider = Callable[[Group], Iterable[Entry]]


_sources: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace) a source of entries."""
    _sources[name] = provider


def unregister(name: str) -> None:
    _sources.pop(name, None)


def sources() -> list[str]:
    return list(_sources)


def entries(group: Group) -> list[Entry]:
    """Every entry of the group, oldest first."""
    out: list[Entry] = []
    for name in sources():
        out.extend(_sources[name](group))
    return sorted(out, key=lambda e: e.at)


def _group_url(group: Group, anchor: str) -> str:
    return (
        reverse("coordination:group", kwargs={"slug": group.cpts.slug, "group_id": group.pk}) + f"#{anchor}"
    )


# --- Built-in sources ---------------------------------------------------------------------------------------


def _when(event: Event) -> str:
    start, end = event.starts_at.astimezone(PARIS), event.ends_at.astimezone(PARIS)
    if event.all_day:
        last = (end - dt.timedelta(days=1)).date()
        return (
            f"Journée entière, le {start:%d/%m/%Y}"
            if last == start.date()
            else f"Du {start:%d/%m/%Y} au {last:%d/%m/%Y}, journées entières"
        )
    if start.date() == end.date():
        return f"Le {start:%d/%m/%Y}, de {start:%H:%M} à {end:%H:%M}"
    return f"Du {start:%d/%m/%Y %H:%M} au {end:%d/%m/%Y %H:%M}"


def event_entries(group: Group) -> Iterable[Entry]:
    for event in Event.objects.filter(group=group).select_related("created_by"):
        detail = _when(event) + (f" — {event.place}" if event.place else "")
        if event.cancelled:
            detail += " — annulé"
        yield Entry(
            event.starts_at,
            "event",
            f"Rendez-vous : {event.get_kind_display().lower()}",
            event.title,
            reverse(
                "agenda:event", kwargs={"slug": group.cpts.slug, "group_id": group.pk, "event_id": event.pk}
            ),
            str(event.created_by or ""),
            detail,
            event.cancelled,
        )


def message_entries(group: Group) -> Iterable[Entry]:
    messages = Message.objects.filter(group=group, deleted_at__isnull=True).select_related("author", "parent")
    for message in messages:
        excerpt = Truncator(" ".join(message.body.split())).chars(200)
        if message.parent_id is None:
            yield Entry(
                message.created_at,
                "message",
                "Message",
                message.subject,
                _group_url(group, f"message-{message.pk}"),
                str(message.author),
                excerpt,
            )
        else:
            yield Entry(
                message.created_at,
                "reply",
                "Réponse",
                f"Re : {message.parent.subject}",
                _group_url(group, f"message-{message.pk}"),
                str(message.author),
                excerpt,
            )


def document_entries(group: Group) -> Iterable[Entry]:
    Document = apps.get_model("documents", "Document")  # noqa: N806 - a model class
    for document in Document.objects.filter(group=group, deleted_at__isnull=True).select_related(
        "created_by"
    ):
        yield Entry(
            document.created_at,
            "document",
            document.get_kind_display(),
            document.title,
            reverse(
                "documents:detail",
                kwargs={"slug": group.cpts.slug, "group_id": group.pk, "document_id": document.pk},
            ),
            str(document.created_by),
        )


register("events", event_entries)
register("messages", message_entries)
register("documents", document_entries)
