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
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from coordination.models import Consent, Group, GroupMember, Patient
from cpts.models import CPTS, Membership
from cpts.roles import PATIENT_DATA_ROLES, Role
from cpts.scoping import scoped


def cpts_membership(user, cpts: CPTS) -> Membership | None:
    return scoped(Membership, cpts).filter(user=user, active=True).first()


def active_member(user, group: Group) -> GroupMember | None:
    return group.members.filter(user=user, status=GroupMember.Status.ACTIVE).first()


def can_read(user, group: Group) -> bool:
    membership = cpts_membership(user, group.cpts)
    return bool(membership and membership.role in PATIENT_DATA_ROLES and active_member(user, group))


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
    membership = cpts_membership(user, cpts)
    if membership is None or membership.role not in PATIENT_DATA_ROLES:
        return scoped(Group, cpts).none()
    return (
        scoped(Group, cpts).filter(members__user=user, members__status=GroupMember.Status.ACTIVE).distinct()
    )


def visible_patients(user, cpts: CPTS) -> QuerySet:
    """Members find only the patients of the care circles they belong to."""
    return scoped(Patient, cpts).filter(groups__in=visible_groups(user, cpts)).distinct()


def group_to_read(user, cpts: CPTS, group_id: int) -> Group:
    group = scoped(Group, cpts).filter(pk=group_id).select_related("patient").first()
    if group is None:
        raise Http404("Groupe introuvable.")
    if not can_read(user, group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    return group


def group_to_manage(user, cpts: CPTS, group_id: int) -> Group:
    group = scoped(Group, cpts).filter(pk=group_id).first()
    if group is None:
        raise Http404("Groupe introuvable.")
    if not can_manage(user, group):
        raise PermissionDenied("Seuls l'initiateur du groupe et la coordination peuvent le gérer.")
    return group


def audience(group: Group) -> list[int]:
    """Ids of the users allowed to read the group's content right now: its active members who hold a
    patient-data role in the group's CPTS. Real-time events and notifications go to these users only."""
    # Correlated on each member (the unique index on (cpts, user)), not a scan of the CPTS's memberships.
    role = Membership.objects.filter(
        cpts_id=group.cpts_id, user_id=OuterRef("user_id"), active=True, role__in=PATIENT_DATA_ROLES
    )
    return list(
        group.members.filter(Exists(role), status=GroupMember.Status.ACTIVE).values_list("user_id", flat=True)
    )


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
