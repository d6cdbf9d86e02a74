"""The JSON API of a CPTS's contract: /api/cpts/{slug}/aci/contract, /schedule, /indicators — for the readers
of contracts only (coordination, bureau, ARS/CPAM referents), 401 without authentication, 404 without a
contract."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import APIToken
from aci import budget, contracts, indicators
from aci.indicators import StepInput
from aci.models import ExpectedPayment
from gpmatching.models import Placement
from territory.models import Commune
from tests.cast import login

pytestmark = pytest.mark.django_db

CORE = ["access", "crisis", "pathways", "prevention"]
SIGNED = dt.date(2025, 1, 15)
ACCESS = "Accès aux soins (médecin traitant, soins non programmés, SAS)"


@pytest.fixture
def contract(cast):
    by = cast.coordinator
    contract = contracts.sign(
        cast.cpts,
        by,
        signed_on=SIGNED,
        missions=CORE,
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE 2022",
    )
    access = contract.missions.get(mission__code="access")
    access.started_on = dt.date(2025, 7, 15)
    access.save()
    contracts.add_mission(contract, by, "quality", dt.date(2026, 2, 1))
    contracts.declare_crisis(contract, by, 3)
    contract.refresh_from_db()
    contracts.compute_schedule(contract, by, "Signature du contrat")
    budget.record_payment(
        contract, by, received_on=dt.date(2025, 2, 3), amount="50000", label="Fonctionnement année 1"
    )
    # Indicators: a computed one (patients placed with a médecin traitant) and an entered one (screening
    # rate).
    placed = indicators.define(
        contract, by, mission="access", name="Patients ayant trouvé un médecin traitant", source="gp_placed"
    )
    indicators.set_steps(placed, by, 1, [StepInput("Socle", "1", "500"), StepInput("Objectif", "3", "1000")])
    belley = Commune.objects.get(insee="01034")
    for cpts, day in [
        (cast.cpts, dt.date(2025, 3, 1)),
        (cast.cpts, dt.date(2025, 6, 1)),
        (cast.cpts, dt.date(2026, 3, 1)),  # year 2
        (cast.other, dt.date(2025, 4, 1)),
    ]:  # another CPTS
        Placement.objects.create(
            cpts=cpts, placed_on=day, commune=belley, source="member", request_reference="(test)"
        )
    screening = indicators.define(
        contract, by, mission="prevention", name="Taux de dépistage du cancer du sein", unit="percent"
    )
    indicators.set_steps(
        screening,
        by,
        1,
        [
            StepInput("Socle", "69,70", "1000"),
            StepInput("Intermédiaire", "72,40", "2500"),
            StepInput("Objectif", "75", "3500"),
        ],
    )
    indicators.record_result(screening, by, 1, "72,5", "Taux CPAM")
    return contract


def url(name: str, slug: str) -> str:
    return reverse(f"api:{name}", kwargs={"slug": slug})


def as_user(client, user):
    login(client, user)
    return client


def test_the_contract_for_the_coordination(client, cast, contract):
    response = as_user(client, cast.coordinator).get(url("aci_contract", cast.cpts.slug))
    assert response.status_code == 200, response.content
    data = response.json()
    missions = {m["code"]: m for m in data.pop("missions")}
    assert data == {
        "signed_on": "2025-01-15",
        "ends_on": "2030-01-14",
        "years": 5,
        "tier": 1,
        "population": 34_086,
        "population_on": "2025-01-01",
        "population_source": "INSEE 2022",
        "grid": {"name": "ACI CPTS 2019 modifié par l'avenant 2", "effective_from": "2022-03-31"},
        "amendments": [
            {
                "signed_on": "2026-02-01",
                "kind": "mission",
                "detail": "Mission ajoutée : Qualité et pertinence des soins",
            },
            # A declared crisis is dated at the start of its contract year.
            {
                "signed_on": "2027-01-15",
                "kind": "crisis",
                "detail": "Crise sanitaire grave déclarée (année 3)",
            },
        ],
        "crisis_declared_years": [3],
    }
    assert list(missions) == ["access", "crisis", "pathways", "prevention", "quality"]
    assert missions["access"] == {
        "code": "access",
        "label": ACCESS,
        "optional": False,
        "from_on": "2025-01-15",
        "started_on": "2025-07-15",
        "deployed_on": None,
        "deadlines": [
            {"kind": "démarrage", "due_on": "2025-07-15", "done_on": "2025-07-15", "state": "fait"},
            # Deployment due 18 months after the signature, not done: late since 16 July 2026.
            {"kind": "déploiement", "due_on": "2026-07-15", "done_on": None, "state": "en retard"},
        ],
    }
    assert missions["quality"]["optional"] is True and missions["quality"]["from_on"] == "2026-02-01"
    assert [d["state"] for d in missions["quality"]["deadlines"]] == ["libre", "libre"]
    assert missions["pathways"]["deadlines"][0]["due_on"] == "2026-01-15"


def test_the_schedule_with_the_payments_received_and_the_gap(client, cast, contract):
    response = as_user(client, cast.referent).get(url("aci_schedule", cast.cpts.slug))
    assert response.status_code == 200, response.content
    data = response.json()
    schedule = contracts.current_schedule(contract)
    assert (
        data["reason"] == "Signature du contrat" and data["grid"] == "ACI CPTS 2019 modifié par l'avenant 2"
    )
    assert data["computed_at"].startswith(timezone.localtime(schedule.computed_at).date().isoformat()[:4])
    rows = list(ExpectedPayment.objects.filter(schedule=schedule).order_by("due_on", "pk"))
    assert len(data["payments"]) == len(rows) > 20
    assert data["payments"][0] == {
        "due_on": "2025-01-15",
        "contract_year": 1,
        "mission": "",
        "part": "operating",
        "label": "Fonctionnement année 1 (à la signature)",
        "amount": "50000.00",
    }
    assert [Decimal(p["amount"]) for p in data["payments"]] == [p.amount for p in rows]
    # The declared crisis of year 3: its variable part (37 500 € at tier 1) is in the schedule, at the 3rd
    # anniversary.
    crisis = [p for p in data["payments"] if p["mission"] == "crisis" and p["part"] == "variable"]
    assert crisis == [
        {
            "due_on": "2028-01-15",
            "contract_year": 3,
            "mission": "crisis",
            "part": "variable",
            "label": "Réponse aux crises sanitaires graves — part variable année 3",
            "amount": "37500.00",
        }
    ]
    assert data["received"] == [
        {"received_on": "2025-02-03", "amount": "50000.00", "label": "Fonctionnement année 1"}
    ]
    today = timezone.localdate()
    expected_to_date = sum(p.amount for p in rows if p.due_on <= today)
    totals = {k: Decimal(v) for k, v in data["totals"].items()}
    assert totals == {
        "expected_total": sum(p.amount for p in rows),
        "expected_to_date": expected_to_date,
        "received_to_date": Decimal(50_000),
        "gap": Decimal(50_000) - expected_to_date,
    }
    assert totals["gap"] < 0  # the access advance (15 July 2025) and the year-1 balances are not received
    assert len(data["months"]) == 61 and data["months"][0] == {
        "month": "2025-01-01",
        "expected": "50000.00",
        "received": "0.00",
    }
    assert data["months"][1]["received"] == "50000.00" and data["months"][-1]["received"] is None


def test_the_indicators_of_a_year(client, cast, contract):
    response = as_user(client, cast.bureau).get(url("aci_indicators", cast.cpts.slug), {"year": 1})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["year"], data["first"], data["last"]) == (1, "2025-01-15", "2026-01-14")
    missions = {m["code"]: m for m in data["missions"]}
    assert list(missions) == ["access", "crisis", "pathways", "prevention", "quality"]
    access = missions["access"]
    assert (access["maximum"], access["earned"], access["attainment"]) == ("25000.00", "500.00", "0.0200")
    placed = access["indicators"][0]
    assert placed == {
        "id": placed["id"],
        "name": "Patients ayant trouvé un médecin traitant",
        "unit": "count",
        "direction": "higher",
        "source": "gp_placed",
        "computed": True,
        "value": "2.00",
        "origin": "calculé",
        "rows_counted": 2,  # two placements of that CPTS in year 1
        "steps": [
            {"label": "Socle", "threshold": "1.00", "amount": "500.00"},
            {"label": "Objectif", "threshold": "3.00", "amount": "1000.00"},
        ],
        "reached_step": "Socle",
        "earned": "500.00",
    }
    prevention = missions["prevention"]
    assert (prevention["maximum"], prevention["earned"], prevention["attainment"]) == (
        "10000.00",
        "2500.00",
        "0.2500",
    )
    screening = prevention["indicators"][0]
    assert (
        screening["value"],
        screening["origin"],
        screening["rows_counted"],
        screening["computed"],
        screening["source"],
        screening["unit"],
    ) == ("72.50", "saisi", None, False, "manual", "percent")
    assert [s["label"] for s in screening["steps"]] == ["Socle", "Intermédiaire", "Objectif"]
    assert (screening["reached_step"], screening["earned"]) == ("Intermédiaire", "2500.00")
    assert missions["pathways"] == {
        "code": "pathways",
        "label": "Parcours pluriprofessionnels",
        "maximum": "25000.00",
        "earned": "0.00",
        "attainment": "0.0000",
        "conditional": False,
        "indicators": [],
    }
    # The crisis variable part is paid only for a declared crisis (year 3 here), not in year 1.
    assert missions["crisis"]["conditional"] is True and missions["crisis"]["maximum"] == "37500.00"
    year3 = client.get(url("aci_indicators", cast.cpts.slug), {"year": 3}).json()
    assert next(m for m in year3["missions"] if m["code"] == "crisis")["conditional"] is False


def test_the_indicators_default_to_the_running_year_and_refuse_a_year_outside_the_contract(
    client, cast, contract
):
    as_user(client, cast.coordinator)
    data = client.get(url("aci_indicators", cast.cpts.slug)).json()
    assert data["year"] == indicators.current_year(contract)
    for year in ("0", "6", "-1"):
        response = client.get(url("aci_indicators", cast.cpts.slug), {"year": year})
        assert response.status_code == 400
        assert response.json() == {"detail": "Année du contrat entre 1 et 5.", "field": "year"}
    response = client.get(url("aci_indicators", cast.cpts.slug), {"year": "deux"})
    assert response.status_code == 422 and response.json()["detail"] == "Requête invalide."


@pytest.mark.parametrize("name", ["aci_contract", "aci_schedule", "aci_indicators"])
def test_who_may_read_the_contract(client, cast, contract, name):
    for who, status in [
        ("coordinator", 200),
        ("bureau", 200),
        ("referent", 200),
        ("member", 403),
        ("partner", 403),
        ("guest", 403),
        ("other_coordinator", 403),
        ("outsider", 403),
    ]:
        c = Client()
        login(c, getattr(cast, who))
        response = c.get(url(name, cast.cpts.slug))
        assert response.status_code == status, (who, response.content[:200])
        if status == 403:
            assert (
                "signed_on" not in response.content.decode() and "payments" not in response.content.decode()
            )
    anonymous = Client().get(url(name, cast.cpts.slug))
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"].startswith("Authentification requise")
    # A bearer token gives what the session gives.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {APIToken.issue(cast.referent)[1]}")
    assert api.get(url(name, cast.cpts.slug)).status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Bearer {APIToken.issue(cast.member)[1]}")
    assert api.get(url(name, cast.cpts.slug)).status_code == 403


@pytest.mark.parametrize("name", ["aci_contract", "aci_schedule", "aci_indicators"])
def test_a_cpts_without_contract_gets_404_and_an_unknown_cpts_too(client, cast, contract, name):
    login(client, cast.other_coordinator)
    response = client.get(url(name, cast.other.slug))
    assert response.status_code == 404
    assert response.json() == {"detail": "Aucun contrat ACI pour cette CPTS."}
    assert client.get(url(name, "cpts-inconnue")).status_code == 404


def test_the_openapi_documents_the_three_operations(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path, out in [
        ("/api/cpts/{slug}/aci/contract", "ContractOut"),
        ("/api/cpts/{slug}/aci/schedule", "ScheduleOut"),
        ("/api/cpts/{slug}/aci/indicators", "IndicatorsYearOut"),
    ]:
        operation = paths[path]["get"]
        assert operation["summary"] and "ACI" in operation["tags"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/" + out
        )
        assert "404" in operation["responses"]
    components = schema["components"]["schemas"]
    assert {"signed_on", "missions", "amendments", "crisis_declared_years"} <= set(
        components["ContractOut"]["properties"]
    )
    assert {"gap", "expected_to_date"} <= set(components["TotalsOut"]["properties"])
    assert {"reached_step", "steps", "rows_counted"} <= set(components["IndicatorOut"]["properties"])
    assert [p["name"] for p in paths["/api/cpts/{slug}/aci/indicators"]["get"]["parameters"]] == [
        "slug",
        "year",
    ]
