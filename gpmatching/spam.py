"""Keeping robots off the public form without third-party services: a field people never see (a robot fills it),
a minimum time between showing the form and sending it (signed, so it cannot be forged), and a limit of
submissions per IP address in the shared cache (so the limit holds across application instances)."""

from __future__ import annotations

import hashlib
import time

from django.core import signing
from django.core.cache import cache

PER_IP_PER_HOUR = 5
MIN_SECONDS = 3
SALT = "gpmatching.form-time"


def form_stamp() -> str:
    return signing.dumps(int(time.time()), salt=SALT)


def too_fast(stamp: str, now: float | None = None) -> bool:
    """True when the form came back faster than a person can fill it, or with a missing or forged stamp."""
    try:
        shown = signing.loads(stamp or "", salt=SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return True
    return (now or time.time()) - shown < MIN_SECONDS


def _key(ip: str) -> str:
    return f"gp-form:{hashlib.sha256(ip.encode()).hexdigest()[:32]}"


def over_limit(ip: str | None) -> bool:
    return bool(ip) and (cache.get(_key(ip)) or 0) >= PER_IP_PER_HOUR


def count(ip: str | None) -> None:
    if not ip:
        return
    key = _key(ip)
    if not cache.add(key, 1, 3600):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, 3600)
