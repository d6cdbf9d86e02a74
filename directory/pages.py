"""What the directory's page, its professional page and its JSON API compose from apps ABOVE the directory.

The directory is a low layer (national reference data): its domain modules (``directory/search.py``,
``directory/query.py``) never import unscheduled, cpts or coordination. This interface module does, and
passes plain values down: the ids of the professionals with a free unscheduled slot soon
(``directory.query.run(..., professional_ids=...)``), then for the page shown, each professional's next
free slot and the account to write to.
"""

import datetime as dt

from django.db.models import Min
from django.utils import timezone

from cpts.models import Membership
from cpts.roles import Role, role_has
from cpts.scoping import scoped
from unscheduled.models import Audience, Slot

FREE_WINDOWS = {"24h": 24, "48h": 48}
NEXT_SLOT_DAYS = 7  # the chip « Créneau libre … » looks this far ahead


def free_slot_professionals(cpts, window: str, now: dt.datetime | None = None) -> frozenset[int] | None:
    """The professionals with a bookable unscheduled slot in ``cpts`` starting within ``window`` ("24h",
    "48h"); None when no window is asked. Served by the partial index ``slot_free_by_start`` (cpts, start):
    at most the CPTS's slots of the next two days."""
    hours = FREE_WINDOWS.get(window)
    if hours is None:
        return None
    now = now or timezone.now()
    slots = (
        scoped(Slot, cpts)
        .bookable(audience=Audience.MEMBER, now=now)
        .filter(start__lt=now + dt.timedelta(hours=hours))
    )
    return frozenset(slots.values_list("professional_id", flat=True).distinct())


def next_free_slots(cpts, professional_ids, now: dt.datetime | None = None) -> dict[int, dt.datetime]:
    """Professional id → start of their next bookable slot in ``cpts`` (within a week), for the ids of a
    page of results."""
    ids = [i for i in professional_ids if i]
    if not ids:
        return {}
    now = now or timezone.now()
    rows = (
        scoped(Slot, cpts)
        .bookable(audience=Audience.MEMBER, now=now)
        .filter(start__lt=now + dt.timedelta(days=NEXT_SLOT_DAYS), professional_id__in=ids)
        .values("professional_id")
        .annotate(first=Min("start"))
        .order_by()
    )
    return {row["professional_id"]: row["first"] for row in rows}


MESSAGING_ROLES = tuple(role for role in Role if role_has(role, "cpts.use_coordination"))


def message_accounts(access, viewer, professional_ids) -> dict[int, int]:
    """Professional id → the user id to start a direct message with (coordination:new_conversation
    ``?avec=``): members of this CPTS who use the messaging, other than the viewer; empty when the viewer
    may not write."""
    ids = [i for i in professional_ids if i]
    if not ids or access.role not in MESSAGING_ROLES:
        return {}
    rows = (
        scoped(Membership, access.cpts)
        .filter(
            active=True,
            role__in=MESSAGING_ROLES,
            user__is_active=True,
            user__professional_id__in=ids,
        )
        .exclude(user_id=viewer.pk)
        .values_list("user__professional_id", "user_id")
    )
    return dict(rows)
