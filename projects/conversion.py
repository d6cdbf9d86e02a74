"""« Le projet devient la CPTS »: one action creates the CPTS from the project, without re-entry.

In one transaction: the CPTS (name, slug: ``cpts.actions.create_cpts``), its territory from the project's
communes (``cpts.territory.add_communes``, whose unique commune makes two CPTS never share one: a commune
taken meanwhile refuses the whole conversion naming the CPTS, and nothing is left half-created), the porteurs
as coordination and the co-porteurs as bureau members (cpts/roles.py), the structures associated as partner
structures (the directory's entry of the same FINESS, else a new one), the diagnostic's figures typed in from
Rézone CPTS, the CPTS's stage from the project's
(``CPTS_STAGE``), and ``project.cpts`` set. Audited in the new CPTS's chain and in the instance chain.
"""

from django.db import transaction
from django.utils import timezone

from audit.log import record
from cpts import actions as cpts_actions
from cpts import territory as cpts_territory
from cpts.models import CPTS, Membership, PartnerStructure
from cpts.roles import Role
from diagnostic import typed
from directory.models import Structure
from opencpts.errors import ActionError
from projects.models import Project, ProjectMember, Stage
from projects.signals import project_converted

CPTS_STAGE = {
    Stage.INTENTION: CPTS.Stage.AMI,  # the CPTS's first stage: nothing earlier exists there
    Stage.AMI: CPTS.Stage.AMI,
    Stage.LETTER: CPTS.Stage.LETTER,
    Stage.HEALTH_PROJECT: CPTS.Stage.PROJECT,
    Stage.ASSOCIATION: CPTS.Stage.VALIDATED,  # the association follows the projet de santé's validation
    Stage.ACI: CPTS.Stage.ACI,
}
MEMBER_ROLE = {ProjectMember.Role.PORTEUR: Role.COORDINATOR, ProjectMember.Role.CO_PORTEUR: Role.BUREAU}


def _carry_partners(project: Project, cpts: CPTS) -> None:
    """The structures associated with the project become the CPTS's partner structures: the directory's entry
    when one holds the FINESS given, else a new entry of the directory."""
    for partner in project.partners.order_by("pk"):
        known = Structure.objects.filter(finess=partner.finess).first() if partner.finess else None
        if known is not None:
            PartnerStructure.objects.get_or_create(cpts=cpts, structure=known)
        else:
            fields = {"finess": partner.finess} if partner.finess else {}
            cpts_actions.add_partner_structure(cpts, name=partner.name, kind=partner.kind, **fields)


@transaction.atomic
def convert(project: Project, by, name: str = "") -> CPTS:
    project = Project.objects.select_for_update().get(pk=project.pk)
    member = ProjectMember.objects.filter(project=project, user=by).first() if by else None
    if member is None or member.role != ProjectMember.Role.PORTEUR:
        raise ActionError("Seul un porteur du projet peut en faire la CPTS.")
    if project.cpts_id:
        raise ActionError(f"Le projet est déjà devenu la {project.cpts.name}.")
    communes = [link.commune for link in project.communes.select_related("commune").order_by("commune_id")]
    if not communes:
        raise ActionError("Ajoutez d'abord les communes du territoire : une CPTS a un territoire.")
    cpts = cpts_actions.create_cpts(name=name or project.name, stage=CPTS_STAGE[project.stage])
    try:
        cpts_territory.add_communes(cpts, communes, by)
    except cpts_territory.TerritoryError as exc:
        raise ActionError(f"Le projet n'est pas devenu une CPTS : {exc.message}", conflict=True) from exc
    for member in project.porteurs.select_related("user"):
        Membership.objects.create(cpts=cpts, user=member.user, role=MEMBER_ROLE[member.role])
    _carry_partners(project, cpts)
    typed.hand_over(project, cpts)
    project.cpts = cpts
    project.converted_at = timezone.now()
    project.save(update_fields=["cpts", "converted_at"])
    project_converted.send(sender=Project, project=project, cpts=cpts, by=by)
    details = {"decision": "project_converted", "project_id": project.pk, "cpts_id": cpts.pk}
    record("decision", obj=project, cpts_id=cpts.pk, details=details)
    record("decision", obj=project, details=details)
    return cpts
