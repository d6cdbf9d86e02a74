"""Write paths of the coordination network. Each checks the rules of coordination.access, validates,
writes in one transaction (audited by the model signals) and raises ActionError with a French message."""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir

from audit.log import record
from coordination import access, mentions, selectors
from coordination.events import emit
from coordination.models import (
    CONVERSATION_MAX_MEMBERS,
    Consent,
    Group,
    GroupMember,
    Message,
    MessageMention,
    MessageRevision,
    Patient,
    ReadReceipt,
)
from cpts.models import CPTS, Membership
from cpts.roles import PATIENT_DATA_ROLES
from cpts.scoping import scoped
from opencpts.errors import ActionError


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


def _identity(family_name, given_names, birth_date, sex, nir) -> tuple:
    """The identity fields checked: name and given names, a possible birth date, a known sex, a valid NIR."""
    family_name = _text(family_name, "family_name", "Nom", 100)
    given_names = _text(given_names, "given_names", "Prénoms", 150)
    today = timezone.localdate()
    if not isinstance(birth_date, dt.date) or birth_date > today or birth_date.year < today.year - 130:
        raise ActionError("Date de naissance impossible.", "birth_date")
    if sex not in Patient.Sex.values:
        raise ActionError("Sexe inconnu.", "sex")
    nir = (nir or "").replace(" ", "")
    if nir:
        try:
            nir = stdnum_nir.validate(nir)
        except StdnumError as exc:
            raise ActionError(
                "NIR invalide : 15 caractères attendus, dont une clé de contrôle correcte.", "nir"
            ) from exc
    return family_name, given_names, birth_date, sex, nir


@transaction.atomic
def create_patient(
    cpts: CPTS,
    by,
    *,
    family_name: str,
    given_names: str,
    birth_date: dt.date,
    sex: str = "U",
    nir: str = "",
    **extra,
) -> Patient:
    _require_professional(by, cpts)
    family_name, given_names, birth_date, sex, nir = _identity(family_name, given_names, birth_date, sex, nir)
    return Patient.objects.create(
        cpts=cpts,
        family_name=family_name,
        given_names=given_names,
        birth_date=birth_date,
        sex=sex,
        nir=nir,
        created_by=by,
        **extra,
    )


@transaction.atomic
def open_care_circle(cpts: CPTS, by, patient: Patient, title: str = "") -> Group:
    _require_professional(by, cpts)
    if patient.cpts_id != cpts.pk:
        raise ActionError("Patient inconnu dans cette CPTS.")
    existing = (
        scoped(Group, cpts)
        .filter(patient=patient, kind=Group.Kind.CARE_CIRCLE, status=Group.Status.OPEN)
        .first()
    )
    if existing is not None:
        raise ActionError(f"Ce patient a déjà un cercle de soins ouvert : « {existing.title} ».")
    title = _text(title or f"Prise en charge de {patient}", "title", "Titre", 200)
    try:
        with transaction.atomic():
            group = Group.objects.create(
                cpts=cpts, kind=Group.Kind.CARE_CIRCLE, title=title, patient=patient, initiator=by
            )
    except IntegrityError:
        raise ActionError("Ce patient a déjà un cercle de soins ouvert.") from None
    GroupMember.objects.create(
        cpts=cpts,
        group=group,
        user=by,
        status=GroupMember.Status.ACTIVE,
        invited_by=by,
        joined_at=timezone.now(),
        function="Initiateur",
    )
    return group


@transaction.atomic
def create_working_group(cpts: CPTS, by, title: str, description: str = "") -> Group:
    _require_professional(by, cpts)
    group = Group.objects.create(
        cpts=cpts,
        kind=Group.Kind.WORKING_GROUP,
        title=_text(title, "title", "Titre", 200),
        description=_text(description, "description", "Description", 4000, required=False),
        initiator=by,
    )
    GroupMember.objects.create(
        cpts=cpts,
        group=group,
        user=by,
        status=GroupMember.Status.ACTIVE,
        invited_by=by,
        joined_at=timezone.now(),
        function="Initiateur",
    )
    return group


def _open(group: Group) -> None:
    if group.status != Group.Status.OPEN:
        raise ActionError("Ce groupe est clôturé : il est en lecture seule.")


def _parse_mentions(group: Group, by, body: str) -> mentions.Parsed:
    """The @mentions of ``body`` among the group's audience but the author. A text without "@" has none
    (folding never makes one): no query."""
    if "@" not in body:
        return mentions.Parsed([], [])
    others = [uid for uid in access.audience(group) if uid != by.pk]
    people = get_user_model().objects.filter(pk__in=others).values_list("pk", "first_name", "last_name")
    return mentions.find(body, mentions.name_table(people))


def _record_mentions(message: Message, by, parsed: mentions.Parsed | None = None, *, new: bool = False):
    """Store the @mentions of the message's text (``parsed`` from ``_parse_mentions``, or parsed here),
    tell the newly mentioned ones (``message.mentioned``), and leave the ambiguous names on
    ``message.ambiguous_mentions`` for the author. ``new``: a message just created has no mention stored
    yet."""
    group = message.group
    if parsed is None:
        parsed = _parse_mentions(group, by, message.body)
    wanted = set(parsed.user_ids)
    existing = set() if new else set(message.mentions.values_list("user_id", flat=True))
    if existing - wanted:
        message.mentions.exclude(user_id__in=wanted).delete()
    added = [uid for uid in parsed.user_ids if uid not in existing]
    for uid in added:  # one by one, so that each is audited like any other row
        MessageMention.objects.create(cpts_id=message.cpts_id, message=message, user_id=uid)
    if added:
        emit(
            "message.mentioned",
            group,
            by,
            message,
            user_ids=added,
            subject_id=message.parent_id or message.pk,
        )
    message.ambiguous_mentions = parsed.ambiguous
    return added


@transaction.atomic
def invite(group: Group, by, user, function: str = "") -> GroupMember:
    _open(group)
    if not (access.can_manage(by, group) or access.active_member(by, group)):
        raise PermissionDenied("Seuls les membres du groupe peuvent inviter.")
    membership = access.cpts_membership(user, group.cpts)
    if membership is None or membership.role not in PATIENT_DATA_ROLES:
        raise ActionError("Cette personne n'est pas un professionnel adhérent de la CPTS.", "user")
    _conversation_has_room(group)
    member, created = GroupMember.objects.get_or_create(
        cpts=group.cpts,
        group=group,
        user=user,
        defaults={"invited_by": by, "function": _text(function, "function", "Rôle", 100, required=False)},
    )
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
    member = group.members.filter(
        user=user, status__in=[GroupMember.Status.ACTIVE, GroupMember.Status.INVITED]
    ).first()
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
    if (
        group.kind == Group.Kind.CARE_CIRCLE
        and scoped(Group, group.cpts)
        .filter(patient_id=group.patient_id, kind=Group.Kind.CARE_CIRCLE, status=Group.Status.OPEN)
        .exists()
    ):
        raise ActionError("Ce patient a déjà un autre cercle de soins ouvert.")
    group.status, group.closed_at = Group.Status.OPEN, None
    group.save()
    emit("group.reopened", group, by)
    return group


@transaction.atomic
def record_consent(
    group: Group, by, *, collected_on: dt.date, method: str, scope: str, expires_on=None, witness: str = ""
) -> Consent:
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
    consent = Consent.objects.create(
        cpts=group.cpts,
        group=group,
        patient=group.patient,
        collected_by=by,
        collected_on=collected_on,
        method=method,
        witness=witness,
        scope=_text(scope, "scope", "Portée", 2000),
        expires_on=expires_on,
    )
    emit("consent.recorded", group, by, consent)
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, by) -> Consent:
    if not access.can_read(by, consent.group):
        raise PermissionDenied(
            "Seul un membre du cercle de soins peut enregistrer le retrait du consentement."
        )
    if consent.withdrawn_at is not None:
        raise ActionError("Ce consentement est déjà retiré.")
    consent.withdrawn_at, consent.withdrawn_by = timezone.now(), by
    consent.save()
    record("decision", obj=consent, cpts_id=consent.cpts_id, details={"decision": "consent_withdrawn"})
    emit("consent.withdrawn", consent.group, by, consent)
    return consent


# The subject given to the first message of a group sent without one (a message without a subject continues
# the last subject; when there is none yet, it opens this one).
DEFAULT_SUBJECT = "Discussion"
CLIENT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _client_token(token: str) -> str:
    token = (token or "").strip()
    if token and not CLIENT_TOKEN.match(token):
        raise ActionError("Envoi non reconnu : rechargez la page puis renvoyez votre message.", "token")
    return token


def _already_sent(group: Group, by, token: str) -> Message | None:
    """The message this author already sent with this composer token (a double tap, a retry), marked
    ``duplicate``; refused when the token was used in another group."""
    if not token:
        return None
    message = Message.objects.filter(author=by, client_token=token).first()
    if message is None:
        return None
    if message.group_id != group.pk:
        raise ActionError("Envoi non reconnu : rechargez la page puis renvoyez votre message.", "token")
    message.duplicate = True
    return message


def _thread(group: Group, subject: str, parent: Message | None, continue_thread: bool):
    """(subject, parent) of a new message: a reply has no subject; with ``continue_thread``, a message
    without a subject continues the last subject of the group (or opens DEFAULT_SUBJECT when there is
    none)."""
    if parent is not None:
        if parent.group_id != group.pk or parent.parent_id is not None:
            raise ActionError("On répond à un sujet de ce groupe.", "parent")
        return "", parent
    if continue_thread and not (subject or "").strip():
        last = selectors.current_subject(group)
        return ("", last) if last is not None else (DEFAULT_SUBJECT, None)
    return _text(subject, "subject", "Sujet", 200), None


@transaction.atomic
def post_message(
    group: Group,
    by,
    body: str,
    subject: str = "",
    parent: Message | None = None,
    *,
    token: str = "",
    continue_thread: bool = False,
) -> Message:
    """A new subject, or a reply to ``parent``. ``token`` (the composer's idempotency token): the same token
    sent again returns the message already sent, marked ``duplicate``, and writes nothing.
    ``continue_thread``: without a subject, the message continues the group's last subject."""
    if not access.can_read(by, group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    _open(group)
    if not access.can_share_clinical(group):
        raise ActionError(
            "Aucun consentement valide du patient : rien ne peut être partagé dans ce cercle de soins "
            "tant qu'un consentement n'a pas été recueilli."
        )
    token = _client_token(token)
    sent = _already_sent(group, by, token)
    if sent is not None:
        return sent
    body = _text(body, "body", "Message", 20000)  # stored as typed; templates escape it
    subject, parent = _thread(group, subject, parent, continue_thread)
    # Read before the first write: the audit chain of the CPTS stays locked from that write to the commit.
    parsed = _parse_mentions(group, by, body)
    try:
        with transaction.atomic():  # a concurrent post of the same token loses here, and gets the first one
            message = Message.objects.create(
                cpts=group.cpts,
                group=group,
                parent=parent,
                subject=subject,
                author=by,
                body=body,
                client_token=token,
            )
    except IntegrityError:
        sent = _already_sent(group, by, token)
        if sent is None:
            raise
        return sent
    message.duplicate = False
    emit(
        "message.replied" if parent is not None else "message.posted",
        group,
        by,
        message,
        subject_id=parent.pk if parent is not None else message.pk,
    )
    _record_mentions(message, by, parsed, new=True)
    return message


@transaction.atomic
def edit_message(message: Message, by, body: str, subject: str | None = None) -> Message:
    if message.author_id != by.pk or not access.can_read(by, message.group):
        raise PermissionDenied("Seul l'auteur d'un message peut le modifier.")
    _open(message.group)
    if message.deleted_at is not None:
        raise ActionError("Ce message a été supprimé.")
    MessageRevision.objects.create(
        cpts=message.cpts, message=message, body=message.body, subject=message.subject
    )
    message.body = _text(body, "body", "Message", 20000)
    if subject is not None and message.parent_id is None:
        message.subject = _text(subject, "subject", "Sujet", 200)
    message.edited_at = timezone.now()
    message.save()
    emit("message.edited", message.group, by, message, subject_id=message.parent_id or message.pk)
    _record_mentions(message, by)
    return message


@transaction.atomic
def delete_message(message: Message, by) -> Message:
    if message.author_id != by.pk or not access.can_read(by, message.group):
        raise PermissionDenied("Seul l'auteur d'un message peut le supprimer.")
    _open(message.group)
    if message.deleted_at is not None:
        raise ActionError("Ce message est déjà supprimé.")
    # The text leaves the thread but stays in the message's history, for the trace.
    MessageRevision.objects.create(
        cpts=message.cpts, message=message, body=message.body, subject=message.subject
    )
    message.body, message.deleted_at = "", timezone.now()
    message.save()
    emit("message.deleted", message.group, by, message, subject_id=message.parent_id or message.pk)
    return message


def mark_read(message: Message, user) -> ReadReceipt:
    if not access.can_read(user, message.group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    receipt, _ = ReadReceipt.objects.get_or_create(cpts=message.cpts, message=message, user=user)
    return receipt


def _conversation_has_room(group: Group, adding: int = 1) -> None:
    if group.kind != Group.Kind.CONVERSATION:
        return
    taken = group.members.filter(status__in=[GroupMember.Status.ACTIVE, GroupMember.Status.INVITED]).count()
    if taken + adding > CONVERSATION_MAX_MEMBERS:
        raise ActionError(
            f"Une conversation réunit {CONVERSATION_MAX_MEMBERS} personnes au plus : créez plutôt un "
            "groupe de travail.",
            "user",
        )


def _lock_memberships(cpts: CPTS, user_ids) -> None:
    """Lock the CPTS memberships of these users, in id order (so two concurrent starts of the same
    conversation queue here and the second one finds the first one's conversation)."""
    list(
        scoped(Membership, cpts)
        .select_for_update()
        .filter(user_id__in=sorted(user_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def two_person_conversation(cpts: CPTS, user_a, user_b) -> Group | None:
    """The open conversation whose active members are exactly these two people, if any."""
    active = GroupMember.objects.filter(group=OuterRef("pk"), status=GroupMember.Status.ACTIVE)
    n_active = active.order_by().values("group").annotate(n=Count("pk")).values("n")
    return (
        scoped(Group, cpts)
        .filter(kind=Group.Kind.CONVERSATION, status=Group.Status.OPEN)
        .filter(Exists(active.filter(user=user_a)), Exists(active.filter(user=user_b)))
        .annotate(n_active=Subquery(n_active))
        .filter(n_active=2)
        .order_by("created_at", "pk")
        .first()
    )


@transaction.atomic
def start_conversation(cpts: CPTS, by, others, subject: str, body: str) -> tuple[Group, Message, bool]:
    """Direct messages with one or more colleagues of the CPTS (professionals holding a patient-data role):
    the subject is posted in the existing two-person conversation when there is one, otherwise in a new
    conversation whose members are active at once. Returns (conversation, first message, created)."""
    _require_professional(by, cpts)
    others = list({u.pk: u for u in others if u.pk != by.pk}.values())
    if not others:
        raise ActionError("Choisissez au moins un destinataire.", "recipients")
    if len(others) + 1 > CONVERSATION_MAX_MEMBERS:
        raise ActionError(
            f"Une conversation réunit {CONVERSATION_MAX_MEMBERS} personnes au plus : créez plutôt un "
            "groupe de travail.",
            "recipients",
        )
    allowed = set(
        scoped(Membership, cpts)
        .filter(
            active=True, role__in=PATIENT_DATA_ROLES, user__is_active=True, user_id__in=[u.pk for u in others]
        )
        .values_list("user_id", flat=True)
    )
    refused = [u for u in others if u.pk not in allowed]
    if refused:
        names = ", ".join(u.get_full_name() or u.email for u in refused)
        raise ActionError(f"Ces personnes ne sont pas des professionnels de la CPTS : {names}.", "recipients")
    subject = _text(subject, "subject", "Sujet", 200)
    body = _text(body, "body", "Message", 20000)
    _lock_memberships(cpts, [by.pk] + [u.pk for u in others])
    group = two_person_conversation(cpts, by, others[0]) if len(others) == 1 else None
    created = group is None
    if created:
        names = ", ".join(sorted((u.get_full_name() or u.email) for u in [by, *others]))
        group = Group.objects.create(cpts=cpts, kind=Group.Kind.CONVERSATION, title=names[:200], initiator=by)
        now = timezone.now()
        for user in [by, *others]:
            member = GroupMember.objects.create(
                cpts=cpts,
                group=group,
                user=user,
                status=GroupMember.Status.ACTIVE,
                invited_by=by,
                joined_at=now,
            )
            emit("member.joined", group, user, member, user_id=user.pk)
    message = post_message(group, by, body, subject=subject)
    return group, message, created


@transaction.atomic
def edit_group(group: Group, by, title: str, description: str = "") -> Group:
    """Title and description of a group, by its initiator or a coordinator, while it is open."""
    if not access.can_manage(by, group):
        raise PermissionDenied("Seuls l'initiateur du groupe et la coordination peuvent le modifier.")
    _open(group)
    title = _text(title, "title", "Titre", 200)
    description = _text(description, "description", "Description", 4000, required=False)
    if (title, description) == (group.title, group.description):
        raise ActionError("Aucune modification : le titre et la description sont inchangés.")
    group.title, group.description = title, description
    group.save()
    emit("group.edited", group, by)
    return group


# The identity fields a member of the circle may correct (rectification, art. 16 RGPD).
IDENTITY_FIELDS = (
    "family_name",
    "used_name",
    "given_names",
    "birth_date",
    "sex",
    "address",
    "postal_code",
    "phone",
    "nir",
)


@transaction.atomic
def update_patient(group: Group, by, **fields) -> Patient:
    """Correct the identity of a care circle's patient: by a member who reads the circle, while it is open.
    Audited by the model signals with the names of the fields changed (never their values)."""
    if group.kind != Group.Kind.CARE_CIRCLE:
        raise ActionError("Seul un cercle de soins a un patient.")
    _open(group)
    if not access.can_read(by, group):
        raise PermissionDenied("Seul un membre du cercle de soins corrige l'identité du patient.")
    unknown = set(fields) - set(IDENTITY_FIELDS)
    if unknown:
        raise ActionError(f"Champ inconnu : {', '.join(sorted(unknown))}.")
    patient = Patient.objects.select_for_update().get(pk=group.patient_id)
    values = {name: fields.get(name, getattr(patient, name)) for name in IDENTITY_FIELDS}
    (values["family_name"], values["given_names"], values["birth_date"], values["sex"], values["nir"]) = (
        _identity(
            values["family_name"], values["given_names"], values["birth_date"], values["sex"], values["nir"]
        )
    )
    values["used_name"] = _text(values["used_name"], "used_name", "Nom d'usage", 100, required=False)
    values["address"] = _text(values["address"], "address", "Adresse", 255, required=False)
    values["phone"] = _text(values["phone"], "phone", "Téléphone", 20, required=False)
    postal_code = (values["postal_code"] or "").strip()
    if postal_code and not re.fullmatch(r"\d{5}", postal_code):
        raise ActionError("Code postal : 5 chiffres.", "postal_code")
    values["postal_code"] = postal_code
    for name, value in values.items():
        setattr(patient, name, value)
    patient.save()
    return patient
