"""Write paths of the calendar. Each checks the rules of agenda.access, validates, writes in one transaction
(audited by the model signals), keeps the trace (EventChange), emits the domain event after the commit
(coordination.events) and raises ActionError with a French message.
"""

import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from agenda import access
from agenda.models import CalendarToken, Event, EventChange, EventParticipant
from agenda.timing import PARIS, When
from coordination import access as group_rules
from coordination.events import emit
from coordination.models import Group
from opencpts.errors import ActionError


def _text(value: str, field: str, label: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(f"{label} : ce champ est obligatoire.", field)
    if len(value) > max_length:
        raise ActionError(f"{label} : {max_length} caractères au plus.", field)
    return value


def _require_reader(user, group: Group) -> None:
    if not access.can_read(user, group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")


def _require_open(group: Group) -> None:
    if group.status != Group.Status.OPEN:
        raise ActionError("Ce groupe est clôturé : son agenda est en lecture seule.")


def _require_consent(group: Group) -> None:
    if not group_rules.can_share_clinical(group):
        raise ActionError(
            "Aucun consentement valide du patient : rien ne peut être ajouté à l'agenda de ce cercle "
            "de soins tant qu'un consentement n'a pas été recueilli."
        )


def _kind(kind: str) -> str:
    if kind not in Event.Kind.values:
        raise ActionError("Type d'événement inconnu.", "kind")
    return kind


def _participants(group: Group, users: Iterable) -> list:
    """The chosen participants, each an active member of the group."""
    users = list({u.pk: u for u in users or []}.values())
    active = set(group_rules.active_member_ids(group).filter(user__in=users))
    outsiders = [u for u in users if u.pk not in active]
    if outsiders:
        names = ", ".join(str(u) for u in outsiders)
        raise ActionError(
            f"Les participants se choisissent parmi les membres actifs du groupe ({names} n'en fait pas "
            "partie). Indiquez les autres personnes dans « participants extérieurs ».",
            "participants",
        )
    return sorted(users, key=lambda u: u.pk)


def _fields(kind, title, when: When, place, description, external_participants) -> dict:
    if not isinstance(when, When):
        raise TypeError("when must be an agenda.timing.When")
    return {
        "kind": _kind(kind),
        "title": _text(title, "title", "Titre", 200, required=True),
        "starts_at": when.starts_at,
        "ends_at": when.ends_at,
        "all_day": when.all_day,
        "place": _text(place, "place", "Lieu", 255),
        "description": _text(description, "description", "Description", 4000),
        "external_participants": _text(
            external_participants, "external_participants", "Participants extérieurs", 500
        ),
    }


@transaction.atomic
def create_event(
    group: Group,
    by,
    *,
    kind: str,
    title: str,
    when: When,
    place: str = "",
    description: str = "",
    participants: Iterable = (),
    external_participants: str = "",
) -> Event:
    _require_reader(by, group)
    _require_open(group)
    _require_consent(group)
    fields = _fields(kind, title, when, place, description, external_participants)
    users = _participants(group, participants)
    event = Event.objects.create(cpts=group.cpts, group=group, created_by=by, **fields)
    for user in users:
        EventParticipant.objects.create(cpts=group.cpts, event=event, user=user)
    EventChange.objects.create(cpts=group.cpts, event=event, action=EventChange.Action.CREATED, by=by)
    emit("event.created", group, by, event, participant_ids=[u.pk for u in users])
    return event


def _display(event: Event, name: str, participant_ids=None) -> str:
    """A field's value as the history shows it."""
    if name == "kind":
        return event.get_kind_display()
    if name in ("starts_at", "ends_at"):
        value = getattr(event, name).astimezone(PARIS)
        return value.strftime("%d/%m/%Y") if event.all_day else value.strftime("%d/%m/%Y %H:%M")
    if name == "all_day":
        return "oui" if event.all_day else "non"
    if name == "participants":
        from accounts.models import User

        return ", ".join(
            str(u) for u in User.objects.filter(pk__in=participant_ids).order_by("last_name", "first_name")
        )
    return getattr(event, name)


@transaction.atomic
def change_event(
    event: Event,
    by,
    *,
    kind: str,
    title: str,
    when: When,
    place: str = "",
    description: str = "",
    participants: Iterable = (),
    external_participants: str = "",
) -> Event:
    event = Event.objects.select_for_update().select_related("group").get(pk=event.pk)
    group = event.group
    _require_reader(by, group)
    _require_open(group)
    if event.cancelled:
        raise ActionError("Cet événement est annulé : il ne peut plus être modifié.")
    _require_consent(group)
    fields = _fields(kind, title, when, place, description, external_participants)
    users = _participants(group, participants)
    changed = [name for name, value in fields.items() if getattr(event, name) != value]
    before_ids = set(event.participant_links.values_list("user_id", flat=True))
    after_ids = {u.pk for u in users}
    if before_ids != after_ids:
        changed.append("participants")
    if not changed:
        raise ActionError("Aucune modification à enregistrer.")
    previous = {name: _display(event, name, before_ids) for name in changed}
    for name, value in fields.items():
        setattr(event, name, value)
    event.updated_at = timezone.now()
    event.sequence += 1
    event.save()
    event.participant_links.exclude(user_id__in=after_ids).delete()
    for user in users:
        if user.pk not in before_ids:
            EventParticipant.objects.create(cpts=event.cpts, event=event, user=user)
    EventChange.objects.create(
        cpts=event.cpts,
        event=event,
        action=EventChange.Action.CHANGED,
        by=by,
        fields=changed,
        previous=previous,
    )
    # Those removed from the event are told too.
    emit("event.changed", group, by, event, participant_ids=sorted(before_ids | after_ids))
    return event


@transaction.atomic
def cancel_event(event: Event, by, reason: str = "") -> Event:
    event = Event.objects.select_for_update().select_related("group").get(pk=event.pk)
    group = event.group
    _require_reader(by, group)
    _require_open(group)
    if event.cancelled:
        raise ActionError("Cet événement est déjà annulé.")
    reason = _text(reason, "reason", "Motif", 500)
    if reason and not group_rules.can_share_clinical(group):
        raise ActionError(
            "Aucun consentement valide du patient : l'annulation est possible, mais sans motif.", "reason"
        )
    event.cancelled_at, event.cancelled_by, event.cancel_reason = timezone.now(), by, reason
    event.updated_at = event.cancelled_at
    event.sequence += 1
    event.save()
    EventChange.objects.create(cpts=event.cpts, event=event, action=EventChange.Action.CANCELLED, by=by)
    emit(
        "event.cancelled",
        group,
        by,
        event,
        participant_ids=sorted(event.participant_links.values_list("user_id", flat=True)),
    )
    return event


# --- Personal iCalendar subscription ----------------------------------------------------------------------


@transaction.atomic
def issue_calendar_token(user) -> tuple[CalendarToken, str]:
    """A new secret subscription URL for ``user``; the previous one stops working at once."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Connexion requise.")
    now = timezone.now()
    for token in CalendarToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        token.revoked_at = now
        token.save()
    raw = "cal_" + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = CalendarToken.objects.create(user=user, digest=CalendarToken.digest_of(raw))
    except IntegrityError:  # another request issued one at the same moment
        raise ActionError("Un autre lien vient d'être créé pour votre compte : rechargez la page.") from None
    return token, raw


@transaction.atomic
def revoke_calendar_token(user) -> CalendarToken:
    token = CalendarToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True).first()
    if token is None:
        raise ActionError("Vous n'avez pas d'abonnement actif.")
    token.revoked_at = timezone.now()
    token.save()
    return token


def active_calendar_token(raw: str) -> CalendarToken | None:
    """The active subscription token of that value, or None (unknown, revoked, inactive account)."""
    if not raw or len(raw) > 100:
        return None
    token = (
        CalendarToken.objects.select_related("user")
        .filter(digest=CalendarToken.digest_of(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # A plain UPDATE, not save(): the fetch is audited once, as a view of the feed (agenda.views.ical_feed).
    CalendarToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
