"""Synthetic members of a bench CPTS already logged in: accounts without a usable password, their memberships,
a confirmed TOTP device each and a session that passed it, so that the bench's clients skip the login. Shared
by bench/messaging.py and bench/soak.py (run in their child processes, after ``django.setup()``)."""

from __future__ import annotations

import datetime as dt
import secrets


def logged_in_members(cpts, count: int, prefix: str, width: int, batch_size: int = 2000):
    """``count`` members of ``cpts`` (``{prefix}{i}@bench.opencpts.test``, « Pro Fictif {i} », ``i`` on
    ``width`` digits), each with a session key valid one day. Returns (users, session keys) in the same
    order."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from cpts.models import Membership
    from cpts.roles import Role

    unusable = make_password(None)  # nobody logs in with a password here: sessions are created below
    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{i:0{width}d}@bench.opencpts.test",
                first_name="Pro",
                last_name=f"Fictif {i:0{width}d}",
                password=unusable,
            )
            for i in range(count)
        ],
        batch_size=batch_size,
    )
    Membership.objects.bulk_create(
        [Membership(cpts=cpts, user=u, role=Role.MEMBER) for u in users], batch_size=batch_size
    )
    devices = TOTPDevice.objects.bulk_create(
        [TOTPDevice(user=u, name="banc", confirmed=True, key=secrets.token_hex(20)) for u in users],
        batch_size=batch_size,
    )
    expire = timezone.now() + dt.timedelta(days=1)
    sessions, keys = [], []
    for user, device in zip(users, devices, strict=True):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = SessionStore().encode(
            {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
                DEVICE_ID_SESSION_KEY: device.persistent_id,
            }
        )
        sessions.append(Session(session_key=key, session_data=data, expire_date=expire))
        keys.append(key)
    Session.objects.bulk_create(sessions, batch_size=batch_size)
    return users, keys
