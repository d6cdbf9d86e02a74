"""The money of the contract: payments received from the CPAM against the schedule (and the gap), the planned
budget by mission and category, actual expenses entered one by one or imported from a CSV (all lines valid or
nothing saved), and income against expenses per contract year.

The expense CSV has a header line with these columns (any order, case and accents ignored):
``date;mission;categorie;libelle;montant`` and optionally ``fournisseur``. The mission is a code or a word of
its name (« fonctionnement » or empty for the running costs of the association); the category a code or a word
of its name; the amount in euros, « 1 234,56 » or « 1234.56 ».
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from aci.contracts import anniversary, current_schedule, year_bounds
from aci.models import BudgetLine, Contract, ExpectedPayment, Expense, ReceivedPayment
from audit.log import record_bulk
from opencpts import csvfiles
from opencpts.errors import ActionError
from opencpts.french import count
from territory.text import normalize

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_LINES = 5000
ZERO = Decimal(0)


def money(value, field: str = "amount", label: str = "Le montant", positive: bool = True) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    else:
        text = (
            str(value if value is not None else "")
            .strip()
            .replace("\u202f", "")
            .replace("\xa0", "")
            .replace(" ", "")
            .rstrip("€")
            .strip()
        )
        if "," in text and "." in text:
            text = text.replace(".", "")
        text = text.replace(",", ".")
        if not text:
            raise ActionError(f"{label} est obligatoire.", field)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ActionError(f"{label} « {value} » n'est pas un montant en euros.", field) from None
    if not number.is_finite():
        raise ActionError(f"{label} « {value} » n'est pas un montant en euros.", field)
    if positive and number <= 0:
        raise ActionError(f"{label} doit être positif.", field)
    if number < 0:
        raise ActionError(f"{label} ne peut pas être négatif.", field)
    if number >= Decimal("100000000"):
        raise ActionError(f"{label} est trop élevé.", field)
    if number != number.quantize(Decimal("0.01")):
        raise ActionError(f"{label} a plus de deux décimales.", field)
    return number


def mission_choices(contract: Contract) -> list[tuple[str, str]]:
    return [("", "Fonctionnement (association, coordination)")] + [
        (cm.mission.code, cm.mission.label) for cm in contract.missions.select_related("mission")
    ]


def _check_day(contract: Contract, day: dt.date, field: str) -> None:
    if day < contract.signed_on:
        raise ActionError(
            f"Le {day:%d/%m/%Y} précède la signature du contrat ({contract.signed_on:%d/%m/%Y}).", field
        )
    end = anniversary(contract.signed_on, contract.years)
    if day >= end + dt.timedelta(days=366):
        raise ActionError(f"Le {day:%d/%m/%Y} est bien après la fin du contrat.", field)
    if day > timezone.localdate():
        raise ActionError(f"Le {day:%d/%m/%Y} est dans le futur.", field)


def _check_mission(contract: Contract, mission: str) -> None:
    if mission and not contract.missions.filter(mission__code=mission).exists():
        raise ActionError("Cette mission n'est pas au contrat.", "mission")


# --- Payments received --------------------------------------------------------------------------------------


@transaction.atomic
def record_payment(contract: Contract, by, *, received_on: dt.date, amount, label: str) -> ReceivedPayment:
    label = " ".join((label or "").split())
    if not label:
        raise ActionError("Indiquez l'objet du versement (ex. « Avance fonctionnement année 2 »).", "label")
    amount = money(amount)
    _check_day(contract, received_on, "received_on")
    return ReceivedPayment.objects.create(
        contract=contract, received_on=received_on, amount=amount, label=label[:200], recorded_by=by
    )


@dataclass
class MoneyPoint:
    month: dt.date
    expected: Decimal  # cumulated expected payments due up to the end of the month
    received: Decimal | None  # cumulated received; None for months to come


@dataclass
class Money:
    expected_total: Decimal
    expected_to_date: Decimal
    received_to_date: Decimal
    next_payments: list[ExpectedPayment]
    series: list[MoneyPoint] = field(default_factory=list)

    @property
    def gap(self) -> Decimal:
        """Received minus expected up to today: negative when the CPAM is late."""
        return self.received_to_date - self.expected_to_date

    @property
    def late(self) -> Decimal:
        """What the CPAM still owes today (0 when it paid all that was due)."""
        return max(ZERO, -self.gap)


def money_position(contract: Contract, today: dt.date | None = None) -> Money:
    """Expected (current schedule) against received, with a monthly cumulated series over the contract for the
    forecast chart."""
    from opencpts.dates import first_of_month

    today = today or timezone.localdate()
    schedule = current_schedule(contract)
    expected = list(schedule.payments.all()) if schedule else []
    received = list(contract.received.all())
    out = Money(
        sum((p.amount for p in expected), ZERO),
        sum((p.amount for p in expected if p.due_on <= today), ZERO),
        sum((r.amount for r in received if r.received_on <= today), ZERO),
        [p for p in expected if p.due_on > today][:6],
    )
    month = first_of_month(contract.signed_on)
    end = anniversary(contract.signed_on, contract.years)
    while month <= end:
        following = first_of_month(month, 1)
        exp = sum((p.amount for p in expected if p.due_on < following), ZERO)
        rec = sum((r.amount for r in received if r.received_on < following), ZERO) if month <= today else None
        out.series.append(MoneyPoint(month, exp, rec))
        month = following
    return out


# --- Budget and expenses ------------------------------------------------------------------------------------


@transaction.atomic
def set_budget_line(
    contract: Contract, by, *, year: int, mission: str, category: str, amount
) -> BudgetLine | None:
    if not 1 <= year <= contract.years:
        raise ActionError(f"Année du contrat entre 1 et {contract.years}.", "contract_year")
    _check_mission(contract, mission)
    if category not in Expense.Category.values:
        raise ActionError("Catégorie de dépense inconnue.", "category")
    amount = money(amount, label="Le montant prévu", positive=False)
    if amount == 0:
        BudgetLine.objects.filter(
            contract=contract, contract_year=year, mission=mission, category=category
        ).delete()
        return None
    line, _ = BudgetLine.objects.update_or_create(
        contract=contract, contract_year=year, mission=mission, category=category, defaults={"amount": amount}
    )
    return line


class BudgetCellRefused(ActionError):
    """One cell of the budget grid is refused; ``cell`` is its (mission, category)."""

    def __init__(self, message: str, cell: tuple[str, str]):
        super().__init__(message)
        self.cell = cell


def _unchanged(raw: str, amount: Decimal) -> bool:
    try:
        return money(raw, positive=False) == amount
    except ActionError:
        return False  # set_budget_line will say what is wrong


@transaction.atomic
def set_budget(contract: Contract, by, *, year: int, amounts: dict[tuple[str, str], str]) -> None:
    """The budget grid of a contract year as typed ((mission, category) → amount; empty is 0), every cell or
    none: each changed cell through ``set_budget_line``; a refused cell refuses the grid, its message prefixed
    by the mission and the category."""
    labels = dict(mission_choices(contract))
    categories = dict(Expense.Category.choices)
    planned = {
        (line.mission, line.category): line.amount for line in contract.budget.filter(contract_year=year)
    }
    for (code, category), raw in amounts.items():
        raw = raw.strip() or "0"
        if _unchanged(raw, planned.get((code, category), ZERO)):
            continue
        try:
            set_budget_line(contract, by, year=year, mission=code, category=category, amount=raw)
        except ActionError as exc:
            where = f"{labels.get(code, code)}, {categories.get(category, category)}"
            raise BudgetCellRefused(f"{where} : {exc.message}", (code, category)) from exc


@transaction.atomic
def record_expense(
    contract: Contract,
    by,
    *,
    spent_on: dt.date,
    mission: str,
    category: str,
    label: str,
    amount,
    supplier: str = "",
) -> Expense:
    label = " ".join((label or "").split())
    if not label:
        raise ActionError("Indiquez le libellé de la dépense.", "label")
    _check_day(contract, spent_on, "spent_on")
    _check_mission(contract, mission)
    if category not in Expense.Category.values:
        raise ActionError("Catégorie de dépense inconnue.", "category")
    return Expense.objects.create(
        contract=contract,
        spent_on=spent_on,
        mission=mission,
        category=category,
        label=label[:200],
        amount=money(amount),
        supplier=" ".join(supplier.split())[:200],
        recorded_by=by,
    )


@transaction.atomic
def delete_expense(expense: Expense) -> None:
    expense.delete()


COLUMNS = {
    "date": "date",
    "mission": "mission",
    "categorie": "category",
    "libelle": "label",
    "montant": "amount",
    "fournisseur": "supplier",
}
REQUIRED = ("date", "mission", "categorie", "libelle", "montant")


class ImportRefused(ActionError):
    """The file is refused: ``errors`` lists every problem (line number, French message); nothing was
    saved."""

    def __init__(self, message: str, errors: list[tuple[int, str]]):
        super().__init__(message, "file")
        self.errors = errors


def _lookup(value: str, choices: list[tuple[str, str]], empty: str | None = None) -> str | None:
    key = normalize(value)
    if not key:
        return empty
    for code, label in choices:
        if key == normalize(code) or key == normalize(label):
            return code
    hits = {code for code, label in choices if key in normalize(label)}
    return hits.pop() if len(hits) == 1 else None


def _read_header(content: bytes):
    """The rows of the file after its header, and the column of each field; refuses an empty file or a header
    with missing or unknown columns."""
    if not content:
        raise ActionError("Le fichier est vide.", "file")
    if len(content) > MAX_IMPORT_BYTES:
        raise ActionError(f"Fichier trop volumineux : {MAX_IMPORT_BYTES // 1024 // 1024} Mo au plus.", "file")
    reader = csvfiles.rows(csvfiles.decode(content))
    try:
        header = [normalize(h).replace(" ", "").replace("_", "") for h in next(reader)]
    except StopIteration:
        raise ActionError("Le fichier est vide.", "file") from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("colonnes manquantes : " + ", ".join(missing))
        if unknown:
            parts.append("colonnes inconnues : " + ", ".join(unknown))
        raise ImportRefused(
            "En-tête incorrect (" + " ; ".join(parts) + "). Colonnes attendues : "
            "date;mission;categorie;libelle;montant[;fournisseur].",
            [(1, "; ".join(parts))],
        )
    return reader, {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}


def _parse_line(
    contract: Contract, by, cells: dict[str, str], missions, categories
) -> tuple[Expense | None, list]:
    """One line of the file: the expense it describes, or the list of its problems (French, lower case)."""
    problems = []
    day = csvfiles.parse_date(cells["date"])
    if day is None:
        problems.append(f"date « {cells['date']} » illisible (attendu JJ/MM/AAAA)")
    mission = _lookup(cells["mission"], missions, empty="")
    if mission is None:
        problems.append(f"mission « {cells['mission']} » inconnue au contrat")
    category = _lookup(cells["category"], categories)
    if category is None:
        problems.append(f"catégorie « {cells['category']} » inconnue")
    if not cells["label"]:
        problems.append("libellé vide")
    amount = None
    try:
        amount = money(cells["amount"])
    except ActionError as exc:
        problems.append(exc.message[0].lower() + exc.message[1:].rstrip("."))
    if day is not None:
        try:
            _check_day(contract, day, "spent_on")
        except ActionError as exc:
            problems.append(exc.message.rstrip("."))
    if problems:
        return None, problems
    expense = Expense(
        contract=contract,
        spent_on=day,
        mission=mission,
        category=category,
        label=cells["label"][:200],
        amount=amount,
        supplier=cells.get("supplier", "")[:200],
        imported=True,
        recorded_by=by,
    )
    return expense, []


def import_expenses(contract: Contract, by, filename: str, content: bytes) -> list[Expense]:
    """Every line valid, or nothing saved (``ImportRefused`` with the list of errors)."""
    reader, index = _read_header(content)
    missions = [("", "fonctionnement")] + [(c, label) for c, label in mission_choices(contract)[1:]]
    categories = list(Expense.Category.choices)
    parsed, errors = [], []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(parsed) + len(errors) >= MAX_IMPORT_LINES:
            errors.append((number, f"plus de {MAX_IMPORT_LINES} lignes : découpez le fichier"))
            break
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
        expense, problems = _parse_line(contract, by, cells, missions, categories)
        if problems:
            errors.append((number, " ; ".join(problems)))
        else:
            parsed.append(expense)
    if errors:
        raise ImportRefused(
            f"{count(len(errors), 'ligne')} en erreur : rien n'a été enregistré. Corrigez le fichier et "
            "importez-le à nouveau.",
            errors,
        )
    if not parsed:
        raise ActionError("Le fichier ne contient aucune dépense.", "file")
    with transaction.atomic():
        created = Expense.objects.bulk_create(parsed)
        record_bulk(
            "create", Expense, [e.pk for e in created], cpts_id=contract.cpts_id, details={"imported": True}
        )
        return created


@dataclass
class YearMoney:
    year: int
    first: dt.date
    last: dt.date
    expected: Decimal  # schedule rows of that contract year
    received: Decimal  # received within the year's dates
    planned: Decimal  # budget lines
    spent: Decimal
    by_category: list[tuple[str, Decimal, Decimal]]  # label, planned, spent
    by_mission: list[tuple[str, Decimal, Decimal]]

    @property
    def balance(self) -> Decimal:
        return self.received - self.spent


def year_money(contract: Contract, year: int) -> YearMoney:
    first, last = year_bounds(contract, year)
    schedule = current_schedule(contract)
    expected = (
        (schedule.payments.filter(contract_year=year).aggregate(s=Sum("amount"))["s"] or ZERO)
        if schedule
        else ZERO
    )
    received = contract.received.filter(received_on__gte=first, received_on__lte=last).aggregate(
        s=Sum("amount")
    )["s"]
    expenses = contract.expenses.filter(spent_on__gte=first, spent_on__lte=last)
    lines = contract.budget.filter(contract_year=year)
    spent_cat = dict(expenses.values_list("category").annotate(s=Sum("amount")))
    planned_cat = dict(lines.values_list("category").annotate(s=Sum("amount")))
    spent_mis = dict(expenses.values_list("mission").annotate(s=Sum("amount")))
    planned_mis = dict(lines.values_list("mission").annotate(s=Sum("amount")))
    by_category = [
        (label, planned_cat.get(code, ZERO), spent_cat.get(code, ZERO))
        for code, label in Expense.Category.choices
        if code in spent_cat or code in planned_cat
    ]
    by_mission = [
        (label, planned_mis.get(code, ZERO), spent_mis.get(code, ZERO))
        for code, label in mission_choices(contract)
        if code in spent_mis or code in planned_mis
    ]

    def cents(value) -> Decimal:
        return Decimal(value or 0).quantize(Decimal("0.01"))

    return YearMoney(
        year,
        first,
        last,
        cents(expected),
        cents(received),
        cents(sum(planned_cat.values(), ZERO)),
        cents(sum(spent_cat.values(), ZERO)),
        [(label, cents(p), cents(s)) for label, p, s in by_category],
        [(label, cents(p), cents(s)) for label, p, s in by_mission],
    )
