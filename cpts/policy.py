"""Who must use a second factor: everyone whose roles can reach patient data (cpts.roles).

It lives beside the roles it reads; accounts (login pages, middleware, API authentication) applies it.
"""

from django.conf import settings

from cpts.models import Membership
from cpts.roles import PATIENT_DATA_ROLES


def requires_second_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user=user, active=True, role__in=PATIENT_DATA_ROLES).exists() or getattr(
        settings, "OTP_REQUIRED_FOR_ALL", False
    )


def has_confirmed_device(user) -> bool:
    """A factor the user enrolled (TOTP, recovery codes). The Pro Santé Connect device is not one: it marks a
    session opened by PSC and cannot verify a password login (accounts.models.ProSanteConnectDevice)."""
    from django_otp import devices_for_user

    from accounts.models import ProSanteConnectDevice

    return any(not isinstance(d, ProSanteConnectDevice) for d in devices_for_user(user, confirmed=True))


def must_verify(user) -> bool:
    """A session must pass the second factor when the user's roles require it, or when the user enrolled
    one anyway (an enrolled factor is never silently skipped)."""
    return requires_second_factor(user) or has_confirmed_device(user)
