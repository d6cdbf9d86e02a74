"""Throttling of login attempts, per account and per IP address (password and second-factor code).

Each attempt is counted *before* the password or code is checked (``attempt``), with the atomic counters of
``accounts/ratelimit.py`` (in the database, shared by every application process): thirty concurrent wrong
passwords for one account get at most ``LOGIN_MAX_FAILURES_PER_ACCOUNT`` checks, the others are refused
without a check. A success clears the account's count and gives the address its attempt back, so only
failures add up; the window is ``LOGIN_LOCKOUT_SECONDS`` from the first counted attempt.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings

from accounts import ratelimit


def _key(kind: str, value: str) -> str:
    return f"login:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class Verdict:
    blocked: bool
    message: str = ""


def _minutes() -> int:
    return max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)


def attempt(email: str, ip: str | None) -> Verdict:
    """Count this attempt; blocked when it goes over the account's or the address's limit."""
    window = settings.LOGIN_LOCKOUT_SECONDS
    if email and ratelimit.hit(_key("account", email), window) > settings.LOGIN_MAX_FAILURES_PER_ACCOUNT:
        return Verdict(
            True,
            f"Trop de tentatives de connexion échouées pour ce compte. Réessayez dans {_minutes()} "
            "minutes ou réinitialisez votre mot de passe.",
        )
    if ip and ratelimit.hit(_key("ip", ip), window) > settings.LOGIN_MAX_FAILURES_PER_IP:
        return Verdict(
            True,
            f"Trop de tentatives de connexion échouées depuis votre adresse. Réessayez dans "
            f"{_minutes()} minutes.",
        )
    return Verdict(False)


def success(email: str, ip: str | None) -> None:
    """The attempt was right: the account starts again from zero, the address gets its attempt back."""
    ratelimit.reset(_key("account", email))
    if ip:
        ratelimit.refund(_key("ip", ip))
