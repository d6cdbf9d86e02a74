"""The one scoping helper: which CPTS a request acts in, and what the user may do there.

Every view, API endpoint and command that touches tenant-owned rows goes through ``access_cpts``
(fetch and authorise) and ``scoped`` (filter by tenant), or ``scoped_to`` in a subquery that follows each
outer row's tenant. Nothing else filters on ``cpts`` by hand: ``tests/test_tenancy_in_one_place.py`` walks
the code for such lookups.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from cpts.models import CPTS, Membership, TenantModel
from cpts.roles import INSTANCE_ADMIN_PERMISSIONS, PERMISSIONS, ROLE_PERMISSIONS


@dataclass
class Access:
    cpts: CPTS
    membership: Membership | None
    permissions: set[str] = field(default_factory=set)

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    def can(self, permission: str) -> bool:
        if permission not in PERMISSIONS:
            raise KeyError(permission)
        return permission in self.permissions

    def require(self, permission: str) -> "Access":
        if not self.can(permission):
            raise PermissionDenied("Vous n'avez pas le droit d'effectuer cette action dans cette CPTS.")
        return self


def permissions_for(user, membership: Membership | None) -> set[str]:
    perms: set[str] = set()
    if membership is not None and membership.active:
        perms |= ROLE_PERMISSIONS.get(membership.role, set())
    if user.is_staff:
        perms |= INSTANCE_ADMIN_PERMISSIONS
    return perms


def access_cpts(user, slug: str, permission: str | None = None) -> Access:
    """Fetch the CPTS by slug and what ``user`` may do in it; optionally require a permission.

    Raises Http404 for an unknown CPTS, PermissionDenied when the user has no role there.
    """
    if not user.is_authenticated:
        raise PermissionDenied("Connexion requise.")
    # One query in the common case (a member of that CPTS); a second only for other callers.
    membership = (
        Membership.objects.select_related("cpts", "user__professional")
        .filter(cpts__slug=slug, user=user, active=True)
        .first()
    )
    cpts = membership.cpts if membership else CPTS.objects.filter(slug=slug).first()
    if cpts is None:
        raise Http404("CPTS inconnue.")
    perms = permissions_for(user, membership)
    if not perms:
        raise PermissionDenied("Vous n'êtes pas membre de cette CPTS.")
    access = Access(cpts, membership, perms)
    if permission:
        access.require(permission)
    return access


def _tenant_rows(model_or_qs: type[Model] | QuerySet) -> QuerySet:
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs._default_manager.all()
    if not issubclass(qs.model, TenantModel):
        raise TypeError(f"{qs.model.__name__} is not tenant-owned")
    return qs


def scoped(model_or_qs: type[Model] | QuerySet, cpts: CPTS) -> QuerySet:
    """The rows of ``cpts`` (a model's default manager, or a queryset narrowed further)."""
    return _tenant_rows(model_or_qs).filter(cpts=cpts)


def scoped_to(model_or_qs: type[Model] | QuerySet, cpts_ref) -> QuerySet:
    """``scoped`` for a CPTS given by its id or by an expression, for correlated subqueries:
    ``Exists(scoped_to(Membership, OuterRef("cpts_id")).filter(user_id=OuterRef("user_id")))``."""
    return _tenant_rows(model_or_qs).filter(cpts_id=cpts_ref)


def get_scoped_or_404(model_or_qs, cpts: CPTS, **lookup):
    obj = scoped(model_or_qs, cpts).filter(**lookup).first()
    if obj is None:
        raise Http404("Élément introuvable dans cette CPTS.")
    return obj


def memberships_of(user) -> QuerySet:
    """The CPTS a user belongs to (for the switcher)."""
    return (
        Membership.objects.filter(user=user, active=True)
        .select_related("cpts", "user__professional")
        .order_by("cpts__name")
    )
