"""Write paths of the coordination network. Each checks the rules of coordination.access, validates,
writes in one transaction (audited by the model signals) and raises ActionError with a French message."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir

from audit.log import record
from coordination import access
from coordination.events import emit
from coordination.models import Consent, Group, GroupMember, Message, MessageRevision, Patient, ReadReceipt
from cpts.actions import ActionError
from cpts.models import CPTS
from cpts.roles import PATIENT_DATA_ROLES
from cpts.scoping import scoped


def _require_professional(user, cpts: CPTS):
    membership = access.cpts_membership(user, cpts)
    if membership is None or membership.role not in PATIENT_DATA_ROLES:
        raise PermissionDenied("Votre rôle dans cette CPTS ne permet pas d'accéder aux données des patients.")
    return membership


def _text(value: str, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(f"{label} : ce champ est obligatoire.", field)
    if len(value) > max_length:
        raise ActionError(f"{label} : {max_length} caractères au plus.", field)
    return value


@transaction.atomic
def create_patient(cpts: CPTS, by, *, family_name: str, given_names: str, birth_date: dt.date, sex: str = "U",
                   nir: str = "", **extra) -> Patient:
    _require_professional(by, cpts)
    family_name = _text(family_name, "family_name", "Nom", 100)
    given_names = _text(given_names, "given_names", "Prénom(s)", 150)
    today = timezone.localdate()
    if birth_date > today or birth_date.year < today.year - 130:
        raise ActionError("Date de naissance impossible.", "birth_date")
    if sex not in Patient.Sex.values:
        raise ActionError("Sexe inconnu.", "sex")
    nir = (nir or "").replace(" ", "")
    if nir:
        try:
            nir = stdnum_nir.validate(nir)
        except StdnumError as exc:
            raise ActionError("NIR invalide : 15 caractères attendus, dont une clé de contrôle correcte.", "nir") from exc
    return Patient.objects.create(cpts=cpts, family_name=family_name, given_names=given_names, birth_date=birth_date,
                                  sex=sex, nir=nir, created_by=by, **extra)


@transaction.atomic
def open_care_circle(cpts: CPTS, by, patient: Patient, title: str = "") -> Group:
    _require_professional(by, cpts)
    if patient.cpts_id != cpts.pk:
        raise ActionError("Patient inconnu dans cette CPTS.")
    existing = scoped(Group, cpts).filter(patient=patient, kind=Group.Kind.CARE_CIRCLE, status=Group.Status.OPEN).first()
    if existing is not None:
        raise ActionError(f"Ce patient a déjà un cercle de soins ouvert : « {existing.title} ».")
    title = _text(title or f"Prise en charge de {patient}", "title", "Titre", 200)
    try:
        with transaction.atomic():
            group = Group.objects.create(cpts=cpts, kind=Group.Kind.CARE_CIRCLE, title=title, patient=patient,
                                         initiator=by)
    except IntegrityError:
        raise ActionError("Ce patient a déjà un cercle de soins ouvert.") from None
    GroupMember.objects.create(cpts=cpts, group=group, user=by, status=GroupMember.Status.ACTIVE, invited_by=by,
                               joined_at=timezone.now(), function="Initiateur")
    return group


@transaction.atomic
def create_working_group(cpts: CPTS, by, title: str, description: str = "") -> Group:
    _require_professional(by, cpts)
    group = Group.objects.create(cpts=cpts, kind=Group.Kind.WORKING_GROUP, title=_text(title, "title", "Titre", 200),
                                 description=_text(description, "description", "Description", 4000, required=False),
                                 initiator=by)
    GroupMember.objects.create(cpts=cpts, group=group, user=by, status=GroupMember.Status.ACTIVE, invited_by=by,
                               joined_at=timezone.now(), function="Initiateur")
    return group


def _open(group: Group) -> None:
    if group.status != Group.Status.OPEN:
        raise ActionError("Ce groupe est clôturé : il est en lecture seule.")


@transaction.atomic
def invite(group: Group, by, user, function: str = "") -> GroupMember:
    _open(group)
    if not (access.can_manage(by, group) or access.active_member(by, group)):
        raise PermissionDenied("Seuls les membres du groupe peuvent inviter.")
    membership = access.cpts_membership(user, group.cpts)
    if membership is None or membership.role not in PATIENT_DATA_ROLES:
        raise ActionError("Cette personne n'est pas un professionnel adhérent de la CPTS.", "user")
    member, created = GroupMember.objects.get_or_create(
        cpts=group.cpts, group=group, user=user,
        defaults={"invited_by": by, "function": _text(function, "function", "Rôle", 100, required=False)})
    if not created:
        if member.status == GroupMember.Status.ACTIVE:
            raise ActionError("Cette personne est déjà membre du groupe.", "user")
        if member.status == GroupMember.Status.INVITED:
            raise ActionError("Cette personne est déjà invitée.", "user")
        member.status, member.invited_by, member.ended_at = GroupMember.Status.INVITED, by, None
        member.save()
    emit("member.invited", group, by, member, user_id=user.pk)
    return member


@transaction.atomic
def answer_invitation(group: Group, user, accept: bool) -> GroupMember:
    _open(group)
    member = group.members.select_for_update().filter(user=user, status=GroupMember.Status.INVITED).first()
    if member is None:
        raise ActionError("Aucune invitation en attente pour ce groupe.")
    if accept:
        member.status, member.joined_at = GroupMember.Status.ACTIVE, timezone.now()
    else:
        member.status, member.ended_at = GroupMember.Status.DECLINED, timezone.now()
    member.save()
    emit("member.joined" if accept else "member.declined", group, user, member, user_id=user.pk)
    return member


@transaction.atomic
def leave(group: Group, user) -> GroupMember:
    member = access.active_member(user, group)
    if member is None:
        raise ActionError("Vous n'êtes pas membre de ce groupe.")
    member.status, member.ended_at = GroupMember.Status.LEFT, timezone.now()
    member.save()
    emit("member.left", group, user, member, user_id=user.pk)
    return member


@transaction.atomic
def remove_member(group: Group, by, user) -> GroupMember:
    if not access.can_manage(by, group):
        raise PermissionDenied("Seuls l'initiateur du groupe et la coordination peuvent retirer un membre.")
    member = group.members.filter(user=user, status__in=[GroupMember.Status.ACTIVE, GroupMember.Status.INVITED]).first()
    if member is None:
        raise ActionError("Cette personne n'est pas membre du groupe.")
    member.status, member.ended_at = GroupMember.Status.REMOVED, timezone.now()
    member.save()
    emit("member.removed", group, by, member, user_id=user.pk)
    return member


@transaction.atomic
def close_group(group: Group, by) -> Group:
    if not access.can_manage(by, group):
        raise PermissionDenied("Seuls l'initiateur du groupe et la coordination peuvent le clôturer.")
    _open(group)
    group.status, group.closed_at = Group.Status.CLOSED, timezone.now()
    group.save()
    emit("group.closed", group, by)
    return group


@transaction.atomic
def reopen_group(group: Group, by) -> Group:
    if not access.can_manage(by, group):
        raise PermissionDenied("Seuls l'initiateur du groupe et la coordination peuvent le rouvrir.")
    if group.status == Group.Status.OPEN:
        raise ActionError("Ce groupe est déjà ouvert.")
    if group.kind == Group.Kind.CARE_CIRCLE and scoped(Group, group.cpts).filter(
            patient_id=group.patient_id, kind=Group.Kind.CARE_CIRCLE, status=Group.Status.OPEN).exists():
        raise ActionError("Ce patient a déjà un autre cercle de soins ouvert.")
    group.status, group.closed_at = Group.Status.OPEN, None
    group.save()
    emit("group.reopened", group, by)
    return group


@transaction.atomic
def record_consent(group: Group, by, *, collected_on: dt.date, method: str, scope: str, expires_on=None,
                   witness: str = "") -> Consent:
    if group.kind != Group.Kind.CARE_CIRCLE:
        raise ActionError("Le consentement se recueille dans un cercle de soins autour d'un patient.")
    _open(group)
    if not access.can_read(by, group):
        raise PermissionDenied("Seul un membre du cercle de soins peut enregistrer le consentement.")
    if method not in Consent.Method.values:
        raise ActionError("Modalité de recueil inconnue.", "method")
    if collected_on > timezone.localdate():
        raise ActionError("La date de recueil ne peut pas être dans le futur.", "collected_on")
    if expires_on is not None and expires_on <= collected_on:
        raise ActionError("La date d'expiration doit suivre la date de recueil.", "expires_on")
    witness = _text(witness, "witness", "Témoin", 200, required=method == Consent.Method.ORAL_WITNESS)
    consent = Consent.objects.create(cpts=group.cpts, group=group, patient=group.patient, collected_by=by,
                                     collected_on=collected_on, method=method, witness=witness,
                                     scope=_text(scope, "scope", "Portée", 2000), expires_on=expires_on)
    emit("consent.recorded", group, by, consent)
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, by) -> Consent:
    if not access.can_read(by, consent.group):
        raise PermissionDenied("Seul un membre du cercle de soins peut enregistrer le retrait du consentement.")
    if consent.withdrawn_at is not None:
        raise ActionError("Ce consentement est déjà retiré.")
    consent.withdrawn_at, consent.withdrawn_by = timezone.now(), by
    consent.save()
    record("decision", obj=consent, cpts_id=consent.cpts_id, details={"decision": "consent_withdrawn"})
    emit("consent.withdrawn", consent.group, by, consent)
    return consent


@transaction.atomic
def post_message(group: Group, by, body: str, subject: str = "", parent: Message | None = None) -> Message:
    if not access.can_read(by, group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    _open(group)
    if not access.can_share_clinical(group):
        raise ActionError("Aucun consentement valide du patient : rien ne peut être partagé dans ce cercle de soins "
                          "tant qu'un consentement n'a pas été recueilli.")
    body = _text(body, "body", "Message", 20000)  # stored as typed; templates escape it
    if parent is not None:
        if parent.group_id != group.pk or parent.parent_id is not None:
            raise ActionError("On répond à un sujet de ce groupe.", "parent")
        subject = ""
    else:
        subject = _text(subject, "subject", "Sujet", 200)
    message = Message.objects.create(cpts=group.cpts, group=group, parent=parent, subject=subject, author=by, body=body)
    emit("message.replied" if parent is not None else "message.posted", group, by, message,
         subject_id=parent.pk if parent is not None else message.pk)
    return message


@transaction.atomic
def edit_message(message: Message, by, body: str, subject: str | None = None) -> Message:
    if message.author_id != by.pk or not access.can_read(by, message.group):
        raise PermissionDenied("Seul l'auteur d'un message peut le modifier.")
    _open(message.group)
    if message.deleted_at is not None:
        raise ActionError("Ce message a été supprimé.")
    MessageRevision.objects.create(cpts=message.cpts, message=message, body=message.body, subject=message.subject)
    message.body = _text(body, "body", "Message", 20000)
    if subject is not None and message.parent_id is None:
        message.subject = _text(subject, "subject", "Sujet", 200)
    message.edited_at = timezone.now()
    message.save()
    emit("message.edited", message.group, by, message, subject_id=message.parent_id or message.pk)
    return message


@transaction.atomic
def delete_message(message: Message, by) -> Message:
    if message.author_id != by.pk or not access.can_read(by, message.group):
        raise PermissionDenied("Seul l'auteur d'un message peut le supprimer.")
    _open(message.group)
    if message.deleted_at is not None:
        raise ActionError("Ce message est déjà supprimé.")
    # The text leaves the thread but stays in the message's history, for the trace.
    MessageRevision.objects.create(cpts=message.cpts, message=message, body=message.body, subject=message.subject)
    message.body, message.deleted_at = "", timezone.now()
    message.save()
    emit("message.deleted", message.group, by, message, subject_id=message.parent_id or message.pk)
    return message


def mark_read(message: Message, user) -> ReadReceipt:
    if not access.can_read(user, message.group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    receipt, _ = ReadReceipt.objects.get_or_create(cpts=message.cpts, message=message, user=user)
    return receipt
