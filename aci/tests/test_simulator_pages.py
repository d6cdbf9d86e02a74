"""The simulator page (/aci/simulateur/) and the JSON API (/api/aci/grid, /api/aci/simulation)."""

import re

import pytest

from tests.cast import login

pytestmark = pytest.mark.django_db


def digits(html: str) -> str:
    return re.sub(r"[\s\u202f\u00a0]", "", html)


def test_the_simulator_shows_the_four_tiers_of_the_brochure(client, cast):
    login(client, cast.member)
    response = client.get("/aci/simulateur/")
    assert response.status_code == 200
    text = digits(response.content.decode())
    for figure in ("287500€", "382500€", "487500€", "580000€", "127500€", "265000€", "110000€", "225000€"):
        assert figure in text


def test_a_simulation_with_an_optional_mission_and_attainment_rates(client, cast):
    login(client, cast.member)
    response = client.get(
        "/aci/simulateur/",
        {
            "taille": "3",
            "missions": ["access", "crisis", "pathways", "prevention", "quality"],
            "taux_access": "50",
            "taux_pathways": "100",
            "date": "2026-12-01",
        },
    )
    html = response.content.decode()
    # Year 1: 75 000 + access 90 000 + 17 500 (50 % of 35 000) + crisis 45 000 (no crisis declared: no
    # variable part) + pathways 45 000 + 45 000 + prevention 17 500 + 17 500 + quality 15 000 + 15 000 =
    # 382 500; later years: the crisis fixed part is 22 500 instead of 45 000.
    year1 = re.search(r'data-testid="total-year1">([^<]+)<', html).group(1)
    later = re.search(r'data-testid="total-later">([^<]+)<', html).group(1)
    assert digits(year1) == "382500€" and digits(later) == "360000€"


def test_bad_parameters_are_explained_in_french(client, cast):
    login(client, cast.member)
    html = client.get("/aci/simulateur/", {"taille": "2", "taux_access": "150"}).content.decode()
    assert "entre 0 et 100 %" in html and 'role="alert"' in html
    html = client.get("/aci/simulateur/", {"missions": ["access", "quality"]}).content.decode()
    assert "Missions socles obligatoires manquantes" in html
    html = client.get("/aci/simulateur/", {"date": "2018-01-01"}).content.decode()
    assert "Aucune grille ACI en vigueur au 01/01/2018." in html


def test_the_simulator_needs_an_account(client):
    assert client.get("/aci/simulateur/").status_code == 302


def test_the_api_gives_the_grid_in_force_at_a_date(client, cast):
    login(client, cast.member)
    grid = client.get("/api/aci/grid", {"on": "2021-01-01"}).json()
    assert grid["name"] == "ACI CPTS 2019" and "crisis" not in {m["code"] for m in grid["missions"]}
    grid = client.get("/api/aci/grid", {"on": "2026-12-01"}).json()
    assert grid["name"] == "ACI CPTS 2019 modifié par l'avenant 2"
    crisis_v = [a for a in grid["amounts"] if a["mission"] == "crisis" and a["part"] == "variable"]
    assert [(a["tier"], float(a["amount"]), a["crisis_only"]) for a in crisis_v] == [
        (1, 37500.0, True),
        (2, 52500.0, True),
        (3, 67500.0, True),
        (4, 75000.0, True),
    ]
    assert client.get("/api/aci/grid", {"on": "2010-01-01"}).status_code == 404


def test_the_api_simulates_and_refuses_bad_input(client, cast):
    login(client, cast.member)
    data = client.get(
        "/api/aci/simulation",
        {
            "tier": 4,
            "crisis_declared": "true",
            "on": "2026-12-01",
            "missions": ["access", "crisis", "pathways", "prevention", "quality", "support"],
        },
    ).json()
    assert float(data["total"]) == 580000.0 and float(data["operating"]) == 90000.0
    refused = client.get("/api/aci/simulation", {"tier": 1, "attainment_pct": "140"})
    assert refused.status_code == 400 and "entre 0 et 100 %" in refused.json()["detail"]
