"""Who may read or change a project of CPTS.

- A project is changed by its members only: its porteurs and co-porteurs (``ProjectMember``). Anyone else,
  instance administrators included, gets a 404: a project before its CPTS is its porteurs' work, not the
  instance's.
- It is read, read-only, by its members and by the ARS and CPAM referents of its territory (``is_reviewer``):
  an active ``Referent`` whose région (ARS) or département (CPAM) holds at least one of the project's
  communes. A referent of Bretagne never reads a project of Auvergne-Rhône-Alpes. Referents are granted by an
  instance administrator (``projects.reviews.grant_referent``); they comment and decide on the dossiers of the
  projects they read (``projects.reviews``), nothing else.
- Every member edits the territory, the structures associated, the invitations and the AMI, and sends it;
  turning the project into the CPTS is a porteur's decision (``can_convert``).
- An invitation is answered by its invitee only: the account invited, or the account that proved by a Pro
  Santé Connect login that it holds the directory entry invited (``invitations_for``; a link the user declared
  is a claim, not a proof).
- Any logged-in account starts a project (``projects.actions.create_project``).
- Once the project has become its CPTS, nobody changes it any more (``lock_open``): it is the CPTS's history.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import psc
from opencpts.errors import ActionError
from projects.models import Body, Invitation, Project, ProjectCommune, ProjectMember, Referent


def projects_of(user) -> QuerySet:
    return Project.objects.filter(porteurs__user=user).distinct().order_by("name")


def membership(user, project: Project) -> ProjectMember | None:
    if not user.is_authenticated:
        return None
    return ProjectMember.objects.filter(project=project, user=user).first()


def access_project(user, project_id: int) -> tuple[Project, ProjectMember]:
    """The project and the user's place in it; 404 for anyone who is not a member."""
    project = Project.objects.select_related("cpts").filter(pk=project_id).first()
    member = membership(user, project) if project else None
    if member is None:
        raise Http404("Projet introuvable.")
    return project, member


def read_project(user, project_id: int) -> tuple[Project, ProjectMember | None]:
    """The project for a reader: its members (with their place in it) and, read-only (``None`` as member), the
    ARS and CPAM referents of its territory. 404 for anyone else. Pages that change something use
    ``access_project``."""
    project = Project.objects.select_related("cpts").filter(pk=project_id).first()
    if project is None:
        raise Http404("Projet introuvable.")
    member = membership(user, project)
    if member is None and not is_reviewer(user, project):
        raise Http404("Projet introuvable.")
    return project, member


def referent_roles(user) -> QuerySet:
    """The user's active ARS / CPAM referent roles (none for an anonymous user)."""
    if not user.is_authenticated:
        return Referent.objects.none()
    return Referent.objects.filter(user=user, active=True).select_related("region", "departement")


def is_referent(user) -> bool:
    return referent_roles(user).exists()


def scope_filter(roles, prefix: str = "") -> Q | None:
    """The communes of the roles' régions and départements, as a ``Q`` on ``<prefix>region`` /
    ``<prefix>departement`` (None when there is no role: nothing in scope)."""
    condition = None
    for role in roles:
        if role.body == Body.ARS:
            part = Q(**{f"{prefix}region_id": role.region_id})
        else:
            part = Q(**{f"{prefix}departement_id": role.departement_id})
        condition = part if condition is None else condition | part
    return condition


def projects_for_reviewer(user) -> QuerySet:
    """The projects the user reads as a referent: those with at least one commune in their scope."""
    condition = scope_filter(referent_roles(user), "commune__")
    if condition is None:
        return Project.objects.none()
    ids = ProjectCommune.objects.filter(condition).values("project_id")
    return Project.objects.filter(pk__in=ids).order_by("name")


def reviewer_role(user, project: Project) -> Referent | None:
    """The referent role through which the user reads the project (the ARS first), or None."""
    communes = ProjectCommune.objects.filter(project=project)
    for role in sorted(referent_roles(user), key=lambda r: (r.body != Body.ARS, r.pk)):
        if communes.filter(scope_filter([role], "commune__")).exists():
            return role
    return None


def is_reviewer(user, project: Project) -> bool:
    """Whether the user reads the project as an ARS or CPAM referent of its territory."""
    return reviewer_role(user, project) is not None


def review_project(user, project_id: int) -> tuple[Project, Referent]:
    """The project for one of its referents, with the role they read it through; 404 for anyone else (its
    porteurs included: they read it on their own pages)."""
    project = Project.objects.select_related("cpts").filter(pk=project_id).first()
    role = reviewer_role(user, project) if project else None
    if role is None:
        raise Http404("Projet introuvable.")
    return project, role


def lock_open(project: Project) -> Project:
    """The project locked for a change (``select_for_update``), refused once it has become its CPTS: from then
    on the project is the CPTS's history, read-only; what the CPTS holds (territory, members, identifiers,
    contract) changes in the CPTS, under its roles (``cpts/roles.py``). Every write of a project's dossier
    (projects, healthplan, association) goes through it."""
    project = Project.objects.select_for_update().get(pk=project.pk)  # no join: PostgreSQL locks one side
    if project.cpts_id:
        raise ActionError(
            f"Le projet est devenu la {project.cpts.name} : il reste son historique, en lecture seule. Les "
            "changements se font désormais dans la CPTS, selon les rôles de chacun.",
            conflict=True,
        )
    return project


def can_convert(member: ProjectMember | None) -> bool:
    return member is not None and member.role == ProjectMember.Role.PORTEUR


def invitations_for(user) -> QuerySet:
    """Pending invitations addressed to the user's account or to their directory entry."""
    if not user.is_authenticated:
        return Invitation.objects.none()
    who = Q(user=user)
    proven = psc.proven_professional_id(user)
    if proven is not None:  # what is addressed to the entry, to its holder proven by Pro Santé Connect only
        who |= Q(professional_id=proven)
    return (
        Invitation.objects.filter(who, status=Invitation.Status.PENDING)
        .select_related("project", "invited_by")
        .order_by("-created_at")
    )
