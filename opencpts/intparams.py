"""Integers read from a request (path ids, query parameters), checked in one place.

A number typed by a caller reaches SQL only within the range the column holds: identifiers are
``BigAutoField`` (1 to 2**63 - 1, also SQLite's INTEGER), so a 20-digit id would overflow the driver
(``OverflowError`` on SQLite, ``NumericValueOutOfRange`` on PostgreSQL) and answer an HTML 500.
Only ASCII digits are numbers here: ``int()`` would also take ``" 12"``, ``"1_000"`` or Arabic-Indic
digits, and ``str.isdigit()`` takes ``"²"``, which ``int()`` refuses.

- ``parse_int`` for the FHIR layer and the pages: text → int, or ``IntParamError`` with a French message;
- ``DbId`` / ``Page`` for the JSON API (django-ninja): annotated ``int`` types whose bounds are in the
  OpenAPI schema, so out-of-range values are refused with 422 before the view runs.
"""

import re
from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,30}")

MAX_PAGE = 1_000_000
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Upper bound only: the views answer a page below 1 themselves, with their own French message.
Page = Annotated[int, Field(le=MAX_PAGE)]


class IntParamError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_number(text: str) -> bool:
    return bool(_DIGITS.fullmatch(text))


def parse_int(text: str, name: str, low: int = 1, high: int = MAX_ID) -> int:
    """``text`` as an integer between ``low`` and ``high`` (both included), or IntParamError."""
    text = text.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not _DIGITS.fullmatch(digits):
        raise IntParamError(f"{name} : nombre entier attendu (chiffres 0 à 9), reçu « {text[:40]} ».")
    value = -int(digits) if negative else int(digits)
    if not low <= value <= high:
        raise IntParamError(f"{name} : {text[:40]} est hors limites (de {low} à {high}).")
    return value
