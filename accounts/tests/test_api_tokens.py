"""API tokens created by `manage.py create_api_token`, used as `Authorization: Bearer` on the API."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import APIToken


def _create_token(email) -> str:
    out = StringIO()
    call_command("create_api_token", email, stdout=out)
    return out.getvalue().strip()


def _get_cpts(client, raw):
    return client.get("/api/cpts", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_create_api_token_prints_a_token_that_authenticates_on_the_api(client, cast):
    raw = _create_token(cast.coordinator.email)

    response = _get_cpts(client, raw)

    assert response.status_code == 200
    assert [c["slug"] for c in response.json()] == [cast.cpts.slug]


def test_create_api_token_stores_only_the_digest(cast):
    raw = _create_token(cast.coordinator.email)

    token = APIToken.objects.get(user=cast.coordinator)
    assert token.digest == APIToken.digest_of(raw)
    assert raw not in (token.digest, token.prefix)


def test_create_api_token_for_an_unknown_email_fails(db):
    with pytest.raises(CommandError, match="Aucun utilisateur"):
        _create_token("personne@cast.test")


def test_revoked_token_gets_401(client, cast):
    raw = _create_token(cast.coordinator.email)
    APIToken.objects.filter(user=cast.coordinator).update(revoked=True)

    assert _get_cpts(client, raw).status_code == 401


def test_wrong_token_gets_401(client, cast):
    _create_token(cast.coordinator.email)

    assert _get_cpts(client, "ocp_pas-le-bon-jeton").status_code == 401


def test_expired_token_gets_401(client, cast):
    raw = _create_token(cast.coordinator.email)
    APIToken.objects.filter(user=cast.coordinator).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert _get_cpts(client, raw).status_code == 401


def test_token_of_a_deactivated_user_gets_401(client, cast):
    raw = _create_token(cast.coordinator.email)
    cast.coordinator.is_active = False
    cast.coordinator.save()

    assert _get_cpts(client, raw).status_code == 401


def test_api_without_any_credentials_gets_401(client, cast):
    assert client.get("/api/cpts").status_code == 401
