"""Template filters of the ACI pages: money in euros and shares in percent, French typography.

``euros``: « 12 500 € », « 12 500,50 € » (narrow no-break space between thousands, no-break space before the
sign, no decimals for a whole amount). ``pct``: a share 0..1 as « 72,4 % ».
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

THIN = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"  # no-break space before € and %


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _group(whole: int) -> str:
    return f"{whole:,}".replace(",", THIN)


@register.filter
def euros(value) -> str:
    number = _decimal(value)
    if number is None:
        return ""
    number = number.quantize(Decimal("0.01"), ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    number = abs(number)
    whole = int(number)
    cents = int((number - whole) * 100)
    text = _group(whole) + (f",{cents:02d}" if cents else "")
    return f"{sign}{text}{NBSP}€"


@register.filter
def pct(value, digits=1) -> str:
    number = _decimal(value)
    if number is None:
        return ""
    try:
        digits = max(0, int(digits))
    except (TypeError, ValueError):
        digits = 1
    scaled = (number * 100).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    text = f"{scaled:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") + f"{NBSP}%"


@register.filter
def percent100(value) -> str:
    """A share 0..1 as a whole number 0..100 (for a progress bar's value)."""
    number = _decimal(value)
    if number is None:
        return "0"
    return str(int(max(Decimal(0), min(Decimal(1), number)) * 100))
