"""Template filters of the indicator pages: a result or a threshold in its indicator's unit, French typography
(« 72,4 % », « 1 234 », « 12 j », « réalisé »). Money goes through ``aci_tags.euros``."""

from decimal import Decimal, InvalidOperation

from django import template

from aci.templatetags.aci_tags import NBSP, THIN, euros

register = template.Library()

SUFFIX = {"percent": "%", "days": "j", "hours": "h"}


def number(value) -> str:
    """1234.50 → « 1 234,5 »."""
    try:
        value = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if not value.is_finite():
        return ""
    sign = "-" if value < 0 else ""
    text = f"{abs(value):f}"
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0")
    return sign + f"{int(whole):,}".replace(",", THIN) + (f",{decimals}" if decimals else "")


@register.filter
def measure(value, unit: str = "count") -> str:
    if value is None or value == "":
        return "—"
    if unit == "euros":
        return euros(value)
    if unit == "done":
        return "réalisé" if Decimal(str(value)) >= 1 else "non réalisé"
    shown = number(value)
    return f"{shown}{NBSP}{SUFFIX[unit]}" if unit in SUFFIX else shown


SHORT_UNITS = {
    "count": "nombre",
    "percent": "%",
    "days": "jours",
    "hours": "heures",
    "euros": "€",
    "done": "1 réalisé, 0 non réalisé",
}


@register.filter
def unit_short(unit: str) -> str:
    """The unit for a field label: « Seuil (%) », « Résultat (jours) »."""
    return SHORT_UNITS.get(unit, unit)
