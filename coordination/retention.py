"""Retention of closed care circles: the per-CPTS setting and the purge (``manage.py purge_closed_circles``).

A care circle closed for longer than its CPTS's retention period is deleted with everything hanging off it
(messages and their revisions, read receipts and mentions, consents, members, invitations, documents and
agenda events), and its patient too when no other group of the CPTS refers to them. Each circle is purged
in its own transaction and leaves one audit entry (action ``purge``) carrying counts, never content. A run
that stops half-way is simply run again: what is left is what remains to purge.

Working groups and conversations are not purged by this rule (they carry no patient).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from audit.log import record
from coordination import access
from coordination.models import (
    Consent,
    CoordinationSettings,
    EmailInvitation,
    Group,
    GroupMember,
    Message,
    MessageMention,
    MessageRevision,
    Patient,
    ReadReceipt,
    Relative,
)
from cpts.models import CPTS
from cpts.roles import role_has
from cpts.scoping import scoped
from opencpts.errors import ActionError


def settings_for(cpts: CPTS) -> CoordinationSettings:
    """The CPTS's settings; the defaults (not stored) when the coordination never changed them."""
    return scoped(CoordinationSettings, cpts).first() or CoordinationSettings(cpts=cpts)


@transaction.atomic
def set_retention(cpts: CPTS, by, days: int) -> CoordinationSettings:
    membership = access.cpts_membership(by, cpts)
    if membership is None or not role_has(membership.role, "cpts.manage_coordination"):
        raise PermissionDenied("Seule la coordination de la CPTS règle la durée de conservation.")
    low, high = CoordinationSettings.MIN_RETENTION_DAYS, CoordinationSettings.MAX_RETENTION_DAYS
    if not isinstance(days, int) or not low <= days <= high:
        raise ActionError(
            f"Durée de conservation : entre {low} et {high} jours.", "closed_circle_retention_days"
        )
    current = scoped(CoordinationSettings, cpts).select_for_update().first()
    if current is None:
        current = CoordinationSettings(cpts=cpts)
    current.closed_circle_retention_days, current.updated_by = days, by
    current.save()
    return current


def expired_circles(cpts: CPTS, now: dt.datetime | None = None):
    """Care circles of ``cpts`` closed before the CPTS's retention period, oldest closure first."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=settings_for(cpts).closed_circle_retention_days)
    return (
        scoped(Group, cpts)
        .filter(kind=Group.Kind.CARE_CIRCLE, status=Group.Status.CLOSED, closed_at__lt=limit)
        .order_by("closed_at", "pk")
    )


# Sent (sender=Group, group=...) inside the purge's transaction, before the circle is deleted: an app
# whose rows hang off the group and need more than the cascade deletes them and returns their counts (a
# dict merged into the audit entry). documents connects to it (documents/purge.py); coordination imports
# no such app.
circle_purging = Signal()


def counts_of(group: Group) -> dict[str, int]:
    messages = Message.objects.filter(group=group)
    return {
        "messages": messages.count(),
        "revisions": MessageRevision.objects.filter(message__group=group).count(),
        "read_receipts": ReadReceipt.objects.filter(message__group=group).count(),
        "mentions": MessageMention.objects.filter(message__group=group).count(),
        "consents": Consent.objects.filter(group=group).count(),
        "members": GroupMember.objects.filter(group=group).count(),
        "email_invitations": EmailInvitation.objects.filter(group=group).count(),
    }


@dataclasses.dataclass
class Purged:
    group_id: int
    closed_at: dt.datetime
    counts: dict[str, int]
    patient_deleted: bool


@transaction.atomic
def purge_circle(group_id: int, now: dt.datetime | None = None) -> Purged | None:
    """Delete one expired care circle (re-checked under lock) and what hangs off it. None if it is no longer
    to purge (reopened, or purged by another run meanwhile)."""
    group = Group.objects.select_for_update().filter(pk=group_id).select_related("cpts").first()
    if (
        group is None
        or group.kind != Group.Kind.CARE_CIRCLE
        or not expired_circles(group.cpts, now).filter(pk=group.pk).exists()
    ):
        return None
    counts = counts_of(group)
    for _receiver, extra in circle_purging.send(sender=Group, group=group):
        counts.update(extra or {})
    patient_id, closed_at, cpts_id = group.patient_id, group.closed_at, group.cpts_id
    # Replies before their subjects: the self reference of Message would otherwise order the cascade by
    # chance.
    Message.objects.filter(group=group, parent__isnull=False).delete()
    group.delete()
    patient_deleted = False
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is not None and not patient.groups.exists():
        counts["relatives"] = Relative.objects.filter(patient=patient).count()
        patient.delete()
        patient_deleted = True
    record(
        "purge",
        cpts_id=cpts_id,
        object_type="coordination.group",
        object_id=str(group_id),
        object_label=f"Cercle de soins n° {group_id}",
        details={
            "reason": "retention",
            "closed_at": closed_at.isoformat(),
            "patient_deleted": patient_deleted,
            "counts": counts,
        },
    )
    return Purged(group_id, closed_at, counts, patient_deleted)


def purge_all(
    cpts_list=None, now: dt.datetime | None = None, dry_run: bool = False
) -> Iterator[tuple[CPTS, Group, Purged | None]]:
    """For each CPTS, each expired circle: purged (or only listed with ``dry_run``). Yields as it goes."""
    for cpts in cpts_list if cpts_list is not None else CPTS.objects.order_by("pk"):
        for group in list(expired_circles(cpts, now)):
            if dry_run:
                yield cpts, group, Purged(group.pk, group.closed_at, counts_of(group), False)
            else:
                yield cpts, group, purge_circle(group.pk, now)
