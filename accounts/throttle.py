"""Throttling of failed logins, per account and per IP address, in the shared cache.

The cache is Redis (production) or the database (embedded default): both are shared between
application instances, so a lockout holds whichever instance the next attempt reaches.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    return f"login-fail:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class Verdict:
    blocked: bool
    message: str = ""


def check(email: str, ip: str | None) -> Verdict:
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    if email and (cache.get(_key("account", email)) or 0) >= settings.LOGIN_MAX_FAILURES_PER_ACCOUNT:
        return Verdict(True, f"Trop de tentatives de connexion échouées pour ce compte. Réessayez dans {minutes} minutes "
                             "ou réinitialisez votre mot de passe.")
    if ip and (cache.get(_key("ip", ip)) or 0) >= settings.LOGIN_MAX_FAILURES_PER_IP:
        return Verdict(True, f"Trop de tentatives de connexion échouées depuis votre adresse. Réessayez dans {minutes} minutes.")
    return Verdict(False)


def _incr(key: str) -> int:
    timeout = settings.LOGIN_LOCKOUT_SECONDS
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


def failure(email: str, ip: str | None) -> None:
    if email:
        _incr(_key("account", email))
    if ip:
        _incr(_key("ip", ip))


def success(email: str) -> None:
    cache.delete(_key("account", email))
