"""Figures of one territory typed in from Rézone CPTS (rezonecpts.ameli.fr), for what no package ships and no
file was imported (lifecycle.md §6): patients without a médecin traitant, ALD, C2S, APL, GPs aged 60+, access
to emergency care. Each figure keeps its source and vintage and is shown as typed in, never as computed.

The owner is what the diagnostic is of: a project of CPTS or a CPTS. The caller checks the right to change
that owner's diagnostic (a member of the project: ``projects.access.access_project``; in a CPTS: the
``cpts.edit_territory`` permission); the actions here check the figures themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from audit.log import record
from diagnostic.compute import Diagnostic, Source, fr_number
from diagnostic.models import TypedFigure
from opencpts.errors import ActionError

REZONE = "Rézone CPTS — Assurance Maladie (rezonecpts.ameli.fr)"
# The indicators Rézone CPTS gives for a selection of communes, with their usual unit (lifecycle.md §6).
SUGGESTED: list[tuple[str, str]] = [
    ("Patients de 17 ans et plus sans médecin traitant", TypedFigure.Unit.PERCENT),
    ("Patients en affection de longue durée (ALD)", TypedFigure.Unit.PERCENT),
    ("Bénéficiaires de la complémentaire santé solidaire (C2S)", TypedFigure.Unit.PERCENT),
    ("Accessibilité potentielle localisée (APL) aux médecins généralistes", TypedFigure.Unit.APL),
    ("Médecins généralistes de 60 ans et plus", TypedFigure.Unit.PERCENT),
    ("Passages aux urgences non suivis d'hospitalisation", TypedFigure.Unit.PER_1000),
    ("Population à plus de 30 minutes d'un service d'urgence", TypedFigure.Unit.PERCENT),
]
LIMIT = Decimal("999999999")
VALUE_FIELDS = (
    ("territory_value", "du territoire"),
    ("departement_value", "du département"),
    ("region_value", "de la région"),
    ("france_value", "de la France"),
)


@dataclass
class Typed:
    indicator: str
    unit: str
    source: str
    vintage: str
    territory_value: object
    departement_value: object = None
    region_value: object = None
    france_value: object = None


def _number(raw, label: str, field: str, unit: str) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace("\u202f", "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ActionError(f"La valeur {label} n'est pas un nombre : « {raw} ».", field) from None
    if not value.is_finite() or value < 0 or value > LIMIT:
        raise ActionError(f"La valeur {label} doit être comprise entre 0 et {fr_number(LIMIT)}.", field)
    if unit == TypedFigure.Unit.PERCENT and value > 100:
        raise ActionError(f"La valeur {label} est un pourcentage : 100 au plus.", field)
    return value.quantize(Decimal("0.01"))


def _clean(typed: Typed) -> dict:
    indicator = (typed.indicator or "").strip()
    if not indicator:
        raise ActionError("Indiquez l'indicateur.", "indicator")
    if len(indicator) > 200:
        raise ActionError("L'indicateur ne doit pas dépasser 200 caractères.", "indicator")
    if typed.unit not in TypedFigure.Unit.values:
        raise ActionError("Unité inconnue.", "unit")
    source = (typed.source or "").strip() or REZONE
    vintage = (typed.vintage or "").strip()
    if not vintage:
        raise ActionError("Indiquez le millésime (l'année des données, par exemple 2024).", "vintage")
    if len(vintage) > 20 or len(source) > 200:
        raise ActionError("Le millésime ou la source est trop long.", "vintage")
    values = {f: _number(getattr(typed, f), label, f, typed.unit) for f, label in VALUE_FIELDS}
    if values["territory_value"] is None:
        raise ActionError("Indiquez la valeur du territoire.", "territory_value")
    return {"indicator": indicator, "unit": typed.unit, "source": source, "vintage": vintage, **values}


def figures_of(owner) -> list[TypedFigure]:
    return list(
        TypedFigure.objects.filter(
            owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
        ).select_related("typed_by")
    )


def add_figure(owner, by, typed: Typed) -> TypedFigure:
    """Record one typed figure for ``owner``'s territory; the same indicator and vintage twice is refused."""
    fields = _clean(typed)
    try:
        with transaction.atomic():
            figure = TypedFigure.objects.create(
                owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk, typed_by=by, **fields
            )
            record(
                "create",
                obj=figure,
                details={"owner": f"{owner._meta.label_lower}:{owner.pk}", "indicator": figure.indicator},
            )
    except IntegrityError:
        raise ActionError(
            f"« {fields['indicator']} » est déjà saisi pour le millésime {fields['vintage']} : retirez-le "
            "d'abord pour le corriger.",
            "indicator",
            conflict=True,
        ) from None
    return figure


def hand_over(owner, new_owner) -> int:
    """The figures typed in for ``owner`` now belong to ``new_owner`` (a project becoming its CPTS); a figure
    the new owner already holds (same indicator and vintage) stays. Returns the count moved."""
    old = TypedFigure.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)
    new_type = ContentType.objects.get_for_model(new_owner)
    held = set(
        TypedFigure.objects.filter(owner_type=new_type, owner_id=new_owner.pk).values_list(
            "indicator", "vintage"
        )
    )
    moving = [f.pk for f in old if (f.indicator, f.vintage) not in held]
    return TypedFigure.objects.filter(pk__in=moving).update(owner_type=new_type, owner_id=new_owner.pk)


def remove_figure(owner, by, figure_id: int) -> None:
    owner_type = ContentType.objects.get_for_model(owner)
    with transaction.atomic():
        figure = (
            TypedFigure.objects.select_for_update()
            .filter(pk=figure_id, owner_type=owner_type, owner_id=owner.pk)
            .first()
        )
        if figure is None:
            raise ActionError("Ce chiffre n'existe plus.")
        record("delete", obj=figure, details={"indicator": figure.indicator, "removed_by": by.pk})
        figure.delete()


@dataclass
class TypedRow:
    indicator: str
    unit: str
    values: list[str]  # territory, département, région, France, formatted in French (« — » when not given)
    source: str
    vintage: str
    typed_by: str
    typed_on: str

    @property
    def provenance(self) -> str:
        return f"saisi depuis {self.source}, millésime {self.vintage}"


def _display(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "—"
    decimals = 0 if value == value.to_integral_value() else 2
    text = fr_number(float(value), decimals)
    return f"{text} {unit}".strip() if unit else text


def attach(diagnostic: Diagnostic, owner) -> Diagnostic:
    """Add ``owner``'s typed figures to a computed diagnostic (``diagnostic.typed``) and their sources."""
    rows = []
    for f in figures_of(owner):
        rows.append(
            TypedRow(
                indicator=f.indicator,
                unit=f.unit,
                values=[_display(getattr(f, name), f.unit) for name, _ in VALUE_FIELDS],
                source=f.source,
                vintage=f.vintage,
                typed_by=str(f.typed_by or "compte supprimé"),
                typed_on=f"{f.typed_at:%d/%m/%Y}",
            )
        )
        diagnostic.sources.append(
            Source(f"typed-{f.pk}", f"{f.indicator} — saisi depuis {f.source}", f.vintage, imported=True)
        )
    diagnostic.typed = rows
    return diagnostic
