"""The write paths of the projet de santé. Each writes in one transaction, under a lock of the project's row
(``select_for_update``: two porteurs saving at the same moment are served one after the other); the rows are
audited by the model signals (instance chain: the project has no CPTS yet).

No lost update: a chapter or a fiche-action is saved with the version the porteur started from
(``based_on``). When another porteur saved meanwhile, both edits are merged line by line against that version
(healthplan/merge.py): if they touch different lines the merged text is saved (``Saved.merged``: the page says
so); else nothing is saved and ``EditConflict`` carries the other porteur's text, which the page shows beside
the porteur's own text, still in the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from aci.models import Expense, GridMission, Indicator
from healthplan import merge
from healthplan.models import (
    ActionSheet,
    ActionSheetVersion,
    Chapter,
    ChapterVersion,
    HealthPlan,
    PlannedExpense,
    SheetIndicator,
)
from opencpts.errors import ActionError
from projects import access
from projects.models import Project

TEXT_FIELDS = ("objective", "actions", "partners", "schedule", "means")
LINE_FIELDS = ("mission", "title", "pilot")
SHEET_FIELDS = LINE_FIELDS + TEXT_FIELDS
INDICATOR_FIELDS = ("name", "unit", "direction", "baseline", "target", "source_note")
MAX_TEXT = 20_000


class EditConflict(ActionError):
    """The same lines were changed by someone else meanwhile: nothing saved. ``theirs`` is the text (a
    chapter) or the data (a fiche-action) stored now, ``version`` its version (the form restarts from it),
    ``fields`` the fiche-action's fields in conflict."""

    def __init__(self, message: str, *, theirs, version: int, fields: list[str] | None = None):
        super().__init__(message, conflict=True)
        self.theirs = theirs
        self.version = version
        self.fields = fields or []


@dataclass(frozen=True)
class Saved:
    obj: object
    changed: bool  # False: the text saved was the one stored (no new version)
    merged: bool  # another porteur's edit saved meanwhile was merged in


def _locked_plan(project: Project, by) -> HealthPlan:
    project = access.lock_open(project)  # the plan of a project become its CPTS is the contract's, frozen
    plan, _ = HealthPlan.objects.get_or_create(project=project, defaults={"created_by": by})
    return plan


def _by_whom(user, at) -> str:
    who = (user.get_full_name() or user.email) if user else "un autre porteur"
    return f"{who} ({timezone.localtime(at):%d/%m/%Y à %H h %M})" if at else who


def _check_based_on(based_on, current: int) -> int:
    try:
        based_on = int(based_on)
    except (TypeError, ValueError):
        raise ActionError("Version de départ inconnue : rechargez la page.") from None
    if not 0 <= based_on <= current:
        raise ActionError("Version de départ inconnue : rechargez la page.")
    return based_on


# --- Chapters ----------------------------------------------------------------------------------------------


@transaction.atomic
def save_chapter(project: Project, key: str, text: str, based_on, by) -> Saved:
    if key not in Chapter.Key.values:
        raise ActionError("Chapitre inconnu.")
    text = merge.normalise(text).rstrip()
    if len(text) > MAX_TEXT:
        raise ActionError(f"Le chapitre dépasse {MAX_TEXT:,} caractères.".replace(",", "\u202f"), "text")
    plan = _locked_plan(project, by)
    chapter, _ = Chapter.objects.get_or_create(plan=plan, key=key)
    based_on = _check_based_on(based_on, chapter.version)
    merged = False
    if based_on != chapter.version:
        base = chapter.versions.filter(version=based_on).values_list("text", flat=True).first() or ""
        result = merge.merge3(base, text, chapter.text)
        if result is None:
            raise EditConflict(
                f"« {chapter.get_key_display()} » a été modifié par "
                f"{_by_whom(chapter.updated_by, chapter.updated_at)} "
                "pendant que vous écriviez, sur les mêmes lignes : votre texte n'est pas enregistré. Il est "
                "resté dans le formulaire ; le texte enregistré est affiché à côté. Reprenez-y vos "
                "modifications, puis enregistrez.",
                theirs=chapter.text,
                version=chapter.version,
            )
        text, merged = result.rstrip(), result.rstrip() != text
    if text == chapter.text and chapter.version:
        return Saved(chapter, False, merged)
    now = timezone.now()
    chapter.text, chapter.version, chapter.updated_by, chapter.updated_at = text, chapter.version + 1, by, now
    chapter.save()
    ChapterVersion.objects.create(
        chapter=chapter, version=chapter.version, text=text, author=by, at=now, merged=merged
    )
    return Saved(chapter, True, merged)


# --- Fiches-actions -----------------------------------------------------------------------------------------


def _number(value, label: str, unit: str) -> str:
    """A value of an indicator as a plain decimal string ("" when empty), checked against its unit."""
    text = str(value if value is not None else "").strip().replace("\u202f", "").replace(" ", "")
    text = text.replace(",", ".").rstrip("%€").strip()
    if not text:
        return ""
    try:
        number = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ActionError(f"{label} : « {value} » n'est pas un nombre.", "indicators") from None
    if not number.is_finite() or abs(number) >= Decimal("10000000000"):
        raise ActionError(f"{label} : « {value} » n'est pas un nombre utilisable.", "indicators")
    if number < 0:
        raise ActionError(f"{label} ne peut pas être négatif.", "indicators")
    if unit == Indicator.Unit.PERCENT and number > 100:
        raise ActionError(f"{label} est une part : au plus 100 %.", "indicators")
    if unit == Indicator.Unit.DONE and number not in (0, 1):
        raise ActionError(f"{label} : 1 (réalisé) ou 0 (non réalisé).", "indicators")
    return str(number)


def clean_indicators(rows: list[dict]) -> list[dict]:
    """The indicators typed in a fiche-action, checked (a row without a name is ignored)."""
    out, names = [], set()
    for row in rows:
        name = " ".join(str(row.get("name") or "").split())[:200]
        if not name:
            continue
        if name.lower() in names:
            raise ActionError(f"Deux indicateurs s'appellent « {name} ».", "indicators")
        names.add(name.lower())
        unit = row.get("unit") or Indicator.Unit.COUNT
        direction = row.get("direction") or Indicator.Direction.HIGHER
        if unit not in Indicator.Unit.values:
            raise ActionError(f"Unité inconnue pour « {name} ».", "indicators")
        if direction not in Indicator.Direction.values:
            raise ActionError(f"Sens inconnu pour « {name} ».", "indicators")
        out.append(
            {
                "name": name,
                "unit": unit,
                "direction": direction,
                "baseline": _number(row.get("baseline"), f"La valeur actuelle de « {name} »", unit),
                "target": _number(row.get("target"), f"La cible de « {name} »", unit),
                "source_note": str(row.get("source_note") or "").strip()[:200],
            }
        )
    return out


def clean_sheet(data: dict) -> dict:
    """The fields of a fiche-action, checked (its indicators under ``indicators``)."""
    out = {f: merge.normalise(str(data.get(f) or "")).strip() for f in SHEET_FIELDS}
    if out["mission"] not in GridMission.Code.values:
        raise ActionError("Choisissez la mission ACI de l'action.", "mission")
    if not out["title"]:
        raise ActionError(
            "Donnez un intitulé à l'action (par exemple « Accès à un médecin traitant »).", "title"
        )
    out["title"], out["pilot"] = out["title"][:200], out["pilot"][:200]
    for field in TEXT_FIELDS:
        if len(out[field]) > MAX_TEXT:
            raise ActionError(f"Texte trop long (au plus {MAX_TEXT} caractères).", field)
    out["indicators"] = clean_indicators(data.get("indicators") or [])
    return out


def sheet_data(sheet: ActionSheet) -> dict:
    """A fiche-action as stored (the shape of ``clean_sheet``'s result and of a version's ``data``)."""
    data = {f: getattr(sheet, f) for f in SHEET_FIELDS}
    data["indicators"] = [
        {
            "name": i.name,
            "unit": i.unit,
            "direction": i.direction,
            "baseline": "" if i.baseline is None else str(i.baseline),
            "target": "" if i.target is None else str(i.target),
            "source_note": i.source_note,
        }
        for i in sheet.indicators.all()
    ]
    return data


def _write_sheet(sheet: ActionSheet, data: dict, by, merged: bool) -> ActionSheet:
    now = timezone.now()
    for field in SHEET_FIELDS:
        setattr(sheet, field, data[field])
    sheet.updated_by, sheet.updated_at = by, now
    sheet.save()
    for old in sheet.indicators.all():
        old.delete()
    for order, row in enumerate(data["indicators"]):
        SheetIndicator.objects.create(
            sheet=sheet,
            order=order,
            **{k: row[k] for k in ("name", "unit", "direction", "source_note")},
            baseline=Decimal(row["baseline"]) if row["baseline"] else None,
            target=Decimal(row["target"]) if row["target"] else None,
        )
    ActionSheetVersion.objects.create(
        sheet=sheet, version=sheet.version, data=sheet_data(sheet), author=by, at=now, merged=merged
    )
    return sheet


@transaction.atomic
def create_sheet(project: Project, by, data: dict) -> ActionSheet:
    data = clean_sheet(data)
    plan = _locked_plan(project, by)
    sheet = ActionSheet(plan=plan, version=1)
    return _write_sheet(sheet, data, by, False)


def merge_sheet(base: dict, mine: dict, theirs: dict) -> tuple[dict, list[str]]:
    """Field by field: each text merged line by line, the indicators as a whole (taken from the side that
    changed them). Returns the merged data and the fields in conflict."""
    out, conflicts = {}, []
    for field in SHEET_FIELDS:
        result = merge.merge3(base.get(field, ""), mine[field], theirs[field])
        result = result.strip() if result is not None else None
        if result is None:
            conflicts.append(field)
        out[field] = result if result is not None else mine[field]
    base_ind = base.get("indicators", [])
    if mine["indicators"] == base_ind or mine["indicators"] == theirs["indicators"]:
        out["indicators"] = theirs["indicators"]
    elif theirs["indicators"] == base_ind:
        out["indicators"] = mine["indicators"]
    else:
        conflicts.append("indicators")
        out["indicators"] = mine["indicators"]
    return out, conflicts


@transaction.atomic
def save_sheet(project: Project, sheet_id: int, by, data: dict, based_on) -> Saved:
    data = clean_sheet(data)
    plan = _locked_plan(project, by)
    sheet = plan.sheets.filter(pk=sheet_id).first()
    if sheet is None:
        raise ActionError("Cette fiche-action n'existe plus.")
    based_on = _check_based_on(based_on, sheet.version)
    theirs = sheet_data(sheet)
    merged = False
    if based_on != sheet.version:
        base = sheet.versions.filter(version=based_on).values_list("data", flat=True).first() or {}
        result, conflicts = merge_sheet(base, data, theirs)
        if conflicts:
            labels = ", ".join(FIELD_LABELS[f] for f in conflicts)
            raise EditConflict(
                f"La fiche « {sheet.title} » a été modifiée par "
                f"{_by_whom(sheet.updated_by, sheet.updated_at)} "
                f"pendant que vous écriviez, aux mêmes endroits ({labels}) : votre version n'est pas "
                "enregistrée. Elle est restée dans le formulaire ; la version enregistrée est affichée à "
                "côté. "
                "Reprenez-y vos modifications, puis enregistrez.",
                theirs=theirs,
                version=sheet.version,
                fields=conflicts,
            )
        merged, data = result != data, result
    if data == theirs:
        return Saved(sheet, False, merged)
    sheet.version += 1
    return Saved(_write_sheet(sheet, data, by, merged), True, merged)


@transaction.atomic
def delete_sheet(project: Project, sheet_id: int, by) -> str:
    plan = _locked_plan(project, by)
    sheet = plan.sheets.filter(pk=sheet_id).first()
    if sheet is None:
        raise ActionError("Cette fiche-action n'existe plus.")
    title = sheet.title
    sheet.delete()
    return title


FIELD_LABELS = {
    "mission": "mission",
    "title": "intitulé",
    "objective": "objectif",
    "actions": "actions",
    "pilot": "pilote",
    "partners": "partenaires",
    "schedule": "calendrier",
    "means": "moyens",
    "indicators": "indicateurs",
}


# --- Budget prévisionnel ------------------------------------------------------------------------------------


@transaction.atomic
def add_expense(project: Project, by, *, label: str, category: str, mission: str, amount) -> PlannedExpense:
    label = " ".join((label or "").split())
    if not label:
        raise ActionError(
            "Indiquez le libellé de la dépense (par exemple « Coordinatrice à mi-temps »).", "label"
        )
    if category not in Expense.Category.values:
        raise ActionError("Choisissez la catégorie de la dépense.", "category")
    if mission and mission not in GridMission.Code.values:
        raise ActionError("Mission inconnue.", "mission")
    try:
        amount = Decimal(str(amount).replace(",", ".").replace(" ", "").replace("\u202f", "")).quantize(
            Decimal("0.01")
        )
    except InvalidOperation:
        raise ActionError("Le montant annuel est un nombre d'euros.", "amount") from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("100000000"):
        raise ActionError("Le montant annuel est positif (moins de 100 millions d'euros).", "amount")
    plan = _locked_plan(project, by)
    return PlannedExpense.objects.create(
        plan=plan, label=label[:200], category=category, mission=mission or "", amount=amount, added_by=by
    )


@transaction.atomic
def remove_expense(project: Project, expense_id: int, by) -> str:
    plan = _locked_plan(project, by)
    expense = plan.expenses.filter(pk=expense_id).first()
    if expense is None:
        raise ActionError("Cette dépense n'est plus au budget.")
    label = expense.label
    expense.delete()
    return label
