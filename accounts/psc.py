"""Pro Santé Connect (PSC): which account a verified PSC identity opens, and the writes of the link.

The OIDC exchange itself (authorize with state, nonce and PKCE S256, code → tokens, ID token and signed
userinfo checked) is mozilla-django-oidc's, specialised by ``accounts/psc_backend.py``; the pages are
``accounts/views_psc.py``. Here, on claims already verified:

- ``identity_from``: the ID token's ``acr`` must be an eIDAS level at least ``PSC_ACR_VALUES`` (eidas1), the
  userinfo's ``sub`` the ID token's, and ``SubjectNameID`` an idNat_PS (8 + RPPS, 0 + ADELI); else
  ``Refused``.
- ``resolve``: the account whose explicit link (``User.external_idnat``) holds that idNat logs in; without
  one, the directory's professional with that idNat decides: the account already attached to that
  professional may be linked once its owner confirms with its password (``claim``), else a new account is
  created pre-filled after the person confirms (``create_account``); an idNat absent from the directory opens
  nothing. From « Sécurité », a logged-in user links the identity to their own account (``link``).
- A PSC login is the session's second factor (``mark_verified``, docs/DESIGN.md « Pro Santé Connect »).

Every refusal, link, unlink and account creation is recorded in the audit trail (instance chain).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django_otp import login as otp_login

from accounts.models import ProSanteConnectDevice, User
from audit.log import record, record_bulk
from directory.models import Professional
from opencpts.errors import ActionError

ACR_LEVELS = ("eidas1", "eidas2", "eidas3")  # increasing assurance (PSC documents eidas1 for the e-CPS)
IDNAT = re.compile(r"^(8\d{11}|0\d{9})$")  # idNat_PS: "8" + RPPS (11 digits), "0" + ADELI (9 digits)


def enabled() -> bool:
    """PSC is offered only once a client id is configured (``PSC_CLIENT_ID``)."""
    return bool(getattr(settings, "PSC_CLIENT_ID", ""))


class Refused(Exception):
    """A PSC answer that opens nothing: ``reason`` for the audit trail, ``message`` in French for the page."""

    def __init__(self, reason: str, message: str, idnat: str = ""):
        super().__init__(reason)
        self.reason, self.message, self.idnat = reason, message, idnat


GENERIC_REFUSAL = (
    "La connexion par Pro Santé Connect a échoué : la réponse reçue n'a pas pu être vérifiée. "
    "Réessayez ; si le problème persiste, connectez-vous avec votre adresse e-mail et votre mot de passe."
)


def refuse(reason: str, message: str = GENERIC_REFUSAL, idnat: str = "") -> Refused:
    """Record the refusal in the audit trail and return the exception to raise."""
    record(
        "login.psc_refused",
        object_type="accounts.user",
        object_label=idnat,
        details={"reason": reason},
    )
    return Refused(reason, message, idnat)


@dataclass(frozen=True)
class Identity:
    """A PSC identity whose tokens were verified: the national id and what PSC says of the person."""

    idnat: str
    sub: str
    acr: str
    given_name: str = ""
    family_name: str = ""

    def as_session(self) -> dict:
        return {
            "idnat": self.idnat,
            "sub": self.sub,
            "acr": self.acr,
            "given_name": self.given_name,
            "family_name": self.family_name,
        }


def acr_accepted(acr, minimum: str | None = None) -> bool:
    minimum = minimum or settings.PSC_ACR_VALUES
    if acr not in ACR_LEVELS or minimum not in ACR_LEVELS:
        return False
    return ACR_LEVELS.index(acr) >= ACR_LEVELS.index(minimum)


def identity_from(id_claims: dict, userinfo: dict) -> Identity:
    """The identity of verified ID-token claims and userinfo, or ``Refused`` (recorded)."""
    idnat = str(userinfo.get("SubjectNameID") or userinfo.get("preferred_username") or "")
    acr = id_claims.get("acr")
    if not acr_accepted(acr):
        raise refuse(
            "acr_too_low" if acr else "acr_missing",
            "Pro Santé Connect n'a pas confirmé un niveau d'authentification suffisant (e-CPS ou carte CPS "
            "requise) : connexion refusée.",
            idnat,
        )
    if userinfo.get("sub") != id_claims.get("sub"):
        raise refuse("sub_mismatch", idnat=idnat)
    if not IDNAT.match(idnat):
        raise refuse(
            "no_idnat",
            "Pro Santé Connect n'a pas transmis d'identifiant RPPS ou ADELI : connexion impossible.",
        )
    return Identity(
        idnat=idnat,
        sub=str(id_claims["sub"]),
        acr=str(acr),
        given_name=str(userinfo.get("given_name") or "")[:100],
        family_name=str(userinfo.get("family_name") or "")[:100],
    )


@dataclass
class Outcome:
    """What a verified identity opens. ``kind``: ``login`` (``user``), ``create`` (``professional``, after the
    person confirms), ``claim`` (``user`` attached to ``professional``, after its password), ``linked`` (to
    the logged-in user), or a refusal with its ``message``: ``unknown``, ``inactive``, ``taken``,
    ``mismatch``."""

    kind: str
    identity: Identity
    user: User | None = None
    professional: Professional | None = None
    message: str = ""
    id_token: str = ""


NOT_IN_DIRECTORY = (
    "Votre identité Pro Santé Connect (n° {idnat}) ne figure pas dans l'annuaire de la plateforme : aucun "
    "compte n'a été créé. Si vous venez d'être inscrit au RPPS, réessayez après la prochaine mise à jour de "
    "l'annuaire, ou créez un compte avec votre adresse e-mail."
)


def resolve(identity: Identity, linking: User | None = None) -> Outcome:
    """What ``identity`` opens; ``linking``: the logged-in user asking from « Sécurité » to link it."""
    linked = User.objects.filter(external_idnat=identity.idnat).first()
    professional = Professional.objects.filter(idnat=identity.idnat).first()
    if linking is not None:
        return _link_to(linking, identity, linked, professional)
    if linked is not None:
        if not linked.is_active:
            record("login.psc_refused", obj=linked, details={"reason": "inactive"})
            return Outcome("inactive", identity, message="Ce compte est désactivé : connexion refusée.")
        return Outcome("login", identity, user=linked)
    if professional is None:
        record(
            "login.psc_refused",
            object_type="accounts.user",
            object_label=identity.idnat,
            details={"reason": "not_in_directory"},
        )
        return Outcome("unknown", identity, message=NOT_IN_DIRECTORY.format(idnat=identity.idnat))
    holder = User.objects.filter(professional=professional, is_active=True).first()
    if holder is not None:
        return Outcome("claim", identity, user=holder, professional=professional)
    return Outcome("create", identity, professional=professional)


def _link_to(
    user: User, identity: Identity, linked: User | None, professional: Professional | None
) -> Outcome:
    if linked is not None and linked.pk != user.pk:
        return _refused_link(
            user, "taken", "Cette identité Pro Santé Connect est déjà associée à un autre compte."
        )
    if linked is not None:
        return Outcome(
            "linked", identity, user=user, message="Votre compte était déjà associé à Pro Santé Connect."
        )
    if user.professional_id is not None and user.professional.idnat != identity.idnat:
        return _refused_link(
            user,
            "mismatch",
            f"Votre carte correspond au n° {identity.idnat}, votre compte à la fiche n° "
            f"{user.professional.idnat} : association refusée.",
        )
    if professional is None:
        return _refused_link(user, "not_in_directory", NOT_IN_DIRECTORY.format(idnat=identity.idnat))
    with transaction.atomic():
        holder = (
            User.objects.select_for_update().filter(professional=professional).exclude(pk=user.pk).first()
        )
        if holder is not None:
            # The other account only claimed the entry (a number and a name, public data): the card proves it.
            # The claim is withdrawn, audited, and the proven holder linked.
            User.objects.filter(pk=holder.pk).update(professional=None)
            record_bulk("update", User, [holder.pk], ["professional"])
            record(
                "psc.claim_withdrawn",
                obj=holder,
                details={"professional_id": professional.pk, "proven_by": user.pk},
            )
        link(user, identity, professional)
    return Outcome(
        "linked", identity, user=user, message="Votre compte est maintenant associé à Pro Santé Connect."
    )


def _refused_link(user: User, reason: str, message: str) -> Outcome:
    record("psc.link_refused", obj=user, details={"reason": reason})
    return Outcome(reason, Identity("", "", ""), user=user, message=message)


@transaction.atomic
def link(user: User, identity: Identity, professional: Professional) -> None:
    """Store the explicit link (and the directory entry when the account had none)."""
    user.external_idnat = identity.idnat
    fields = ["external_idnat"]
    if user.professional_id is None:
        user.professional = professional
        fields.append("professional")
    user.save(update_fields=fields)
    record("psc.linked", obj=user)


@transaction.atomic
def unlink(user: User) -> None:
    """Remove the link; refused when PSC is the account's only way in (no password)."""
    if not user.external_idnat:
        raise ActionError("Votre compte n'est pas associé à Pro Santé Connect.")
    if not user.has_usable_password():
        raise ActionError(
            "Votre compte n'a pas de mot de passe : définissez-en un (« Réinitialiser mon mot de passe par "
            "e-mail ») avant de retirer Pro Santé Connect, sinon vous ne pourriez plus vous connecter."
        )
    user.external_idnat = None
    user.save(update_fields=["external_idnat"])
    for device in ProSanteConnectDevice.objects.filter(user=user):
        device.delete()  # ends the sessions it verified (django-otp finds no device)
    record("psc.unlinked", obj=user)


def check_email(email: str) -> str:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ActionError(
            "Cette adresse e-mail est déjà celle d'un compte : choisissez-en une autre, ou connectez-vous "
            "avec ce compte puis associez-le à Pro Santé Connect dans « Sécurité ».",
            "email",
        )
    return email


@transaction.atomic
def create_account(identity: Identity, professional_id: int, email: str) -> User:
    """The account of a PSC identity found in the directory, after the person confirmed: names from the
    directory, the explicit link, no password (PSC is its way in; « Mot de passe oublié » can add one)."""
    professional = Professional.objects.filter(pk=professional_id, idnat=identity.idnat).first()
    if professional is None:
        raise ActionError(NOT_IN_DIRECTORY.format(idnat=identity.idnat))
    if User.objects.filter(external_idnat=identity.idnat).exists() or hasattr(professional, "account"):
        raise ActionError(
            "Un compte existe déjà pour cette identité : reconnectez-vous avec Pro Santé Connect."
        )
    email = check_email(email)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                None,
                first_name=professional.first_name or identity.given_name,
                last_name=professional.last_name or identity.family_name,
                professional=professional,
                external_idnat=identity.idnat,
            )
    except IntegrityError:
        raise ActionError("Un compte existe déjà pour cette identité ou cette adresse e-mail.") from None
    record("psc.account_created", obj=user)
    return user


def mark_verified(request, user: User) -> None:
    """The PSC login counts as the session's second factor: django-otp's own ``login`` with the account's PSC
    device, which ``OTPMiddleware`` reads back at each request (``request.user.is_verified()``)."""
    device = ProSanteConnectDevice.objects.filter(user=user).first()
    if device is None:
        device = ProSanteConnectDevice.objects.create(user=user, name="Pro Santé Connect", confirmed=True)
    otp_login(request, device)


def is_linked(user: User) -> bool:
    return bool(user.external_idnat)


def proven_professional_id(user) -> int | None:
    """The directory entry ``user`` has proven to hold, by a Pro Santé Connect login (the entry's idNat is the
    account's PSC identity); None otherwise. A link the user declared themselves (directory.actions
    .declare_professional) is a claim: what is addressed to a professional of the directory, or reserved to
    professionals, asks for this proof."""
    if not getattr(user, "is_authenticated", False) or not user.professional_id or not user.external_idnat:
        return None
    found = Professional.objects.filter(pk=user.professional_id, idnat=user.external_idnat).exists()
    return user.professional_id if found else None


def proven_holders(professional: Professional):
    """The active accounts that have proven to hold ``professional`` (at most one: the idNat is unique)."""
    return User.objects.filter(professional=professional, external_idnat=professional.idnat, is_active=True)


ID_TOKEN_SESSION_KEY = "psc_id_token"  # noqa: S105 - a session key, not a secret


def logout_target(request, post_logout_redirect_uri: str) -> str | None:
    """Where the logout continues (PSC's end-session endpoint) when this session was opened through PSC."""
    id_token = request.session.get(ID_TOKEN_SESSION_KEY)
    if not id_token or not enabled():
        return None
    return logout_url(id_token, post_logout_redirect_uri)


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str:
    """The end-session address of PSC for this session (RP-initiated logout)."""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "state": secrets.token_urlsafe(16),
        }
    )
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}"
