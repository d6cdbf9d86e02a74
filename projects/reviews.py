"""ARS and CPAM referents and what they say of a project's dossiers.

- ``grant_referent`` / ``revoke_referent``: an instance administrator (``User.is_staff``) makes an account the
  referent of an ARS (a région) or of a CPAM (a département), or ends it. Audited.
- ``comment(user, project, dossier, text)`` and ``decide(user, project, dossier, outcome, text)``: a referent
  of the project's territory (``projects.access.reviewer_role``) comments on a dossier (« ami », « lettre »,
  « sante », « statuts », « general ») or records a decision on it: validated, or changes requested (which
  says what to change). Each is audited (instance chain: a project has no CPTS) and read by the porteurs on
  their project's page. The ARS validating the projet de santé moves the project to that stage, dated that
  day, when it is not there yet.
- ``reviews_of(project, dossier=None)`` (newest first) and ``latest_decision(project, dossier)``.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from audit.log import record
from opencpts.errors import ActionError
from projects import access, territory
from projects.actions import set_stage
from projects.models import ORDER, Body, Project, Referent, Review, Stage
from territory.models import Departement, Region

MAX_TEXT = 5000


# --- Referents, granted by an instance administrator ------------------------------------------------------


def _staff(by) -> None:
    if not (by.is_authenticated and by.is_staff and by.is_active):
        raise ActionError("Seul un administrateur de l'instance désigne les référents ARS et CPAM.")


def _scope(body: str, code: str) -> tuple[Region | None, Departement | None]:
    code = (code or "").strip().upper()
    if body == Body.ARS:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ActionError("Choisissez la région de l'ARS.", "region")
        return region, None
    if body == Body.CPAM:
        departement = Departement.objects.filter(code=code).first()
        if departement is None:
            raise ActionError("Choisissez le département de la CPAM.", "departement")
        return None, departement
    raise ActionError("Choisissez l'institution : ARS ou CPAM.", "body")


@transaction.atomic
def grant_referent(by, *, email: str, body: str, code: str, now: dt.datetime | None = None) -> Referent:
    """Make the account of ``email`` a referent of the ARS of région ``code`` or of the CPAM of département
    ``code``."""
    _staff(by)
    region, departement = _scope(body, code)
    email = (email or "").strip()
    user = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is None:
        raise ActionError(
            f"Aucun compte actif n'existe avec l'adresse « {email} » : la personne crée d'abord son compte.",
            "email",
        )
    referent = Referent(
        user=user,
        body=body,
        region=region,
        departement=departement,
        granted_by=by,
        granted_at=now or timezone.now(),
    )
    if Referent.objects.filter(
        user=user, body=body, region=region, departement=departement, active=True
    ).exists():
        raise ActionError(f"{user} est déjà référent {referent.scope_label}.", "email")
    try:
        with transaction.atomic():
            referent.save()
    except IntegrityError:
        raise ActionError(f"{user} est déjà référent {referent.scope_label}.", "email") from None
    record(
        "decision",
        obj=referent,
        details={
            "decision": "referent_granted",
            "user_id": user.pk,
            "body": body,
            "scope": referent.scope_label,
        },
    )
    return referent


@transaction.atomic
def revoke_referent(by, referent_id: int, *, now: dt.datetime | None = None) -> Referent:
    _staff(by)
    referent = Referent.objects.select_for_update().filter(pk=referent_id, active=True).first()
    if referent is None:
        raise ActionError("Ce référent n'existe pas ou n'est déjà plus actif.")
    referent.active = False
    referent.revoked_at = now or timezone.now()
    referent.save(update_fields=["active", "revoked_at"])
    record(
        "decision",
        obj=referent,
        details={"decision": "referent_revoked", "user_id": referent.user_id, "scope": referent.scope_label},
    )
    return referent


def active_referents() -> QuerySet:
    return Referent.objects.filter(active=True).select_related("user", "region", "departement", "granted_by")


# --- Comments and decisions on a project's dossiers -------------------------------------------------------


def _role(user, project: Project) -> Referent:
    role = access.reviewer_role(user, project) if user.is_authenticated else None
    if role is None:
        raise ActionError(
            "Seuls les référents ARS et CPAM du territoire du projet commentent et décident sur ses dossiers."
        )
    return role


def _dossier(dossier: str) -> str:
    if dossier not in Review.Dossier.values:
        raise ActionError("Dossier inconnu.", "dossier")
    return dossier


def _text(text: str, required: str = "") -> str:
    text = (text or "").strip()
    if required and not text:
        raise ActionError(required, "text")
    if len(text) > MAX_TEXT:
        raise ActionError(f"Le texte ne doit pas dépasser {MAX_TEXT} caractères.", "text")
    return text


def _audit(review: Review, decision: str) -> None:
    record(
        "decision",
        obj=review,
        details={
            "decision": decision,
            "project_id": review.project_id,
            "dossier": review.dossier,
            "body": review.body,
            "outcome": review.outcome,
        },
    )


@transaction.atomic
def comment(user, project: Project, dossier: str, text: str, *, now: dt.datetime | None = None) -> Review:
    role = _role(user, project)
    review = Review.objects.create(
        project=project,
        dossier=_dossier(dossier),
        author=user,
        body=role.body,
        scope=role.scope_label,
        kind=Review.Kind.COMMENT,
        text=_text(text, "Écrivez votre commentaire."),
        created_at=now or timezone.now(),
    )
    _audit(review, "review_comment")
    return review


@transaction.atomic
def decide(
    user, project: Project, dossier: str, outcome: str, text: str = "", *, now: dt.datetime | None = None
) -> Review:
    """A decision on a dossier. « Modifications demandées » says which; the ARS validating the projet de santé
    moves the project to that stage (dated the day of the decision) when it is before it."""
    role = _role(user, project)
    dossier = _dossier(dossier)
    if outcome not in Review.Outcome.values:
        raise ActionError("Choisissez la décision : validé ou modifications demandées.", "outcome")
    required = (
        "Indiquez les modifications demandées aux porteurs."
        if outcome == Review.Outcome.CHANGES_REQUESTED
        else ""
    )
    now = now or timezone.now()
    review = Review.objects.create(
        project=project,
        dossier=dossier,
        author=user,
        body=role.body,
        scope=role.scope_label,
        kind=Review.Kind.DECISION,
        outcome=outcome,
        text=_text(text, required),
        created_at=now,
    )
    _audit(review, "review_decision")
    if (
        dossier == Review.Dossier.HEALTH
        and outcome == Review.Outcome.VALIDATED
        and _is_addressee(role, project)
        and ORDER.index(Project.objects.get(pk=project.pk).stage) < ORDER.index(Stage.HEALTH_PROJECT)
    ):
        set_stage(
            project, Stage.HEALTH_PROJECT, timezone.localdate(now), user, f"Validé par l'{role.scope_label}"
        )
    return review


def _is_addressee(role: Referent, project: Project) -> bool:
    """The ARS the project's dossiers go to: the one of the région holding most of its inhabitants
    (``projects.territory.check``). Another région's ARS, reading a commune on its border, comments and
    decides, but its validation does not move the project's stage."""
    if role.body != Body.ARS:
        return False
    region = territory.check(project).region
    return region is not None and role.region_id == region.code


def reviews_of(project: Project, dossier: str | None = None) -> QuerySet:
    """The comments and decisions on the project's dossiers (or one of them), newest first."""
    qs = Review.objects.filter(project=project).select_related("author")
    if dossier:
        qs = qs.filter(dossier=dossier)
    return qs.order_by("-created_at", "-pk")


def latest_decision(project: Project, dossier: str) -> Review | None:
    return reviews_of(project, dossier).filter(kind=Review.Kind.DECISION).first()
