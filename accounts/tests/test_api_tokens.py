"""API tokens: created by `manage.py create_api_token` or the page « Mes jetons d'API », used as
`Authorization: Bearer` on the API and FHIR; expiry, revocation, listing, last use, read-only scope, audit."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.models import APIToken
from accounts.tests.helpers import post_password, text_of
from audit.models import AuditEntry
from cpts.models import TerritoryCommune
from tests.cast import login


def _create_token(email, *options) -> str:
    out = StringIO()
    call_command("create_api_token", email, *options, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def _command(name, *args) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def _add_commune(client, cast, raw, insee="01138"):
    return client.post(
        f"/api/cpts/{cast.cpts.slug}/territory/communes",
        json.dumps({"insee": insee}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


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


# --- Expiry ------------------------------------------------------------------------------------------------


def test_a_token_expires_after_one_year_by_default(cast):
    _create_token(cast.coordinator.email)

    token = APIToken.objects.get(user=cast.coordinator)
    assert abs(token.expires_at - (timezone.now() + timedelta(days=365))) < timedelta(minutes=1)


def test_create_api_token_with_expires_days(cast):
    _create_token(cast.coordinator.email, "--expires-days", "30")

    token = APIToken.objects.get(user=cast.coordinator)
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


@pytest.mark.parametrize("days", ["0", "-3", str(tokens.MAX_DAYS + 1), "99999999999999999999"])
def test_create_api_token_refuses_an_impossible_validity_in_french(cast, days):
    with pytest.raises(CommandError, match="Durée de validité invalide"):
        _create_token(cast.coordinator.email, f"--expires-days={days}")
    assert not APIToken.objects.exists()


def test_a_token_past_its_expiry_set_at_creation_gets_401(client, cast):
    raw = _create_token(cast.coordinator.email, "--expires-days", "1")
    APIToken.objects.update(created_at=timezone.now() - timedelta(days=2), expires_at=timezone.now())

    assert _get_cpts(client, raw).status_code == 401


# --- Read-only scope ----------------------------------------------------------------------------------------


def test_a_read_only_token_reads(client, cast):
    raw = _create_token(cast.coordinator.email, "--read-only")

    assert APIToken.objects.get().read_only
    assert _get_cpts(client, raw).status_code == 200


def test_a_read_only_token_is_refused_any_write_with_403_in_french_and_nothing_changes(client, cast):
    raw = _create_token(cast.coordinator.email, "--read-only")

    response = _add_commune(client, cast, raw)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith("Jeton en lecture seule")
    assert not TerritoryCommune.objects.filter(commune_id="01138").exists()
    deleted = client.delete(
        f"/api/cpts/{cast.cpts.slug}/territory/communes/01034", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert deleted.status_code == 403
    assert TerritoryCommune.objects.filter(commune_id="01034", cpts=cast.cpts).exists()


def test_the_same_write_with_a_read_write_token_passes(client, cast):
    raw = _create_token(cast.coordinator.email)

    assert _add_commune(client, cast, raw).status_code == 200
    assert TerritoryCommune.objects.get(commune_id="01138").cpts == cast.cpts


def test_a_read_only_token_reads_fhir(client, cast):
    raw = _create_token(cast.coordinator.email, "--read-only")

    response = client.get("/fhir/Organization", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 200


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_read_only_scope_lets_safe_methods_through(cast, method):
    token, _ = tokens.issue(cast.coordinator, name="lecture", read_only=True)
    tokens.check_method(token, method)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_read_only_scope_refuses_the_other_methods(cast, method):
    token, _ = tokens.issue(cast.coordinator, name="lecture", read_only=True)
    with pytest.raises(tokens.ReadOnlyToken):
        tokens.check_method(token, method)


# --- Revocation, listing, audit -----------------------------------------------------------------------------


def test_revoke_command_by_prefix_stops_the_token_and_is_audited(client, cast):
    raw = _create_token(cast.coordinator.email, "--name", "Export ARS")
    token = APIToken.objects.get()

    out = _command("revoke_api_token", token.prefix)

    assert "révoqué" in out
    assert _get_cpts(client, raw).status_code == 401
    token.refresh_from_db()
    assert token.revoked and token.revoked_at is not None
    entry = AuditEntry.objects.get(action="api_token.revoked")
    assert entry.object_id == str(token.pk) and entry.details["prefix"] == token.prefix


def test_revoke_command_by_id_and_twice(cast):
    _create_token(cast.coordinator.email)
    token = APIToken.objects.get()
    _command("revoke_api_token", str(token.pk))

    with pytest.raises(CommandError, match="déjà révoqué"):
        _command("revoke_api_token", str(token.pk))
    assert AuditEntry.objects.filter(action="api_token.revoked").count() == 1


@pytest.mark.parametrize("which", ["ocp_inconnu", "424242", "99999999999999999999"])
def test_revoke_command_of_an_unknown_token_fails(cast, which):
    with pytest.raises(CommandError, match="Aucun jeton"):
        _command("revoke_api_token", which)


def test_creation_is_audited_with_its_expiry_and_scope(cast):
    _create_token(cast.coordinator.email, "--read-only", "--expires-days", "90", "--name", "Tableau ARS")
    token = APIToken.objects.get()

    entry = AuditEntry.objects.get(action="api_token.created")
    assert entry.object_id == str(token.pk)
    assert entry.details == {
        "user_id": cast.coordinator.pk,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat(),
        "read_only": True,
    }


def test_list_command_shows_the_valid_tokens_and_all_with_all(cast):
    _create_token(cast.coordinator.email, "--name", "Valide")
    _create_token(cast.member.email, "--name", "Révoqué")
    tokens.revoke(APIToken.objects.get(name="Révoqué"))

    out = _command("list_api_tokens")
    assert "Valide" in out and cast.coordinator.email in out and "jamais" in out and "Révoqué" not in out
    everything = _command("list_api_tokens", "--all")
    assert "Révoqué" in everything and "révoqué" in everything
    mine = _command("list_api_tokens", "--email", cast.member.email, "--all")
    assert "Valide" not in mine and "Révoqué" in mine


def test_list_command_never_shows_a_token_value(cast):
    raw = _create_token(cast.coordinator.email)

    assert raw not in _command("list_api_tokens", "--all")


# --- Last use -----------------------------------------------------------------------------------------------


def test_first_use_stores_the_last_use(client, cast):
    raw = _create_token(cast.coordinator.email)

    _get_cpts(client, raw)

    assert abs(APIToken.objects.get().last_used_at - timezone.now()) < timedelta(minutes=1)


def test_last_use_is_written_at_most_once_a_minute(client, cast):
    raw = _create_token(cast.coordinator.email)
    recent = timezone.now() - timedelta(seconds=30)
    APIToken.objects.update(last_used_at=recent)

    _get_cpts(client, raw)
    assert APIToken.objects.get().last_used_at == recent

    older = timezone.now() - timedelta(minutes=2)
    APIToken.objects.update(last_used_at=older)
    _get_cpts(client, raw)
    assert APIToken.objects.get().last_used_at > older


def test_a_refused_token_does_not_store_a_use(client, cast):
    raw = _create_token(cast.coordinator.email)
    APIToken.objects.update(revoked=True)

    _get_cpts(client, raw)

    assert APIToken.objects.get().last_used_at is None


# --- The page « Mes jetons d'API » --------------------------------------------------------------------------


def _page():
    return reverse("accounts:api_tokens")


def test_the_page_creates_a_token_shown_once_that_works_on_the_api(client, cast):
    login(client, cast.coordinator)

    response = client.post(_page(), {"name": "Tableau de bord", "days": "90", "read_only": "on"})

    assert response.status_code == 200
    raw = re.search(r'id="jeton-valeur" type="text" value="([^"]+)"', response.content.decode()).group(1)
    token = APIToken.objects.get(user=cast.coordinator)
    assert token.digest == APIToken.digest_of(raw) and token.read_only and token.name == "Tableau de bord"
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    assert "il ne sera plus affiché" in text_of(response)
    assert _get_cpts(Client(), raw).status_code == 200
    again = client.get(_page())
    assert raw not in again.content.decode() and "Tableau de bord" in text_of(again)
    assert AuditEntry.objects.filter(action="api_token.created", object_id=str(token.pk)).exists()


def test_the_page_lists_name_dates_scope_and_state(client, cast):
    tokens.issue(cast.coordinator, name="Script export", days=30, read_only=True)
    revoked, _ = tokens.issue(cast.coordinator, name="Ancien script")
    tokens.revoke(revoked)
    tokens.issue(cast.member, name="Jeton de Marie")
    login(client, cast.coordinator)

    html = text_of(client.get(_page()))

    assert "Script export" in html and "lecture seule" in html and "jamais" in html and "actif" in html
    assert "Ancien script" in html and "révoqué" in html
    assert "Jeton de Marie" not in html  # another user's token
    assert html.count('data-testid="jeton"') == 2


def test_the_page_refuses_a_blank_name_in_french_and_creates_nothing(client, cast):
    login(client, cast.coordinator)

    response = client.post(_page(), {"name": "   ", "days": "365"})

    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text_of(response) or "Donnez un nom au jeton" in text_of(response)
    assert not APIToken.objects.exists()


def test_the_page_refuses_a_validity_not_offered(client, cast):
    login(client, cast.coordinator)

    response = client.post(_page(), {"name": "Script", "days": "100000"})

    assert response.status_code == 200 and "Sélectionnez un choix valide" in text_of(response)
    assert not APIToken.objects.exists()


def test_the_page_revokes_its_own_token(client, cast):
    token, raw = tokens.issue(cast.coordinator, name="À révoquer")
    login(client, cast.coordinator)

    response = client.post(reverse("accounts:revoke_api_token", args=[token.pk]), follow=True)

    assert "Jeton « À révoquer » révoqué" in text_of(response)
    assert _get_cpts(Client(), raw).status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoked", object_id=str(token.pk)).count() == 1


def test_the_page_cannot_revoke_another_users_token(client, cast):
    token, raw = tokens.issue(cast.member, name="Jeton de Marie")
    login(client, cast.coordinator)

    response = client.post(reverse("accounts:revoke_api_token", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert not token.revoked
    assert _get_cpts(Client(), raw).status_code == 200


def test_a_session_without_the_second_factor_cannot_create_a_token(client, cast):
    post_password(client, cast.coordinator.email)  # password only: TOTP still required for this role

    response = client.post(_page(), {"name": "Contournement", "days": "365"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    assert not APIToken.objects.exists()


def test_the_page_needs_a_login(client, db):
    response = client.get(_page())

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
