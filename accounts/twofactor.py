"""Second factor: TOTP enrolment and checks, recovery codes (django-otp devices)."""

import secrets
from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.log import record_bulk

RECOVERY_CODES = 10


def pending_device(user) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled (created once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Application d'authentification", confirmed=False)
    return device


def secret_b32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    uri = device.config_url
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def verify_totp(device: TOTPDevice, code: str) -> bool:
    """django-otp refuses a code already used (replay) and throttles repeated failures; the device's row is
    locked while it checks, so that two requests with one code cannot both pass."""
    return _verify_locked(device, code) is not None


def verify(devices, code: str):
    """The device (TOTP or recovery codes) that accepts ``code``, or None. A code is accepted once, even when
    several requests send it at the same moment."""
    return next((d for d in (_verify_locked(device, code) for device in devices) if d is not None), None)


@transaction.atomic
def _verify_locked(device, code: str):
    """Check ``code`` against a fresh copy of ``device`` whose row is locked until the commit.

    django-otp stores the last TOTP step used (``last_t``) and deletes a recovery code once used, but reads
    and writes in two statements: concurrent requests with one code all read the old state and all pass.
    Here the second request waits on the lock (PostgreSQL row lock; SQLite: the write lock that an
    IMMEDIATE transaction takes at its start), then reads the state the first one wrote, and is refused.
    """
    locked = type(device).objects.select_for_update().filter(pk=device.pk).first()
    if locked is None or not locked.verify_token(code):
        return None
    return locked


@transaction.atomic
def confirm_enrolment(user, device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    return regenerate_recovery_codes(user)


@transaction.atomic
def regenerate_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Codes de secours")
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    tokens = StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    record_bulk("create", StaticToken, [t.pk for t in tokens], details={"user_id": user.pk})
    return codes


def enrol_with_key(user, hex_key: str) -> TOTPDevice:
    """Enrol a known key (demo accounts and tests)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name="Application d'authentification", key=hex_key, confirmed=True
    )


def issuer() -> str:
    return settings.OTP_TOTP_ISSUER
