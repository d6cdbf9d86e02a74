"""Who may read or change a project of CPTS.

- A project is read and changed by its members only: its porteurs and co-porteurs (``ProjectMember``).
  Anyone else, instance administrators included, gets a 404: a project before its CPTS is its porteurs'
  work, not the instance's (ARS and CPAM referents will read it through a rule added here).
- Every member edits the territory, the structures associated, the invitations and the AMI, and sends it;
  turning the project into the CPTS is a porteur's decision (``can_convert``).
- An invitation is answered by its invitee only: the account invited, or the account that proved by a Pro
  Santé Connect login that it holds the directory entry invited (``invitations_for``; a link the user declared
  is a claim, not a proof).
- Any logged-in account starts a project (``projects.actions.create_project``).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import psc
from projects.models import Invitation, Project, ProjectMember


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


def is_reviewer(user, project: Project) -> bool:
    """Whether the user reads the project as an ARS or CPAM referent of its territory (none yet)."""
    return False


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
