"""Who may see which notification: its recipient, and nobody else (not a coordinator, not an administrator).

A notification only points to a page; following it goes through that page's own rules, so a member
removed from a group since is refused there even with an old notification in hand. The notifications of a
group the user can no longer read (removed, left, role changed) are hidden too: their titles name the group,
which for a care circle names its patient.
"""

from django.db.models import F, OuterRef, Q, QuerySet
from django.http import Http404

from coordination import access as group_rules
from notifications.models import Kind, Notification


def visible() -> Q:
    """The notifications their recipient may still see (correlated on each row's user, so that it serves one
    user's list as well as the unread counts of many users): not about a group, or about a group whose
    content the recipient reads now (coordination.access.reads_group), or a pending invitation to it."""
    user, group = OuterRef("user_id"), OuterRef("group_id")
    invited = Q(kind=Kind.INVITATION) & group_rules.invited_to(user, group)
    return Q(group__isnull=True) | group_rules.reads_group(user, group) | invited


def _visible(user) -> QuerySet:
    return Notification.objects.filter(visible(), user=user)


def notifications_of(user) -> QuerySet:
    """The user's notifications, unread first, then the most important, then the latest."""
    return (
        _visible(user)
        .select_related("cpts")
        .order_by(F("read_at").asc(nulls_first=True), "-priority", "-updated_at", "-pk")
    )


def own_notification(user, notification_id: int) -> Notification:
    """The user's notification; another user's is answered as if it did not exist."""
    notification = _visible(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("Notification introuvable.")
    return notification


def unread_count(user) -> int:
    """One count on the partial index of unread notifications."""
    return _visible(user).filter(read_at__isnull=True).count()
