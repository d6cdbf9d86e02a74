"""The history of a group: who did what and when, read from the audit trail (never from the content).

Read paths: the entries filed under the group (``object_type`` ``coordination.group``, ``object_id`` the
group's id, one index of the audit trail): its creation (model signal), the views of its content
(``record_view``) and every domain event (``coordination.events.trace``: messages posted, edited, deleted,
mentions, members invited, joining, leaving, removed, consents recorded and withdrawn, closure, reopening,
edition, and the documents' and agenda's events). Lines name people and object numbers, never a text.

Readable by the group's active members and by those who manage it (initiator, coordinators); see
``coordination.access.can_view_history``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from audit.models import AuditEntry
from coordination.models import Group

ALL, ACTIONS, VIEWS = "tout", "actions", "consultations"
FILTERS = [(ALL, "Tout"), (ACTIONS, "Actions seulement"), (VIEWS, "Consultations seulement")]

# {actor}: who acted; {user}: the person concerned (data user_id); {n}: a count; {obj}: the object's number.
EVENT_TEXTS: dict[str, str] = {
    "message.posted": "{actor} a publié un sujet (message n° {obj})",
    "message.replied": "{actor} a répondu dans un sujet (message n° {obj})",
    "message.edited": "{actor} a modifié le message n° {obj}",
    "message.deleted": "{actor} a supprimé le message n° {obj}",
    "message.mentioned": "{actor} a mentionné {users} (message n° {obj})",
    "member.invited": "{actor} a invité {user}",
    "member.joined": "{user} a rejoint le groupe",
    "member.declined": "{user} a décliné l'invitation",
    "member.left": "{user} a quitté le groupe",
    "member.removed": "{actor} a retiré {user} du groupe",
    "group.closed": "{actor} a clôturé le groupe",
    "group.reopened": "{actor} a rouvert le groupe",
    "group.edited": "{actor} a modifié le titre ou la description du groupe",
    "consent.recorded": "{actor} a enregistré un consentement (n° {obj})",
    "consent.withdrawn": "{actor} a enregistré le retrait du consentement n° {obj}",
    "document.added": "{actor} a ajouté un document (n° {obj})",
    "event.created": "{actor} a créé un événement dans l'agenda (n° {obj})",
    "event.changed": "{actor} a modifié l'événement n° {obj} de l'agenda",
    "event.cancelled": "{actor} a annulé l'événement n° {obj} de l'agenda",
}


@dataclasses.dataclass(frozen=True)
class Line:
    at: dt.datetime
    text: str
    is_view: bool


def entries(group: Group, what: str = ALL) -> QuerySet:
    qs = AuditEntry.objects.filter(
        cpts_id=group.cpts_id, object_type="coordination.group", object_id=str(group.pk)
    )
    qs = qs.filter(action__in=["create", "view", "event"])  # updates of the row are told by their events
    if what == ACTIONS:
        qs = qs.exclude(action="view")
    elif what == VIEWS:
        qs = qs.filter(action="view")
    return qs.order_by("-at", "-seq")


def _names(entries_page) -> dict[int, str]:
    ids: set[int] = set()
    for entry in entries_page:
        if entry.actor_id:
            ids.add(entry.actor_id)
        details = entry.details or {}
        for key in ("user_id",):
            if isinstance(details.get(key), int):
                ids.add(details[key])
        ids.update(uid for uid in details.get("user_ids") or [] if isinstance(uid, int))
    users = get_user_model().objects.filter(pk__in=ids)  # no .only(): the audit snapshot reads every field
    return {u.pk: (u.get_full_name() or u.email) for u in users}


def describe(entries_page) -> list[Line]:
    """French lines for a page of entries (one query for the names)."""
    names = _names(entries_page)
    lines = []
    for entry in entries_page:
        details = entry.details or {}
        actor = names.get(entry.actor_id) or entry.actor_label or "système"
        if entry.action == "create":
            text = f"{actor} a créé le groupe"
        elif entry.action == "view":
            page = details.get("page")
            text = {
                "history": f"{actor} a consulté l'historique du groupe",
                "search": f"{actor} a consulté des messages du groupe (recherche)",
            }.get(page, f"{actor} a consulté les messages du groupe")
        else:
            kind = details.get("event", "")
            user_id = details.get("user_id")
            if user_id:
                user = names.get(user_id, f"le compte n° {user_id}")
            elif details.get("by_email"):
                user = "un professionnel par e-mail"
            else:
                user = actor
            users = ", ".join(names.get(uid, f"n° {uid}") for uid in details.get("user_ids") or [])
            template = EVENT_TEXTS.get(kind, "{actor} : " + kind)
            if kind == "member.joined" and user_id and entry.actor_id and entry.actor_id != user_id:
                template = "{actor} a ajouté {user} au groupe"
            text = template.format(
                actor=actor, user=user, users=users or "des membres", obj=details.get("object_id", "?")
            )
        lines.append(Line(entry.at, text, entry.action == "view"))
    return lines
