"""A CPTS's ACI contract: signature (grid version and tier at that date, core missions compulsory), mission
deadlines with warnings, amendments kept as history, and the payment schedule (aci.md §3) computed from the
grid version the contract was signed under and stored, so that a later change of grid never rewrites it
silently: ``compute_schedule`` is an explicit action that supersedes the previous schedule and says why.

Schedule rules, per contract year k (year k runs from the (k-1)th anniversary of the signature to the kth):
- fonctionnement: year 1 paid at signature (``operating_at_signature_pct``, 100 %); later years an advance of
  ``operating_advance_pct`` (75 %) at the start of the year and the balance at its end;
- each mission's fixed part: when the mission starts, ``fixed_advance_pct`` (75 %) of that year's fixed part
  prorated to the next anniversary; then at each anniversary the balance of the year ended and the advance of
  the year starting (the crisis mission: year-1 amount, then the later-years amount);
- each mission's variable part: after the year, at the anniversary, by the attainment of its indicators (the
  crisis mission's only for years with a declared crisis); no advance. In a first, partial year the euros
  earned count up to the prorated maximum.
- the 2019 grid's undivided fixed-and-variable amount (accès aux soins) is paid like a fixed part.
- a tier amendment applies from the first contract year starting on or after its date (``tiers_by_year``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from aci import financing
from aci.models import Amendment, Contract, ContractMission, ExpectedPayment, GridAmount, Schedule, TierGrid
from aci.tiers import NoGridInForce, grid_in_force, territory_summary, tier_in_grid
from audit.log import record_bulk
from cpts.models import CPTS
from opencpts.dates import shift_months
from opencpts.errors import ActionError
from territory.models import DatasetVersion

CENT = Decimal("0.01")
PCT = Decimal(100)
WARN_DAYS = 60


def anniversary(signed_on: dt.date, k: int) -> dt.date:
    """The kth anniversary of the signature (29 February → 28 February)."""
    return shift_months(signed_on, 12 * k)


def year_bounds(contract: Contract, k: int) -> tuple[dt.date, dt.date]:
    """First and last day of contract year k (1-based)."""
    return anniversary(contract.signed_on, k - 1), anniversary(contract.signed_on, k) - dt.timedelta(days=1)


def contract_year(contract: Contract, day: dt.date) -> int | None:
    """The contract year ``day`` falls in, None outside the contract."""
    for k in range(1, contract.years + 1):
        first, last = year_bounds(contract, k)
        if first <= day <= last:
            return k
    return None


def territory_population(cpts: CPTS) -> tuple[int, str]:
    """The territory's population now and where it comes from: « population municipale 2023, en vigueur au
    1er janvier 2026 (INSEE, @etalab/decoupage-administratif 6.0.0), communes du territoire »."""
    summary = territory_summary(cpts)
    return summary.population, vintage_source(summary.vintage)


def vintage_source(vintage: DatasetVersion | None) -> str:
    if vintage is None:
        return "population municipale INSEE des communes du territoire"
    if not vintage.census_year:
        return (
            "population municipale INSEE des communes du territoire "
            f"({vintage.package} {vintage.package_version})"
        )
    return (
        f"{vintage.population_label} (INSEE, {vintage.package} {vintage.package_version}), "
        "communes du territoire"
    )[:200]


@dataclass(frozen=True)
class PopulationStatus:
    """The population retained by the contract beside the territory's population in the current vintage."""

    retained: int
    retained_vintage: DatasetVersion | None
    current: int
    current_vintage: DatasetVersion | None
    current_tier: int | None

    @property
    def differs(self) -> bool:
        """Shown beside the contract when the current official figure is another one (never applied)."""
        retained_pk = self.retained_vintage.pk if self.retained_vintage else None
        return self.current_vintage is not None and (
            self.current != self.retained or self.current_vintage.pk != retained_pk
        )


def population_status(contract: Contract) -> PopulationStatus:
    summary = territory_summary(contract.cpts)
    current_tier = tier_in_grid(contract.grid, summary.population).number if summary.communes else None
    return PopulationStatus(
        contract.population, contract.population_vintage, summary.population, summary.vintage, current_tier
    )


def _official_vintage(cpts: CPTS, population: int) -> DatasetVersion | None:
    """The current vintage when ``population`` is the territory's official figure, else None (typed in)."""
    current, _ = territory_population(cpts)
    return DatasetVersion.current_for("communes") if population == current else None


@transaction.atomic
def sign(
    cpts: CPTS,
    by,
    *,
    signed_on: dt.date,
    missions: list[str],
    population: int | None = None,
    population_on: dt.date | None = None,
    population_source: str = "",
) -> Contract:
    if Contract.objects.filter(cpts=cpts).exists():
        raise ActionError("Cette CPTS a déjà un contrat ACI : un changement passe par un avenant.")
    if cpts.founded_on and signed_on < cpts.founded_on:
        raise ActionError(
            f"La date de signature ({signed_on:%d/%m/%Y}) précède la création de la CPTS "
            f"({cpts.founded_on:%d/%m/%Y}).",
            "signed_on",
        )
    if signed_on > timezone.localdate() + dt.timedelta(days=366):
        raise ActionError("La date de signature est à plus d'un an.", "signed_on")
    try:
        grid = grid_in_force(signed_on)
    except NoGridInForce as exc:
        raise ActionError(str(exc), "signed_on") from exc
    try:
        chosen = financing.chosen_missions(grid, missions)
    except financing.SimulationError as exc:
        raise ActionError(exc.message, "missions") from exc
    if population is None:
        population, population_source = territory_population(cpts)
    if population <= 0:
        raise ActionError("La population couverte doit être positive.", "population")
    tier = tier_in_grid(grid, population).number
    vintage = _official_vintage(cpts, population)
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                cpts=cpts,
                signed_on=signed_on,
                grid=grid,
                tier=tier,
                population=population,
                population_source=population_source[:200],
                population_on=population_on,
                population_vintage=vintage,
                created_by=by,
            )
    except IntegrityError:  # signed at the same moment by another request (a double click)
        raise ActionError("Cette CPTS a déjà un contrat ACI : un changement passe par un avenant.") from None
    for mission in chosen:
        ContractMission.objects.create(contract=contract, mission=mission, from_on=signed_on)
    return contract


def signed_missions(signed_on: dt.date, optional: list[str]) -> list[str]:
    """The missions of a contract signed on ``signed_on``: every core mission of the grid then in force, plus
    the optional ones chosen (none when no grid is in force: ``sign`` says so, in French)."""
    try:
        grid = grid_in_force(signed_on)
    except NoGridInForce:
        return []
    codes = [m.code for m in grid.missions.all() if not m.optional]
    return codes + [code for code in optional if code not in codes]


@transaction.atomic
def sign_with_schedule(
    cpts: CPTS,
    by,
    *,
    signed_on: dt.date,
    optional: list[str],
    population: int | None = None,
    population_on: dt.date | None = None,
    population_source: str = "",
) -> Contract:
    """The signature page's action: the contract with its core missions and the optional ones chosen, and its
    first payment schedule, or nothing."""
    contract = sign(
        cpts,
        by,
        signed_on=signed_on,
        missions=signed_missions(signed_on, optional),
        population=population,
        population_on=population_on,
        population_source=population_source,
    )
    compute_schedule(contract, by, "Signature du contrat")
    return contract


@transaction.atomic
def add_mission(contract: Contract, by, code: str, on: dt.date) -> ContractMission:
    mission = contract.grid.missions.filter(code=code).first()
    if mission is None:
        raise ActionError(f"Mission inconnue dans la grille du contrat : {code}.", "mission")
    if contract.missions.filter(mission=mission).exists():
        raise ActionError(f"La mission « {mission.label} » est déjà au contrat.", "mission")
    if not contract.signed_on <= on < anniversary(contract.signed_on, contract.years):
        raise ActionError("La date de l'avenant est hors de la durée du contrat.", "on")
    added = ContractMission.objects.create(contract=contract, mission=mission, from_on=on)
    Amendment.objects.create(
        contract=contract,
        signed_on=on,
        kind=Amendment.Kind.MISSION,
        by=by,
        detail=f"Mission ajoutée : {mission.label}",
        after={"mission": code},
    )
    return added


@transaction.atomic
def set_mission_dates(
    cm: ContractMission, started_on: dt.date | None, deployed_on: dt.date | None
) -> ContractMission:
    """The dates a mission actually started and was deployed (as the form checked them). The schedule is not
    recomputed: that stays an explicit action (``compute_schedule``). Audited by the model signals."""
    cm.started_on, cm.deployed_on = started_on, deployed_on
    cm.save(update_fields=["started_on", "deployed_on"])
    return cm


@transaction.atomic
def change_tier(contract: Contract, by, population: int, on: dt.date, source: str = "") -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if population <= 0:
        raise ActionError("La population couverte doit être positive.", "population")
    tier = tier_in_grid(contract.grid, population).number
    vintage = _official_vintage(contract.cpts, population)
    before = {
        "tier": contract.tier,
        "population": contract.population,
        "population_vintage": contract.population_vintage_id,
    }
    contract.tier, contract.population, contract.population_on = tier, population, on
    contract.population_vintage = vintage
    if source:
        contract.population_source = source[:200]
    contract.save(
        update_fields=["tier", "population", "population_on", "population_source", "population_vintage"]
    )
    Amendment.objects.create(
        contract=contract,
        signed_on=on,
        kind=Amendment.Kind.TIER,
        by=by,
        detail=f"Taille {before['tier']} → {tier} (population {population})",
        before=before,
        after={"tier": tier, "population": population, "population_vintage": vintage.pk if vintage else None},
    )
    return contract


@transaction.atomic
def declare_crisis(contract: Contract, by, year: int) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if not 1 <= year <= contract.years:
        raise ActionError(f"Année du contrat entre 1 et {contract.years}.", "year")
    if year in contract.crisis_declared_years:
        raise ActionError(f"Une crise est déjà déclarée pour l'année {year}.", "year")
    contract.crisis_declared_years = sorted([*contract.crisis_declared_years, year])
    contract.save(update_fields=["crisis_declared_years"])
    Amendment.objects.create(
        contract=contract,
        signed_on=anniversary(contract.signed_on, year - 1),
        kind=Amendment.Kind.CRISIS,
        by=by,
        detail=f"Crise sanitaire grave déclarée (année {year})",
        after={"year": year},
    )
    return contract


@dataclass(frozen=True)
class Deadline:
    mission: str
    label: str
    kind: str  # "démarrage" / "déploiement"
    due_on: dt.date | None
    done_on: dt.date | None
    state: str  # "fait", "à venir", "bientôt", "en retard", "libre"

    @property
    def message(self) -> str:
        if self.due_on is None:
            return f"{self.label} : {self.kind} au choix de la CPTS."
        if self.done_on:
            late = " (en retard)" if self.done_on > self.due_on else ""
            return f"{self.label} : {self.kind} le {self.done_on:%d/%m/%Y}{late}."
        if self.state == "en retard":
            return (
                f"{self.label} : {self.kind} attendu au plus tard le {self.due_on:%d/%m/%Y}, échéance "
                "dépassée."
            )
        return f"{self.label} : {self.kind} au plus tard le {self.due_on:%d/%m/%Y}."


def deadlines(contract: Contract, today: dt.date | None = None) -> list[Deadline]:
    today = today or timezone.localdate()
    out = []
    for cm in contract.missions.select_related("mission"):
        m = cm.mission
        for kind, months, done in (
            ("démarrage", m.start_months, cm.started_on),
            ("déploiement", m.deploy_months, cm.deployed_on),
        ):
            due = shift_months(contract.signed_on, months) if months is not None else None
            if due is None:
                state = "fait" if done else "libre"
            elif done:
                state = "fait"
            elif today > due:
                state = "en retard"
            elif (due - today).days <= WARN_DAYS:
                state = "bientôt"
            else:
                state = "à venir"
            out.append(Deadline(m.code, m.label, kind, due, done, state))
    return out


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


class _Amounts:
    """The grid's rows for one tier, read once."""

    def __init__(self, grid: TierGrid, tier: int):
        self.rows: dict[str | None, list[GridAmount]] = {}
        for row in GridAmount.objects.filter(grid=grid, tier=tier).select_related("mission"):
            self.rows.setdefault(row.mission.code if row.mission else None, []).append(row)

    def get(self, code: str | None, part: str, year: int) -> GridAmount | None:
        return financing.pick(self.rows.get(code, []), part, year)


def tiers_by_year(contract: Contract) -> dict[int, int]:
    """The size tier of each contract year: the tier at signature, then each tier amendment from the first
    contract year starting on or after its date (a change never reaches back into years already running or
    paid)."""
    changes = list(contract.amendments.filter(kind=Amendment.Kind.TIER).order_by("signed_on", "pk"))
    tier = changes[0].before.get("tier", contract.tier) if changes else contract.tier
    out = {}
    for k in range(1, contract.years + 1):
        starts = anniversary(contract.signed_on, k - 1)
        for change in changes:
            if change.signed_on <= starts:
                tier = change.after.get("tier", tier)
        out[k] = tier
    return out


@dataclass(frozen=True)
class Planned:
    due_on: dt.date
    contract_year: int
    mission: str
    part: str
    label: str
    amount: Decimal


def plan(contract: Contract, attainment: dict | None = None) -> list[Planned]:
    """Every expected payment of the contract (not stored): the rules of the module docstring. ``attainment``
    gives the share of each mission's variable part earned, by mission code or by (code, contract year); 100 %
    when not given (the maximum)."""
    years = contract.years
    ends = [anniversary(contract.signed_on, k) for k in range(years + 1)]  # ends[k] = kth anniversary
    tiers = tiers_by_year(contract)
    by_tier = {t: _Amounts(contract.grid, t) for t in set(tiers.values())}
    amounts = {k: by_tier[tiers[k]] for k in range(1, years + 1)}  # contract year → that year's grid rows
    out = _plan_operating(contract, amounts, ends)
    for cm in contract.missions.select_related("mission"):
        out += _plan_mission(contract, cm, amounts, ends, attainment or {})
    return sorted(out, key=lambda p: (p.due_on, p.contract_year, p.mission, p.part, p.label))


def _plan_operating(contract: Contract, amounts: dict[int, _Amounts], ends: list[dt.date]) -> list[Planned]:
    """Fonctionnement: year 1 at signature (and its balance, if any, at the first anniversary); later years an
    advance at the start of the year and the balance at its end."""
    grid, out = contract.grid, []
    for k in range(1, contract.years + 1):
        row = amounts[k].get(None, GridAmount.Part.OPERATING, k)
        if row is None:
            continue
        if k == 1:
            at_signature = _money(row.amount * grid.operating_at_signature_pct / PCT)
            out.append(
                Planned(
                    contract.signed_on,
                    1,
                    "",
                    "operating",
                    "Fonctionnement année 1 (à la signature)",
                    at_signature,
                )
            )
            rest = row.amount - at_signature
            if rest > 0:
                out.append(
                    Planned(ends[1], 1, "", "operating", "Fonctionnement année 1 (solde)", _money(rest))
                )
        else:
            advance = _money(row.amount * grid.operating_advance_pct / PCT)
            out.append(
                Planned(ends[k - 1], k, "", "operating", f"Fonctionnement année {k} (avance)", advance)
            )
            out.append(
                Planned(
                    ends[k], k, "", "operating", f"Fonctionnement année {k} (solde)", row.amount - advance
                )
            )
    return out


def _mission_begins(contract: Contract, cm: ContractMission) -> dt.date:
    m = cm.mission
    begins = cm.started_on or (
        shift_months(contract.signed_on, m.start_months) if m.start_months is not None else cm.from_on
    )
    return max(begins, cm.from_on)


def _plan_mission(
    contract: Contract,
    cm: ContractMission,
    amounts: dict[int, _Amounts],
    ends: list[dt.date],
    attainment: dict,
) -> list[Planned]:
    """One mission's fixed part (advance and balance, prorated in its first year) and variable part."""
    m, out = cm.mission, []
    begins = _mission_begins(contract, cm)
    mission_year = 0  # the mission's own years: its first one pays the first-year amounts (the crisis plan)
    for k in range(1, contract.years + 1):
        if begins >= ends[k]:
            continue  # the mission has not started in year k
        mission_year += 1
        fixed = amounts[k].get(m.code, GridAmount.Part.FIXED, mission_year)
        part_name = "part fixe"
        if fixed is None:  # the 2019 grid: fixed and variable parts undivided, paid like a fixed part
            fixed = amounts[k].get(m.code, GridAmount.Part.UNDIVIDED, mission_year)
            part_name = "parts fixe et variable non ventilées"
        variable = amounts[k].get(m.code, GridAmount.Part.VARIABLE, mission_year)
        first_year = begins >= ends[k - 1]
        share = (
            Decimal((ends[k] - begins).days) / Decimal((ends[k] - ends[k - 1]).days)
            if first_year
            else Decimal(1)
        )
        if fixed is not None:
            due = _money(fixed.amount * share)
            advance = _money(due * contract.grid.fixed_advance_pct / PCT)
            when = begins if first_year else ends[k - 1]
            label = f"{m.label} — {part_name} année {k}"
            prorata = ", au prorata" if share < 1 else ""
            out.append(Planned(when, k, m.code, "fixed", f"{label} (avance{prorata})", advance))
            out.append(Planned(ends[k], k, m.code, "fixed", f"{label} (solde)", due - advance))
        if variable is not None and not (variable.crisis_only and k not in contract.crisis_declared_years):
            rate = Decimal(attainment.get((m.code, k), attainment.get(m.code, 1)))
            # The attainment is earned ÷ the full-year maximum: the euros earned, within the prorated maximum.
            earned = _money(min(variable.amount * rate, variable.amount * share))
            out.append(
                Planned(ends[k], k, m.code, "variable", f"{m.label} — part variable année {k}", earned)
            )
    return out


@transaction.atomic
def compute_schedule(contract: Contract, by, reason: str, attainment: dict | None = None) -> Schedule:
    """Store the schedule (explicit action). The previous one is kept, marked superseded."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ActionError(
            "Indiquez pourquoi l'échéancier est calculé (signature, avenant, nouvelle grille...).", "reason"
        )
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    now = timezone.now()
    current = Schedule.objects.filter(contract=contract, superseded_at__isnull=True)
    superseded = list(current.values_list("pk", flat=True))
    if superseded:
        current.update(superseded_at=now)
        record_bulk("update", Schedule, superseded, ["superseded_at"], cpts_id=contract.cpts_id)
    schedule = Schedule.objects.create(
        contract=contract, grid=contract.grid, computed_by=by, reason=reason[:300]
    )
    lines = ExpectedPayment.objects.bulk_create(
        [
            ExpectedPayment(
                schedule=schedule,
                due_on=p.due_on,
                contract_year=p.contract_year,
                mission=p.mission,
                part=p.part,
                label=p.label[:200],
                amount=p.amount,
            )
            for p in plan(contract, attainment)
        ]
    )
    if lines:
        record_bulk(
            "create",
            ExpectedPayment,
            [line.pk for line in lines],
            cpts_id=contract.cpts_id,
            details={"schedule_id": schedule.pk},
        )
    return schedule


def current_schedule(contract: Contract) -> Schedule | None:
    return contract.schedules.filter(superseded_at__isnull=True).first()
