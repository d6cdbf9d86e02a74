"""API tokens: issue (shown once), revoke, list, authenticate. The one writer of ``APIToken``.

- A token expires: one year by default, from 1 to ``MAX_DAYS`` days when it is created; no token without an
  expiry (tokens created before expiry existed got one year from the migration).
- A revoked or expired token, or the token of a deactivated account, authenticates nobody (401).
- A read-only token is refused (403, French message) on any method other than GET, HEAD and OPTIONS.
- The last use is stored at most once per ``LAST_USED_PRECISION`` per token, with a conditional UPDATE (no
  write on most requests, no lost update between concurrent ones); not audited, being a use.
- Every issue and revocation is recorded in the audit trail (``api_token.created``, ``api_token.revoked``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import APIToken, User
from audit.log import record

DEFAULT_DAYS = 365
MAX_DAYS = 730
LAST_USED_PRECISION = dt.timedelta(minutes=1)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_MESSAGE = (
    "Jeton en lecture seule : il permet de consulter (GET) mais pas de modifier. Créez un jeton "
    "sans la restriction « lecture seule » pour cette opération."
)


class TokenError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ReadOnlyToken(PermissionDenied):
    """A read-only token used for a method that writes: 403."""


def check_days(days) -> int:
    try:
        value = int(days)
    except (TypeError, ValueError):
        raise TokenError("Durée de validité invalide : indiquez un nombre de jours.", "days") from None
    if not 1 <= value <= MAX_DAYS:
        raise TokenError(f"Durée de validité invalide : entre 1 et {MAX_DAYS} jours.", "days")
    return value


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise TokenError("Donnez un nom au jeton (l'outil ou le script qui l'utilisera).", "name")
    if len(name) > 100:
        raise TokenError("Nom trop long : 100 caractères au plus.", "name")
    return name


@transaction.atomic
def issue(
    user: User, *, name: str = "jeton API", days=DEFAULT_DAYS, read_only: bool = False
) -> tuple[APIToken, str]:
    """A new token for ``user``: the row and the raw value, to show once (only its SHA-256 is kept)."""
    if not user.is_active:
        raise TokenError("Ce compte est désactivé : aucun jeton ne peut lui être créé.")
    name, days = check_name(name), check_days(days)
    token, raw = APIToken.issue(
        user, name, expires_at=timezone.now() + dt.timedelta(days=days), read_only=bool(read_only)
    )
    record(
        "api_token.created",
        obj=token,
        details={
            "user_id": user.pk,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat(),
            "read_only": token.read_only,
        },
    )
    return token, raw


@transaction.atomic
def revoke(token: APIToken) -> bool:
    """Revoke ``token`` now; False when it was already revoked (nothing recorded twice)."""
    now = timezone.now()
    if not APIToken.objects.filter(pk=token.pk, revoked=False).update(revoked=True, revoked_at=now):
        return False
    token.revoked, token.revoked_at = True, now
    record("api_token.revoked", obj=token, details={"user_id": token.user_id, "prefix": token.prefix})
    return True


def tokens_of(user: User):
    """The user's tokens, the newest first (revoked and expired ones included, with their state)."""
    return APIToken.objects.filter(user=user).order_by("-created_at", "-pk")


def find(raw: str) -> APIToken | None:
    """The valid token of that value (not revoked, not expired, active account), or None."""
    if not raw or len(raw) > 200:
        return None
    token = (
        APIToken.objects.select_related("user").filter(digest=APIToken.digest_of(raw), revoked=False).first()
    )
    now = timezone.now()
    if token is None or not token.user.is_active or token.expires_at <= now:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        APIToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
    return token


def check_method(token: APIToken, method: str) -> None:
    if token.read_only and method.upper() not in SAFE_METHODS:
        raise ReadOnlyToken(READ_ONLY_MESSAGE)
