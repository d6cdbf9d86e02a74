"""French formatting of the annual report's figures, shared by the PDF, the HTML preview and the workbook's
text cells: 12 500 €, 72,4 %, 14/01/2026, 1,2 Mo (narrow no-break space between thousands)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from aci.models import Indicator

ZERO = Decimal(0)
CENT = Decimal("0.01")
NNBSP = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"


def number(value: Decimal | int | float | None, cents: bool = False) -> str:
    """12 500 / 72,4 / 1 234,56 (narrow no-break space between thousands, no useless decimals; with ``cents``,
    two decimals unless the amount is whole: 1 234,50)."""
    if value is None:
        return "—"
    q = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    text = f"{q:,.2f}".replace(",", NNBSP).replace(".", ",")
    if text.endswith(",00"):
        return text[:-3]
    return text[:-1] if text.endswith("0") and not cents else text


def euros(value: Decimal | None) -> str:
    return "—" if value is None else f"{number(value, cents=True)}{NBSP}€"


def percent(share: Decimal | float | None) -> str:
    """A share (0..1) as « 72,4 % »."""
    if share is None:
        return "—"
    return f"{number(Decimal(str(share)) * 100)}{NBSP}%"


def measure(value: Decimal | None, unit: str) -> str:
    """A value in the indicator's unit."""
    if value is None:
        return "—"
    if unit == Indicator.Unit.PERCENT:
        return f"{number(value)}{NBSP}%"
    if unit == Indicator.Unit.DAYS:
        return f"{number(value)}{NBSP}j"
    if unit == Indicator.Unit.HOURS:
        return f"{number(value)}{NBSP}h"
    if unit == Indicator.Unit.EUROS:
        return euros(value)
    if unit == Indicator.Unit.DONE:
        return "réalisé" if value >= 1 else "non réalisé"
    return number(value)


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y}"
    return f"{value:%d/%m/%Y}"


def size(n: int) -> str:
    if n < 1024:
        return f"{n}{NBSP}o"
    if n < 1024 * 1024:
        return f"{number(Decimal(n) / 1024)}{NBSP}Ko"
    return f"{number(Decimal(n) / 1024 / 1024)}{NBSP}Mo"
