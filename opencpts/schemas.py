"""Schemas shared by every router of the JSON API (opencpts/api.py): one error body for every error status."""

from ninja import Schema


class FieldError(Schema):
    champ: str
    message: str


class ApiError(Schema):
    """Every error answer: ``detail`` in French; ``field`` or ``errors`` (field → message) when a business rule
    refuses a value; ``erreurs`` when the request does not match the schema (422)."""

    detail: str
    field: str | None = None
    errors: dict[str, str] = {}
    erreurs: list[FieldError] = []
