"""The typed search-parameter spec: each resource type declares its parameters once, as ``SearchParam``s
(name, FHIR type, how a value filters the queryset). From that one declaration come the parameters a search
accepts (``check_params``), the filtering itself (``search``) and the CapabilityStatement's ``searchParam``
list (``capability_params``).

A parameter given several times is applied once per value (all must match); a comma list inside a value
means "any of". The parameters are applied in their declared order, so the first malformed one gives the
error. Parameters common to every type (``_id``, paging, ``_format``, ``_include``) are here too.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypedDict

from django.db.models import Q, QuerySet

from fhirapi.http import FhirError
from fhirapi.params import date_filter, int_ids, ref_ids

Filter = Callable[[QuerySet, str], QuerySet]

# FHIR search parameter types (http://hl7.org/fhir/R4/search.html#ptypes).
STRING, TOKEN, REFERENCE, DATE, NUMBER, SPECIAL = "string", "token", "reference", "date", "number", "special"


@dataclass(frozen=True)
class SearchParam:
    """One search parameter: ``apply(qs, value)`` filters by one value (None: the view handles it, as
    ``near``); ``modifiers`` are the supported ``name:modifier`` forms with their own filter. Another
    modifier of an allowed name is accepted and ignored."""

    name: str
    type: str
    apply: Filter | None = None
    modifiers: tuple[tuple[str, Filter], ...] = ()

    def filters(self) -> Iterator[tuple[str, Filter]]:
        if self.apply is not None:
            yield self.name, self.apply
        for modifier, apply in self.modifiers:
            yield f"{self.name}:{modifier}", apply


def lookups(*names: str, prepare: Callable[[str], str] | None = None) -> Filter:
    """A filter matching when any of the lookups matches the (prepared) value."""

    def apply(qs, value):
        text = prepare(value) if prepare else value
        q = Q()
        for name in names:
            q |= Q(**{name: text})
        return qs.filter(q)

    return apply


def string(name: str, *names: str, prepare=None, modifiers=()) -> SearchParam:
    return SearchParam(name, STRING, lookups(*names, prepare=prepare), modifiers)


def reference(name: str, target: str, field: str) -> SearchParam:
    """``name=Target/1,Target/2``: ``field`` (an id column) is one of them."""
    return SearchParam(
        name, REFERENCE, lambda qs, value: qs.filter(**{f"{field}__in": ref_ids([value], target)})
    )


def date(name: str, field: str) -> SearchParam:
    """``name=[eq|ge|gt|le|lt]AAAA-MM-JJ`` on the date ``field``."""
    return SearchParam(name, DATE, lambda qs, value: qs.filter(date_filter(field, value, name)))


# What every type accepts: ``_id`` (a search parameter, listed in the CapabilityStatement), paging, and the
# result parameters ``_format`` and ``_include`` (checked by ``check_params``).
COMMON_PARAMS = (SearchParam("_id", TOKEN), SearchParam("_count", NUMBER), SearchParam("_offset", NUMBER))
COMMON = {p.name for p in COMMON_PARAMS} | {"_format", "_include"}
FORMATS = ("json", "application/fhir+json", "application/json")


class ResourceSpec(TypedDict):
    """A searchable resource type. ``base(user)`` is what the user may read: the whole table for the
    directory (called with None), what coordination.access allows for ``tenant`` data (None: nothing).
    ``includes`` maps each supported ``_include`` to the resources it adds for a page of results; ``ids``
    turns the ``_id`` values into primary keys."""

    base: Callable
    map: Callable[[object], dict]
    params: dict[str, SearchParam]
    includes: dict[str, Callable[[list], list[dict]]]
    ids: Callable[[list[str]], list[int]]
    order: tuple[str, ...]
    distinct: bool
    tenant: bool


def searchable(
    base, map, params, includes=None, ids=int_ids, order=("pk",), distinct=False, tenant=False
) -> ResourceSpec:
    """Declare a searchable type: its parameters in the order they are applied (and listed)."""
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError(f"Search parameter declared twice: {names}")
    return ResourceSpec(
        base=base,
        map=map,
        params={p.name: p for p in params},
        includes=includes or {},
        ids=ids,
        order=order,
        distinct=distinct,
        tenant=tenant,
    )


def check_params(params, spec: ResourceSpec) -> None:
    for name in params:
        base = name.split(":", 1)[0]
        if base not in spec["params"].keys() | COMMON:
            raise FhirError(
                400,
                "not-supported",
                f"Paramètre de recherche non pris en charge : « {name} ». Voir /fhir/metadata.",
            )
    if params.get("_format") and params.get("_format") not in FORMATS:
        raise FhirError(
            406, "not-supported", "Seul le format JSON (application/fhir+json) est pris en charge."
        )
    for inc in params.getlist("_include"):
        if inc not in spec["includes"]:
            raise FhirError(400, "not-supported", f"_include non pris en charge : « {inc} ».")


def search(spec: ResourceSpec, params, user) -> QuerySet:
    """What ``user`` may read of this type, filtered by every declared parameter present (not ``_id``)."""
    qs = spec["base"](user)
    for param in spec["params"].values():
        for key, apply in param.filters():
            for value in params.getlist(key):
                qs = apply(qs, value)
    if spec["distinct"]:
        qs = qs.distinct()
    return qs.order_by(*spec["order"])


def filter_ids(spec: ResourceSpec, params, qs: QuerySet) -> QuerySet:
    if params.getlist("_id"):
        ids = [i for v in params.getlist("_id") for i in v.split(",")]
        qs = qs.filter(pk__in=spec["ids"](ids))
    return qs


def capability_params(spec: ResourceSpec) -> list[dict]:
    """The CapabilityStatement's ``searchParam`` list of a type: its own parameters, then the common ones."""
    return [{"name": p.name, "type": p.type} for p in (*spec["params"].values(), *COMMON_PARAMS)]
