"""The ACI cockpit pages of a CPTS: dashboard, signature, contract and amendments, payment schedule and
payments received, budget and expenses. Thin: the forms parse what is typed, the rules (aci.contracts,
aci.budget, aci.indicators) decide and word the errors; a refused action saves nothing and the form keeps what
was typed.

Who: the coordination, the bureau and the ARS/CPAM referents see (``cpts.view_contract``); only the
coordination changes anything (``cpts.manage_contract``). Without a contract, every page but the dashboard and
the signature sends back to the dashboard, which explains what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aci import budget as budget_rules
from aci import contracts, indicators, selectors
from aci.forms import (
    FONCTIONNEMENT,
    AddMissionForm,
    CrisisForm,
    ExpenseFilterForm,
    ExpenseForm,
    ImportForm,
    MissionDatesForm,
    PaymentForm,
    RecomputeForm,
    SignForm,
    TierForm,
    parse_year,
)
from aci.models import Amendment, Contract, ContractMission, Expense
from aci.pages import MANAGE, VIEW, contract_of, contract_view
from aci.tiers import NoGridInForce, grid_in_force
from audit.log import record
from cpts.decorators import cpts_view
from healthplan.contract import plan_missions, plan_objectives, sign_from_plan
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from opencpts.french import count

ZERO = Decimal(0)
STATE_ORDER = {"en retard": 0, "bientôt": 1, "à venir": 2, "libre": 3, "fait": 4}
RECOMPUTE_HINT = (
    "L'échéancier n'a pas été recalculé : vérifiez le contrat puis recalculez-le explicitement sur la "
    "page « Échéancier et versements »."
)


def _tier_label(contract: Contract) -> str:
    tier = contract.grid.tiers.filter(number=contract.tier).first()
    return tier.label if tier else f"Taille {contract.tier}"


def _end(contract: Contract) -> dt.date:
    return contracts.anniversary(contract.signed_on, contract.years) - dt.timedelta(days=1)


def _stale_schedule(contract: Contract, schedule) -> bool:
    """An amendment came after the current schedule was computed (it is not recomputed silently)."""
    if schedule is None:
        return True
    latest = contract.amendments.order_by("-at").values_list("at", flat=True).first()
    return latest is not None and latest > schedule.computed_at


def _base(access, contract, current: str) -> dict:
    return {"cpts": access.cpts, "contract": contract, "current": current, "can_manage": access.can(MANAGE)}


# --- Dashboard ----------------------------------------------------------------------------------------------


@cpts_view(VIEW)
@require_GET
def cockpit(request, access):
    contract = contract_of(access)
    if contract is None:
        return render(request, "aci/cockpit.html", _base(access, None, "cockpit"))
    today = timezone.localdate()
    deadlines = sorted(
        contracts.deadlines(contract, today),
        key=lambda d: (STATE_ORDER.get(d.state, 9), d.due_on or dt.date.max, d.label),
    )
    glance = selectors.glance(contract, today)
    money = glance.money
    schedule = contracts.current_schedule(contract)
    return render(
        request,
        "aci/cockpit.html",
        {
            **_base(access, contract, "cockpit"),
            "today": today,
            "end": _end(contract),
            "tier_label": _tier_label(contract),
            "population": contracts.population_status(contract),
            "deadlines": deadlines,
            "late": sum(1 for d in deadlines if d.state == "en retard"),
            "soon": sum(1 for d in deadlines if d.state == "bientôt"),
            "year": glance.year,
            "glance": glance,
            "money": money,
            "schedule": schedule,
            "stale": _stale_schedule(contract, schedule),
            "chart": _series(money),
        },
    )


def _series(money: budget_rules.Money) -> dict:
    months = money.series
    return {
        "labels": "|".join(f"{p.month:%m/%Y}" for p in months),
        "expected": "|".join(str(p.expected) for p in months),
        "received": "|".join("" if p.received is None else str(p.received) for p in months),
        "rows": months,
    }


# --- Signature ----------------------------------------------------------------------------------------------


@cpts_view(MANAGE)
@require_http_methods(["GET", "POST"])
def sign(request, access):
    cpts = access.cpts
    if contract_of(access) is not None:
        messages.info(request, "Cette CPTS a déjà un contrat ACI : un changement passe par un avenant.")
        return redirect("aci:contract", slug=cpts.slug)
    today = timezone.localdate()
    try:
        grid = grid_in_force(today)
    except NoGridInForce:
        grid = None
    missions = list(grid.missions.all()) if grid else []
    optional = [(m.code, m.label) for m in missions if m.optional]
    if request.method == "POST":
        form = SignForm(request.POST, optional_choices=optional)
        if form.is_valid():
            try:
                # The contract, its schedule and, for a CPTS born from a project, the projet de santé's
                # objectives as its indicators (healthplan/contract.py).
                signed = sign_from_plan(cpts, request.user, **form.cleaned_data)
            except ActionError as exc:
                show_action_error(form, exc)
            else:
                contract = signed.contract
                carried = (
                    f" ; {count(len(signed.carried), 'objectif repris', 'objectifs repris')} "
                    "du projet de santé"
                    if signed.carried
                    else ""
                )
                messages.success(
                    request,
                    f"Contrat ACI enregistré (signé le {contract.signed_on:%d/%m/%Y}, taille "
                    f"{contract.tier}) et échéancier calculé{carried}.",
                )
                return redirect("aci:cockpit", slug=cpts.slug)
    else:
        population, source = contracts.territory_population(cpts)
        planned = plan_missions(cpts)
        form = SignForm(
            optional_choices=optional,
            initial={
                "population": population or None,
                "population_source": source,
                "population_on": None,
                "optional": [code for code, _ in optional if code in planned],
            },
        )
    chosen = set(form["optional"].value() or [])
    return render(
        request,
        "aci/sign.html",
        {
            "cpts": cpts,
            "current": "cockpit",
            "form": form,
            "grid": grid,
            "chosen": chosen,
            "core": [m for m in missions if not m.optional],
            "optional": [m for m in missions if m.optional],
            "plan_objectives": plan_objectives(cpts),
        },
    )


# --- Contract, missions, amendments -------------------------------------------------------------------------


@dataclass
class MissionRow:
    cm: ContractMission
    start: contracts.Deadline | None
    deploy: contracts.Deadline | None
    form: MissionDatesForm | None


def _contract_page(
    request,
    access,
    contract,
    *,
    dates_form: MissionDatesForm | None = None,
    add_form: AddMissionForm | None = None,
    tier_form: TierForm | None = None,
    crisis_form: CrisisForm | None = None,
):
    can_manage = access.can(MANAGE)
    today = timezone.localdate()
    deadlines = {(d.mission, d.kind): d for d in contracts.deadlines(contract, today)}
    rows = []
    for cm in contract.missions.select_related("mission"):
        form = None
        if can_manage:
            form = (
                dates_form
                if dates_form is not None and dates_form.cm.pk == cm.pk
                else MissionDatesForm(cm=cm)
            )
        rows.append(
            MissionRow(
                cm,
                deadlines.get((cm.mission.code, "démarrage")),
                deadlines.get((cm.mission.code, "déploiement")),
                form,
            )
        )
    addable = [
        (m.code, m.label)
        for m in contract.grid.missions.exclude(pk__in=contract.missions.values_list("mission_id", flat=True))
    ]
    schedule = contracts.current_schedule(contract)
    context = {
        **_base(access, contract, "contract"),
        "end": _end(contract),
        "tier_label": _tier_label(contract),
        "population": contracts.population_status(contract),
        "rows": rows,
        "amendments": contract.amendments.select_related("by"),
        "addable": addable,
        "schedule": schedule,
        "stale": _stale_schedule(contract, schedule),
        "years": range(1, contract.years + 1),
    }
    if can_manage:
        context.update(
            {
                "add_form": add_form or AddMissionForm(mission_choices=addable, initial={"on": today}),
                "tier_form": tier_form or TierForm(initial={"on": today, "population": contract.population}),
                "crisis_form": crisis_form
                or CrisisForm(
                    years=contract.years, initial={"year": indicators.current_year(contract, today)}
                ),
            }
        )
    return render(request, "aci/contract.html", context)


@contract_view(VIEW)
@require_GET
def contract(request, access, contract):
    return _contract_page(request, access, contract)


@contract_view(MANAGE)
@require_POST
def mission_dates(request, access, contract, pk):
    cm = contract.missions.select_related("mission").filter(pk=pk).first()
    if cm is None:
        raise Http404
    form = MissionDatesForm(request.POST, cm=cm)
    if form.is_valid():
        contracts.set_mission_dates(cm, form.cleaned_data["started_on"], form.cleaned_data["deployed_on"])
        messages.success(
            request, f"Dates de la mission « {cm.mission.label} » enregistrées. {RECOMPUTE_HINT}"
        )
        return redirect(reverse("aci:contract", args=[access.cpts.slug]) + f"#mission-{cm.pk}")
    return _contract_page(request, access, contract, dates_form=form)


@contract_view(MANAGE)
@require_POST
def amend(request, access, contract):
    kind = request.POST.get("kind")
    user = request.user
    if kind == Amendment.Kind.MISSION:
        addable = [
            (m.code, m.label)
            for m in contract.grid.missions.exclude(
                pk__in=contract.missions.values_list("mission_id", flat=True)
            )
        ]
        form = AddMissionForm(request.POST, mission_choices=addable)
        if form.is_valid():
            try:
                contracts.add_mission(contract, user, form.cleaned_data["mission"], form.cleaned_data["on"])
            except ActionError as exc:
                show_action_error(form, exc)
            else:
                return _amended(request, access, "Avenant enregistré : mission ajoutée au contrat.")
        return _contract_page(request, access, contract, add_form=form)
    if kind == Amendment.Kind.TIER:
        form = TierForm(request.POST)
        if form.is_valid():
            try:
                changed = contracts.change_tier(
                    contract,
                    user,
                    form.cleaned_data["population"],
                    form.cleaned_data["on"],
                    form.cleaned_data["source"],
                )
            except ActionError as exc:
                show_action_error(form, exc)
            else:
                return _amended(
                    request,
                    access,
                    f"Avenant enregistré : population {changed.population}, taille {changed.tier}.",
                )
        return _contract_page(request, access, contract, tier_form=form)
    if kind == Amendment.Kind.CRISIS:
        form = CrisisForm(request.POST, years=contract.years)
        if form.is_valid():
            try:
                contracts.declare_crisis(contract, user, form.cleaned_data["year"])
            except ActionError as exc:
                show_action_error(form, exc)
            else:
                return _amended(
                    request,
                    access,
                    f"Crise sanitaire grave déclarée pour l'année {form.cleaned_data['year']}.",
                )
        return _contract_page(request, access, contract, crisis_form=form)
    messages.error(request, "Type d'avenant inconnu.")
    return redirect("aci:contract", slug=access.cpts.slug)


def _amended(request, access, message: str):
    messages.success(request, message)
    messages.warning(request, RECOMPUTE_HINT)
    return redirect(reverse("aci:contract", args=[access.cpts.slug]) + "#avenants")


# --- Schedule and payments received -------------------------------------------------------------------------


@dataclass
class YearTotal:
    year: int
    operating: Decimal
    fixed: Decimal
    variable: Decimal

    @property
    def total(self) -> Decimal:
        return self.operating + self.fixed + self.variable


@dataclass
class PeriodGap:
    year: int
    first: dt.date
    last: dt.date | None  # None: the last period runs on (the balances due at the end of the contract)
    expected: Decimal  # due up to today within the period
    received: Decimal

    @property
    def gap(self) -> Decimal:
        return self.received - self.expected


def _year_totals(payments) -> list[YearTotal]:
    totals: dict[int, YearTotal] = {}
    for p in payments:
        row = totals.setdefault(p.contract_year, YearTotal(p.contract_year, ZERO, ZERO, ZERO))
        setattr(row, p.part, getattr(row, p.part) + p.amount)
    return [totals[k] for k in sorted(totals)]


def _gaps(contract, payments, received, today: dt.date) -> list[PeriodGap]:
    """Expected payments due up to today against payments received, by period of the contract (by due date and
    by date of receipt). The balances due on the last anniversary fall in the last period."""
    out = []
    for k in range(1, contract.years + 1):
        first, last = contracts.year_bounds(contract, k)
        if first > today:
            break
        upto = None if k == contract.years else last

        def within(day, first=first, upto=upto):
            return first <= day <= today and (upto is None or day <= upto)

        out.append(
            PeriodGap(
                k,
                first,
                upto,
                sum((p.amount for p in payments if within(p.due_on)), ZERO),
                sum((r.amount for r in received if within(r.received_on)), ZERO),
            )
        )
    return out


def _schedule_page(
    request,
    access,
    contract,
    *,
    payment_form: PaymentForm | None = None,
    recompute_form: RecomputeForm | None = None,
):
    today = timezone.localdate()
    schedule = contracts.current_schedule(contract)
    payments = list(schedule.payments.all()) if schedule else []
    received = list(contract.received.select_related("recorded_by"))
    gaps = _gaps(contract, payments, received, today)
    history = (
        contract.schedules.filter(superseded_at__isnull=False)
        .select_related("grid", "computed_by")
        .annotate(total=Sum("payments__amount"), count=Count("payments"))
    )
    context = {
        **_base(access, contract, "schedule"),
        "today": today,
        "schedule": schedule,
        "payments": payments,
        "totals": _year_totals(payments),
        "total": sum((p.amount for p in payments), ZERO),
        "received": received,
        "gaps": gaps,
        "expected_to_date": sum((g.expected for g in gaps), ZERO),
        "received_to_date": sum((g.received for g in gaps), ZERO),
        "history": history,
        "stale": _stale_schedule(contract, schedule),
    }
    context["gap"] = context["received_to_date"] - context["expected_to_date"]
    if access.can(MANAGE):
        context["payment_form"] = payment_form or PaymentForm()
        context["recompute_form"] = recompute_form or RecomputeForm()
    return render(request, "aci/schedule.html", context)


@contract_view(VIEW)
@require_GET
def schedule(request, access, contract):
    return _schedule_page(request, access, contract)


@contract_view(MANAGE)
@require_POST
def recompute(request, access, contract):
    form = RecomputeForm(request.POST)
    if form.is_valid():
        try:
            contracts.compute_schedule(
                contract, request.user, form.cleaned_data["reason"], indicators.attainment(contract)
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Échéancier recalculé ; le précédent est conservé dans l'historique.")
            return redirect("aci:schedule", slug=access.cpts.slug)
    return _schedule_page(request, access, contract, recompute_form=form)


@contract_view(VIEW)
@require_http_methods(["GET", "POST"])
def payments(request, access, contract):
    if request.method == "GET":
        return redirect(reverse("aci:schedule", args=[access.cpts.slug]) + "#versements")
    access.require(MANAGE)
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = budget_rules.record_payment(
                contract,
                request.user,
                received_on=data["received_on"],
                amount=data["amount"],
                label=data["label"],
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, f"Versement du {payment.received_on:%d/%m/%Y} enregistré.")
            return redirect(reverse("aci:schedule", args=[access.cpts.slug]) + "#versements")
    return _schedule_page(request, access, contract, payment_form=form)


# --- Budget -------------------------------------------------------------------------------------------------


@dataclass
class BudgetCell:
    name: str
    category: str
    label: str
    value: str
    error: bool = False


@dataclass
class BudgetMission:
    code: str
    label: str
    cells: list[BudgetCell]


def _cell_name(mission: str, category: str) -> str:
    return f"b-{mission or FONCTIONNEMENT}-{category}"


def _budget_grid(contract, year: int, posted=None, error_cell: str = "") -> list[BudgetMission]:
    planned = {
        (line.mission, line.category): line.amount for line in contract.budget.filter(contract_year=year)
    }
    grid = []
    for code, label in budget_rules.mission_choices(contract):
        cells = []
        for category, category_label in Expense.Category.choices:
            name = _cell_name(code, category)
            if posted is not None:
                value = posted.get(name, "")
            else:
                amount = planned.get((code, category))
                value = "" if amount is None else f"{amount:f}".replace(".", ",").removesuffix(",00")
            cells.append(BudgetCell(name, category, category_label, value, name == error_cell))
        grid.append(BudgetMission(code, label, cells))
    return grid


@contract_view(VIEW)
@require_http_methods(["GET", "POST"])
def budget(request, access, contract):
    year = parse_year(request.GET.get("annee"), contract.years, indicators.current_year(contract))
    error, error_cell, posted = "", "", None
    if request.method == "POST":
        access.require(MANAGE)
        posted = request.POST
        year = parse_year(request.POST.get("annee"), contract.years, 0)
        if not year:
            messages.error(request, f"Année du contrat entre 1 et {contract.years}.")
            return redirect("aci:budget", slug=access.cpts.slug)
        cells = {
            (code, category): request.POST[_cell_name(code, category)]
            for code, _ in budget_rules.mission_choices(contract)
            for category in Expense.Category.values
            if _cell_name(code, category) in request.POST
        }
        try:
            budget_rules.set_budget(contract, request.user, year=year, amounts=cells)
        except budget_rules.BudgetCellRefused as exc:
            error, error_cell = exc.message, _cell_name(*exc.cell)
        else:
            messages.success(request, f"Budget prévu de l'année {year} enregistré.")
            return redirect(reverse("aci:budget", args=[access.cpts.slug]) + f"?annee={year}")
    money = budget_rules.year_money(contract, year)
    return render(
        request,
        "aci/budget.html",
        {
            **_base(access, contract, "budget"),
            "year": year,
            "years": range(1, contract.years + 1),
            "money": money,
            "grid": _budget_grid(contract, year, posted, error_cell),
            "error": error,
            "lines": list(_planned_lines(contract, year)),
            "chart": {
                "labels": "|".join(label.split(" (")[0] for label, _, _ in money.by_category),
                "planned": "|".join(str(p) for _, p, _ in money.by_category),
                "spent": "|".join(str(s) for _, _, s in money.by_category),
            },
        },
    )


def _planned_lines(contract, year: int):
    missions = dict(budget_rules.mission_choices(contract))
    categories = dict(Expense.Category.choices)
    for line in contract.budget.filter(contract_year=year):
        yield (
            missions.get(line.mission, line.mission),
            categories.get(line.category, line.category),
            line.amount,
        )


# --- Expenses -----------------------------------------------------------------------------------------------


def _expense_filters(request, contract):
    """The expenses matching the query string's filters (year of the contract, mission, category)."""
    form = ExpenseFilterForm(
        request.GET or None, years=contract.years, mission_choices=budget_rules.mission_choices(contract)
    )
    qs = contract.expenses.select_related("recorded_by")
    year = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        year = data.get("annee")
        if year:
            first, last = contracts.year_bounds(contract, year)
            qs = qs.filter(spent_on__gte=first, spent_on__lte=last)
        if data.get("mission"):
            qs = qs.filter(mission="" if data["mission"] == FONCTIONNEMENT else data["mission"])
        if data.get("categorie"):
            qs = qs.filter(category=data["categorie"])
    return form, qs, year


def _csv_text(value: str) -> str:
    """A cell a spreadsheet will not read as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _amount_text(amount: Decimal) -> str:
    return f"{amount:f}".replace(".", ",")


def _expenses_csv(access, contract, qs, filters: dict):
    missions = {
        code: (label if code else FONCTIONNEMENT) for code, label in budget_rules.mission_choices(contract)
    }
    categories = dict(Expense.Category.choices)
    rows = list(qs)
    record(
        "export",
        cpts_id=access.cpts.pk,
        object_type="aci.expense",
        object_label="dépenses ACI (CSV)",
        details={"lignes": len(rows), **{k: v for k, v in filters.items() if v}},
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["date", "mission", "categorie", "libelle", "montant", "fournisseur"])
    for e in rows:
        writer.writerow(
            [
                f"{e.spent_on:%d/%m/%Y}",
                _csv_text(missions.get(e.mission, e.mission)),
                categories.get(e.category, e.category),
                _csv_text(e.label),
                _amount_text(e.amount),
                _csv_text(e.supplier),
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    suffix = f"-annee-{filters['annee']}" if filters.get("annee") else ""
    response["Content-Disposition"] = f'attachment; filename="depenses-aci-{access.cpts.slug}{suffix}.csv"'
    return response


def _expenses_page(request, access, contract, form: ExpenseForm | None = None):
    filters, qs, year = _expense_filters(request, contract)
    if request.method == "GET" and request.GET.get("format") == "csv":
        return _expenses_csv(
            access,
            contract,
            qs,
            {
                "annee": year,
                "mission": request.GET.get("mission", ""),
                "categorie": request.GET.get("categorie", ""),
            },
        )
    total = qs.aggregate(s=Sum("amount"))["s"] or ZERO
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    missions = dict(budget_rules.mission_choices(contract))
    context = {
        **_base(access, contract, "budget"),
        "filters": filters,
        "page": page,
        "total": total,
        "count": page.paginator.count,
        "query": query.urlencode(),
        "missions": missions,
    }
    if access.can(MANAGE):
        context["form"] = form or ExpenseForm(mission_choices=budget_rules.mission_choices(contract))
    return render(request, "aci/expenses.html", context)


@contract_view(VIEW)
@require_http_methods(["GET", "POST"])
def expenses(request, access, contract):
    if request.method == "GET":
        return _expenses_page(request, access, contract)
    access.require(MANAGE)
    form = ExpenseForm(request.POST, mission_choices=budget_rules.mission_choices(contract))
    if form.is_valid():
        data = form.cleaned_data
        try:
            expense = budget_rules.record_expense(
                contract,
                request.user,
                spent_on=data["spent_on"],
                mission=data["mission"],
                category=data["category"],
                label=data["label"],
                amount=data["amount"],
                supplier=data["supplier"],
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, f"Dépense « {expense.label} » enregistrée.")
            return redirect("aci:expenses", slug=access.cpts.slug)
    return _expenses_page(request, access, contract, form)


@contract_view(MANAGE)
@require_POST
def expense_delete(request, access, contract, pk):
    expense = contract.expenses.filter(pk=pk).first()
    if expense is None:
        raise Http404
    label = expense.label
    budget_rules.delete_expense(expense)
    messages.success(request, f"Dépense « {label} » supprimée.")
    back = QueryDict(request.POST.get("next", "")).urlencode()  # the list's filters, re-encoded
    url = reverse("aci:expenses", args=[access.cpts.slug])
    return redirect(url + "?" + back if back else url)


TEMPLATE_CSV = (
    "date;mission;categorie;libelle;montant;fournisseur\r\n"
    "15/03/2025;fonctionnement;Équipe de coordination;Salaire de la coordinatrice, mars;2 850,00;\r\n"
    "02/04/2025;access;Communication;Affiches du service de soins non programmés;320,50;Imprimerie "
    "du Bugey\r\n"
)


@contract_view(MANAGE)
@require_http_methods(["GET", "POST"])
def expenses_import(request, access, contract):
    if request.method == "GET" and request.GET.get("modele"):
        response = HttpResponse("\ufeff" + TEMPLATE_CSV, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="modele-depenses-aci.csv"'
        return response
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > budget_rules.MAX_IMPORT_BYTES:
                raise ActionError(
                    f"Fichier trop volumineux : {budget_rules.MAX_IMPORT_BYTES // 1024 // 1024} Mo au plus.",
                    "file",
                )
            created = budget_rules.import_expenses(contract, request.user, upload.name, upload.read())
        except budget_rules.ImportRefused as exc:
            form.add_error("file", exc.message)
            errors = exc.errors
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, f"{count(len(created), 'dépense importée', 'dépenses importées')}.")
            return redirect("aci:expenses", slug=access.cpts.slug)
    return render(
        request,
        "aci/expenses_import.html",
        {
            **_base(access, contract, "budget"),
            "form": form,
            "errors": errors,
            "max_mb": budget_rules.MAX_IMPORT_BYTES // 1024 // 1024,
            "missions": budget_rules.mission_choices(contract),
            "categories": Expense.Category.choices,
        },
    )
