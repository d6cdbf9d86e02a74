"""The demo's commands: ``demo_totp`` prints the current code of a synthetic account only, in development only
(``seed_demo`` itself is walked by tests/test_demo.py)."""

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import TOTP

from accounts import twofactor
from accounts.models import User

pytestmark = pytest.mark.django_db
KEY = "3132333435363738393031323334353637383930"


def test_demo_totp_prints_the_current_code_of_a_synthetic_account(settings, capsys):
    settings.DEMO_TOTP_HELPER = True
    user = User.objects.create_user("medecin@demo.opencpts.test", None, is_synthetic=True)
    device = twofactor.enrol_with_key(user, KEY)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    before = f"{totp.token():06d}"

    call_command("demo_totp", "MEDECIN@demo.opencpts.test")

    after = f"{totp.token():06d}"  # the code may change between the two readings (30-second steps)
    assert capsys.readouterr().out.strip() in {before, after}


def test_demo_totp_refuses_a_real_account_and_outside_development(settings):
    settings.DEMO_TOTP_HELPER = True
    real = User.objects.create_user("real@example.test", None)
    twofactor.enrol_with_key(real, KEY)
    with pytest.raises(CommandError, match="Aucun compte de démonstration"):
        call_command("demo_totp", "real@example.test")

    settings.DEMO_TOTP_HELPER = False
    with pytest.raises(CommandError, match="mode développement"):
        call_command("demo_totp", "real@example.test")
