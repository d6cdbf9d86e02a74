"""The JSON API (opencpts/api.py, cpts/api.py): schema, authentication, and each endpoint's answers."""

import json

import pytest

from accounts.models import APIToken
from cpts.models import Membership, MembershipRequest, PartnerStructure, TerritoryCommune
from directory.models import Structure
from tests.cast import login

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _, raw = APIToken.issue(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, path, payload, auth):
    return client.post(path, json.dumps(payload), content_type="application/json", **auth)


# --- schema and docs ------------------------------------------------------------------------------


def test_openapi_schema_is_valid_json_listing_the_paths(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/cpts",
        "/api/cpts/{slug}/territory",
        "/api/cpts/{slug}/territory/communes",
        "/api/cpts/{slug}/territory/epci",
        "/api/communes",
        "/api/cpts/{slug}/members",
        "/api/cpts/{slug}/structures",
        "/api/cpts/{slug}/membership-requests",
        "/api/cpts/{slug}/membership-requests/{request_id}/accept",
        "/api/cpts/{slug}/membership-requests/{request_id}/refuse",
    ]:
        assert path in schema["paths"], path


def test_api_docs_page_answers(client, db):
    assert client.get("/api/docs").status_code == 200


# --- authentication -------------------------------------------------------------------------------


def test_anonymous_request_is_refused_with_401(client, db):
    response = client.get("/api/cpts")
    assert response.status_code == 401
    assert "Authentification requise" in response.json()["detail"]


def test_session_without_second_factor_is_refused_with_403(client, cast):
    client.force_login(cast.coordinator)  # password only, no TOTP verification
    response = client.get("/api/cpts")
    assert response.status_code == 403
    assert "Second facteur" in response.json()["detail"]


def test_session_with_second_factor_lists_my_cpts(client, cast):
    login(client, cast.coordinator)
    response = client.get("/api/cpts")
    assert response.status_code == 200
    assert [c["slug"] for c in response.json()] == [cast.cpts.slug]


def test_an_invalid_token_is_refused(client, db):
    response = client.get("/api/cpts", HTTP_AUTHORIZATION="Bearer ocp_not-a-token")
    assert response.status_code == 401


def test_a_revoked_token_is_refused(client, cast):
    token, raw = APIToken.issue(cast.coordinator)
    token.revoked = True
    token.save()
    assert client.get("/api/cpts", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


# --- CPTS and territory ---------------------------------------------------------------------------


def test_token_lists_only_the_cpts_of_its_user_with_population_and_tier(client, cast):
    response = client.get("/api/cpts", **bearer(cast.coordinator))
    assert response.status_code == 200
    [item] = response.json()
    assert item["slug"] == cast.cpts.slug
    assert item["role"] == "coordinator"
    assert item["communes"] == 1
    assert item["population"] > 0
    assert item["tier"]["number"] == 1


def test_get_territory_lists_its_communes(client, cast):
    response = client.get(f"/api/cpts/{cast.cpts.slug}/territory", **bearer(cast.member))
    assert response.status_code == 200
    body = response.json()
    assert [c["insee"] for c in body["communes"]] == ["01034"]
    assert body["communes"][0]["epci_siren"] == "200040350"
    assert body["population"] == body["communes"][0]["population"]


def test_get_territory_of_another_cpts_is_forbidden(client, cast):
    response = client.get(f"/api/cpts/{cast.other.slug}/territory", **bearer(cast.coordinator))
    assert response.status_code == 403


def test_get_territory_of_an_unknown_cpts_is_404(client, cast):
    assert client.get("/api/cpts/nope/territory", **bearer(cast.coordinator)).status_code == 404


def test_post_commune_adds_it_to_the_territory(client, cast):
    response = post(
        client, f"/api/cpts/{cast.cpts.slug}/territory/communes", {"insee": "01138"}, bearer(cast.coordinator)
    )
    assert response.status_code == 200
    assert {c["insee"] for c in response.json()["communes"]} == {"01034", "01138"}
    assert TerritoryCommune.objects.get(commune_id="01138").cpts == cast.cpts


def test_post_commune_of_the_other_cpts_answers_409_in_french(client, cast):
    response = post(
        client, f"/api/cpts/{cast.cpts.slug}/territory/communes", {"insee": "01004"}, bearer(cast.coordinator)
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "La commune Ambérieu-en-Bugey (01004) appartient déjà au territoire de la CPTS Test Voisine."
    )
    assert TerritoryCommune.objects.get(commune_id="01004").cpts == cast.other


def test_post_an_unknown_insee_answers_400(client, cast):
    response = post(
        client, f"/api/cpts/{cast.cpts.slug}/territory/communes", {"insee": "99999"}, bearer(cast.coordinator)
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Commune inconnue")


def test_post_commune_by_a_member_is_forbidden(client, cast):
    response = post(
        client, f"/api/cpts/{cast.cpts.slug}/territory/communes", {"insee": "01138"}, bearer(cast.member)
    )
    assert response.status_code == 403
    assert not TerritoryCommune.objects.filter(commune_id="01138").exists()


def test_post_commune_without_insee_answers_422_in_french(client, cast):
    response = post(client, f"/api/cpts/{cast.cpts.slug}/territory/communes", {}, bearer(cast.coordinator))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Requête invalide."
    assert body["erreurs"][0]["champ"] == "insee"


def test_post_epci_adds_all_its_communes(client, cast):
    response = post(
        client, f"/api/cpts/{cast.cpts.slug}/territory/epci", {"siren": "200040350"}, bearer(cast.coordinator)
    )
    assert response.status_code == 200
    assert len(response.json()["communes"]) == 41
    assert TerritoryCommune.objects.filter(cpts=cast.cpts).count() == 41


def test_post_an_unknown_epci_answers_400(client, cast):
    response = post(
        client, f"/api/cpts/{cast.cpts.slug}/territory/epci", {"siren": "123456789"}, bearer(cast.coordinator)
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("EPCI inconnu")


def test_post_epci_with_a_commune_of_the_other_cpts_answers_409_and_adds_nothing(client, cast):
    response = post(
        client,
        f"/api/cpts/{cast.other.slug}/territory/epci",
        {"siren": "200040350"},
        bearer(cast.other_coordinator),
    )
    assert response.status_code == 409
    assert "CPTS Test Bugey" in response.json()["detail"]
    assert TerritoryCommune.objects.filter(cpts=cast.other).count() == 1


def test_delete_commune_removes_it(client, cast):
    response = client.delete(
        f"/api/cpts/{cast.cpts.slug}/territory/communes/01034", **bearer(cast.coordinator)
    )
    assert response.status_code == 200
    assert response.json()["communes"] == []


# --- members and structures -----------------------------------------------------------------------


def test_get_members_lists_the_active_members(client, cast):
    response = client.get(f"/api/cpts/{cast.cpts.slug}/members", **bearer(cast.coordinator))
    assert response.status_code == 200
    members = {m["last_name"]: m for m in response.json()}
    assert set(members) == {"Coord", "Bureau", "Membre", "Partenaire", "Référente", "Guest"}
    assert members["Guest"]["role"] == "guest"  # invited into a group by e-mail: listed, with its role
    assert members["Membre"]["rpps"] == "10000000009"
    assert members["Coord"]["role"] == "coordinator"


def test_get_members_is_forbidden_to_a_referent(client, cast):
    assert client.get(f"/api/cpts/{cast.cpts.slug}/members", **bearer(cast.referent)).status_code == 403


def test_post_structure_creates_a_partner(client, cast):
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/structures",
        {"name": "MSP de Belley", "kind": "msp", "commune_insee": "01034"},
        bearer(cast.coordinator),
    )
    assert response.status_code == 201
    assert response.json()["commune_insee"] == "01034"
    assert PartnerStructure.objects.filter(cpts=cast.cpts, structure__name="MSP de Belley").exists()


def test_post_structure_with_a_bad_finess_answers_400_and_saves_nothing(client, cast):
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/structures",
        {"name": "EHPAD Test", "kind": "ehpad", "finess": "12345"},
        bearer(cast.coordinator),
    )
    assert response.status_code == 400
    assert "Le numéro FINESS doit comporter 9 caractères" in response.json()["detail"]
    assert not Structure.objects.filter(name="EHPAD Test").exists()


def test_post_structure_with_an_unknown_kind_answers_400(client, cast):
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/structures",
        {"name": "X", "kind": "chateau"},
        bearer(cast.coordinator),
    )
    assert response.status_code == 400
    assert "Type de structure inconnu" in response.json()["detail"]


def test_post_structure_without_a_name_answers_422_in_french(client, cast):
    response = post(
        client, f"/api/cpts/{cast.cpts.slug}/structures", {"kind": "msp"}, bearer(cast.coordinator)
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Requête invalide."
    assert {e["champ"] for e in response.json()["erreurs"]} == {"name"}


# --- membership requests --------------------------------------------------------------------------


def test_an_outsider_creates_a_membership_request(client, cast):
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/membership-requests",
        {"message": "Bonjour"},
        bearer(cast.outsider),
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert MembershipRequest.objects.get(user=cast.outsider).cpts == cast.cpts


def test_a_member_asking_to_join_answers_400(client, cast):
    response = post(client, f"/api/cpts/{cast.cpts.slug}/membership-requests", {}, bearer(cast.member))
    assert response.status_code == 400
    assert response.json()["detail"] == "Vous êtes déjà membre de cette CPTS."


def test_coordinator_lists_pending_requests(client, cast):
    MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    response = client.get(f"/api/cpts/{cast.cpts.slug}/membership-requests", **bearer(cast.coordinator))
    assert [r["user_email"] for r in response.json()] == ["outsider@cast.test"]


def test_coordinator_accepts_a_request_with_a_role(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/membership-requests/{req.pk}/accept",
        {"role": "bureau"},
        bearer(cast.coordinator),
    )
    assert response.status_code == 200
    assert response.json()["role"] == "bureau"
    assert Membership.objects.get(cpts=cast.cpts, user=cast.outsider).role == "bureau"


def test_accepting_with_an_unknown_role_answers_400(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/membership-requests/{req.pk}/accept",
        {"role": "roi"},
        bearer(cast.coordinator),
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user=cast.outsider).exists()


def test_coordinator_refuses_a_request_with_a_reason(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/membership-requests/{req.pk}/refuse",
        {"reason": "Hors territoire"},
        bearer(cast.coordinator),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "refused"
    assert response.json()["reason"] == "Hors territoire"


def test_refusing_with_an_empty_reason_answers_400(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/membership-requests/{req.pk}/refuse",
        {"reason": " "},
        bearer(cast.coordinator),
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Indiquez le motif du refus")
    req.refresh_from_db()
    assert req.status == "pending"


def test_refusing_without_the_reason_field_answers_422_in_french(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/membership-requests/{req.pk}/refuse",
        {},
        bearer(cast.coordinator),
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Requête invalide."


def test_another_cpts_coordinator_cannot_accept_a_request(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    response = post(
        client,
        f"/api/cpts/{cast.cpts.slug}/membership-requests/{req.pk}/accept",
        {},
        bearer(cast.other_coordinator),
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=cast.outsider).exists()
