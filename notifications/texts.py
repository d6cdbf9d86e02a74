"""The words of notifications, in French, neutral by construction.

Two texts per notification:

- ``title``, shown in the application to its recipient: the kind of thing that happened and where. A
  care circle is named by its kind and number only (« le cercle de soins n° 12 », the name every page
  gives it), never by its title, which usually holds the patient's name; working groups and conversations
  by their title (no patient is attached to them); a news post by its title (news is not clinical).
- ``email_text``, the line of an e-mail, which leaves the platform through an SMTP relay: built from
  fixed words only (kind of group, kind of event), no text typed by anyone.

Neither ever holds a message's text, a message's subject, a document's name or a patient's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications.models import Kind

CARE_CIRCLE = "care_circle"
WORKING_GROUP = "working_group"
CONVERSATION = "conversation"

TITLE_MAX = 300


@dataclass(frozen=True)
class Place:
    """Where something happened: in-app and e-mail wordings, each with its article ("la …", "une …")."""

    title: str
    email: str


def _quoted(text: str, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"« {text} »"


def group_place(group) -> Place:
    if group.kind == CARE_CIRCLE:
        return Place(
            f"le cercle de soins n° {group.pk}",
            "un cercle de soins",
        )
    if group.kind == WORKING_GROUP:
        return Place(f"le groupe de travail {_quoted(group.title)}", "un groupe de travail")
    if group.kind == CONVERSATION:
        return Place(f"la conversation {_quoted(group.title)}", "une conversation")
    return Place(f"le groupe n° {group.pk}", "un groupe")


def _counted(count: int, one: str, many: str) -> str:
    return one if count <= 1 else many


# kind -> (singular, plural with {n}); "{where}" is the place's wording.
_GROUP_WORDS: dict[str, tuple[str, str]] = {
    Kind.MESSAGE: ("Nouveau message dans {where}", "{n} nouveaux messages dans {where}"),
    Kind.MENTION: (
        "Nouvelle mention de votre nom dans {where}",
        "{n} nouvelles mentions de votre nom dans {where}",
    ),
    Kind.INVITATION: ("Invitation à rejoindre {where}", "Invitation à rejoindre {where}"),
    Kind.GROUP_CLOSED: (
        "Groupe clôturé, désormais en lecture seule : {where}",
        "Groupe clôturé, désormais en lecture seule : {where}",
    ),
    Kind.GROUP_REOPENED: ("Groupe rouvert : {where}", "Groupe rouvert : {where}"),
    Kind.DOCUMENT: ("Nouveau document dans {where}", "{n} nouveaux documents dans {where}"),
    Kind.EVENT_CREATED: (
        "Agenda : nouvel événement dans {where}",
        "Agenda : {n} nouveaux événements dans {where}",
    ),
    Kind.EVENT_CHANGED: (
        "Agenda : événement modifié dans {where}",
        "Agenda : {n} événements modifiés dans {where}",
    ),
    Kind.EVENT_CANCELLED: (
        "Agenda : événement annulé dans {where}",
        "Agenda : {n} événements annulés dans {where}",
    ),
}


def _clip(text: str) -> str:
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def group_texts(kind: str, group, count: int) -> tuple[str, str]:
    """(title, email_text) of a notification about a group."""
    if kind == Kind.CONSENT_WITHDRAWN:
        return (
            f"Le consentement a été retiré : le cercle n° {group.pk} est en lecture seule",
            "Le consentement a été retiré : un cercle de soins est en lecture seule",
        )
    place = group_place(group)
    one, many = _GROUP_WORDS[kind]
    words = _counted(count, one, many)
    return _clip(words.format(n=count, where=place.title)), words.format(n=count, where=place.email)


def news_post_texts(cpts_name: str, post_title: str, count: int) -> tuple[str, str]:
    if count <= 1:
        return _clip(
            f"Nouvelle actualité : {_quoted(post_title)}"
        ), "Nouvelle actualité publiée par votre CPTS"
    return (
        _clip(f"{count} nouvelles actualités dans {cpts_name}"),
        f"{count} nouvelles actualités publiées par votre CPTS",
    )


def news_comment_texts(post_title: str, count: int) -> tuple[str, str]:
    if count <= 1:
        return (
            _clip(f"Nouveau commentaire sur votre actualité {_quoted(post_title)}"),
            "Nouveau commentaire sur une de vos actualités",
        )
    return (
        _clip(f"{count} nouveaux commentaires sur votre actualité {_quoted(post_title)}"),
        f"{count} nouveaux commentaires sur une de vos actualités",
    )
