"""The money of the contract (aci.budget): amounts typed the French way, payments received against the
schedule and the gap, the planned budget, expenses one by one or imported from a CSV (all lines or nothing),
income against expenses per contract year."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aci import budget, contracts
from aci.models import BudgetLine, Expense, ReceivedPayment
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db

CORE = ["access", "crisis", "pathways", "prevention"]
SIGNED = dt.date(2025, 1, 15)


@pytest.fixture
def contract(cast):
    contract = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=SIGNED,
        missions=CORE,
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    access = contract.missions.get(mission__code="access")
    access.started_on = dt.date(2025, 7, 15)
    access.save()
    contracts.compute_schedule(contract, cast.coordinator, "Signature du contrat")
    return contract


# --- money --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, value",
    [
        ("1 234,56", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("1\u202f234,56 €", Decimal("1234.56")),
        ("1234.5", Decimal("1234.50")),
        ("12", Decimal(12)),
        (Decimal("7.25"), Decimal("7.25")),
    ],
)
def test_money_reads_amounts_typed_the_french_way(typed, value):
    assert budget.money(typed) == value


@pytest.mark.parametrize(
    "typed, kw, message",
    [
        ("abc", {}, "Le montant « abc » n'est pas un montant en euros."),
        ("-5", {}, "Le montant doit être positif."),
        ("-5", {"positive": False}, "Le montant ne peut pas être négatif."),
        ("0", {}, "Le montant doit être positif."),
        ("12,345", {}, "Le montant a plus de deux décimales."),
        ("NaN", {}, "Le montant « NaN » n'est pas un montant en euros."),
        ("100000000", {}, "Le montant est trop élevé."),
    ],
)
def test_money_refuses_in_french(typed, kw, message):
    with pytest.raises(ActionError) as refused:
        budget.money(typed, **kw)
    assert refused.value.message == message and refused.value.field == "amount"


def test_money_accepts_zero_when_not_required_positive():
    assert budget.money("0", positive=False) == Decimal(0)


# --- payments received and the gap --------------------------------------------------------------------------


def test_a_payment_is_recorded_with_its_label(cast, contract):
    payment = budget.record_payment(
        contract,
        cast.coordinator,
        received_on=dt.date(2025, 2, 3),
        amount="50 000",
        label="  Fonctionnement   année 1 ",
    )
    assert (payment.amount, payment.label, payment.recorded_by) == (
        Decimal(50_000),
        "Fonctionnement année 1",
        cast.coordinator,
    )


@pytest.mark.parametrize(
    "kw, message, field",
    [
        (
            {"received_on": dt.date(2025, 1, 14)},
            "Le 14/01/2025 précède la signature du contrat (15/01/2025).",
            "received_on",
        ),
        ({"received_on": "tomorrow"}, "est dans le futur.", "received_on"),
        ({"amount": "0"}, "Le montant doit être positif.", "amount"),
        ({"amount": "-100"}, "Le montant doit être positif.", "amount"),
        ({"label": "  "}, "Indiquez l'objet du versement", "label"),
    ],
)
def test_bad_payments_are_refused_and_nothing_is_saved(cast, contract, kw, message, field):
    args = {"received_on": dt.date(2025, 2, 3), "amount": "1000", "label": "Versement"}
    args.update(kw)
    if args["received_on"] == "tomorrow":
        args["received_on"] = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ActionError) as refused:
        budget.record_payment(contract, cast.coordinator, **args)
    assert message in refused.value.message and refused.value.field == field
    assert not ReceivedPayment.objects.exists()


def test_money_position_compares_expected_and_received_to_date(cast, contract):
    today = dt.date(2026, 2, 1)  # after the first anniversary (15 January 2026)
    schedule = contracts.current_schedule(contract)
    due = [p for p in schedule.payments.all() if p.due_on <= today]
    expected_to_date = sum(p.amount for p in due)
    # At signature 50 000 of fonctionnement; 15 July 2025 the access advance; 15 January 2026 the year-1
    # balances, the year-1 variable parts (100 % while no result is in) and the year-2 advances.
    assert {p.due_on for p in due} == {SIGNED, dt.date(2025, 7, 15), dt.date(2026, 1, 15)}
    budget.record_payment(
        contract,
        cast.coordinator,
        received_on=dt.date(2025, 2, 3),
        amount="50000",
        label="Fonctionnement année 1",
    )
    budget.record_payment(
        contract,
        cast.coordinator,
        received_on=dt.date(2025, 8, 1),
        amount="20000",
        label="Avance accès aux soins",
    )
    budget.record_payment(
        contract,
        cast.coordinator,
        received_on=dt.date(2026, 3, 1),
        amount="1000",
        label="Reçu après la date du calcul",
    )
    money = budget.money_position(contract, today)
    assert money.expected_total == sum(p.amount for p in schedule.payments.all())
    assert money.expected_to_date == expected_to_date
    assert money.received_to_date == Decimal(70_000)
    assert money.gap == Decimal(70_000) - expected_to_date and money.gap < 0
    assert money.next_payments and all(p.due_on > today for p in money.next_payments)
    assert len(money.next_payments) <= 6
    # One point a month from the month of the signature to the end of the contract: 5 × 12 months + 1.
    assert len(money.series) == contract.years * 12 + 1
    assert money.series[0].month == dt.date(2025, 1, 1) and money.series[-1].month == dt.date(2030, 1, 1)
    expected = [p.expected for p in money.series]
    assert expected == sorted(expected) and expected[-1] == money.expected_total
    assert money.series[0].expected == Decimal(50_000)
    received = [(p.month, p.received) for p in money.series]
    assert dict(received)[dt.date(2025, 1, 1)] == 0
    assert dict(received)[dt.date(2025, 2, 1)] == Decimal(50_000)
    assert dict(received)[dt.date(2026, 2, 1)] == Decimal(70_000)  # the month of ``today``: counted
    assert all(r is None for m, r in received if m > today)
    past = [r for m, r in received if m <= today]
    assert past == sorted(past)


def test_money_position_when_the_payments_are_ahead(cast, contract):
    budget.record_payment(contract, cast.coordinator, received_on=SIGNED, amount="60000", label="Trop-perçu")
    money = budget.money_position(contract, SIGNED)
    assert money.expected_to_date == Decimal(50_000) and money.gap == Decimal(10_000)


# --- budget lines -------------------------------------------------------------------------------------------


def test_a_budget_line_is_set_changed_and_deleted_by_zero(cast, contract):
    line = budget.set_budget_line(
        contract, cast.coordinator, year=1, mission="access", category="staff", amount="30 000"
    )
    assert (line.contract_year, line.mission, line.category, line.amount) == (
        1,
        "access",
        "staff",
        Decimal(30_000),
    )
    budget.set_budget_line(
        contract, cast.coordinator, year=1, mission="access", category="staff", amount="32 500,50"
    )
    assert BudgetLine.objects.get().amount == Decimal("32500.50")
    assert (
        budget.set_budget_line(
            contract, cast.coordinator, year=1, mission="access", category="staff", amount="0"
        )
        is None
    )
    assert not BudgetLine.objects.exists()


@pytest.mark.parametrize(
    "kw, message, field",
    [
        ({"category": "cars"}, "Catégorie de dépense inconnue.", "category"),
        ({"mission": "quality"}, "Cette mission n'est pas au contrat.", "mission"),
        ({"year": 6}, "Année du contrat entre 1 et 5.", "contract_year"),
        ({"amount": "-1"}, "Le montant prévu ne peut pas être négatif.", "amount"),
    ],
)
def test_bad_budget_lines_are_refused(cast, contract, kw, message, field):
    args = {"year": 1, "mission": "", "category": "staff", "amount": "1000"}
    args.update(kw)
    with pytest.raises(ActionError) as refused:
        budget.set_budget_line(contract, cast.coordinator, **args)
    assert (refused.value.message, refused.value.field) == (message, field)
    assert not BudgetLine.objects.exists()


# --- expenses -----------------------------------------------------------------------------------------------


def test_an_expense_is_recorded_and_a_bad_one_refused(cast, contract):
    expense = budget.record_expense(
        contract,
        cast.coordinator,
        spent_on=dt.date(2025, 3, 10),
        mission="pathways",
        category="events",
        label=" Soirée   parcours ",
        amount="1 250,00",
        supplier="  Salle des fêtes ",
    )
    assert (
        expense.mission,
        expense.category,
        expense.label,
        expense.amount,
        expense.supplier,
        expense.imported,
    ) == ("pathways", "events", "Soirée parcours", Decimal(1250), "Salle des fêtes", False)
    for kw, message in [
        ({"mission": "support"}, "Cette mission n'est pas au contrat."),
        ({"category": "x"}, "Catégorie de dépense inconnue."),
        ({"label": ""}, "Indiquez le libellé de la dépense."),
        ({"spent_on": dt.date(2024, 12, 31)}, "précède la signature du contrat"),
        ({"amount": "abc"}, "n'est pas un montant en euros"),
    ]:
        args = {
            "spent_on": dt.date(2025, 3, 10),
            "mission": "",
            "category": "tools",
            "label": "Logiciel",
            "amount": "100",
        }
        args.update(kw)
        with pytest.raises(ActionError, match=message):
            budget.record_expense(contract, cast.coordinator, **args)
    assert Expense.objects.count() == 1
    budget.delete_expense(expense)
    assert not Expense.objects.exists()


GOOD_CSV = (
    "Date;Mission;Catégorie;Libellé;Montant;Fournisseur\n"
    "15/03/2025;fonctionnement;staff;Salaire coordinatrice mars;3 200,00;URSSAF\n"
    "2025-04-02;parcours;événements;Soirée parcours plaies;1.234,56;Salle des fêtes\n"
    "10/05/2025;;locaux;Loyer du bureau;450;\n"
    "\n"
    "20/06/2025;access;Indemnisation;Régulateurs SNP juin;800,5;Médecins\n"
)


def test_a_good_file_with_semicolons_is_imported_with_missions_and_categories_by_word(cast, contract):
    saved = budget.import_expenses(contract, cast.coordinator, "depenses.csv", GOOD_CSV.encode())
    assert len(saved) == 4
    rows = list(
        Expense.objects.order_by("spent_on").values_list(
            "spent_on", "mission", "category", "label", "amount", "supplier", "imported"
        )
    )
    assert rows == [
        (dt.date(2025, 3, 15), "", "staff", "Salaire coordinatrice mars", Decimal("3200.00"), "URSSAF", True),
        (
            dt.date(2025, 4, 2),
            "pathways",
            "events",
            "Soirée parcours plaies",
            Decimal("1234.56"),
            "Salle des fêtes",
            True,
        ),
        (dt.date(2025, 5, 10), "", "premises", "Loyer du bureau", Decimal(450), "", True),
        (
            dt.date(2025, 6, 20),
            "access",
            "indemnities",
            "Régulateurs SNP juin",
            Decimal("800.50"),
            "Médecins",
            True,
        ),
    ]


def test_a_good_file_with_commas_in_windows_1252_is_imported(cast, contract):
    text = (
        "date,mission,categorie,libelle,montant\n"
        '15/03/2025,Prévention,communication,Affiches « dépistage » été,"1 234,56"\n'
        "16/03/2025,crise,autres,Matériel de crise,99.90\n"
    )
    saved = budget.import_expenses(contract, cast.coordinator, "depenses.csv", text.encode("cp1252"))
    assert [(e.mission, e.category, e.label, e.amount) for e in saved] == [
        ("prevention", "communication", "Affiches « dépistage » été", Decimal("1234.56")),
        ("crisis", "other", "Matériel de crise", Decimal("99.90")),
    ]
    assert Expense.objects.count() == 2


@pytest.mark.parametrize(
    "header, missing, unknown",
    [
        ("date;mission;categorie;libelle", ["montant"], []),
        ("date;mission;categorie;libelle;montant;compte", [], ["compte"]),
        ("jour;mission;type;libelle;montant", ["date", "categorie"], ["jour", "type"]),
    ],
)
def test_a_wrong_header_is_refused_listing_the_columns_and_nothing_is_saved(
    cast, contract, header, missing, unknown
):
    content = (header + "\n15/03/2025;;staff;Salaire;100;x\n").encode()
    with pytest.raises(budget.ImportRefused) as refused:
        budget.import_expenses(contract, cast.coordinator, "depenses.csv", content)
    message = refused.value.message
    assert message.startswith("En-tête incorrect")
    if missing:
        assert "colonnes manquantes : " + ", ".join(missing) in message
    if unknown:
        assert "colonnes inconnues : " + ", ".join(unknown) in message
    assert refused.value.errors[0][0] == 1
    assert not Expense.objects.exists()


def test_one_bad_line_among_good_ones_refuses_the_whole_file_with_its_line_number(cast, contract):
    content = (
        GOOD_CSV + "31/13/2025;cardiologie;voyages;;12,345\n01/01/2025;;staff;Avant la signature;10\n"
    ).encode()
    with pytest.raises(budget.ImportRefused) as refused:
        budget.import_expenses(contract, cast.coordinator, "depenses.csv", content)
    assert refused.value.message.startswith("2 lignes en erreur : rien n'a été enregistré.")
    errors = dict(refused.value.errors)
    assert list(errors) == [7, 8]  # the header is line 1, the blank line 5 counts
    assert "date « 31/13/2025 » illisible" in errors[7]
    assert "mission « cardiologie » inconnue au contrat" in errors[7]
    assert "catégorie « voyages » inconnue" in errors[7] and "libellé vide" in errors[7]
    assert "plus de deux décimales" in errors[7]
    assert "précède la signature du contrat" in errors[8]
    assert not Expense.objects.exists()


def test_an_empty_or_binary_file_is_refused(cast, contract):
    with pytest.raises(ActionError, match="Le fichier est vide."):
        budget.import_expenses(contract, cast.coordinator, "vide.csv", b"")
    with pytest.raises(ActionError, match="aucune dépense"):
        budget.import_expenses(
            contract, cast.coordinator, "vide.csv", b"date;mission;categorie;libelle;montant\n"
        )
    with pytest.raises(ActionError, match="contenu binaire"):
        budget.import_expenses(contract, cast.coordinator, "x.csv", b"%PDF\x00\x01")
    assert not Expense.objects.exists()


# --- year money ---------------------------------------------------------------------------------------------


def test_year_money_compares_planned_and_spent_and_counts_received_within_the_year(cast, contract):
    by = cast.coordinator
    budget.set_budget_line(contract, by, year=1, mission="", category="staff", amount="40000")
    budget.set_budget_line(contract, by, year=1, mission="access", category="staff", amount="20000")
    budget.set_budget_line(contract, by, year=1, mission="access", category="indemnities", amount="5000")
    budget.set_budget_line(contract, by, year=2, mission="pathways", category="events", amount="9999")
    for day, mission, category, amount in [
        (dt.date(2025, 2, 1), "", "staff", "3000"),
        (dt.date(2025, 9, 1), "access", "staff", "2500,50"),
        (dt.date(2026, 1, 14), "access", "tools", "700"),  # last day of year 1
        (dt.date(2026, 1, 15), "pathways", "events", "800"),
    ]:  # year 2
        budget.record_expense(
            contract, by, spent_on=day, mission=mission, category=category, label="Dépense", amount=amount
        )
    for day, amount in [(SIGNED, "50000"), (dt.date(2026, 1, 14), "1000"), (dt.date(2026, 1, 15), "37500")]:
        budget.record_payment(contract, by, received_on=day, amount=amount, label="Versement")
    year = budget.year_money(contract, 1)
    assert (year.first, year.last) == (SIGNED, dt.date(2026, 1, 14))
    assert year.received == Decimal(51_000)  # the payment of 15 January 2026 belongs to year 2
    assert year.planned == Decimal(65_000) and year.spent == Decimal("6200.50")
    assert year.balance == Decimal(51_000) - Decimal("6200.50")
    schedule = contracts.current_schedule(contract)
    assert year.expected == sum(p.amount for p in schedule.payments.filter(contract_year=1))
    assert year.by_category == [
        ("Équipe de coordination (salaires, charges)", Decimal(60_000), Decimal("5500.50")),
        ("Indemnisation des professionnels", Decimal(5000), Decimal(0)),
        ("Outils et systèmes d'information", Decimal(0), Decimal(700)),
    ]
    assert year.by_mission == [
        ("Fonctionnement (association, coordination)", Decimal(40_000), Decimal(3000)),
        (
            "Accès aux soins (médecin traitant, soins non programmés, SAS)",
            Decimal(25_000),
            Decimal("3200.50"),
        ),
    ]
    year2 = budget.year_money(contract, 2)
    assert (year2.received, year2.planned, year2.spent) == (Decimal(37_500), Decimal(9999), Decimal(800))
    assert year2.by_mission == [("Parcours pluriprofessionnels", Decimal(9999), Decimal(800))]


def test_mission_choices_list_fonctionnement_then_the_contract_missions(contract):
    assert [code for code, _ in budget.mission_choices(contract)] == [
        "",
        "access",
        "crisis",
        "pathways",
        "prevention",
    ]


def test_an_unclosed_quote_in_a_long_file_is_a_french_error_and_saves_nothing(cast, contract):
    content = (
        'date;mission;categorie;libelle;montant\n01/03/2025;fonctionnement;outils;"Logiciel;120\n'
        + "x" * 140_000
        + "\n"
    ).encode()
    # Depending on the csv module's field limit (raised by other importers of the process), the reader either
    # stops ("guillemet") or reads the rest of the file as one field (the line then lacks its amount).
    with pytest.raises(ActionError, match="guillemet|ligne"):
        budget.import_expenses(contract, cast.coordinator, "depenses.csv", content)
    assert not Expense.objects.exists()
