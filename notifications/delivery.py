"""Creating notifications: one unread notification per (user, kind, subject), grouped when events come in a
burst, with the e-mail it calls for scheduled from the user's preferences.

``notify`` is called by the subscribers (``notifications.subscribers``) after the commit of the write that
emitted the event; it writes in its own transaction, defers there the Web Push and immediate e-mail jobs
(``defer_sending``, jobs/engine.py) and, after that commit, sends
``notifications.signals.notification_created``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

import jobs
from accounts.models import User
from notifications import schedule
from notifications.access import visible
from notifications.models import (
    Category,
    Delivery,
    EmailState,
    Kind,
    Notification,
    NotificationPreference,
    Priority,
    PushSubscription,
)
from notifications.signals import notification_created, unread_counts_changed

logger = logging.getLogger(__name__)

CATEGORY: dict[str, str] = {
    Kind.MESSAGE: Category.MESSAGES,
    Kind.MENTION: Category.MENTIONS,
    Kind.INVITATION: Category.INVITATIONS,
    Kind.CONSENT_WITHDRAWN: Category.GROUPS,
    Kind.GROUP_CLOSED: Category.GROUPS,
    Kind.GROUP_REOPENED: Category.GROUPS,
    Kind.DOCUMENT: Category.DOCUMENTS,
    Kind.EVENT_CREATED: Category.AGENDA,
    Kind.EVENT_CHANGED: Category.AGENDA,
    Kind.EVENT_CANCELLED: Category.AGENDA,
    Kind.NEWS_POST: Category.NEWS,
    Kind.NEWS_COMMENT: Category.NEWS,
    Kind.SNP_BOOKED: Category.AGENDA,
    Kind.SNP_CANCELLED: Category.AGENDA,
    Kind.GP_PROPOSAL: Category.PROPOSALS,
    Kind.GP_REMINDER: Category.PROPOSALS,
}

# Shown first and marked "Important": what asks something of the reader or changes what they may do.
HIGH_PRIORITY = {Kind.MENTION, Kind.INVITATION, Kind.CONSENT_WITHDRAWN, Kind.GP_PROPOSAL, Kind.GP_REMINDER}

Texts = Callable[[int], tuple[str, str]]  # count -> (title, email_text)


@dataclass(frozen=True)
class Subject:
    """What a notification is about, the same for all its recipients."""

    cpts_id: int
    kind: str
    topic: str  # "grp.<id>", "post.<id>", "news.<cpts id>"
    url: str
    texts: Texts
    group_id: int | None = None
    object_id: int | None = None
    grouped_url: str = ""  # where a grouped notification leads (default: the first event's page)


def preferences_for(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    """Each user's preferences, the defaults (unsaved) for those who never changed them. One query."""
    user_ids = list(user_ids)
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    return {uid: found.get(uid) or NotificationPreference(user_id=uid) for uid in user_ids}


def _preferences_to_read(user_ids: list[int]) -> dict[int, NotificationPreference]:
    """``preferences_for`` for reading only: those who never changed theirs share one unsaved default (most
    recipients of a group's message: one instance instead of one each). Never saved nor changed."""
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    default = NotificationPreference()
    return {uid: found.get(uid, default) for uid in user_ids}


def _active_recipients(user_ids: set[int]) -> dict[int, bool]:
    """The active accounts among ``user_ids``, each with whether it has a Web Push subscription (most have
    none, and then no push job is deferred). One query."""
    rows = (
        User.objects.filter(pk__in=user_ids, is_active=True)
        .annotate(pushed=Exists(PushSubscription.objects.filter(user_id=OuterRef("pk"))))
        .values_list("pk", "pushed")
    )
    return dict(sorted(rows))


def schedule_email(notification: Notification, prefs: NotificationPreference, now: dt.datetime) -> None:
    """Set what e-mail ``notification`` (new or just grouped with a new event) calls for.

    - off: none (a pending e-mail is dropped);
    - immediately: now, or at the end of the quiet hours; at most one e-mail per unread notification (later
      events grouped into it until it is read are not e-mailed again);
    - daily digest: in the next digest (again if the notification grew since the last one).
    """
    delivery = prefs.delivery(notification.category)
    state = notification.email_state
    if delivery == Delivery.OFF:
        notification.email_state = EmailState.NONE
    elif delivery == Delivery.IMMEDIATE:
        if state == EmailState.IMMEDIATE or (
            state == EmailState.SENT and notification.emailed_at is not None
        ):
            return
        notification.email_state, notification.email_after = (
            EmailState.IMMEDIATE,
            schedule.not_before(prefs, now),
        )
        notification.email_attempts = 0
    else:
        if state == EmailState.DIGEST:
            return
        notification.email_state, notification.email_after = (
            EmailState.DIGEST,
            schedule.next_digest(prefs, now),
        )
        notification.email_attempts = 0


def _group_into(notification: Notification, subject: Subject, prefs, now) -> None:
    notification.count += 1
    notification.updated_at = now
    notification.title, notification.email_text = subject.texts(notification.count)
    notification.url = subject.grouped_url or notification.url
    schedule_email(notification, prefs, now)


def _new(subject: Subject, user_id: int, prefs, now) -> Notification:
    title, email_text = subject.texts(1)
    notification = Notification(
        cpts_id=subject.cpts_id,
        user_id=user_id,
        kind=subject.kind,
        category=CATEGORY[subject.kind],
        priority=Priority.HIGH if subject.kind in HIGH_PRIORITY else Priority.NORMAL,
        topic=subject.topic,
        group_id=subject.group_id,
        object_id=subject.object_id,
        title=title,
        email_text=email_text,
        url=subject.url,
        created_at=now,
        updated_at=now,
    )
    schedule_email(notification, prefs, now)
    return notification


GROUPED_FIELDS = [
    "count",
    "updated_at",
    "title",
    "email_text",
    "url",
    "email_state",
    "email_after",
    "email_attempts",
]


def _create_one(notification: Notification, subject: Subject, prefs, now) -> Notification:
    """Insert, or group into the unread notification a concurrent delivery has just created."""
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
            return notification
    except IntegrityError:
        existing = Notification.objects.select_for_update().get(
            user_id=notification.user_id, kind=subject.kind, topic=subject.topic, read_at__isnull=True
        )
        _group_into(existing, subject, prefs, now)
        existing.save(update_fields=GROUPED_FIELDS)
        return existing


def _update_grouped(rows: list[Notification]) -> None:
    """Write the grouped notifications: one UPDATE per distinct set of new values (usually one or two for a
    whole group's members: same count, same texts), instead of a bulk_update whose CASE expressions grow with
    the number of rows."""
    by_values: dict[tuple, list[int]] = {}
    for n in rows:
        by_values.setdefault(tuple(getattr(n, f) for f in GROUPED_FIELDS), []).append(n.pk)
    for values, pks in by_values.items():
        Notification.objects.filter(pk__in=pks).update(**dict(zip(GROUPED_FIELDS, values, strict=True)))


def _email_due(notification: Notification, now: dt.datetime) -> bool:
    """Its e-mail is to be sent now (what notifications.mailer.send_now looks for among them)."""
    return (
        notification.email_state == EmailState.IMMEDIATE
        and notification.email_after is not None
        and notification.email_after <= now
    )


def _create_new(new: list[Notification], subject: Subject, prefs, now) -> list[Notification]:
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(new)
    except IntegrityError:  # a concurrent delivery for one of them: one by one
        return [_create_one(n, subject, prefs[n.user_id], now) for n in new]


def notify(subject: Subject, user_ids: Iterable[int], now: dt.datetime | None = None) -> list[Notification]:
    """Notify ``user_ids`` (active accounts only) of ``subject``; returns the notifications created or
    grouped.

    A handful of queries whatever the number of recipients: accounts, preferences, the unread notifications
    to group into, one update per distinct new value set, one bulk insert.
    """
    now = now or timezone.now()
    wanted = set(user_ids)
    if not wanted:
        return []
    active = _active_recipients(wanted)
    if not active:
        return []
    recipients = list(active)
    prefs = _preferences_to_read(recipients)
    with transaction.atomic():
        unread = {
            n.user_id: n
            for n in Notification.objects.select_for_update().filter(
                kind=subject.kind, topic=subject.topic, user_id__in=recipients, read_at__isnull=True
            )
        }
        grouped, new = [], []
        for user_id in recipients:
            if user_id in unread:
                _group_into(unread[user_id], subject, prefs[user_id], now)
                grouped.append(unread[user_id])
            else:
                new.append(_new(subject, user_id, prefs[user_id], now))
        if grouped:
            _update_grouped(grouped)
        created = _create_new(new, subject, prefs, now) if new else []
        touched = grouped + created
        ids = [n.pk for n in touched]
        # Only a new notification changes its user's unread count: a grouped one was unread already.
        fresh = [(n.pk, n.user_id, n.group_id) for n in touched if n.count == 1]
        transaction.on_commit(lambda: after_commit(ids, now, fresh), robust=True)
        emails = [n.pk for n in touched if _email_due(n, now)]
        defer_sending(ids, now, emails=emails, pushes=[n.pk for n in touched if active[n.user_id]])
    return touched


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Notification.objects.filter(visible(), user_id__in=list(user_ids), read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    counts = dict.fromkeys(user_ids, 0)
    counts.update(rows)
    return counts


def after_commit(
    notification_ids: list[int], now: dt.datetime, fresh: list[tuple[int, int, int | None]] | None = None
) -> None:
    """Tell the real-time layer the new unread count of each user who got a new notification.

    ``fresh``: (id, user id, group id) of the notifications created, not grouped (a grouped one leaves its
    user's unread count as it was: nothing to count nor to announce); None: read from ``notification_ids``."""
    rows = fresh
    if rows is None:
        rows = list(
            Notification.objects.filter(pk__in=notification_ids).values_list("pk", "user_id", "group_id")
        )
    counts = unread_counts({user_id for _, user_id, _ in rows}) if rows else {}
    for notification_id, user_id, _ in rows:
        notification_created.send_robust(
            sender=Notification, user_id=user_id, notification_id=notification_id, unread=counts[user_id]
        )
    if counts:
        groups = {group_id for _, _, group_id in rows}
        unread_counts_changed.send_robust(
            sender=Notification, counts=counts, group_id=groups.pop() if len(groups) == 1 else None
        )


def defer_sending(
    notification_ids: list[int],
    now: dt.datetime,
    emails: list[int] | None = None,
    pushes: list[int] | None = None,
) -> None:
    """Web Push (notifications/push.py) and the immediate e-mails (notifications/mailer.py) as background
    jobs (notifications/tasks.py), deferred in the transaction that writes the notifications: they exist
    exactly when the notifications do, and run after the commit (inline engine) or on a worker. They judge
    what is due (quiet hours, preferences) at ``now``, the notifications' time. ``emails``: those of
    ``notification_ids`` whose e-mail is due at ``now`` (no e-mail job when there are none, the usual case of
    a message: messages go to the daily digest); None: all. ``pushes``: likewise, those whose user has a
    Web Push subscription."""
    at = now.isoformat()
    if pushes is None or pushes:
        pushed = notification_ids if pushes is None else pushes
        jobs.defer("notifications.push", notification_ids=pushed, at=at)
    if settings.NOTIFICATION_EMAILS_ON_COMMIT and (emails is None or emails):
        wanted = notification_ids if emails is None else emails
        jobs.defer("notifications.email", notification_ids=wanted, at=at)
