"""Objectives and indicators of the contract annex, and the variable part they earn.

Each indicator belongs to one mission of the contract. Its targets are graded steps (paliers) per contract
year, chosen locally with the CPAM and ARS (aci.md §3–4): reaching a step's threshold earns the step's amount,
the best step reached counts (the amounts are not added). When higher is better a step is reached by a result
at least its threshold (a screening rate: socle 69.70 % → 1 000 €, intermédiaire 72.40 % → 2 500 €, objectif
75 % → 3 500 €); when lower is better, by a result at most its threshold ("patients en ALD sans MT: 50 or
fewer → 9 000 €, 51–100 → 6 000 €, 101–219 → 3 000 €"). A more demanding step never earns less.

The steps of one mission for one year can promise at most the grid's variable part of that mission (its annual
maximum). The variable part earned by a mission is the sum over its indicators, capped at that maximum; its
attainment (earned / maximum) feeds the payment schedule (``aci.contracts.plan``).

Results: a computed indicator reads its source (``aci/sources.py``) over the contract year, live until the
coordination closes the year, which stores the value and the number of rows counted; a manual indicator gets
its result entered by hand, with justificatifs (evidence files, encrypted at rest).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from aci import financing, sources
from aci.contracts import year_bounds
from aci.models import Contract, Evidence, GridAmount, Indicator, IndicatorResult, IndicatorStep
from audit.log import record, record_bulk
from opencpts.errors import ActionError

HUNDRED = Decimal(100)


def _decimal(value, field: str, label: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    text = (
        str(value if value is not None else "")
        .strip()
        .replace("\u202f", "")
        .replace(" ", "")
        .replace(",", ".")
    )
    text = text.rstrip("%€").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ActionError(f"{label} : « {value} » n'est pas un nombre.", field) from None
    if not number.is_finite():
        raise ActionError(f"{label} : « {value} » n'est pas un nombre.", field)
    if abs(number) >= Decimal("10000000000"):
        raise ActionError(f"{label} : « {value} » est trop grand.", field)
    return number.quantize(Decimal("0.01"))


def _check_value(indicator_unit: str, value: Decimal, field: str, label: str) -> None:
    if value < 0:
        raise ActionError(f"{label} ne peut pas être négatif.", field)
    if indicator_unit == Indicator.Unit.PERCENT and value > HUNDRED:
        raise ActionError(f"{label} est une part : au plus 100 %.", field)
    if indicator_unit == Indicator.Unit.DONE and value not in (0, 1):
        raise ActionError(f"{label} : 1 (réalisé) ou 0 (non réalisé).", field)


def _check_year(contract: Contract, year: int) -> None:
    if not isinstance(year, int) or not 1 <= year <= contract.years:
        raise ActionError(f"Année du contrat entre 1 et {contract.years}.", "contract_year")


@transaction.atomic
def define(
    contract: Contract,
    by,
    *,
    mission: str,
    name: str,
    unit: str = Indicator.Unit.COUNT,
    direction: str | None = None,
    source: str = "manual",
    definition: str = "",
    source_note: str = "",
    baseline=None,
    indicator: Indicator | None = None,
) -> Indicator:
    """Create an indicator, or change ``indicator``. The unit and direction of a computed source are its
    own."""
    name = " ".join((name or "").split())
    if not name:
        raise ActionError("Donnez un intitulé à l'indicateur.", "name")
    cm = contract.missions.select_related("mission").filter(mission__code=mission).first()
    if cm is None:
        raise ActionError("Cette mission n'est pas au contrat.", "mission")
    if source != "manual":
        known = sources.SOURCES.get(source)
        if known is None:
            raise ActionError("Source de calcul inconnue.", "source")
        unit, direction = known.unit, known.direction
    if unit not in Indicator.Unit.values:
        raise ActionError("Unité inconnue.", "unit")
    direction = direction or Indicator.Direction.HIGHER
    if direction not in Indicator.Direction.values:
        raise ActionError("Sens inconnu.", "direction")
    if baseline not in (None, ""):
        baseline = _decimal(baseline, "baseline", "La valeur de référence")
        _check_value(unit, baseline, "baseline", "La valeur de référence")
    else:
        baseline = None
    clash = contract.indicators.filter(name__iexact=name)
    if indicator is not None:
        clash = clash.exclude(pk=indicator.pk)
    if clash.exists():
        raise ActionError(f"Un indicateur s'appelle déjà « {name} ».", "name")
    if indicator is not None and indicator.steps.exists():
        if indicator.unit != unit:
            raise ActionError(
                "Changer l'unité d'un indicateur qui a des paliers : supprimez d'abord ses paliers.", "unit"
            )
        if indicator.direction != direction:
            raise ActionError(
                "Changer le sens d'un indicateur qui a des paliers les inverserait : supprimez d'abord "
                "ses paliers.",
                "direction",
            )
        if indicator.mission_id != cm.pk:
            raise ActionError(
                "Changer la mission d'un indicateur qui a des paliers : supprimez d'abord ses paliers "
                "(ils comptent dans la part variable de sa mission).",
                "mission",
            )
    fields = {
        "mission": cm,
        "name": name[:200],
        "unit": unit,
        "direction": direction,
        "source": source,
        "definition": (definition or "").strip(),
        "source_note": (source_note or "").strip()[:200],
        "baseline": baseline,
    }
    if indicator is None:
        order = contract.indicators.filter(mission=cm).count()
        return Indicator.objects.create(contract=contract, created_by=by, order=order, **fields)
    for key, value in fields.items():
        setattr(indicator, key, value)
    indicator.save()
    return indicator


def variable_maximum(contract: Contract, mission_code: str, year: int) -> Decimal | None:
    """The grid's annual maximum of the mission's variable part for that contract year, at that year's tier
    (None: no variable part; a 2019-grid mission whose fixed and variable parts are undivided has none to
    promise)."""
    from aci.contracts import tiers_by_year

    tier = tiers_by_year(contract).get(year, contract.tier)
    rows = list(GridAmount.objects.filter(grid=contract.grid, tier=tier, mission__code=mission_code))
    row = financing.pick(rows, GridAmount.Part.VARIABLE, year)
    return row.amount if row else None


@dataclass(frozen=True)
class StepInput:
    label: str
    threshold: object
    amount: object


@transaction.atomic
def set_steps(indicator: Indicator, by, year: int, steps: list[StepInput]) -> list[IndicatorStep]:
    """Replace the indicator's steps for a contract year (all or none)."""
    contract = Contract.objects.select_for_update().get(pk=indicator.contract_id)
    _check_year(contract, year)
    parsed = []
    for i, step in enumerate(steps, start=1):
        label = " ".join((step.label or "").split()) or f"Palier {i}"
        threshold = _decimal(step.threshold, "steps", f"Le seuil du palier « {label} »")
        _check_value(indicator.unit, threshold, "steps", f"Le seuil du palier « {label} »")
        amount = _decimal(step.amount, "steps", f"Le montant du palier « {label} »")
        if amount < 0:
            raise ActionError(f"Le montant du palier « {label} » ne peut pas être négatif.", "steps")
        parsed.append((label[:60], threshold, amount))
    thresholds = [t for _, t, _ in parsed]
    if len(set(thresholds)) != len(thresholds):
        raise ActionError("Deux paliers ont le même seuil.", "steps")
    # From the easiest step to the most demanding one: amounts must not decrease.
    ordered = sorted(parsed, key=lambda p: p[1], reverse=indicator.direction == Indicator.Direction.LOWER)
    for easier, harder in zip(ordered, ordered[1:], strict=False):
        if harder[2] < easier[2]:
            raise ActionError(
                f"Le palier « {harder[0]} », plus exigeant que « {easier[0]} », ne peut pas rapporter moins.",
                "steps",
            )
    maximum = variable_maximum(contract, indicator.mission.mission.code, year)
    promised = max((a for *_, a in parsed), default=Decimal(0))
    others = Decimal(0)
    for other in (
        Indicator.objects.filter(mission=indicator.mission).exclude(pk=indicator.pk).prefetch_related("steps")
    ):
        others += max((s.amount for s in other.steps.all() if s.contract_year == year), default=Decimal(0))
    if maximum is None and promised > 0:
        raise ActionError("Cette mission n'a pas de part variable dans la grille du contrat.", "steps")
    if maximum is not None and others + promised > maximum:
        raise ActionError(
            f"Les paliers de la mission pour l'année {year} promettraient {_euros(others + promised)}, "
            f"plus que sa part variable dans la grille ({_euros(maximum)}).",
            "steps",
        )
    IndicatorStep.objects.filter(indicator=indicator, contract_year=year).delete()
    steps = IndicatorStep.objects.bulk_create(
        [
            IndicatorStep(
                indicator=indicator, contract_year=year, label=label, threshold=threshold, amount=amount
            )
            for label, threshold, amount in parsed
        ]
    )
    if steps:
        record_bulk(
            "create",
            IndicatorStep,
            [s.pk for s in steps],
            cpts_id=contract.cpts_id,
            details={"indicator_id": indicator.pk},
        )
    return steps


def _euros(value: Decimal) -> str:
    whole = f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    return (whole[:-3] if whole.endswith(",00") else whole) + " €"


def reached(indicator: Indicator, steps: list[IndicatorStep], value: Decimal | None) -> IndicatorStep | None:
    """The best step the value reaches, None when none (or no value)."""
    if value is None:
        return None
    if indicator.direction == Indicator.Direction.LOWER:
        hits = [s for s in steps if value <= s.threshold]
    else:
        hits = [s for s in steps if value >= s.threshold]
    return max(hits, key=lambda s: s.amount, default=None)


@transaction.atomic
def record_result(indicator: Indicator, by, year: int, value, note: str = "") -> IndicatorResult:
    """Enter (or correct) the result of a manual indicator."""
    if indicator.computed:
        raise ActionError("Ce résultat est calculé par la plateforme : il ne se saisit pas.", "value")
    _check_year(indicator.contract, year)
    number = _decimal(value, "value", "Le résultat")
    _check_value(indicator.unit, number, "value", "Le résultat")
    result, _ = IndicatorResult.objects.update_or_create(
        indicator=indicator,
        contract_year=year,
        defaults={
            "value": number,
            "computed": False,
            "rows_counted": None,
            "note": " ".join(note.split())[:300],
            "entered_by": by,
        },
    )
    return result


def figure(indicator: Indicator, year: int) -> sources.Figure:
    """The live figure of a computed indicator over the contract year (up to today when the year is
    running)."""
    first, last = year_bounds(indicator.contract, year)
    last = min(last, timezone.localdate())
    if last < first:
        return sources.Figure(None, note="année du contrat pas encore commencée")
    return sources.compute(indicator.source, indicator.contract.cpts, first, last)


@transaction.atomic
@transaction.atomic
def close_year(contract: Contract, by, year: int) -> list[IndicatorResult]:
    """Store the computed indicators' results of a contract year (the figures shown in the report from then
    on), with one ``decision`` entry in the audit trail."""
    _check_year(contract, year)
    out = []
    for indicator in contract.indicators.exclude(source="manual"):
        fig = figure(indicator, year)
        if fig.value is None:
            IndicatorResult.objects.filter(indicator=indicator, contract_year=year).delete()
            continue
        result, _ = IndicatorResult.objects.update_or_create(
            indicator=indicator,
            contract_year=year,
            defaults={
                "value": fig.value,
                "computed": True,
                "rows_counted": fig.rows_counted,
                "note": fig.note[:300],
                "entered_by": by,
            },
        )
        out.append(result)
    record(
        "decision",
        cpts_id=contract.cpts_id,
        object_type="aci.contract",
        object_id=str(contract.pk),
        object_label=f"Contrat ACI — résultats de l'année {year} arrêtés",
        details={"decision": "aci_close_year", "annee": year, "indicateurs": [r.indicator_id for r in out]},
    )
    return out


@dataclass
class Status:
    indicator: Indicator
    steps: list[IndicatorStep]
    value: Decimal | None
    origin: str  # "arrêté", "calculé", "saisi", ""
    rows_counted: int | None
    step: IndicatorStep | None
    earned: Decimal
    promised: Decimal
    evidence: int

    @property
    def progress(self) -> float | None:
        """How far towards the most demanding step, 0..1 (None without a value or steps)."""
        if self.value is None or not self.steps:
            return None
        if self.indicator.direction == Indicator.Direction.LOWER:
            best = min(s.threshold for s in self.steps)
            return 1.0 if self.value <= best else float(best / self.value) if self.value else 1.0
        best = max(s.threshold for s in self.steps)
        return min(1.0, float(self.value / best)) if best else 1.0


@dataclass
class MissionYear:
    code: str
    label: str
    indicators: list[Status]
    maximum: Decimal | None
    earned: Decimal  # what the steps reached earn, capped at the maximum
    conditional: bool = (
        False  # a variable part paid only for a declared crisis, and none is declared that year
    )

    @property
    def payable(self) -> Decimal:
        """What is actually due for the year: nothing when the part is conditional and the condition is not
        met."""
        return Decimal(0) if self.conditional else self.earned

    @property
    def payable_maximum(self) -> Decimal:
        return Decimal(0) if self.conditional else (self.maximum or Decimal(0))

    @property
    def attainment(self) -> Decimal | None:
        if not self.maximum:
            return None
        return min(Decimal(1), self.earned / self.maximum)


def crisis_only_missions(contract: Contract, year: int) -> set[str]:
    """The missions whose variable part is paid only when a crisis is declared, when none is declared for that
    year (the schedule leaves them out; so do the totals). Steps can still be prepared for them."""
    if year in (contract.crisis_declared_years or []):
        return set()
    return set(
        GridAmount.objects.filter(
            grid=contract.grid, tier=contract.tier, part=GridAmount.Part.VARIABLE, crisis_only=True
        ).values_list("mission__code", flat=True)
    )


def year_status(contract: Contract, year: int, live: bool = True) -> list[MissionYear]:
    """Every mission's indicators for a contract year, with results, steps reached and the variable part
    earned. Computed indicators without a stored result are computed now when ``live``."""
    _check_year(contract, year)
    indicators = list(
        contract.indicators.select_related("mission__mission", "contract__cpts").prefetch_related(
            "steps", "results", Prefetch("evidence", Evidence.objects.defer("ciphertext", "nonce"))
        )
    )
    by_mission: dict[int, list[Indicator]] = {}
    for ind in indicators:
        by_mission.setdefault(ind.mission_id, []).append(ind)
    conditional = crisis_only_missions(contract, year)
    out = []
    for cm in contract.missions.select_related("mission"):
        statuses = []
        for ind in by_mission.get(cm.pk, []):
            steps = [s for s in ind.steps.all() if s.contract_year == year]
            result = next((r for r in ind.results.all() if r.contract_year == year), None)
            value, origin, rows = None, "", None
            if result is not None:
                value, origin, rows = (
                    result.value,
                    ("arrêté" if result.computed else "saisi"),
                    result.rows_counted,
                )
            elif ind.computed and live:
                fig = figure(ind, year)
                value, origin, rows = (
                    fig.value,
                    ("calculé" if fig.value is not None else ""),
                    fig.rows_counted,
                )
            step = reached(ind, steps, value)
            statuses.append(
                Status(
                    ind,
                    steps,
                    value,
                    origin,
                    rows,
                    step,
                    step.amount if step else Decimal(0),
                    max((s.amount for s in steps), default=Decimal(0)),
                    sum(1 for e in ind.evidence.all() if e.contract_year == year),
                )
            )
        maximum = variable_maximum(contract, cm.mission.code, year)
        earned = sum((s.earned for s in statuses), Decimal(0))
        if maximum is not None:
            earned = min(earned, maximum)
        out.append(
            MissionYear(
                cm.mission.code, cm.mission.label, statuses, maximum, earned, cm.mission.code in conditional
            )
        )
    return out


def attainment(contract: Contract, today: dt.date | None = None) -> dict[tuple[str, int], Decimal]:
    """(mission, year) → share of the variable part earned, for the years whose results are in: a year ended,
    closed when it has computed indicators (their values stored), with at least one result. The other years
    are left out: the schedule then shows the maximum."""
    today = today or timezone.localdate()
    has_computed = contract.indicators.exclude(source="manual").exists()
    results = IndicatorResult.objects.filter(indicator__contract=contract)
    closed = set(results.filter(computed=True).values_list("contract_year", flat=True))
    with_results = set(results.values_list("contract_year", flat=True))
    out = {}
    for year in sorted(with_results):
        if year_bounds(contract, year)[1] >= today or (has_computed and year not in closed):
            continue  # running, or not closed yet
        for mission in year_status(contract, year, live=False):
            if mission.indicators and mission.attainment is not None:
                out[(mission.code, year)] = mission.attainment
    return out


# --- Justificatifs ------------------------------------------------------------------------------------------

EVIDENCE_PURPOSE = "aci-evidence"


@transaction.atomic
def add_evidence(indicator: Indicator, by, year: int, title: str, filename: str, data: bytes) -> Evidence:
    """Check the file like a document, store it encrypted. Refused files leave nothing behind."""
    from documents import crypto, filetypes

    _check_year(indicator.contract, year)
    title = " ".join((title or "").split()) or filename
    if not data:
        raise ActionError("Le fichier est vide.", "file")
    if len(data) > filetypes.max_bytes():
        raise ActionError(
            f"Le fichier dépasse la taille autorisée ({filetypes.megabytes(filetypes.max_bytes())}).", "file"
        )
    try:
        kind = filetypes.detect(data)
    except filetypes.FileRefused as exc:
        raise ActionError(exc.message, "file") from exc
    evidence = Evidence.objects.create(
        indicator=indicator,
        contract_year=year,
        title=title[:200],
        filename=filetypes.safe_filename(filename, kind),
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        key_id="",
        nonce=b"",
        ciphertext=b"",
        added_by=by,
    )
    evidence.key_id, evidence.nonce, evidence.ciphertext = crypto.encrypt(
        data, evidence.pk, purpose=EVIDENCE_PURPOSE
    )
    evidence.save(update_fields=["key_id", "nonce", "ciphertext"])
    return evidence


def evidence_content(evidence: Evidence) -> bytes:
    """Decrypt and check a justificatif (raises ``documents.crypto.IntegrityFailure``)."""
    from documents import crypto

    data = crypto.decrypt(
        evidence.key_id, evidence.nonce, evidence.ciphertext, evidence.pk, purpose=EVIDENCE_PURPOSE
    )
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    return data


@transaction.atomic
def remove_evidence(evidence: Evidence) -> None:
    evidence.delete()


def current_year(contract: Contract, today: dt.date | None = None) -> int:
    """The running contract year (1 before the signature, the last one after the end)."""
    from aci.contracts import contract_year

    today = today or timezone.localdate()
    if today < contract.signed_on:
        return 1
    return contract_year(contract, today) or contract.years
