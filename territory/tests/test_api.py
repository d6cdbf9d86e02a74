"""The communes search of the JSON API (territory/api.py)."""

import pytest

from accounts.models import APIToken
from tests.cast import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(cast):
    _, raw = APIToken.issue(cast.coordinator)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_search_belley_returns_the_commune_with_its_postal_code_and_cpts(client, auth):
    response = client.get("/api/communes", {"q": "belley"}, **auth)
    assert response.status_code == 200
    belley = next(c for c in response.json()["communes"] if c["insee"] == "01034")
    assert belley["name"] == "Belley"
    assert "01300" in belley["postal_codes"]
    assert belley["epci_siren"] == "200040350"
    assert belley["cpts"] == "CPTS Test Bugey"


def test_search_a_free_commune_has_no_cpts(client, auth):
    response = client.get("/api/communes", {"q": "culoz beon"}, **auth)
    [culoz] = response.json()["communes"]
    assert culoz["insee"] == "01138"
    assert culoz["cpts"] is None


@pytest.mark.parametrize("query", ["Le Havre", "Havre", "le havre"])
def test_search_le_havre_with_or_without_the_article_returns_its_official_name(client, auth, query):
    response = client.get("/api/communes", {"q": query}, **auth)
    first = response.json()["communes"][0]
    assert (first["insee"], first["name"]) == ("76351", "Le Havre")


def test_search_by_siren_returns_the_epci(client, auth):
    response = client.get("/api/communes", {"q": "200040350"}, **auth)
    assert response.json() == {
        "communes": [],
        "epcis": [{"siren": "200040350", "name": "Communauté de communes Bugey Sud"}],
    }


def test_search_without_q_answers_422_in_french(client, auth):
    response = client.get("/api/communes", **auth)
    assert response.status_code == 422
    assert response.json()["detail"] == "Requête invalide."
    assert response.json()["erreurs"][0]["champ"] == "q"


def test_search_needs_authentication(client, db):
    assert client.get("/api/communes", {"q": "belley"}).status_code == 401


def test_search_with_a_verified_session_works(client, cast):
    login(client, cast.coordinator)
    response = client.get("/api/communes", {"q": "01300"})
    assert response.status_code == 200
    assert "01034" in [c["insee"] for c in response.json()["communes"]]
