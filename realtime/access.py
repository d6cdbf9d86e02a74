"""What a real-time connection may receive. The server decides; the browser never chooses a subscription.

- A connection is accepted only for an authenticated user whose session passed the second factor when
  their roles require it (the same rule as the pages: accounts.policy).
- It is subscribed to the groups the user can read right now (coordination.access), recomputed whenever
  the user's group memberships change ("resync").
- Each event also carries the audience computed at sending time; a connection forwards an event only if
  its user is in it, so a stale subscription can never leak an event.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts.policy import must_verify
from coordination.models import GroupMember
from cpts.models import Membership
from cpts.roles import PATIENT_DATA_ROLES


def session_passes_second_factor(user, session) -> bool:
    """True when the session's second factor is verified, or when the user's roles do not require one."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if persistent_id:
        device = Device.from_persistent_id(persistent_id)
        if device is not None and device.user_id == user.pk and device.confirmed:
            return True
    return not must_verify(user)


def readable_group_ids(user_id: int) -> set[int]:
    """Groups whose content the user may read now: active group member and a patient-data role in its CPTS."""
    cpts_ids = Membership.objects.filter(user_id=user_id, active=True, role__in=PATIENT_DATA_ROLES).values("cpts_id")
    return set(GroupMember.objects.filter(user_id=user_id, status=GroupMember.Status.ACTIVE, cpts_id__in=cpts_ids)
               .values_list("group_id", flat=True))
