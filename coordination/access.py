"""Who may see and do what in the coordination network. The only place these rules live.

- A group's content (patient, messages, consents) is readable by its *active* members only: not by the
  coordinator as such, not by a removed member, not by another CPTS.
- The initiator and the CPTS's coordinators manage a group (invite, remove, edit, close, reopen) without
  thereby reading its content.
- Clinical content is shared in a care circle only under a valid consent (recorded, not expired, not
  withdrawn), and never in a closed group (read-only archive).
- A conversation (direct messages) follows the same rules; it has no patient, so no consent.
- A group's history (who did what and when, from the audit trail, never content) is readable by those who
  read the group and by those who manage it.
- An invitation is pending while the invitee's membership row says "invited"; it leads to the group (and is
  notified) only while the group is open.

The read rule is stated once (``_readers``) and served in the forms its callers need: one group
(``can_read``), every group of a user over all their CPTS (``readable_group_ids``: FHIR, iCalendar, real
time), a correlated ``Exists`` for querysets with a user and a group column (``reads_group``: notifications)
and the readers of one group (``audience``: real-time events and notifications). No other app queries group
membership: ``coordination/tests/test_access_in_one_place.py`` walks the code for it.
"""

import contextlib
import contextvars

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from coordination.models import Consent, Group, GroupMember, Patient
from cpts.models import CPTS, Membership
from cpts.roles import PATIENT_DATA_ROLES, Role
from cpts.scoping import scoped, scoped_to


def cpts_membership(user, cpts: CPTS) -> Membership | None:
    return scoped(Membership, cpts).filter(user=user, active=True).first()


def active_member(user, group: Group) -> GroupMember | None:
    return group.members.filter(user=user, status=GroupMember.Status.ACTIVE).first()


def active_member_ids(group: Group) -> QuerySet:
    """Ids of the group's active members (whatever their role in the CPTS), as a lazy ``values_list``."""
    return group.members.filter(status=GroupMember.Status.ACTIVE).values_list("user_id", flat=True)


def _holds_patient_data_role(user_ref, cpts_ref) -> Exists:
    """The user holds an active patient-data role in the CPTS (each ref a value or an ``OuterRef``)."""
    return Exists(
        scoped_to(Membership, cpts_ref).filter(user_id=user_ref, active=True, role__in=PATIENT_DATA_ROLES)
    )


def _readers() -> QuerySet:
    """THE read rule, as the group-member rows whose user reads the group now: an active member holding an
    active patient-data role in the group's CPTS (a member row's ``cpts`` is its group's)."""
    return GroupMember.objects.filter(
        _holds_patient_data_role(OuterRef("user_id"), OuterRef("cpts_id")), status=GroupMember.Status.ACTIVE
    )


def _pk(user_or_id) -> int | None:
    return getattr(user_or_id, "pk", user_or_id)


def can_read(user, group: Group) -> bool:
    """May ``user`` read ``group``'s content now (one query). The first call after ``group_to_read`` said yes
    for this user on this very instance asks nothing: the view's check serves the action that follows it in
    the same request, once (any later call, after a change of membership for instance, asks again)."""
    user_id = _pk(user)
    if user_id is not None and group.__dict__.pop("_checked_reader", None) == user_id:
        return True
    return _readers().filter(group_id=group.pk, user_id=user_id).exists()


def readable_group_ids(user) -> QuerySet:
    """Ids of every group ``user`` (a user or a user id) reads now, over all their CPTS, in one query: a lazy
    ``values_list`` to iterate (``set(...)``) or to use as a subquery (``group_id__in=``)."""
    user_id = _pk(user)
    if user_id is None:
        return GroupMember.objects.none().values_list("group_id", flat=True)
    return _readers().filter(user_id=user_id).values_list("group_id", flat=True)


def reads_group(user_ref, group_ref) -> Exists:
    """``can_read`` as an expression for querysets correlated on a user and a group column, e.g.
    ``Notification.objects.filter(reads_group(OuterRef("user_id"), OuterRef("group_id")))``."""
    return Exists(_readers().filter(user_id=user_ref, group_id=group_ref))


def invited_to(user_ref, group_ref) -> Exists:
    """The user's invitation to the group is pending (expression form, correlated as ``reads_group``)."""
    return Exists(
        GroupMember.objects.filter(user_id=user_ref, group_id=group_ref, status=GroupMember.Status.INVITED)
    )


def has_pending_invitation(user, group: Group) -> bool:
    """An invitation that still leads somewhere: pending, in an open group."""
    return (
        group.status == Group.Status.OPEN
        and group.members.filter(user_id=_pk(user), status=GroupMember.Status.INVITED).exists()
    )


def can_manage(user, group: Group) -> bool:
    membership = cpts_membership(user, group.cpts)
    if membership is None:
        return False
    return membership.role == Role.COORDINATOR or (
        group.initiator_id == user.pk and active_member(user, group)
    )


def valid_consent(group: Group) -> Consent | None:
    if group.kind != Group.Kind.CARE_CIRCLE:
        return None
    for consent in group.consents.filter(withdrawn_at__isnull=True).order_by("-collected_on"):
        if consent.is_valid():
            return consent
    return None


def can_share_clinical(group: Group) -> bool:
    """Posting in a group: never when closed; in a care circle, only under a valid consent."""
    if group.status != Group.Status.OPEN:
        return False
    # Working groups and conversations have no patient, hence no consent to wait for.
    return group.kind != Group.Kind.CARE_CIRCLE or valid_consent(group) is not None


def visible_groups(user, cpts: CPTS) -> QuerySet:
    """The groups of ``cpts`` the user reads now (one query, the ids as a subquery)."""
    return scoped(Group, cpts).filter(pk__in=readable_group_ids(user))


def visible_patients(user, cpts: CPTS) -> QuerySet:
    """Members find only the patients of the care circles they belong to."""
    return scoped(Patient, cpts).filter(groups__in=visible_groups(user, cpts)).distinct()


def group_to_read(user, cpts: CPTS, group_id: int) -> Group:
    group = scoped(Group, cpts).filter(pk=group_id).select_related("patient").first()
    if group is None:
        raise Http404("Groupe introuvable.")
    group.cpts = cpts  # the CPTS it was found in: group.cpts needs no query of its own
    if not can_read(user, group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    # This instance, fetched for this request, was just checked for this user: see can_read.
    group._checked_reader = _pk(user)
    return group


def group_to_manage(user, cpts: CPTS, group_id: int) -> Group:
    group = scoped(Group, cpts).filter(pk=group_id).first()
    if group is None:
        raise Http404("Groupe introuvable.")
    if not can_manage(user, group):
        raise PermissionDenied("Seuls l'initiateur du groupe et la coordination peuvent le gérer.")
    return group


# The audiences read while one domain event is delivered (``one_audience_per_event``), by group id.
_delivery_audiences: contextvars.ContextVar[dict[int, tuple[int, ...]] | None] = contextvars.ContextVar(
    "delivery_audiences", default=None
)


def audience(group: Group | int) -> list[int]:
    """Ids of the users allowed to read the group's content right now: its active members who hold a
    patient-data role in the group's CPTS. Real-time events and notifications go to these users only.
    ``group``: a group or its id (a deleted group has nobody)."""
    group_id = _pk(group)
    shared = _delivery_audiences.get()
    if shared is not None and group_id in shared:
        return list(shared[group_id])
    # Correlated on each member (the unique index on (cpts, user)), not a scan of the CPTS's memberships.
    readers = tuple(_readers().filter(group_id=group_id).values_list("user_id", flat=True))
    if shared is not None:
        shared[group_id] = readers
    return list(readers)


@contextlib.contextmanager
def one_audience_per_event():
    """While one domain event is delivered to its subscribers (coordination.events, right after the commit),
    a group's audience is read once and shared by them: the notifications, the real-time frame and the
    members' unread counts all go to the readers of that moment, with one query instead of one each."""
    token = _delivery_audiences.set({})
    try:
        yield
    finally:
        _delivery_audiences.reset(token)


def can_view_history(user, group: Group) -> bool:
    return can_read(user, group) or can_manage(user, group)


def group_history_to_read(user, cpts: CPTS, group_id: int) -> Group:
    group = scoped(Group, cpts).filter(pk=group_id).select_related("patient").first()
    if group is None:
        raise Http404("Groupe introuvable.")
    if not can_view_history(user, group):
        raise PermissionDenied(
            "Seuls les membres du groupe, son initiateur et la coordination voient son historique."
        )
    return group
