"""The write paths of the cpts app: each validates, writes, and is audited (through model signals
plus explicit decision entries). Views, API and commands all call these."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from audit.log import record
from cpts.models import CPTS, BureauPosition, Dues, Membership, MembershipRequest, PartnerStructure
from cpts.roles import Role, is_adherent
from cpts.scoping import scoped
from directory.identifiers import clean_digits
from directory.models import Structure
from opencpts.errors import ActionError, InvalidFields
from territory.models import Commune


@transaction.atomic
def create_cpts(*, name: str, coordinator=None, **fields) -> CPTS:
    name = (name or "").strip()
    if not name:
        raise ActionError("Le nom de la CPTS est obligatoire.", "name")
    if CPTS.objects.filter(name__iexact=name).exists():
        raise ActionError(f"Une CPTS nommée « {name} » existe déjà.", "name")
    base = slugify(name)[:70] or "cpts"
    slug, n = base, 2
    while CPTS.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    for key in ("siret", "finess"):
        if fields.get(key):
            fields[key] = clean_digits(fields[key])
    cpts = CPTS(name=name, slug=slug, **fields)
    try:
        cpts.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ActionError(messages[0], field) from exc
    cpts.save()
    if coordinator is not None:
        Membership.objects.create(cpts=cpts, user=coordinator, role=Role.COORDINATOR)
    return cpts


@transaction.atomic
def request_membership(cpts: CPTS, user, message: str = "") -> MembershipRequest:
    if scoped(Membership, cpts).filter(user=user, active=True).exists():
        raise ActionError("Vous êtes déjà membre de cette CPTS.")
    if scoped(MembershipRequest, cpts).filter(user=user, status=MembershipRequest.Status.PENDING).exists():
        raise ActionError("Vous avez déjà une demande d'adhésion en attente pour cette CPTS.")
    if len(message) > 2000:
        raise ActionError("Le message ne doit pas dépasser 2000 caractères.", "message")
    try:
        with transaction.atomic():
            return MembershipRequest.objects.create(cpts=cpts, user=user, message=message.strip())
    except IntegrityError:
        raise ActionError("Vous avez déjà une demande d'adhésion en attente pour cette CPTS.") from None


def _pending(cpts: CPTS, request_id: int) -> MembershipRequest:
    req = (
        scoped(MembershipRequest, cpts)
        .select_for_update()
        .filter(pk=request_id, status=MembershipRequest.Status.PENDING)
        .first()
    )
    if req is None:
        raise ActionError("Cette demande n'existe pas ou a déjà été traitée.")
    return req


@transaction.atomic
def accept_request(cpts: CPTS, request_id: int, by, role: str = Role.MEMBER) -> Membership:
    if role not in Role.values:
        raise ActionError("Rôle inconnu.", "role")
    req = _pending(cpts, request_id)
    req.status = MembershipRequest.Status.ACCEPTED
    req.decided_at, req.decided_by = timezone.now(), by
    req.save()
    membership, created = Membership.objects.get_or_create(cpts=cpts, user=req.user, defaults={"role": role})
    if not created:
        membership.active, membership.role = True, role
        membership.save()
    record("decision", obj=req, cpts_id=cpts.pk, details={"decision": "accepted", "role": role})
    return membership


@transaction.atomic
def refuse_request(cpts: CPTS, request_id: int, by, reason: str) -> MembershipRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Indiquez le motif du refus : il sera communiqué au demandeur.", "reason")
    if len(reason) > 2000:
        raise ActionError("Le motif ne doit pas dépasser 2000 caractères.", "reason")
    req = _pending(cpts, request_id)
    req.status = MembershipRequest.Status.REFUSED
    req.decided_at, req.decided_by, req.reason = timezone.now(), by, reason
    req.save()
    record("decision", obj=req, cpts_id=cpts.pk, details={"decision": "refused"})
    return req


@transaction.atomic
def change_role(cpts: CPTS, membership_id: int, role: str, by) -> Membership:
    if role not in Role.values:
        raise ActionError("Rôle inconnu.", "role")
    membership = scoped(Membership, cpts).select_for_update().filter(pk=membership_id).first()
    if membership is None:
        raise ActionError("Adhérent introuvable.")
    if (
        membership.role == Role.COORDINATOR
        and role != Role.COORDINATOR
        and scoped(Membership, cpts).filter(role=Role.COORDINATOR, active=True).count() == 1
    ):
        raise ActionError("La CPTS doit garder au moins un coordinateur.", "role")
    if (
        not is_adherent(role)
        and scoped(BureauPosition, cpts).filter(membership=membership, until__isnull=True).exists()
    ):
        raise ActionError(
            "Cette personne occupe une fonction au bureau, réservée aux adhérents : mettez fin à son "
            "mandat avant de lui donner ce rôle.",
            "role",
        )
    membership.role = role
    membership.save()
    return membership


@transaction.atomic
def set_dues(
    cpts: CPTS, membership_id: int, year: int, amount: Decimal, paid: bool, paid_on: dt.date | None = None
) -> Dues:
    membership = scoped(Membership, cpts).filter(pk=membership_id).first()
    if membership is None:
        raise ActionError("Adhérent introuvable.")
    if not is_adherent(membership.role):
        raise ActionError("Seuls les adhérents cotisent à la CPTS.", "membership")
    this_year = timezone.localdate().year
    if not (2016 <= year <= this_year + 1):
        raise ActionError(f"L'année doit être comprise entre 2016 et {this_year + 1}.", "year")
    if amount < 0:
        raise ActionError("Le montant ne peut pas être négatif.", "amount")
    if paid and paid_on is None:
        paid_on = timezone.localdate()
    dues, _ = Dues.objects.update_or_create(
        cpts=cpts,
        membership=membership,
        year=year,
        defaults={"amount": amount, "paid": paid, "paid_on": paid_on if paid else None},
    )
    return dues


@transaction.atomic
def appoint_bureau(cpts: CPTS, membership_id: int, title: str, since: dt.date) -> BureauPosition:
    membership = scoped(Membership, cpts).filter(pk=membership_id, active=True).first()
    if membership is None:
        raise ActionError("Adhérent introuvable.", "membership")
    if not is_adherent(membership.role):
        raise ActionError(
            f"Seul un adhérent peut occuper une fonction au bureau ; "
            f"{membership.get_role_display().lower()} n'est pas adhérent de la CPTS.",
            "membership",
        )
    if title not in BureauPosition.Title.values:
        raise ActionError("Fonction inconnue.", "title")
    unique_titles = {
        BureauPosition.Title.PRESIDENT,
        BureauPosition.Title.TREASURER,
        BureauPosition.Title.SECRETARY,
    }
    if (
        title in unique_titles
        and scoped(BureauPosition, cpts).filter(title=title, until__isnull=True).exists()
    ):
        raise ActionError("Cette fonction est déjà occupée : mettez fin au mandat en cours d'abord.", "title")
    return BureauPosition.objects.create(cpts=cpts, membership=membership, title=title, since=since)


@transaction.atomic
def end_bureau(cpts: CPTS, position_id: int, until: dt.date) -> BureauPosition:
    position = scoped(BureauPosition, cpts).filter(pk=position_id, until__isnull=True).first()
    if position is None:
        raise ActionError("Mandat introuvable ou déjà terminé.")
    if until < position.since:
        raise ActionError("La fin du mandat précède son début.", "until")
    position.until = until
    position.save()
    return position


@transaction.atomic
def add_partner_structure(
    cpts: CPTS, *, name: str, kind: str, commune_insee: str = "", agreement: str = "", **fields
) -> PartnerStructure:
    """Create a structure of the directory and make it a partner of ``cpts`` (pages and API). The commune,
    when given, must exist and places the structure at its coordinates. Audited by the model signals."""
    if kind not in Structure.Kind.values:
        raise ActionError(f"Type de structure inconnu : « {kind} ».", "kind")
    commune = None
    if commune_insee:
        commune = Commune.objects.filter(insee=commune_insee).first()
        if commune is None:
            raise ActionError(f"Commune inconnue : « {commune_insee} ».", "commune_insee")
    structure = Structure(
        name=(name or "").strip(),
        kind=kind,
        commune=commune,
        latitude=commune.latitude if commune else None,
        longitude=commune.longitude if commune else None,
        **fields,
    )
    try:
        structure.full_clean()
    except ValidationError as exc:
        raise InvalidFields(exc.message_dict) from exc
    structure.save()
    return PartnerStructure.objects.create(cpts=cpts, structure=structure, agreement=(agreement or "")[:255])


@transaction.atomic
def update_settings(cpts: CPTS, **fields) -> CPTS:
    """The CPTS's own details (stage, identifiers, contact, creation date, dues), as the settings page edits
    them. Audited by the model signals."""
    for name, value in fields.items():
        setattr(cpts, name, value)
    cpts.save(update_fields=list(fields))
    return cpts
