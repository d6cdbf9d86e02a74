"""Trusted devices: « Faire confiance à cet appareil pendant 30 jours ». The one writer of ``TrustedDevice``.

- Offered after the second factor, when the instance allows it (``OPENCPTS_TRUSTED_DEVICES``, on by
  default; off: the option is not shown and every existing cookie is ignored).
- The browser keeps a signed cookie (HttpOnly, Secure over HTTPS, SameSite=Lax, ``DAYS`` days) holding a
  random secret; the server keeps its SHA-256, the device's label (from the user agent), its dates, and an
  HMAC of the password hash it was created under.
- At the next password login, the cookie skips the code only when it is signed by us, not expired, not
  revoked, belongs to the account logging in and that account's password has not changed since. In any other
  case the code is asked, as without a cookie, and the page says nothing about why (the reason goes to the
  audit trail only).
- A session on a trusted device lasts ``TRUSTED_SESSION_SECONDS`` of inactivity instead of the usual
  ``SESSION_COOKIE_AGE``, and survives closing the browser; a session opened by the device alone (without the
  code) ends at its next request once the device is revoked.
- Every trust, use, refusal and revocation is recorded in the audit trail (``trusted_device.*``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TrustedDevice, User
from audit.log import record

DAYS = 30
COOKIE = "opencpts_appareil"
SALT = "accounts.trusted-device"
SESSION_KEY = "trusted_device"


def enabled() -> bool:
    return bool(getattr(settings, "OPENCPTS_TRUSTED_DEVICES", True))


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def password_digest(user: User) -> str:
    """Changes whenever the password does: a new password ends the trust given under the old one."""
    return salted_hmac(SALT + ".password", user.password, algorithm="sha256").hexdigest()


_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def label_from(user_agent: str) -> str:
    """« Firefox sur Android », « Safari sur iPhone »: what lets a person recognise the device in a list."""
    agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), "Navigateur")
    system = next((name for mark, name in _SYSTEMS if mark in agent), "")
    return f"{browser} sur {system}" if system else browser


def _cookie_secure(request) -> bool:
    return bool(settings.SESSION_COOKIE_SECURE or request.is_secure())


def _keep_longer(request, device: TrustedDevice, opened_by_it: bool) -> None:
    """A longer session on a trusted device; one opened by the device alone (no code) ends with it."""
    if opened_by_it:
        request.session[SESSION_KEY] = device.pk
    seconds = getattr(settings, "TRUSTED_SESSION_SECONDS", 0)
    if seconds:
        request.session.set_expiry(seconds)


@transaction.atomic
def remember(request, response, user: User, now: dt.datetime | None = None) -> TrustedDevice | None:
    """Trust the browser of ``request`` for ``user`` (just past the second factor): store the device, put
    the signed cookie on ``response``, keep the session longer. None when the instance does not allow it."""
    if not enabled():
        return None
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    device = TrustedDevice.objects.create(
        user=user,
        digest=_digest(raw),
        password_digest=password_digest(user),
        label=label_from(request.META.get("HTTP_USER_AGENT", ""))[:100],
        created_at=now,
        last_used_at=now,
        expires_at=now + dt.timedelta(days=DAYS),
    )
    record(
        "trusted_device.created",
        obj=device,
        details={"user_id": user.pk, "expires_at": device.expires_at.isoformat()},
    )
    response.set_signed_cookie(
        COOKIE,
        raw,
        salt=SALT,
        max_age=DAYS * 24 * 3600,
        httponly=True,
        secure=_cookie_secure(request),
        samesite="Lax",
    )
    _keep_longer(request, device, opened_by_it=False)
    return device


def _cookie_raw(request) -> str | None:
    raw = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=DAYS * 24 * 3600)
    return raw if isinstance(raw, str) and 20 <= len(raw) <= 100 else None


def _why_not(device: TrustedDevice | None, user: User, now: dt.datetime) -> str:
    """Why the cookie does not skip the code for ``user`` ("" when it does)."""
    if device is None:
        return "unknown"
    if device.user_id != user.pk:
        return "other_user"
    if device.revoked_at is not None:
        return "revoked"
    if device.expires_at <= now:
        return "expired"
    if not constant_time_compare(device.password_digest, password_digest(user)):
        return "password_changed"
    return ""


@transaction.atomic
def second_factor_device(request, user: User, now: dt.datetime | None = None):
    """At a password login: the TOTP device to mark the session with when this browser is a trusted device
    of ``user``, else None (the code is asked). Records the use, or the refusal and its reason."""
    if COOKIE not in request.COOKIES:
        return None
    now = now or timezone.now()
    raw = _cookie_raw(request) if enabled() else None
    if raw is None:
        record(
            "trusted_device.ignored",
            obj=user,
            details={"reason": "disabled" if not enabled() else "bad_signature"},
        )
        return None
    device = TrustedDevice.objects.select_for_update().filter(digest=_digest(raw)).first()
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    reason = _why_not(device, user, now) or ("" if totp is not None else "no_second_factor")
    if reason:
        details = {"reason": reason}
        if device is not None:
            details["device_id"] = device.pk
        record("trusted_device.ignored", obj=user, details=details)
        return None
    device.last_used_at = now
    device.save(update_fields=["last_used_at"])
    record("trusted_device.used", obj=device, details={"user_id": user.pk})
    _keep_longer(request, device, opened_by_it=True)
    return totp


def forget_cookie_unless_valid(request, response) -> None:
    """Drop a cookie that can no longer serve anyone (forged, unknown, revoked, expired); a valid cookie of
    another account on a shared browser is left alone."""
    if COOKIE not in request.COOKIES:
        return
    raw = _cookie_raw(request)
    now = timezone.now()
    if raw is not None and active().filter(digest=_digest(raw), expires_at__gt=now).exists():
        return
    response.delete_cookie(COOKIE, samesite="Lax")


def active():
    return TrustedDevice.objects.filter(revoked_at__isnull=True)


def devices_of(user: User, now: dt.datetime | None = None) -> list[TrustedDevice]:
    """The user's devices that still skip the code (not revoked, not expired, same password)."""
    now = now or timezone.now()
    digest = password_digest(user)
    return [d for d in active().filter(user=user, expires_at__gt=now) if d.password_digest == digest]


def current_device_id(request) -> int | None:
    """The trusted device of this browser, for « cet appareil » in the list."""
    raw = _cookie_raw(request) if COOKIE in request.COOKIES else None
    if raw is None:
        return None
    return active().filter(digest=_digest(raw)).values_list("pk", flat=True).first()


def session_still_trusted(request) -> bool:
    """A session opened on a trusted device ends once that device is revoked or expired."""
    device_id = request.session.get(SESSION_KEY)
    if device_id is None:
        return True
    return active().filter(pk=device_id, expires_at__gt=timezone.now()).exists()


@transaction.atomic
def revoke(device: TrustedDevice, now: dt.datetime | None = None) -> bool:
    """Revoke ``device``; False when it was already revoked (nothing recorded twice)."""
    locked = TrustedDevice.objects.select_for_update().get(pk=device.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = now or timezone.now()
    locked.save(update_fields=["revoked_at"])
    record("trusted_device.revoked", obj=locked, details={"user_id": locked.user_id})
    device.revoked_at = locked.revoked_at
    return True


@transaction.atomic
def revoke_all(user: User, now: dt.datetime | None = None) -> int:
    """Revoke every device of ``user`` not revoked yet; the number revoked."""
    now = now or timezone.now()
    devices = list(active().select_for_update().filter(user=user))
    for device in devices:
        device.revoked_at = now
        device.save(update_fields=["revoked_at"])
        record("trusted_device.revoked", obj=device, details={"user_id": user.pk, "all": True})
    return len(devices)
