"""Keeping robots off the public form without third-party services: a field people never see (a robot fills
it), a minimum time between showing the form and sending it (signed, so it cannot be forged, and used once),
and a limit of submissions per IP address.

The form never pretends (``verdict``): a filled hidden field or a missing or forged stamp is a robot, refused
with a message and nothing stored; a person faster than ``MIN_SECONDS`` is asked to confirm (the form comes
back filled in, with a signed confirmation bound to its stamp); only a stored request leads to « Votre demande
est enregistrée ».

The limit and the single use are counted with ``accounts.ratelimit`` (one conditional UPDATE in the database,
shared by every application process), inside the transaction that stores the request: concurrent posts cannot
all read "4 so far" or "stamp not used yet"; a request refused by the rules rolls its count back."""

from __future__ import annotations

import hashlib
import secrets
import time

from django.core import signing

from accounts import ratelimit
from opencpts.errors import ActionError

PER_IP_PER_HOUR = 5
MIN_SECONDS = 3
MAX_AGE = 24 * 3600
SALT = "gpmatching.form-time"

CONFIRM_SALT = "gpmatching.form-confirm"
CONFIRM_MAX_AGE = 3600

ROBOT, CONFIRM, SEND = "robot", "confirm", "send"

ROBOT_MESSAGE = (
    "Envoi refusé : ce formulaire semble avoir été rempli par un programme automatique (champ caché rempli "
    "ou formulaire modifié). Aucune demande n'a été enregistrée. Si vous êtes une personne, rechargez la "
    "page et envoyez-le de nouveau, ou appelez la CPTS."
)
CONFIRM_MESSAGE = (
    "Merci de confirmer l'envoi : le formulaire a été envoyé très vite après son affichage. Vérifiez vos "
    "informations puis appuyez sur « Confirmer l'envoi ». Votre demande n'est pas encore enregistrée."
)

LIMIT_MESSAGE = (
    "Trop de demandes envoyées depuis votre connexion. Réessayez dans une heure ou appelez la CPTS."
)
USED_MESSAGE = (
    "Ce formulaire a déjà été envoyé une fois et cette demande est déjà enregistrée : rien n'a été ajouté. "
    "Pour une autre demande, envoyez de nouveau le formulaire ci-dessous."
)


def form_stamp(now: float | None = None) -> str:
    """The signed time the form was shown, with a random part so that each display has its own stamp."""
    return signing.dumps({"t": int(now or time.time()), "n": secrets.token_hex(8)}, salt=SALT)


def shown_at(stamp: str) -> int | None:
    """When the form was shown, or None for a missing, forged or expired stamp."""
    try:
        value = signing.loads(stamp or "", salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if isinstance(value, dict):
        value = value.get("t")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _stamp_ref(stamp: str) -> str:
    return hashlib.sha256(stamp.encode()).hexdigest()[:32]


def confirm_token(stamp: str) -> str:
    """The signed confirmation of a form sent too fast, valid for this stamp only (and an hour)."""
    return signing.dumps({"s": _stamp_ref(stamp)}, salt=CONFIRM_SALT)


def confirms(token: str, stamp: str) -> bool:
    try:
        value = signing.loads(token or "", salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return False
    return isinstance(value, dict) and value.get("s") == _stamp_ref(stamp)


def verdict(honeypot: str, stamp: str, confirmation: str = "", now: float | None = None) -> str:
    """``ROBOT`` (refuse, store nothing), ``CONFIRM`` (show the form again and ask) or ``SEND``.

    A robot: the hidden field is filled, the stamp is missing or forged, or a confirmation was sent that we
    did not sign for this stamp. A valid confirmation sends whatever the time (the person pressed the
    button); its single use comes from the stamp's (``admit``). An expired stamp (a tab left open a day)
    is not a robot: the person is asked to confirm, with a new stamp."""
    if honeypot:
        return ROBOT
    try:
        signing.loads(stamp or "", salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        return CONFIRM
    except signing.BadSignature:
        return ROBOT
    if shown_at(stamp) is None:
        return ROBOT
    if not fresh(stamp, now):
        return CONFIRM
    if confirmation:
        return SEND if confirms(confirmation, stamp) else ROBOT
    return CONFIRM if too_fast(stamp, now) else SEND


def fresh(stamp: str, now: float | None = None) -> bool:
    """Signed by us and shown less than ``MAX_AGE`` ago."""
    shown = shown_at(stamp)
    return shown is not None and (now or time.time()) - shown <= MAX_AGE


def too_fast(stamp: str, now: float | None = None) -> bool:
    """True when the form came back faster than a person can fill it, or with a missing or forged stamp."""
    shown = shown_at(stamp)
    return shown is None or (now or time.time()) - shown < MIN_SECONDS


def _ip_key(ip: str) -> str:
    return f"gp-form:{hashlib.sha256(ip.encode()).hexdigest()[:32]}"


def _stamp_key(stamp: str) -> str:
    return f"gp-stamp:{hashlib.sha256(stamp.encode()).hexdigest()[:32]}"


def over_limit(ip: str | None) -> bool:
    """An early look (no count): the decision is taken by ``admit``."""
    return bool(ip) and ratelimit.current(_ip_key(ip)) >= PER_IP_PER_HOUR


def count(ip: str | None) -> None:
    """Count a post answered without storing anything (a robot's)."""
    if ip:
        ratelimit.hit(_ip_key(ip), 3600)


def used(stamp: str) -> bool:
    return ratelimit.current(_stamp_key(stamp)) > 0


def admit(ip: str | None, stamp: str) -> None:
    """Count this post against its stamp (once) and its address (``PER_IP_PER_HOUR``); raise ``ActionError``
    with the French message when refused. Call it inside the transaction that stores the request."""
    if ratelimit.hit(_stamp_key(stamp), MAX_AGE + 3600) > 1:
        raise ActionError(USED_MESSAGE)
    if ip and ratelimit.hit(_ip_key(ip), 3600) > PER_IP_PER_HOUR:
        raise ActionError(LIMIT_MESSAGE)
