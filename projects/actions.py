"""The write paths of a project of CPTS (its territory: projects/territory.py; the AMI and the letter sent:
projects/submission.py; its conversion into the CPTS: projects/conversion.py). Each writes in one transaction;
the rows are audited by the model signals (instance chain: a project has no CPTS yet) and the decisions by an
explicit entry."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import psc
from accounts.models import User
from audit.log import record
from directory import actions as directory_actions
from directory import identifiers
from directory.models import Professional, Structure
from opencpts.errors import ActionError
from projects import access
from projects.models import (
    ORDER,
    AmiDossier,
    Invitation,
    LetterDossier,
    Partner,
    Project,
    ProjectMember,
    Stage,
    StageChange,
    Submission,
)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ActionError("Donnez un nom au projet (par exemple « CPTS du Pays de Morlaix »).", "name")
    if len(name) > 200:
        raise ActionError("Le nom ne doit pas dépasser 200 caractères.", "name")
    return name


@transaction.atomic
def create_project(user, name: str, *, on: dt.date | None = None, is_synthetic: bool = False) -> Project:
    """A new project, its creator as porteur, at the stage « intention » dated today."""
    project = Project.objects.create(name=_check_name(name), created_by=user, is_synthetic=is_synthetic)
    ProjectMember.objects.create(project=project, user=user, role=ProjectMember.Role.PORTEUR)
    StageChange.objects.create(
        project=project, stage=Stage.INTENTION, reached_on=on or timezone.localdate(), recorded_by=user
    )
    return project


def _checked_entry(user) -> bool:
    """The account's entry is the RPPS extract's (checked when linked), or proven by Pro Santé Connect."""
    return user.professional.source == "rpps" or psc.proven_professional_id(user) == user.professional_id


@transaction.atomic
def start_project(user, name: str, *, national_id: str = "") -> Project:
    """A project started from the page « Créer un projet de CPTS »: by a professional of the directory. An
    account already linked to its entry (proven by Pro Santé Connect, or checked at registration or on the
    profile) starts it at once; another gives its RPPS or ADELI number, checked against the directory
    (``directory.actions.claim_extract_entry``: an entry of the RPPS extract bearing the account's name),
    linked in the same transaction. Nothing is created when the check fails."""
    if user.professional_id is not None and not _checked_entry(user):
        raise ActionError(
            "Votre fiche professionnelle a été saisie à la main : elle n'est pas vérifiée dans l'annuaire. "
            "Connectez-vous avec Pro Santé Connect pour lancer un projet de CPTS.",
            "national_id",
        )
    if user.professional_id is None:
        if not (national_id or "").strip():
            raise ActionError(
                "Indiquez votre numéro RPPS ou ADELI : un projet de CPTS est lancé par un professionnel de "
                "santé de l'annuaire (ou connectez-vous avec Pro Santé Connect).",
                "national_id",
            )
        directory_actions.claim_extract_entry(user, national_id)
    return create_project(user, name)


@transaction.atomic
def rename(project: Project, name: str) -> Project:
    project = access.lock_open(project)
    project.name = _check_name(name)
    project.save(update_fields=["name"])
    return project


def _lock(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def set_stage(project: Project, stage: str, on: dt.date, by, note: str = "") -> StageChange:
    """Move the project forward to ``stage`` reached on ``on`` (inside the caller's transaction)."""
    project = _lock(project)
    if stage not in ORDER:
        raise ActionError("Étape inconnue.", "stage")
    if ORDER.index(stage) <= ORDER.index(project.stage):
        raise ActionError(
            f"Le projet est déjà à l'étape « {project.get_stage_display()} » : une étape ne se franchit "
            "qu'une fois, dans l'ordre.",
            "stage",
        )
    if on > timezone.localdate():
        raise ActionError("La date ne peut pas être dans le futur.", "reached_on")
    last = project.stage_changes.order_by("-reached_on").first()
    if last and on < last.reached_on:
        raise ActionError(
            f"La date ne peut pas précéder celle de l'étape précédente ({last.reached_on:%d/%m/%Y}).",
            "reached_on",
        )
    project.stage = stage
    project.save(update_fields=["stage"])
    return StageChange.objects.create(project=project, stage=stage, reached_on=on, recorded_by=by, note=note)


# The stages a porteur does not declare: each is reached by what proves it.
PROVEN_STAGES = {
    Stage.AMI: "L'expression d'intérêt s'envoie depuis la page de l'AMI du projet.",
    Stage.HEALTH_PROJECT: "Le projet de santé est atteint quand l'ARS le valide (page « Suivi » de l'ARS).",
    Stage.ASSOCIATION: "L'association est créée quand ses identifiants (RNA, SIRET, publication) sont "
    "enregistrés dans l'onglet « Association ».",
    Stage.ACI: "Le contrat ACI se signe dans la CPTS, une fois le projet devenu la CPTS.",
}


@transaction.atomic
def record_stage(project: Project, stage: str, on: dt.date, by, note: str = "") -> StageChange:
    """A stage reached outside the platform: the lettre d'intention sent by post. The others are reached by
    what proves them (``PROVEN_STAGES``): the AMI sent, the ARS's validation, the association's identifiers,
    the contract."""
    access.lock_open(project)
    if stage in PROVEN_STAGES:
        raise ActionError(PROVEN_STAGES[stage], "stage")
    return set_stage(project, stage, on, by, (note or "").strip()[:300])


# --- Porteurs and invitations ---------------------------------------------------------------------------


def _invitee(email: str, professional_id: int | None) -> tuple[User | None, Professional | None]:
    if email:
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise ActionError(
                f"Aucun compte n'existe avec l'adresse {email.strip()} : la personne crée d'abord son "
                "compte, "
                "ou invitez-la par sa fiche de l'annuaire.",
                "email",
            )
        return user, user.professional
    professional = Professional.objects.filter(pk=professional_id, active=True).first()
    if professional is None:
        raise ActionError(
            "Choisissez un professionnel de l'annuaire ou indiquez une adresse e-mail.", "email"
        )
    # Only an account that proved it holds the entry (Pro Santé Connect) gets the invitation now; else it
    # waits for one (projects.access.invitations_for): a self-declared link is a claim.
    return psc.proven_holders(professional).first(), professional


@transaction.atomic
def invite(project: Project, by, *, email: str = "", professional_id: int | None = None) -> Invitation:
    """Invite a co-porteur: an account by its e-mail, or a professional of the directory."""
    project = access.lock_open(project)
    user, professional = _invitee(email, professional_id)
    if user is not None and project.porteurs.filter(user=user).exists():
        raise ActionError(f"{user} porte déjà ce projet.", "email")
    pending = project.invitations.filter(status=Invitation.Status.PENDING)
    if (user and pending.filter(user=user).exists()) or (
        professional and pending.filter(professional=professional).exists()
    ):
        raise ActionError("Une invitation est déjà en attente pour cette personne.", "email")
    try:
        with transaction.atomic():
            return Invitation.objects.create(
                project=project, user=user, professional=professional, invited_by=by
            )
    except IntegrityError:
        raise ActionError("Une invitation est déjà en attente pour cette personne.", "email") from None


def _pending_for(user, invitation_id: int) -> Invitation:
    invitation = access.invitations_for(user).select_for_update(of=("self",)).filter(pk=invitation_id).first()
    if invitation is None:
        raise ActionError("Cette invitation n'existe pas ou a déjà reçu une réponse.")
    return invitation


@transaction.atomic
def answer_invitation(user, invitation_id: int, accept: bool) -> Invitation:
    invitation = _pending_for(user, invitation_id)
    if accept:
        access.lock_open(invitation.project)  # a project become its CPTS takes no new porteur
    invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    invitation.answered_at = timezone.now()
    invitation.user = user
    invitation.save()
    if accept:
        ProjectMember.objects.get_or_create(
            project=invitation.project, user=user, defaults={"role": ProjectMember.Role.CO_PORTEUR}
        )
    record("decision", obj=invitation, details={"decision": "accepted" if accept else "declined"})
    return invitation


@transaction.atomic
def cancel_invitation(project: Project, invitation_id: int) -> Invitation:
    project = access.lock_open(project)
    invitation = (
        project.invitations.select_for_update()
        .filter(pk=invitation_id, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        raise ActionError("Cette invitation n'existe pas ou a déjà reçu une réponse.")
    invitation.status = Invitation.Status.CANCELLED
    invitation.answered_at = timezone.now()
    invitation.save()
    return invitation


# --- Structures associated ------------------------------------------------------------------------------


@transaction.atomic
def add_partner(project: Project, by, *, name: str, kind: str, finess: str = "") -> Partner:
    project = access.lock_open(project)
    name = (name or "").strip()
    if not name:
        raise ActionError("Indiquez le nom de la structure.", "name")
    if kind not in Structure.Kind.values:
        raise ActionError("Choisissez le type de structure.", "kind")
    finess = (finess or "").strip()
    if finess:
        try:
            finess = identifiers.validate_finess(finess)
        except ValidationError as exc:
            raise ActionError(exc.messages[0], "finess") from exc
    if project.partners.filter(name__iexact=name).exists():
        raise ActionError(f"« {name} » est déjà associée au projet.", "name")
    return Partner.objects.create(project=project, name=name[:200], kind=kind, finess=finess, added_by=by)


@transaction.atomic
def remove_partner(project: Project, partner_id: int) -> None:
    project = access.lock_open(project)
    partner = project.partners.filter(pk=partner_id).first()
    if partner is None:
        raise ActionError("Cette structure n'est pas associée au projet.")
    partner.delete()


# --- The AMI as filled so far ---------------------------------------------------------------------------


@transaction.atomic
def save_ami(project: Project, data: dict, by) -> AmiDossier:
    """Keep what the porteurs typed in the AMI form (checked as a whole when it is sent)."""
    from projects.dossiers import clean_ami

    if project.cpts_id:
        raise ActionError("Le projet est devenu une CPTS : son AMI ne se modifie plus.")
    dossier, _ = AmiDossier.objects.get_or_create(project=project)
    dossier.data = clean_ami(data)
    dossier.updated_by = by
    dossier.save()
    return dossier


# --- The lettre d'intention as filled so far ------------------------------------------------------------


@transaction.atomic
def save_letter(project: Project, data: dict, by) -> LetterDossier:
    """Keep what the porteurs typed in the lettre d'intention (checked as a whole when it is sent)."""
    from projects.letter import clean_letter

    if project.cpts_id:
        raise ActionError("Le projet est devenu une CPTS : sa lettre d'intention ne se modifie plus.")
    if project.submissions.filter(kind=Submission.Kind.LETTER).exists():
        raise ActionError("La lettre d'intention a déjà été envoyée : elle ne se modifie plus.")
    dossier, _ = LetterDossier.objects.get_or_create(project=project)
    dossier.data = clean_letter(data)
    dossier.updated_by = by
    dossier.save()
    return dossier
