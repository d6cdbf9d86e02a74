"""Parsing of FHIR search values: tokens, references, ids, booleans, dates, ``near`` and paging.

Every integer of a FHIR request goes through ``fhir_int`` (opencpts/intparams.py): 400 when malformed or out
of the column's range, never an overflow in SQL. A malformed value raises ``FhirError`` (answered 400 by
``fhirapi.http.guarded``); a well-formed id that names nothing simply matches nothing.
"""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from directory import search as geo
from fhirapi.http import FhirError
from opencpts.intparams import MAX_ID, MAX_INT32, IntParamError, is_number, parse_int

DEFAULT_COUNT, MAX_COUNT = 50, 1000
MAX_OFFSET = MAX_INT32
DATE_PREFIXES = {"eq": "", "ge": "__gte", "gt": "__gt", "le": "__lte", "lt": "__lt"}


def token(value: str) -> tuple[str | None, str]:
    """'system|code' → (system, code); 'code' → (None, code); '|code' → ('', code)."""
    if "|" in value:
        system, code = value.split("|", 1)
        return system, code
    return None, value


def fhir_int(text: str, name: str, low: int = 1, high: int = MAX_ID) -> int:
    """Every integer of a FHIR request goes through here (opencpts/intparams.py): 400 when malformed or out of
    the column's range, never an overflow in SQL."""
    try:
        return parse_int(text, name, low, high)
    except IntParamError as exc:
        raise FhirError(400, "invalid", exc.message) from exc


def id_value(text: str, name: str = "_id") -> int | None:
    """A numeric resource id: None when it is not a number (no such resource: nothing matches), 400 when it is
    a number outside 1..2**63-1."""
    return fhir_int(text, name) if is_number(text.strip()) else None


def reference_id(value: str, resource: str) -> str:
    value = value.strip()
    if value.startswith(f"{resource}/"):
        value = value[len(resource) + 1 :]
    if not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", value):
        raise FhirError(400, "invalid", f"Référence invalide : « {value[:80]} » (attendu {resource}/id).")
    return value


def boolean(value: str, name: str) -> bool:
    if value not in ("true", "false"):
        raise FhirError(400, "invalid", f"Paramètre {name} : « true » ou « false » attendu.")
    return value == "true"


def int_ids(values: list[str], name: str = "_id") -> list[int]:
    """Comma lists mean "any of"; an id that is not a number matches nothing (and the others still match)."""
    ids = []
    for v in values:
        for part in v.split(","):
            number = id_value(part, name)
            if number is not None:
                ids.append(number)
    return ids


def ref_ids(values: list[str], resource: str, name: str | None = None) -> list[int]:
    """``Patient/1,Patient/2`` or ``1,2``: the ids of any of the references."""
    return int_ids(
        [reference_id(v, resource) for value in values for v in value.split(",")], name or resource
    )


def cpts_id(text: str) -> int | None:
    """``cpts-<n>`` (our Organization and HealthcareService ids for a CPTS) → n; None when not so."""
    return id_value(text[5:], text[:40]) if text.startswith("cpts-") else None


def date_filter(field: str, value: str, name: str) -> Q:
    """``[prefix]AAAA-MM-JJ`` (prefix eq, ge, gt, le or lt) → a Q on the date ``field``."""
    prefix, text = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
    if prefix not in DATE_PREFIXES:
        raise FhirError(
            400, "not-supported", f"{name} : préfixe « {prefix} » non pris en charge (eq, ge, gt, le, lt)."
        )
    try:
        day = timezone.datetime.strptime(text[:10], "%Y-%m-%d").date()
    except ValueError as exc:
        raise FhirError(400, "invalid", f"{name} : date attendue au format AAAA-MM-JJ.") from exc
    return Q(**{f"{field}{DATE_PREFIXES[prefix]}": day})


def parse_near(value: str) -> tuple[float, float, float]:
    """``latitude|longitude|distance|unit`` (distance 10 and km by default) → (lat, lon, km)."""
    parts = value.split("|")
    try:
        lat, lon = float(parts[0]), float(parts[1])
        distance = float(parts[2]) if len(parts) > 2 and parts[2] else 10.0
    except (ValueError, IndexError) as exc:
        raise FhirError(
            400,
            "invalid",
            "Paramètre near mal formé : attendu near=latitude|longitude|distance|km "
            "(par exemple near=45.75|4.85|5|km).",
        ) from exc
    units = parts[3] if len(parts) > 3 and parts[3] else "km"
    if units in ("m", "http://unitsofmeasure.org|m"):
        distance /= 1000
    elif units not in ("km", "http://unitsofmeasure.org|km"):
        raise FhirError(400, "invalid", f"Unité de distance non prise en charge : « {units} » (km ou m).")
    try:
        geo.check_point(lat, lon, distance)
    except geo.SearchError as exc:
        raise FhirError(400, "invalid", exc.message) from exc
    return lat, lon, distance


@dataclass
class Paging:
    count: int
    offset: int


def paging(params) -> Paging:
    count = fhir_int(params.get("_count", str(DEFAULT_COUNT)), "_count", 0, MAX_COUNT)
    offset = fhir_int(params.get("_offset", "0"), "_offset", 0, MAX_OFFSET)
    return Paging(count, offset)


def practitioner_q(value: str, path: str) -> Q:
    """``Practitioner/1,PractitionerRole/2``: the professional at ``path`` is one of them (a role names the
    professional of that practice place)."""
    q = Q()
    for ref in value.split(","):
        if ref.startswith("PractitionerRole/"):
            q |= Q(**{f"{path}__places__pk__in": int_ids([reference_id(ref, "PractitionerRole")])})
        else:
            q |= Q(**{f"{path}_id__in": int_ids([reference_id(ref, "Practitioner")])})
    return q
