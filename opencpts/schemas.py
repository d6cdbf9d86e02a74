"""Schemas shared by the routers of the JSON API (opencpts/api.py): the error body of the API layer, local
times."""

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import WithJsonSchema

# A wall-clock time of day without offset ("19:30:00", Europe/Paris). OpenAPI's "format: time" is RFC 3339's
# full-time, which requires an offset, so the published schema would refuse the API's own answers.
LocalTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?$",
            "description": "Heure locale (Europe/Paris), sans décalage : HH:MM:SS.",
        }
    ),
]


class FieldError(Schema):
    champ: str
    message: str


class ApiError(Schema):
    """Every error answer: ``detail`` in French; ``field`` or ``errors`` (field → message) when a business
    rule refuses a value; ``erreurs`` when the request does not match the schema (422)."""

    detail: str
    field: str | None = None
    errors: dict[str, str] = {}
    erreurs: list[FieldError] = []
