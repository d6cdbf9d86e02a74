"""Write paths of the notifications app: mark read, save preferences. Each writes in one transaction
and, after the commit, tells the user's other open pages their new unread count."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from notifications.delivery import preferences_for, schedule_email, unread_counts
from notifications.models import Category, Delivery, EmailState, Notification, NotificationPreference
from notifications.signals import notifications_read
from opencpts.errors import ActionError

PENDING = [EmailState.IMMEDIATE, EmailState.DIGEST]


def _announce(user_id: int) -> None:
    def send():
        notifications_read.send_robust(
            sender=Notification, user_id=user_id, unread=unread_counts([user_id])[user_id]
        )

    transaction.on_commit(send, robust=True)


@transaction.atomic
def mark_read(notification: Notification, now: dt.datetime | None = None) -> Notification:
    """Read: it leaves the unread count, and an e-mail not sent yet will not be (it would be old news)."""
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        if notification.email_state in PENDING:
            notification.email_state = EmailState.NONE
        notification.save(update_fields=["read_at", "email_state"])
        _announce(notification.user_id)
    return notification


@transaction.atomic
def mark_all_read(user, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    unread.filter(email_state__in=PENDING).update(email_state=EmailState.NONE)
    count = unread.update(read_at=now)
    if count:
        _announce(user.pk)
    return count


def preferences_of(user) -> NotificationPreference:
    return preferences_for([user.pk])[user.pk]


@transaction.atomic
def save_preferences(
    user,
    *,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
    digest_hour: int,
    now: dt.datetime | None = None,
    **deliveries: str,
) -> NotificationPreference:
    """Save the user's choices; the e-mails already waiting follow the new ones."""
    now = now or timezone.now()
    unknown = set(deliveries) - set(Category.values)
    if unknown:
        raise ActionError(f"Catégorie de notification inconnue : {', '.join(sorted(unknown))}.")
    for category, delivery in deliveries.items():
        if delivery not in Delivery.values:
            raise ActionError(f"{Category(category).label} : choix inconnu.", category)
    if (quiet_start is None) != (quiet_end is None):
        raise ActionError(
            "Heures calmes : indiquez le début et la fin, ou aucune des deux.",
            "quiet_end" if quiet_end is None else "quiet_start",
        )
    if quiet_start is not None and quiet_start == quiet_end:
        raise ActionError("Heures calmes : le début et la fin doivent être différents.", "quiet_end")
    if not isinstance(digest_hour, int) or not 0 <= digest_hour <= 23:
        raise ActionError("Heure du résumé quotidien : entre 0 et 23 heures.", "digest_hour")
    prefs, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    for category, delivery in deliveries.items():
        setattr(prefs, category, delivery)
    prefs.quiet_start, prefs.quiet_end, prefs.digest_hour = quiet_start, quiet_end, digest_hour
    prefs.save()
    # Waiting e-mails follow the new choices (a digest line may become immediate, or nothing).
    waiting = list(
        Notification.objects.select_for_update().filter(
            user=user, read_at__isnull=True, email_state__in=PENDING
        )
    )
    for notification in waiting:
        notification.email_state = EmailState.NONE  # rescheduled from scratch
        schedule_email(notification, prefs, now)
    Notification.objects.bulk_update(waiting, ["email_state", "email_after", "email_attempts"])
    return prefs
