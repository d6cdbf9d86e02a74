"""Rows to JSON and back, field by field (``_meta``), with the exact values (times to the microsecond)."""

import base64
import datetime
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from itertools import islice

from django.db import models

from portability.contents import content_fields


def batched(items: Iterable, size: int) -> Iterator[list]:
    """``itertools.batched`` (Python 3.12) for 3.11."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def copied_fields(m: type[models.Model], only: tuple[str, ...] = ()) -> list[models.Field]:
    """The concrete fields of a row carried in the archive: not the primary key (unless it is a link, as
    a document blob's version), not the ciphertext."""
    skipped = content_fields(m)
    fields = [
        f
        for f in m._meta.concrete_fields
        if (not f.primary_key or f.is_relation) and f.name not in skipped and (not only or f.name in only)
    ]
    return fields


def encode(field: models.Field, value):
    if value is None:
        return None
    if field.is_relation or isinstance(field, models.JSONField):
        return value
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def decode(field: models.Field, value):
    if value is None or field.is_relation or isinstance(field, models.JSONField):
        return value
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value)
    return field.to_python(value)


def dump(obj: models.Model, fields: list[models.Field]) -> dict:
    return {f.name: encode(f, getattr(obj, f.attname)) for f in fields}


@contextmanager
def keeping_times(model_classes):
    """``auto_now``/``auto_now_add`` off while rows are copied, so that a message keeps its time."""
    changed = []
    for m in model_classes:
        for f in m._meta.concrete_fields:
            for flag in ("auto_now", "auto_now_add"):
                if getattr(f, flag, False):
                    setattr(f, flag, False)
                    changed.append((f, flag))
    try:
        yield
    finally:
        for f, flag in changed:
            setattr(f, flag, True)
