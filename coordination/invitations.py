"""Invitation by e-mail of a professional who is not a member of the CPTS (write paths and the link's token).

- The invitation records the group, the address, who invited and when; the link's token is random (256 bits)
  and only its SHA-256 is stored; the link works once and for INVITATION_VALIDITY.
- The e-mail is neutral: no group title (a care circle's title names its patient), no patient data, only the
  CPTS, the inviter's name and the link. Sent after the commit.
- Accepting with a new account creates the account (the password rules of ``accounts``), a membership with
  the least-privilege role ``guest`` (cpts.roles) and the active group membership, all in one transaction.
  The second factor is then set up at the first login, as for any role reaching patient data
  (cpts.policy).
- When an account exists for the address, the invitation waits for that account ("Mes invitations" and the
  link once logged in with it). A member of the CPTS holding a patient-data role is simply invited to the
  group (coordination.actions.invite); a member whose role gives no access to patient data, or a former
  member, is refused: the coordination decides on memberships.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from coordination import access
from coordination import actions as coordination_actions
from coordination.events import emit
from coordination.models import CONVERSATION_MAX_MEMBERS, EmailInvitation, Group, GroupMember
from cpts.models import Membership
from cpts.roles import PATIENT_DATA_ROLES, Role
from cpts.scoping import scoped
from opencpts.errors import ActionError

logger = logging.getLogger(__name__)

INVITATION_VALIDITY = dt.timedelta(days=14)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    base = getattr(settings, "OPENCPTS_BASE_URL", "") or getattr(settings, "SITE_URL", "")
    return base.rstrip("/") + reverse("coordination:email_invitation", kwargs={"token": token})


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise ActionError("Adresse e-mail : ce champ est obligatoire.", "email")
    try:
        validate_email(email)
    except ValidationError:
        raise ActionError(
            "Adresse e-mail invalide : vérifiez-la (exemple : prenom.nom@domaine.fr).", "email"
        ) from None
    return email


def _has_room(group: Group) -> None:
    if (
        group.kind == Group.Kind.CONVERSATION
        and group.members.filter(status__in=[GroupMember.Status.ACTIVE, GroupMember.Status.INVITED]).count()
        >= CONVERSATION_MAX_MEMBERS
    ):
        raise ActionError(
            f"Une conversation réunit {CONVERSATION_MAX_MEMBERS} personnes au plus : créez plutôt un "
            "groupe de travail.",
            "email",
        )


def send_invitation_email(invitation: EmailInvitation, token: str) -> None:
    cpts = invitation.cpts
    inviter = invitation.invited_by
    who = (inviter.get_full_name() or "Un professionnel") if inviter else "Un professionnel"
    until = timezone.localtime(invitation.expires_at)
    body = (
        "Bonjour,\n\n"
        f"{who} vous invite à rejoindre un espace de coordination entre professionnels de santé de la "
        f"{cpts.name}, sur OpenCPTS.\n\n"
        f"Pour accepter l'invitation, ouvrez ce lien personnel, utilisable une seule fois, jusqu'au "
        f"{until:%d/%m/%Y à %H:%M} :\n{invitation_link(token)}\n\n"
        "Si vous n'avez pas encore de compte, vous le créerez en suivant ce lien ; la double "
        "authentification vous sera demandée à la première connexion.\n\n"
        "Si vous n'attendiez pas cette invitation, ignorez ce message : sans action de votre part, "
        "rien ne se passe.\n\n— OpenCPTS\n"
    )
    send_mail(
        f"Invitation à rejoindre un espace de coordination — {cpts.name}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )


def _send_after_commit(invitation: EmailInvitation, token: str) -> None:
    def send():
        try:
            send_invitation_email(invitation, token)
        except Exception:  # noqa: BLE001 - the invitation is committed; the inviter can send it again
            logger.exception("invitation e-mail %s could not be sent", invitation.pk)

    transaction.on_commit(send)


@transaction.atomic
def invite_by_email(group: Group, by, email: str, function: str = "") -> GroupMember | EmailInvitation:
    """Invite ``email`` into ``group``. Returns the GroupMember when the address belongs to a professional of
    the CPTS (invited the usual way), otherwise the EmailInvitation (an e-mail with the link is sent)."""
    if group.status != Group.Status.OPEN:
        raise ActionError("Ce groupe est clôturé : il est en lecture seule.")
    if not (access.can_manage(by, group) or access.active_member(by, group)):
        raise PermissionDenied("Seuls les membres du groupe peuvent inviter.")
    email = _clean_email(email)
    function = coordination_actions._text(function, "function", "Rôle", 100, required=False)
    account = get_user_model().objects.filter(email__iexact=email).first()
    if account is not None:
        membership = scoped(Membership, group.cpts).filter(user=account).first()
        if membership is not None and membership.active:
            if membership.role in PATIENT_DATA_ROLES:
                return coordination_actions.invite(group, by, account, function)
            raise ActionError(
                "Cette personne est membre de la CPTS avec un rôle qui ne donne pas accès aux données "
                "des patients : elle ne peut pas rejoindre un groupe.",
                "email",
            )
        if membership is not None:
            raise ActionError(
                "Cette personne n'est plus adhérente de la CPTS : la coordination doit d'abord "
                "réactiver son adhésion.",
                "email",
            )
        if not account.is_active:
            raise ActionError("Le compte associé à cette adresse est désactivé.", "email")
    _has_room(group)
    # A new invitation replaces a pending one to the same address (its link stops working).
    for previous in group.email_invitations.select_for_update().filter(
        email=email, status=EmailInvitation.Status.PENDING
    ):
        previous.status = EmailInvitation.Status.CANCELLED
        previous.save()
    token = secrets.token_urlsafe(32)
    invitation = EmailInvitation.objects.create(
        cpts=group.cpts,
        group=group,
        email=email,
        token_hash=hash_token(token),
        function=function,
        invited_by=by,
        user=account,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    emit("member.invited", group, by, invitation, user_id=None, invitation_id=invitation.pk, by_email=True)
    _send_after_commit(invitation, token)
    return invitation


class InvitationError(ActionError):
    """A link that cannot be used: forged (HTTP status 404), or expired, used, cancelled, group closed
    (410)."""

    def __init__(self, message: str, status: int = 410):
        super().__init__(message)
        self.status = status


def _check_usable(invitation: EmailInvitation | None) -> EmailInvitation:
    if invitation is None:
        raise InvitationError(
            "Ce lien d'invitation n'est pas valide. Vérifiez que vous avez copié le lien complet "
            "reçu par e-mail.",
            status=404,
        )
    if invitation.status == EmailInvitation.Status.ACCEPTED:
        raise InvitationError("Ce lien d'invitation a déjà été utilisé.")
    if invitation.status != EmailInvitation.Status.PENDING:
        raise InvitationError("Cette invitation a été annulée ou déclinée.")
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            "Ce lien d'invitation a expiré : demandez une nouvelle invitation à la personne qui vous "
            "l'a envoyée."
        )
    if invitation.group.status != Group.Status.OPEN:
        raise InvitationError("Le groupe de cette invitation est clôturé.")
    return invitation


def by_token(token: str, lock: bool = False) -> EmailInvitation:
    """The usable invitation of a link, or InvitationError with a French message."""
    qs = EmailInvitation.objects.select_related("group", "cpts", "invited_by", "user")
    if lock:
        qs = qs.select_for_update(of=("self",))
    token = (token or "")[:128]
    return _check_usable(qs.filter(token_hash=hash_token(token)).first())


def addressed_to(invitation: EmailInvitation, user) -> bool:
    return invitation.user_id == user.pk or invitation.email.lower() == (user.email or "").lower()


def pending_for(user) -> QuerySet:
    """Invitations by e-mail waiting for this account (attached to it, or sent to its address)."""
    return (
        EmailInvitation.objects.filter(
            Q(user=user) | Q(email__iexact=user.email),
            status=EmailInvitation.Status.PENDING,
            expires_at__gt=timezone.now(),
            group__status=Group.Status.OPEN,
        )
        .select_related("group", "cpts", "invited_by")
        .order_by("-created_at")
    )


def _join(invitation: EmailInvitation, user) -> GroupMember:
    group, cpts = invitation.group, invitation.cpts
    membership = scoped(Membership, cpts).select_for_update().filter(user=user).first()
    if membership is None:
        Membership.objects.create(cpts=cpts, user=user, role=Role.GUEST)
    elif not membership.active:
        raise ActionError("Votre adhésion à cette CPTS n'est plus active : contactez sa coordination.")
    elif membership.role not in PATIENT_DATA_ROLES:
        raise ActionError(
            "Votre rôle dans cette CPTS ne permet pas de rejoindre un groupe : contactez sa coordination."
        )
    member = group.members.filter(user=user).first()
    if member is None or member.status != GroupMember.Status.ACTIVE:
        _has_room(group)
    now = timezone.now()
    if member is None:
        member = GroupMember.objects.create(
            cpts=cpts,
            group=group,
            user=user,
            status=GroupMember.Status.ACTIVE,
            function=invitation.function,
            invited_by=invitation.invited_by,
            joined_at=now,
        )
    elif member.status != GroupMember.Status.ACTIVE:
        member.status, member.joined_at, member.ended_at = GroupMember.Status.ACTIVE, now, None
        member.invited_by = invitation.invited_by
        member.save()
    invitation.status, invitation.used_at, invitation.used_by = EmailInvitation.Status.ACCEPTED, now, user
    invitation.user = user
    invitation.save()
    emit("member.joined", group, user, member, user_id=user.pk, invitation_id=invitation.pk)
    return member


@transaction.atomic
def accept_with_new_account(token: str, *, first_name: str, last_name: str, password: str):
    """Create the invited person's account (names and password already checked by the form, with the
    password rules of accounts) and make them a member of the group. Returns the new user."""
    invitation = by_token(token, lock=True)
    User = get_user_model()
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ActionError(
            "Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation."
        )
    user = User.objects.create_user(
        invitation.email,
        password,
        first_name=coordination_actions._text(first_name, "first_name", "Prénom", 100),
        last_name=coordination_actions._text(last_name, "last_name", "Nom", 100),
    )
    _join(invitation, user)
    return user


@transaction.atomic
def accept(invitation_or_token, user) -> GroupMember:
    """An existing account accepts an invitation addressed to it."""
    invitation = _locked(invitation_or_token)
    if not addressed_to(invitation, user):
        raise PermissionDenied("Cette invitation est adressée à une autre adresse e-mail.")
    return _join(invitation, user)


@transaction.atomic
def decline(invitation_or_token, user) -> EmailInvitation:
    invitation = _locked(invitation_or_token)
    if not addressed_to(invitation, user):
        raise PermissionDenied("Cette invitation est adressée à une autre adresse e-mail.")
    invitation.status, invitation.used_at, invitation.used_by = (
        EmailInvitation.Status.DECLINED,
        timezone.now(),
        user,
    )
    invitation.save()
    emit("member.declined", invitation.group, user, invitation, user_id=user.pk, invitation_id=invitation.pk)
    return invitation


def _locked(invitation_or_token) -> EmailInvitation:
    if isinstance(invitation_or_token, str):
        return by_token(invitation_or_token, lock=True)
    invitation = (
        EmailInvitation.objects.select_for_update(of=("self",))
        .select_related("group", "cpts", "invited_by")
        .filter(pk=invitation_or_token.pk)
        .first()
    )
    return _check_usable(invitation)
