"""French wording filters, built into every template (settings TEMPLATES ``builtins``); the rules are in
``opencpts/french.py``.

    {{ n|compte:"créneau libre,créneaux libres,aucun créneau libre" }}   → « aucun créneau libre »
    {{ "Réponse"|de:author.first_name }}                                → « Réponse d'Inès »
    {{ pro.phone|telephone }}                                            → « 04 40 92 42 28 »
    {{ slot.start|jour }} à {{ slot.start|heure }}                       → « lundi 7 décembre à 18 h 30 »
"""

from django import template

from opencpts import french

register = template.Library()


@register.filter
def compte(number, forms: str) -> str:
    """``forms`` is "singular[,plural[,zero]]"."""
    parts = [p.strip() for p in forms.split(",")]
    singular = parts[0]
    plural = parts[1] if len(parts) > 1 and parts[1] else None
    zero = parts[2] if len(parts) > 2 and parts[2] else None
    return french.count(number, singular, plural, zero)


@register.filter
def de(text, name) -> str:
    """``text`` followed by « de »/« d' » and ``name``: ``"Réponse"|de:"Inès"`` → « Réponse d'Inès »."""
    return f"{text} {french.elide('de', name)}" if text else french.elide("de", name)


@register.filter
def telephone(value) -> str:
    return french.phone(value)


@register.filter
def jour(value, options: str = "") -> str:
    """``|jour`` → « lundi 7 décembre »; ``|jour:"sans-jour"`` → « 7 décembre »; ``|jour:"année"``."""
    if not value:
        return ""
    return french.day(value, year=True if "année" in options else None, weekday="sans-jour" not in options)


@register.filter
def heure(value) -> str:
    return french.hour(value) if value else ""


@register.filter
def profession(label, civility="") -> str:
    return french.profession_title(label, civility or "")
