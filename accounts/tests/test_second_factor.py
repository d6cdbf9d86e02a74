"""Second factor: the middleware gate, TOTP checks (wrong code, replay), enrolment, recovery codes."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
from accounts.tests.helpers import post_password, text_of
from cpts.models import Membership
from cpts.roles import Role
from tests.cast import login, make_user, totp_code

WRONG_CODE_MESSAGE = "Code incorrect, expiré ou déjà utilisé."


def _cpts_home(cast):
    return reverse("cpts:home", args=[cast.cpts.slug])


def _is_verified(client) -> bool:
    return "otp_device_id" in client.session


@pytest.mark.parametrize("role", ["coordinator", "member"])
def test_middleware_sends_a_patient_data_role_to_the_totp_page_before_any_page(client, cast, role):
    user = getattr(cast, role)
    post_password(client, user.email)

    response = client.get(_cpts_home(cast))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify") + "?next=")


@pytest.mark.parametrize("path", ["/profil/", "/cpts/", "/admin/"])
def test_middleware_blocks_other_pages_too_before_the_second_factor(client, cast, path):
    post_password(client, cast.member.email)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify"))


def test_middleware_answers_403_json_on_the_api_before_the_second_factor(client, cast):
    post_password(client, cast.coordinator.email)

    response = client.get("/api/cpts")

    assert response.status_code == 403
    assert response.json()["detail"] == "Second facteur (code TOTP) requis."


def test_middleware_sends_a_user_without_device_to_enrolment(client, cast):
    user = make_user("nouvelle@cast.test", with_totp=False)
    Membership.objects.create(cpts=cast.cpts, user=user, role=Role.MEMBER)
    post_password(client, user.email)

    response = client.get(_cpts_home(cast))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_middleware_lets_a_referent_only_user_without_device_in_with_the_password_alone(client, cast):
    TOTPDevice.objects.filter(user=cast.referent).delete()
    post_password(client, cast.referent.email)

    response = client.get(_cpts_home(cast))

    assert response.status_code == 200
    assert not _is_verified(client)


def test_middleware_asks_a_referent_who_enrolled_a_device_anyway_for_the_code(client, cast):
    post_password(client, cast.referent.email)

    response = client.get(_cpts_home(cast))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify"))


def test_right_totp_code_verifies_the_session_and_opens_the_pages(client, cast):
    post_password(client, cast.coordinator.email)

    response = client.post(reverse("accounts:otp_verify"), {"code": totp_code(cast.coordinator)})

    assert response.status_code == 302
    assert _is_verified(client)
    assert client.get(_cpts_home(cast)).status_code == 200


def test_wrong_totp_code_is_refused_with_the_french_message(client, cast):
    post_password(client, cast.coordinator.email)
    wrong = totp_code(cast.coordinator, offset_steps=10)  # far outside the tolerance window

    response = client.post(reverse("accounts:otp_verify"), {"code": wrong})

    assert response.status_code == 200
    assert WRONG_CODE_MESSAGE in text_of(response)
    assert not _is_verified(client)
    assert client.get(_cpts_home(cast)).status_code == 302


def test_replayed_totp_code_is_refused_in_a_second_session(cast):
    code = totp_code(cast.coordinator)
    first, second = Client(), Client()
    post_password(first, cast.coordinator.email)
    assert first.post(reverse("accounts:otp_verify"), {"code": code}).status_code == 302
    post_password(second, cast.coordinator.email)

    response = second.post(reverse("accounts:otp_verify"), {"code": code})

    assert response.status_code == 200
    assert WRONG_CODE_MESSAGE in text_of(response)
    assert not _is_verified(second)


def test_used_totp_code_moves_the_device_last_t_forward(client, cast):
    device = TOTPDevice.objects.get(user=cast.coordinator)
    assert device.last_t == -1

    login(client, cast.coordinator)

    device.refresh_from_db()
    assert device.last_t > 0


# Enrolment and recovery codes -------------------------------------------------------------------


@pytest.fixture
def newcomer(cast):
    """A member without any second factor yet: enrolment is compulsory for her."""
    user = make_user("newcomer@cast.test", with_totp=False)
    Membership.objects.create(cpts=cast.cpts, user=user, role=Role.MEMBER)
    return user


def _code_of(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _enrol(client, user) -> tuple[object, TOTPDevice]:
    post_password(client, user.email)
    assert client.get(reverse("accounts:otp_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(reverse("accounts:otp_setup"), {"code": _code_of(device)}), device


def test_enrolment_page_creates_one_pending_device_with_its_secret(client, newcomer):
    post_password(client, newcomer.email)

    response = client.get(reverse("accounts:otp_setup"))

    device = TOTPDevice.objects.get(user=newcomer)
    assert not device.confirmed
    assert twofactor.secret_b32(device) in text_of(response)
    assert "<svg" in response.content.decode()


def test_enrolment_with_the_pending_device_code_confirms_it_and_shows_recovery_codes(client, newcomer):
    response, device = _enrol(client, newcomer)

    device.refresh_from_db()
    assert device.confirmed
    assert response.status_code == 200
    assert response.templates[0].name == "accounts/recovery_codes.html"
    codes = response.context["codes"]
    assert len(codes) == twofactor.RECOVERY_CODES
    assert all(code in text_of(response) for code in codes)
    assert _is_verified(client)


def test_enrolment_with_a_wrong_code_confirms_nothing(client, newcomer):
    post_password(client, newcomer.email)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    wrong = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    wrong.time += 10 * device.step

    response = client.post(reverse("accounts:otp_setup"), {"code": f"{wrong.token():06d}"})

    device.refresh_from_db()
    assert not device.confirmed
    assert "Code incorrect." in text_of(response)
    assert not StaticDevice.objects.filter(user=newcomer).exists()


def test_recovery_codes_are_not_shown_again_on_the_security_page(client, newcomer):
    response, _ = _enrol(client, newcomer)
    codes = response.context["codes"]

    page = text_of(client.get(reverse("accounts:security")))

    assert f"Codes de secours restants : {twofactor.RECOVERY_CODES}" in page
    assert not any(code in page for code in codes)


def test_a_recovery_code_passes_the_second_factor_once(cast, newcomer):
    enrolment, _ = _enrol(Client(), newcomer)
    code = enrolment.context["codes"][0]
    client = Client()
    post_password(client, newcomer.email)

    response = client.post(reverse("accounts:otp_verify"), {"code": code})

    assert response.status_code == 302
    assert _is_verified(client)
    assert StaticToken.objects.filter(device__user=newcomer).count() == twofactor.RECOVERY_CODES - 1


def test_a_recovery_code_already_used_is_refused(cast, newcomer):
    enrolment, _ = _enrol(Client(), newcomer)
    code = enrolment.context["codes"][0]
    first = Client()
    post_password(first, newcomer.email)
    assert first.post(reverse("accounts:otp_verify"), {"code": code}).status_code == 302
    second = Client()
    post_password(second, newcomer.email)

    response = second.post(reverse("accounts:otp_verify"), {"code": code})

    assert response.status_code == 200
    assert WRONG_CODE_MESSAGE in text_of(response)
    assert not _is_verified(second)
