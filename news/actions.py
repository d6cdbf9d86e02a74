"""Write paths of the news feed. Each checks the rules of news.access, validates, writes in one transaction
(audited by the model signals, plus a decision entry for a moderation), emits its event after the commit
and raises ActionError with a French message (PermissionDenied for rights)."""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone
from stdnum.fr import nir as stdnum_nir

from audit.log import record
from cpts.models import CPTS, TerritoryCommune
from cpts.scoping import scoped
from news import access
from news.events import emit
from news.models import (
    BODY_MAX,
    COMMENT_MAX,
    PLACE_MAX,
    TITLE_MAX,
    Comment,
    CommentRevision,
    Post,
    PostRevision,
)
from opencpts.errors import ActionError

MAX_PINNED = 3  # more pinned posts than this and the feed's top stops being read
EVENT_HORIZON_YEARS = 3

# Fifteen characters shaped like a NIR (sex digit, then digits or the 2A/2B of Corsica), spaces or dots
# allowed.
_NIR_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-478](?:[ .]?[0-9ABab]){14}(?![0-9A-Za-z])")
PATIENT_DATA_WARNING = (
    "Les actualités sont lues par tous les membres de la CPTS : n'y publiez aucune donnée de "
    "patient (nom, numéro de sécurité sociale, situation clinique). Pour un patient, utilisez "
    "son cercle de soins."
)


def _text(value, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(f"{label} : ce champ est obligatoire.", field)
    if len(value) > max_length:
        raise ActionError(f"{label} : {max_length} caractères au plus.", field)
    if "\x00" in value:
        raise ActionError(f"{label} : caractère invalide.", field)
    return value


def _no_nir(value: str, field: str) -> None:
    """Refuse a text holding a valid NIR: the feed is read by the whole CPTS, never a place for patient
    data."""
    for match in _NIR_LIKE.finditer(value):
        candidate = re.sub(r"[ .]", "", match.group()).upper()
        if stdnum_nir.is_valid(candidate):
            raise ActionError(
                "Le texte contient un numéro de sécurité sociale (NIR) : ne publiez aucune donnée de "
                "patient dans les actualités. Pour un patient, utilisez son cercle de soins.",
                field,
            )


def _commune(cpts: CPTS, insee: str):
    insee = (insee or "").strip()
    if not insee:
        return None
    link = scoped(TerritoryCommune, cpts).filter(commune_id=insee).select_related("commune").first()
    if link is None:
        raise ActionError(
            "Commune inconnue dans le territoire de la CPTS : indiquez le lieu en toutes lettres.", "commune"
        )
    return link.commune


def _content(
    cpts: CPTS,
    *,
    kind: str,
    title: str,
    body: str,
    event_date,
    event_time,
    place: str,
    commune_insee: str,
    previous_date=None,
) -> dict:
    """The validated fields of a post; event fields only for an event (cleared otherwise)."""
    if kind not in Post.Kind.values:
        raise ActionError("Type d'actualité inconnu : annonce, événement ou information.", "kind")
    fields = {
        "kind": kind,
        "title": _text(title, "title", "Titre", TITLE_MAX),
        "body": _text(body, "body", "Texte", BODY_MAX),
    }
    _no_nir(fields["title"], "title")
    _no_nir(fields["body"], "body")
    if kind != Post.Kind.EVENT:
        return fields | {"event_date": None, "event_time": None, "place": "", "commune": None}
    if not isinstance(event_date, dt.date) or isinstance(event_date, dt.datetime):
        raise ActionError("Date de l'événement : ce champ est obligatoire.", "event_date")
    if not isinstance(event_time, dt.time):
        raise ActionError("Heure de l'événement : ce champ est obligatoire.", "event_time")
    today = timezone.localdate()
    if event_date < today and event_date != previous_date:
        raise ActionError("La date de l'événement est passée.", "event_date")
    if event_date.year > today.year + EVENT_HORIZON_YEARS:
        raise ActionError(
            f"La date de l'événement est trop lointaine ({EVENT_HORIZON_YEARS} ans au plus).", "event_date"
        )
    place = _text(place, "place", "Lieu", PLACE_MAX)
    _no_nir(place, "place")
    return fields | {
        "event_date": event_date,
        "event_time": event_time.replace(second=0, microsecond=0),
        "place": place,
        "commune": _commune(cpts, commune_insee),
    }


def _lock_post(post: Post) -> Post:
    return Post.objects.select_for_update().get(pk=post.pk)


def _lock_comment(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().select_related("post").get(pk=comment.pk)


def _pin_room(cpts: CPTS) -> None:
    # The CPTS row serialises the pinning of its posts, so two coordinators cannot both take the last place.
    CPTS.objects.select_for_update().filter(pk=cpts.pk).first()
    if scoped(Post, cpts).filter(pinned=True, deleted_at__isnull=True).count() >= MAX_PINNED:
        raise ActionError(
            f"{MAX_PINNED} actualités au plus peuvent être épinglées : désépinglez-en une d'abord.", "pinned"
        )


@transaction.atomic
def publish_post(
    cpts: CPTS,
    by,
    *,
    kind: str,
    title: str,
    body: str,
    event_date=None,
    event_time=None,
    place: str = "",
    commune_insee: str = "",
    pinned: bool = False,
) -> Post:
    access.require(
        access.can(by, cpts, access.PUBLISH),
        "Seuls la coordination et le bureau publient des actualités dans cette CPTS.",
    )
    fields = _content(
        cpts,
        kind=kind,
        title=title,
        body=body,
        event_date=event_date,
        event_time=event_time,
        place=place,
        commune_insee=commune_insee,
    )
    now = timezone.now()
    if pinned:
        access.require(access.can(by, cpts, access.MODERATE), "Seule la coordination épingle les actualités.")
        _pin_room(cpts)
    post = Post.objects.create(
        cpts=cpts,
        author=by,
        published_at=now,
        pinned=bool(pinned),
        pinned_at=now if pinned else None,
        pinned_by=by if pinned else None,
        **fields,
    )
    emit("post.published", post, by, post, post_kind=post.kind, pinned=post.pinned, author_id=by.pk)
    return post


REVISED_FIELDS = ("kind", "title", "body", "event_date", "event_time", "place", "commune")


@transaction.atomic
def edit_post(
    post: Post,
    by,
    *,
    kind: str,
    title: str,
    body: str,
    event_date=None,
    event_time=None,
    place: str = "",
    commune_insee: str = "",
) -> Post:
    post = _lock_post(post)
    if post.deleted_at is not None:
        raise ActionError("Cette actualité a été supprimée.")
    access.require(access.can_edit_post(by, post), "Seul l'auteur d'une actualité peut la modifier.")
    fields = _content(
        post.cpts,
        kind=kind,
        title=title,
        body=body,
        event_date=event_date,
        event_time=event_time,
        place=place,
        commune_insee=commune_insee,
        previous_date=post.event_date,
    )
    if all(getattr(post, name) == fields[name] for name in REVISED_FIELDS):
        raise ActionError("Aucune modification à enregistrer.")
    PostRevision.objects.create(
        cpts=post.cpts, post=post, edited_by=by, **{name: getattr(post, name) for name in REVISED_FIELDS}
    )
    for name, value in fields.items():
        setattr(post, name, value)
    post.edited_at = timezone.now()
    post.save()
    emit("post.updated", post, by, post, post_kind=post.kind, author_id=post.author_id)
    return post


@transaction.atomic
def set_pinned(post: Post, by, pinned: bool) -> Post:
    post = _lock_post(post)
    if post.deleted_at is not None:
        raise ActionError("Cette actualité a été supprimée.")
    access.require(access.can_pin(by, post), "Seule la coordination épingle les actualités.")
    if post.pinned == pinned:
        raise ActionError(
            "Cette actualité est déjà épinglée." if pinned else "Cette actualité n'est pas épinglée."
        )
    if pinned:
        _pin_room(post.cpts)
    post.pinned = pinned
    post.pinned_at, post.pinned_by = (timezone.now(), by) if pinned else (None, None)
    post.save()
    emit("post.pinned", post, by, post, pinned=pinned)
    return post


@transaction.atomic
def delete_post(post: Post, by) -> Post:
    post = _lock_post(post)
    if post.deleted_at is not None:
        raise ActionError("Cette actualité est déjà supprimée.")
    access.require(
        access.can_delete_post(by, post),
        "Seuls l'auteur d'une actualité et la coordination peuvent la supprimer.",
    )
    post.deleted_at, post.deleted_by, post.pinned = timezone.now(), by, False
    post.save()
    moderated = post.author_id != by.pk
    if moderated:
        record("decision", obj=post, cpts_id=post.cpts_id, details={"decision": "news_post_removed"})
    emit("post.deleted", post, by, post, author_id=post.author_id, moderated=moderated)
    return post


@transaction.atomic
def add_comment(post: Post, by, body: str) -> Comment:
    post = _lock_post(post)
    if post.deleted_at is not None:
        raise ActionError("Cette actualité a été supprimée : on ne peut plus la commenter.")
    access.require(access.can_comment(by, post), "Votre rôle dans cette CPTS ne permet pas de commenter.")
    body = _text(body, "body", "Commentaire", COMMENT_MAX)
    _no_nir(body, "body")
    comment = Comment.objects.create(cpts=post.cpts, post=post, author=by, body=body)
    emit("comment.added", post, by, comment, post_author_id=post.author_id)
    return comment


@transaction.atomic
def edit_comment(comment: Comment, by, body: str) -> Comment:
    comment = _lock_comment(comment)
    if comment.deleted_at is not None or comment.post.deleted_at is not None:
        raise ActionError("Ce commentaire a été supprimé.")
    access.require(access.can_edit_comment(by, comment), "Seul l'auteur d'un commentaire peut le modifier.")
    body = _text(body, "body", "Commentaire", COMMENT_MAX)
    _no_nir(body, "body")
    if body == comment.body:
        raise ActionError("Aucune modification à enregistrer.", "body")
    CommentRevision.objects.create(cpts=comment.cpts, comment=comment, body=comment.body, edited_by=by)
    comment.body, comment.edited_at = body, timezone.now()
    comment.save()
    return comment


@transaction.atomic
def delete_comment(comment: Comment, by) -> Comment:
    comment = _lock_comment(comment)
    if comment.deleted_at is not None:
        raise ActionError("Ce commentaire est déjà supprimé.")
    access.require(
        access.can_delete_comment(by, comment),
        "Seuls l'auteur d'un commentaire et la coordination peuvent le supprimer.",
    )
    comment.deleted_at, comment.deleted_by = timezone.now(), by
    comment.save()
    if comment.author_id != by.pk:
        record("decision", obj=comment, cpts_id=comment.cpts_id, details={"decision": "news_comment_removed"})
    return comment
