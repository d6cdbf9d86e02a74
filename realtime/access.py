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

from coordination.models import GroupMember
from cpts.models import Membership
from cpts.policy import must_verify
from cpts.roles import PATIENT_DATA_ROLES


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
    (active group member and a patient-data role in the group's CPTS), and the CPTS whose news feed they
    may follow (an active membership, when the news app is installed). The news set is a superset on
    purpose: each news event is forwarded only to the users of ``news_audience`` at delivery time."""
    from realtime.publish import optional_module

    memberships = list(Membership.objects.filter(user_id=user_id, active=True).values_list("cpts_id", "role"))
    care = {cpts_id for cpts_id, role in memberships if role in PATIENT_DATA_ROLES}
    groups = (
        set(
            GroupMember.objects.filter(
                user_id=user_id, status=GroupMember.Status.ACTIVE, cpts_id__in=care
            ).values_list("group_id", flat=True)
        )
        if care
        else set()
    )
    news = {cpts_id for cpts_id, _ in memberships} if optional_module("news", "access") is not None else set()
    return groups, news


def news_audience(cpts_id: int) -> list[int]:
    """Users allowed to read the CPTS's news right now (the news app's rule)."""
    from realtime.publish import optional_module

    news_access = optional_module("news", "access")
    return news_access.audience(cpts_id) if news_access is not None else []


def session_fingerprint(session_key: str | None) -> str | None:
    """What identifies a session in channel-layer messages (never the key itself: Redis would see it)."""
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else None
