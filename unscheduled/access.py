"""Who may do what with unscheduled slots. The only place these rules live.

- Publishing and managing the slots of a professional: the professional themself (their account is linked to
  their directory entry), someone they delegated it to (``Delegation``, e.g. a structure's secretary), or a
  coordinator of the CPTS; always with ``cpts.use_snp`` in that CPTS.
- Searching and booking: every role of the CPTS holding ``cpts.use_snp`` (coordination, bureau, members,
  partner structures such as a pharmacy or the SAS regulation); the institutional referents do not.
- A booking's patient identity is seen by whoever booked it, by the professional (and their delegates), and
  by the coordinators.
"""

from django.core.exceptions import PermissionDenied

from cpts.models import CPTS, Membership
from cpts.roles import Role
from cpts.scoping import permissions_for, scoped
from unscheduled.models import Booking, Delegation

USE = "cpts.use_snp"


def membership(user, cpts: CPTS) -> Membership | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return scoped(Membership, cpts).filter(user=user, active=True).first()


def can_use(user, cpts: CPTS) -> bool:
    return USE in permissions_for(user, membership(user, cpts))


def can_manage(user, cpts: CPTS, professional) -> bool:
    m = membership(user, cpts)
    if m is None or USE not in permissions_for(user, m):
        return False
    if m.role == Role.COORDINATOR or user.professional_id == professional.pk:
        return True
    return scoped(Delegation, cpts).filter(professional=professional, user=user).exists()


def require_manage(user, cpts: CPTS, professional) -> None:
    if not can_manage(user, cpts, professional):
        raise PermissionDenied(
            "Seuls le professionnel, les personnes qu'il a désignées et la coordination gèrent ses créneaux."
        )


def require_use(user, cpts: CPTS) -> None:
    if not can_use(user, cpts):
        raise PermissionDenied("Les soins non programmés de cette CPTS sont réservés à ses membres.")


def can_see_booking(user, booking: Booking) -> bool:
    if booking.booked_by_id == user.pk:
        return True
    return can_manage(user, booking.cpts, booking.slot.professional)


def managed_professional_ids(user, cpts: CPTS) -> set[int]:
    """The professionals whose slots ``user`` manages in ``cpts`` through their own account or a delegation
    (a coordinator manages every professional besides: see ``can_manage``)."""
    ids = set(scoped(Delegation, cpts).filter(user=user).values_list("professional_id", flat=True))
    if user.professional_id:
        ids.add(user.professional_id)
    return ids
