"""The ACI cockpit pages (aci/views_cockpit.py) through the Django test client, on the real database:
signature, contract and amendments, schedule and payments, budget and expenses; who sees and who may
change."""

import datetime as dt
import html as html_lib
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aci import contracts
from aci.models import (
    Amendment,
    BudgetLine,
    Contract,
    ContractMission,
    ExpectedPayment,
    Expense,
    ReceivedPayment,
    Schedule,
)
from aci.templatetags.aci_tags import euros
from audit.models import AuditEntry
from cpts.models import CPTS
from tests.cast import login

pytestmark = pytest.mark.django_db

CORE = ["access", "crisis", "pathways", "prevention"]
SIGNED = dt.date(2025, 1, 15)


def url(cast, name, *args, cpts=None):
    return reverse(f"aci:{name}", args=[(cpts or cast.cpts).slug, *args])


def signed(cast, cpts=None, by=None):
    contract = contracts.sign(
        cpts or cast.cpts,
        by or cast.coordinator,
        signed_on=SIGNED,
        missions=CORE,
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    contracts.compute_schedule(contract, by or cast.coordinator, "Signature du contrat")
    return contract


def text(response) -> str:
    """The page with its entities decoded (« n&#x27;a » reads « n'a »)."""
    return html_lib.unescape(response.content.decode())


def plain(html: str) -> str:
    """Spaces of every kind removed: figures compare whatever their separators."""
    return re.sub(r"[\s\u202f\u00a0]", "", html)


def post_forms(html: str) -> list[str]:
    """The POST forms of a page, the logout form of the header left out."""
    logout = reverse("accounts:logout")
    return [f for f in re.findall(r"<form[^>]*method=\"post\"[^>]*>", html) if logout not in f]


def test_signing_through_the_page_creates_the_contract_and_its_schedule(client, cast):
    login(client, cast.coordinator)
    html = text(client.get(url(cast, "cockpit")))
    assert "Aucun contrat ACI enregistré" in html and url(cast, "sign") in html and "/aci/simulateur/" in html
    page = client.get(url(cast, "sign"))
    assert page.status_code == 200
    html = text(page)
    # Core missions shown checked and disabled; optional ones to opt in; the territory's population prefilled.
    assert re.search(r'id="core_access" checked disabled', html)
    assert 'name="optional" value="quality"' in html and 'name="optional" value="crisis"' not in html
    assert page.context["form"]["population"].value() == contracts.territory_population(cast.cpts)[0] > 0
    response = client.post(
        url(cast, "sign"),
        {
            "signed_on": "2025-01-15",
            "optional": ["quality"],
            "population": "34086",
            "population_on": "2025-01-01",
            "population_source": "INSEE 2022",
        },
    )
    assert response.status_code == 302 and response["Location"] == url(cast, "cockpit")
    contract = Contract.objects.get(cpts=cast.cpts)
    assert (contract.signed_on, contract.tier, contract.population, contract.population_source) == (
        SIGNED,
        1,
        34_086,
        "INSEE 2022",
    )
    assert sorted(contract.missions.values_list("mission__code", flat=True)) == sorted([*CORE, "quality"])
    schedule = Schedule.objects.get(contract=contract)
    assert schedule.reason == "Signature du contrat" and schedule.superseded_at is None
    first = schedule.payments.order_by("due_on", "pk").first()
    assert (first.due_on, first.amount) == (SIGNED, Decimal("50000.00"))  # fonctionnement year 1, tier 1

    dashboard = client.get(url(cast, "cockpit"))
    html = text(dashboard)
    assert dashboard.status_code == 200
    assert (
        "15/01/2025" in html and "Taille 1" in html and "34086habitantsau01/01/2025(INSEE2022)" in plain(html)
    )
    # Deadlines: every mission's start and deployment; at today's date (after 2026) the core starts are late.
    assert html.count('class="deadline ') == 2 * 5
    assert 'data-testid="deadline-warning"' in html and "échéance dépassée" in html
    assert (
        'id="money-chart"' in html and 'data-chart="line"' in html and "Versements cumulés par mois" in html
    )
    assert url(cast, "contract") in html and url(cast, "report") in html  # the cockpit's sub-navigation
    # A second signature is an amendment: the page sends to the contract.
    again = client.get(url(cast, "sign"))
    assert again.status_code == 302 and again["Location"] == url(cast, "contract")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"signed_on": "2019-06-01"}, "précède la création de la CPTS (01/03/2020)"),
        ({"population": "0"}, "La population couverte doit être positive."),
        ({"signed_on": "2025-02-30"}, "Saisissez une date valide."),
    ],
)
def test_a_bad_signature_is_explained_in_french_and_saves_nothing(client, cast, data, message):
    CPTS.objects.filter(pk=cast.cpts.pk).update(founded_on=dt.date(2020, 3, 1))
    login(client, cast.coordinator)
    form = {
        "signed_on": "2025-01-15",
        "optional": ["support"],
        "population": "34086",
        "population_on": "2025-01-01",
        "population_source": "Recensement à garder",
    }
    form.update(data)
    response = client.post(url(cast, "sign"), form)
    html = text(response)
    assert response.status_code == 200 and message in html and 'role="alert"' in html
    assert 'value="Recensement à garder"' in html  # what was typed stays
    assert re.search(r'name="optional" value="support" checked', html)
    assert not Contract.objects.exists() and not Schedule.objects.exists()


def test_pages_other_than_the_dashboard_need_a_contract(client, cast):
    login(client, cast.coordinator)
    for name in ("contract", "schedule", "budget", "expenses", "expenses_import"):
        response = client.get(url(cast, name))
        assert response.status_code == 302 and response["Location"] == url(cast, "cockpit"), name


def test_a_referent_sees_everything_read_only_and_may_change_nothing(client, cast):
    contract = signed(cast)
    expense = Expense.objects.create(
        contract=contract,
        spent_on=dt.date(2025, 3, 1),
        category="tools",
        label="Logiciel",
        amount=Decimal("100"),
    )
    login(client, cast.referent)
    for name in ("cockpit", "contract", "schedule", "budget", "expenses"):
        response = client.get(url(cast, name))
        assert response.status_code == 200, name
        assert post_forms(text(response)) == [], name
    assert "Contrat ACI" in text(client.get(url(cast, "cockpit")))  # the main navigation's link
    cm = contract.missions.get(mission__code="access")
    posts = [
        ("sign", (), {"signed_on": "2025-01-15", "population": "1000"}),
        ("mission_dates", (cm.pk,), {f"m{cm.pk}-started_on": "2025-03-01"}),
        ("amend", (), {"kind": "crisis", "crisis-year": "1"}),
        ("recompute", (), {"reason": "Essai"}),
        ("payments", (), {"received_on": "2025-02-01", "amount": "1000", "label": "Avance"}),
        ("budget", (), {"annee": "1", "b-access-staff": "1000"}),
        ("expenses", (), {"spent_on": "2025-02-01", "category": "tools", "label": "X", "amount": "10"}),
        ("expense_delete", (expense.pk,), {}),
        ("expenses_import", (), {}),
    ]
    for name, args, data in posts:
        assert client.post(url(cast, name, *args), data).status_code == 403, name
    assert client.get(url(cast, "expenses_import")).status_code == 403
    contract.refresh_from_db()
    cm.refresh_from_db()
    assert cm.started_on is None and contract.crisis_declared_years == [] and not contract.amendments.exists()
    assert (
        Schedule.objects.count() == 1
        and not ReceivedPayment.objects.exists()
        and not BudgetLine.objects.exists()
    )
    assert list(Expense.objects.values_list("pk", flat=True)) == [expense.pk]


def test_a_member_gets_403(client, cast):
    signed(cast)
    login(client, cast.member)
    for name in ("cockpit", "contract", "schedule", "budget", "expenses"):
        assert client.get(url(cast, name)).status_code == 403, name
    assert "Contrat ACI" not in text(client.get(reverse("cpts:home", args=[cast.cpts.slug])))


def test_mission_dates_are_saved_and_bad_ones_refused(client, cast):
    contract = signed(cast)
    cm = contract.missions.get(mission__code="access")
    login(client, cast.coordinator)
    p = f"m{cm.pk}-"
    response = client.post(
        url(cast, "mission_dates", cm.pk), {p + "started_on": "2025-05-02", p + "deployed_on": ""}
    )
    assert response.status_code == 302
    cm.refresh_from_db()
    assert (cm.started_on, cm.deployed_on) == (dt.date(2025, 5, 2), None)
    html = text(client.get(response["Location"]))
    assert "démarrée le 02/05/2025" in html and "recalculez-le explicitement" in html

    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    for data, message in [
        ({p + "started_on": "2025-01-10"}, "ne peut pas précéder son entrée au contrat (15/01/2025)"),
        (
            {p + "started_on": "2025-05-02", p + "deployed_on": "2025-04-01"},
            "ne peut pas précéder le démarrage",
        ),
        ({p + "started_on": tomorrow}, "est dans le futur"),
        ({p + "deployed_on": "2025-06-01"}, "Indiquez aussi la date de démarrage"),
    ]:
        response = client.post(url(cast, "mission_dates", cm.pk), data)
        assert response.status_code == 200 and message in text(response), data
        cm.refresh_from_db()
        assert (cm.started_on, cm.deployed_on) == (dt.date(2025, 5, 2), None)
    other = signed(cast, cast.other, cast.other_coordinator).missions.first()
    assert client.post(url(cast, "mission_dates", other.pk), {}).status_code == 404


def test_an_amendment_is_history_and_the_schedule_waits_for_an_explicit_recompute(client, cast):
    contract = signed(cast)
    first = Schedule.objects.get(contract=contract)
    expected = list(first.payments.values_list("pk", "amount"))
    login(client, cast.coordinator)
    response = client.post(
        url(cast, "amend"), {"kind": "mission", "mission-mission": "quality", "mission-on": "2026-02-01"}
    )
    assert response.status_code == 302
    assert ContractMission.objects.filter(
        contract=contract, mission__code="quality", from_on=dt.date(2026, 2, 1)
    ).exists()
    page = client.get(url(cast, "contract"))
    html = text(page)
    assert "Mission ajoutée : Qualité et pertinence des soins" in html and "01/02/2026" in html
    assert "recalculez-le explicitement" in html and 'data-testid="stale-schedule"' in html
    # The schedule did not move.
    assert list(Schedule.objects.filter(contract=contract).values_list("pk", flat=True)) == [first.pk]
    assert list(first.payments.values_list("pk", "amount")) == expected
    assert not ExpectedPayment.objects.filter(mission="quality").exists()
    # A bad amendment: the mission is already there.
    again = client.post(
        url(cast, "amend"), {"kind": "mission", "mission-mission": "quality", "mission-on": "2026-03-01"}
    )
    assert again.status_code == 200 and "Sélectionnez un choix valide" in text(again)
    crisis = client.post(url(cast, "amend"), {"kind": "crisis", "crisis-year": "9"})
    assert crisis.status_code == 200 and "Sélectionnez un choix valide" in text(crisis)
    tier = client.post(url(cast, "amend"), {"kind": "tier", "tier-population": "0", "tier-on": "2026-02-01"})
    assert "La population couverte doit être positive." in text(tier)
    assert Amendment.objects.filter(contract=contract).count() == 1

    # Recompute: a reason is required; then the old schedule stays, superseded.
    refused = client.post(url(cast, "recompute"), {"reason": "  "})
    assert refused.status_code == 200 and "Ce champ est obligatoire." in text(refused)
    assert Schedule.objects.filter(contract=contract).count() == 1
    response = client.post(url(cast, "recompute"), {"reason": "Avenant : mission qualité"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.superseded_at is not None
    current = contracts.current_schedule(contract)
    assert current.pk != first.pk and current.reason == "Avenant : mission qualité"
    assert current.payments.filter(mission="quality").exists()
    html = text(client.get(url(cast, "schedule")))
    assert (
        "Avenant : mission qualité" in html
        and 'data-testid="history"' in html
        and "Signature du contrat" in html
    )
    assert 'data-testid="stale-schedule"' not in html


def test_a_payment_received_is_recorded_and_the_gap_shown(client, cast):
    contract = signed(cast)
    login(client, cast.coordinator)
    assert client.get(url(cast, "payments"))["Location"] == url(cast, "schedule") + "#versements"
    response = client.post(
        url(cast, "payments"),
        {"received_on": "2025-02-03", "amount": "50 000", "label": "Fonctionnement année 1"},
    )
    assert response.status_code == 302
    payment = ReceivedPayment.objects.get(contract=contract)
    assert (payment.received_on, payment.amount, payment.recorded_by) == (
        dt.date(2025, 2, 3),
        Decimal("50000"),
        cast.coordinator,
    )
    html = text(client.get(url(cast, "schedule")))
    today = timezone.localdate()
    due = sum(p.amount for p in contracts.current_schedule(contract).payments.all() if p.due_on <= today)
    assert due > Decimal("50000")
    received = re.search(r'data-testid="received-to-date">([^<]+)<', html).group(1)
    gap = re.search(r'data-testid="gap">([^<]+)<', html).group(1)
    assert received == "50\u202f000\u00a0€" and gap == euros(Decimal("50000") - due) and gap.startswith("-")
    assert "Fonctionnement année 1" in html and "03/02/2025" in html
    # Year 1's line: what fell due in year 1 against the 50 000 € received.
    due_year1 = sum(
        p.amount
        for p in contracts.current_schedule(contract).payments.all()
        if SIGNED <= p.due_on < dt.date(2026, 1, 15)
    )
    assert plain(
        f'{euros(due_year1)}</td><tdclass="num">50000€</td><tdclass="num"><strong>'
        f"{euros(Decimal('50000') - due_year1)}"
    ) in plain(html)

    refused = client.post(
        url(cast, "payments"),
        {
            "received_on": (today + dt.timedelta(days=3)).isoformat(),
            "amount": "12,5",
            "label": "Avance à venir",
        },
    )
    assert refused.status_code == 200 and "est dans le futur" in text(refused)
    assert 'value="Avance à venir"' in text(refused)
    bad = client.post(url(cast, "payments"), {"received_on": "2025-03-01", "amount": "douze", "label": "X"})
    assert "n'est pas un montant en euros" in text(bad)
    assert ReceivedPayment.objects.count() == 1


def test_budget_lines_are_saved_all_or_nothing(client, cast):
    contract = signed(cast)
    login(client, cast.coordinator)
    page = client.get(url(cast, "budget") + "?annee=2")
    assert (
        page.status_code == 200
        and 'name="b-access-staff"' in text(page)
        and 'name="b-fonctionnement-tools"' in text(page)
    )
    response = client.post(
        url(cast, "budget"),
        {
            "annee": "2",
            "b-access-staff": "12 000",
            "b-fonctionnement-tools": "1 500,50",
            "b-prevention-events": "",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?annee=2")
    lines = {
        (b.contract_year, b.mission, b.category): b.amount
        for b in BudgetLine.objects.filter(contract=contract)
    }
    assert lines == {(2, "access", "staff"): Decimal("12000"), (2, "", "tools"): Decimal("1500.50")}
    html = text(client.get(response["Location"]))
    planned = re.search(r'data-testid="planned">([^<]+)<', html).group(1)
    assert planned == "13\u202f500,50\u00a0€" and 'value="12000"' in html and 'value="1500,50"' in html
    assert 'id="budget-chart"' in html
    # The same grid sent again rewrites nothing (no audit entry for unchanged lines).
    writes = AuditEntry.objects.filter(object_type="aci.budgetline").count()
    again = client.post(
        url(cast, "budget"),
        {
            "annee": "2",
            "b-access-staff": "12000",
            "b-fonctionnement-tools": "1500,50",
            "b-prevention-events": "",
        },
    )
    assert (
        again.status_code == 302
        and AuditEntry.objects.filter(object_type="aci.budgetline").count() == writes > 0
    )
    # One bad cell: nothing saved, the typed values kept.
    refused = client.post(
        url(cast, "budget"), {"annee": "2", "b-access-staff": "9 000", "b-crisis-tools": "-5"}
    )
    html = text(refused)
    assert refused.status_code == 200 and "ne peut pas être négatif" in html and 'value="9 000"' in html
    assert BudgetLine.objects.get(contract=contract, mission="access").amount == Decimal("12000")


def test_an_expense_is_added_listed_filtered_and_deleted(client, cast):
    contract = signed(cast)
    login(client, cast.coordinator)
    response = client.post(
        url(cast, "expenses"),
        {
            "spent_on": "2025-03-10",
            "mission": "access",
            "category": "staff",
            "label": "Salaire mars",
            "amount": "2 850,00",
            "supplier": "",
        },
    )
    assert response.status_code == 302
    expense = Expense.objects.get(contract=contract)
    assert (expense.amount, expense.mission, expense.category) == (Decimal("2850"), "access", "staff")
    Expense.objects.create(
        contract=contract,
        spent_on=dt.date(2026, 2, 1),
        category="tools",
        label="Logiciel",
        amount=Decimal("120"),
    )
    html = text(client.get(url(cast, "expenses")))
    assert "Salaire mars" in html and "Logiciel" in html
    total = re.sub(r"<[^>]+>", "", re.search(r'data-testid="expenses-total">(.*?)</p>', html, re.S).group(1))
    assert plain(total).startswith("2dépenses,total2970€")
    html = text(client.get(url(cast, "expenses"), {"annee": "1"}))
    assert "Salaire mars" in html and "Logiciel" not in html
    html = text(client.get(url(cast, "expenses"), {"mission": "fonctionnement"}))
    assert "Salaire mars" not in html and "Logiciel" in html

    refused = client.post(
        url(cast, "expenses"),
        {
            "spent_on": "2024-12-01",
            "mission": "",
            "category": "tools",
            "label": "Avant le contrat",
            "amount": "10",
        },
    )
    assert refused.status_code == 200 and "précède la signature du contrat" in text(refused)
    assert 'value="Avant le contrat"' in text(refused) and Expense.objects.count() == 2

    other = Expense.objects.create(
        contract=signed(cast, cast.other, cast.other_coordinator),
        category="tools",
        spent_on=dt.date(2025, 3, 1),
        label="Ailleurs",
        amount=Decimal("5"),
    )
    assert client.post(url(cast, "expense_delete", other.pk)).status_code == 404
    response = client.post(url(cast, "expense_delete", expense.pk), {"next": "annee=1"})
    assert response.status_code == 302 and response["Location"] == url(cast, "expenses") + "?annee=1"
    assert not Expense.objects.filter(pk=expense.pk).exists() and Expense.objects.filter(pk=other.pk).exists()


def csv_upload(content: str, name="depenses.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def test_a_csv_import_saves_every_line_or_nothing(client, cast):
    contract = signed(cast)
    login(client, cast.coordinator)
    page = client.get(url(cast, "expenses_import"))
    assert page.status_code == 200 and "date;mission;categorie;libelle;montant" in text(page)
    template = client.get(url(cast, "expenses_import"), {"modele": "1"})
    assert (
        template["Content-Type"].startswith("text/csv")
        and b"date;mission;categorie;libelle;montant" in template.content
    )

    wrong = client.post(url(cast, "expenses_import"), {"file": csv_upload("jour;montant\n01/03/2025;10\n")})
    html = text(wrong)
    assert wrong.status_code == 200 and "colonnes manquantes : date, mission, categorie, libelle" in html
    assert "colonnes inconnues : jour" in html and 'data-testid="import-errors"' in html
    bad_line = client.post(
        url(cast, "expenses_import"),
        {
            "file": csv_upload(
                "date;mission;categorie;libelle;montant\n01/03/2025;access;staff;Salaire;2000\n32/13/2025;access;staff;X;1\n"
            )
        },
    )
    html = text(bad_line)
    assert "Ligne 3 : date « 32/13/2025 » illisible" in html and "rien n'a été enregistré" in html
    assert not Expense.objects.exists()

    good = client.post(
        url(cast, "expenses_import"),
        {
            "file": csv_upload(
                "date;mission;categorie;libelle;montant;fournisseur\n"
                "01/03/2025;fonctionnement;Communication;Affiches;320,50;Imprimerie\n"
                "2025-04-02;access;staff;Salaire avril;2 850;\n"
            )
        },
    )
    assert good.status_code == 302
    assert "2 dépenses importées." in text(client.get(good["Location"]))
    assert sorted(
        Expense.objects.filter(contract=contract, imported=True).values_list("label", "amount")
    ) == [("Affiches", Decimal("320.50")), ("Salaire avril", Decimal("2850"))]


def test_the_csv_export_of_expenses_is_audited_and_can_be_imported_again(client, cast):
    contract = signed(cast)
    Expense.objects.create(
        contract=contract,
        spent_on=dt.date(2025, 3, 1),
        mission="access",
        category="tools",
        label="=SOMME(A1:A3)",
        amount=Decimal("1234.5"),
        supplier="Éditeur",
    )
    Expense.objects.create(
        contract=contract, spent_on=dt.date(2026, 3, 1), category="events", label="AG", amount=Decimal("300")
    )
    login(client, cast.referent)
    response = client.get(url(cast, "expenses"), {"format": "csv", "annee": "1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig").splitlines()
    assert body[0] == "date;mission;categorie;libelle;montant;fournisseur"
    assert body[1:] == [
        "01/03/2025;Accès aux soins (médecin traitant, soins non programmés, SAS);Outils et systèmes "
        "d'information;'=SOMME(A1:A3);1234,50;Éditeur"
    ]
    entry = AuditEntry.objects.get(action="export", object_type="aci.expense", cpts_id=cast.cpts.pk)
    assert entry.actor_id == cast.referent.pk and entry.details["lignes"] == 1 and entry.details["annee"] == 1
