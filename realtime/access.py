"""What a real-time connection may receive. The server decides; the browser never chooses a subscription.

- A connection is accepted only for an authenticated user whose session passed the second factor when
  their roles require it (the same rule as the pages: cpts.policy).
- It is subscribed to the groups the user can read right now (coordination.access), recomputed whenever
  the user's group memberships change ("resync").
- Each event also carries the audience computed at sending time (or, for a CPTS-wide news event, the
  process computes it when the event arrives); a connection forwards an event only if its user is in it,
  so a stale subscription can never leak an event.
- It also receives the user's own frames (``usr.<id>``: invitations, unread-notification counts), and is
  closed when its session logs out.
"""

import hashlib

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from coordination import access as group_rules
from cpts.models import Membership
from cpts.policy import must_verify
from news import access as news_access


def session_passes_second_factor(user, session) -> bool:
    """True when the session's second factor is verified, or when the user's roles do not require one."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if persistent_id:
        device = Device.from_persistent_id(persistent_id)
        if device is not None and device.user_id == user.pk and device.confirmed:
            return True
    return not must_verify(user)


def subscriptions(user_id: int) -> tuple[set[int], set[int]]:
    """What a connection of the user listens to, in two queries: the groups whose content they may read now
    (coordination.access.readable_group_ids), and the CPTS whose news feed they may follow (an active
    membership). The news set is a superset on purpose: each news event is forwarded only to the users of
    ``news_audience`` at delivery time."""
    groups = set(group_rules.readable_group_ids(user_id))
    news = set(Membership.objects.filter(user_id=user_id, active=True).values_list("cpts_id", flat=True))
    return groups, news


def news_audience(cpts_id: int) -> list[int]:
    """Users allowed to read the CPTS's news right now (the news app's rule)."""
    return news_access.audience(cpts_id)


def session_fingerprint(session_key: str | None) -> str | None:
    """What identifies a session in channel-layer messages (never the key itself: Redis would see it)."""
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else None
