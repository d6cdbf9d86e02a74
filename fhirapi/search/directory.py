"""FHIR search of the directory (Annuaire Santé profiles): Practitioner, PractitionerRole, Organization,
Location and HealthcareService (our CPTS). Public reference data, the same for every authorised user: the
queries go through the directory's models and its geographic search (directory/search.py), the mapping is in
fhirapi/mapping.py.
"""

from django.db.models import Q

from cpts.models import CPTS
from directory import search as geo
from directory.models import PracticePlace, Professional, Structure
from fhirapi import mapping
from fhirapi.http import FhirError
from fhirapi.params import boolean, cpts_id, id_value, parse_near, reference_id, token
from fhirapi.search.spec import (
    REFERENCE,
    SPECIAL,
    STRING,
    TOKEN,
    SearchParam,
    lookups,
    reference,
    search,
    searchable,
    string,
)
from territory.text import normalize, search_key

# ------------------------------------------------------------------------------------------ filters


def _practitioner_identifier(qs, value):
    system, code = token(value)
    if system == mapping.SYS_RPPS:
        return qs.filter(id_type="8", national_id=code)
    if system == mapping.SYS_IDNAT_PS:
        return qs.filter(idnat=code)
    if system == mapping.SYS_ADELI:
        return qs.filter(id_type="0", national_id=code)
    if system in (None, ""):
        return qs.filter(Q(idnat=code) | Q(national_id=code))
    raise FhirError(400, "invalid", f"Système d'identifiant inconnu : « {system} ».")


def _qualification(qs, value):
    q = Q()
    for system, code in (token(v) for v in value.split(",")):
        if system in (None, "") or system in (mapping.SYSTEM_URLS["TRE_G15"],):
            q |= Q(profession_code=code)
        if system in (None, "") or system == mapping.SYSTEM_URLS["TRE_R38"]:
            q |= Q(specialty_code=code)
        if system == mapping.R09 and code == "C":
            q |= Q(pk__isnull=False)
    return qs.filter(q)


def _active(qs, value):
    return qs.filter(active=boolean(value, "active"))


def _role_identifier(qs, value):
    system, code = token(value)
    number = id_value(code, "identifier")
    if system not in (None, "", mapping.local_system("practice-place")) or number is None:
        return qs.none()
    return qs.filter(pk=number)


def _role(qs, value):
    q = Q()
    for _system, code in (token(v) for v in value.split(",")):
        q |= Q(profession_code=code)
    return qs.filter(q)


def _role_active(qs, value):
    if boolean(value, "active"):
        return qs.filter(active=True, professional__active=True)
    return qs.filter(Q(active=False) | Q(professional__active=False))


def _organization_identifier(qs, value):
    system, code = token(value)
    if system == mapping.SYS_FINESS:
        return qs.filter(finess=code)
    if system == mapping.SYS_SIRET:
        return qs.filter(siret=code)
    if system == mapping.SYS_IDNAT_ST:
        return qs.filter(
            Q(finess=code[1:]) if code[:1] == "1" else Q(siret=code[1:]) if code[:1] == "3" else Q(pk=-1)
        )
    if system in (None, ""):
        return qs.filter(Q(finess=code) | Q(siret=code))
    raise FhirError(400, "invalid", f"Système d'identifiant inconnu : « {system} ».")


def _only_active(qs, value):
    """Every organisation and service we serve is active: ``active=false`` matches nothing."""
    return qs if boolean(value, "active") else qs.none()


def _location_status(qs, value):
    if value not in ("active", "inactive"):
        raise FhirError(400, "invalid", "status : « active » ou « inactive » attendu.")
    return qs.filter(active=value == "active")


def _cpts_organization(qs, value):
    ids = [cpts_id(reference_id(ref, "Organization")) for ref in value.split(",")]
    return qs.filter(pk__in=[i for i in ids if i is not None])


def _cpts_ids(ids: list[str]) -> list[int]:
    return [n for n in map(cpts_id, ids) if n is not None]


# ------------------------------------------------------------------------------------------ includes


def _include_practitioners(roles) -> list[dict]:
    pros = Professional.objects.in_bulk({o.professional_id for o in roles})
    return [mapping.practitioner(p) for p in pros.values()]


def _include_organizations(roles) -> list[dict]:
    orgs = Structure.objects.select_related("commune").in_bulk(
        {o.structure_id for o in roles if o.structure_id}
    )
    return [mapping.organization(s) for s in orgs.values()]


# ------------------------------------------------------------------------------------------ resources

_name_contains = lookups("name__icontains")
_search_name = lookups("search_name__contains", prepare=normalize)

RESOURCES = {
    "Practitioner": searchable(
        base=lambda user: Professional.objects.all(),
        map=mapping.practitioner,
        params=(
            SearchParam("identifier", TOKEN, _practitioner_identifier),
            SearchParam(
                "name",
                STRING,
                _search_name,
                modifiers=(
                    ("contains", _search_name),
                    ("exact", lookups("last_name__iexact", "first_name__iexact")),
                ),
            ),
            string("family", "last_name__istartswith"),
            string("given", "first_name__istartswith"),
            SearchParam("qualification-code", TOKEN, _qualification),
            SearchParam("active", TOKEN, _active),
        ),
    ),
    "PractitionerRole": searchable(
        base=lambda user: PracticePlace.objects.select_related("professional"),
        map=mapping.practitioner_role,
        params=(
            SearchParam("identifier", TOKEN, _role_identifier),
            reference("practitioner", "Practitioner", "professional_id"),
            reference("organization", "Organization", "structure_id"),
            SearchParam("role", TOKEN, _role),
            SearchParam("active", TOKEN, _role_active),
        ),
        includes={
            "PractitionerRole:practitioner": _include_practitioners,
            "PractitionerRole:organization": _include_organizations,
        },
    ),
    "Organization": searchable(
        base=lambda user: Structure.objects.select_related("commune"),
        map=mapping.organization,
        params=(
            SearchParam("identifier", TOKEN, _organization_identifier),
            string("name", "name__icontains", modifiers=(("contains", _name_contains),)),
            SearchParam("active", TOKEN, _only_active),
        ),
    ),
    "Location": searchable(
        base=lambda user: PracticePlace.objects.select_related("professional", "commune"),
        map=mapping.location,
        params=(
            SearchParam("near", SPECIAL),  # by distance: near_search
            string("address-city", "commune__search_name__startswith", prepare=search_key),
            string("address-postalcode", "postal_code"),
            SearchParam("status", TOKEN, _location_status),
        ),
    ),
    "HealthcareService": searchable(
        base=lambda user: CPTS.objects.all(),
        map=mapping.healthcare_service,
        params=(
            string("name", "name__icontains", modifiers=(("contains", _name_contains),)),
            SearchParam("organization", REFERENCE, _cpts_organization),
            SearchParam("active", TOKEN, _only_active),
        ),
        ids=_cpts_ids,
    ),
}


def near_search(params, page) -> tuple[list, dict[int, float], bool]:
    """``Location?near=``: one page of practice places by distance, the other parameters applied to it (not
    ``_id``). Returns the places, their distance in km by id, and whether a next page may exist."""
    lat, lon, radius = parse_near(params["near"])
    hits = geo.nearest(
        lat,
        lon,
        page.offset + page.count,
        radius,
        geo.Filters(),
        start_km=min(2.0, radius),
        per_professional=False,
    )
    window = hits[page.offset : page.offset + page.count]
    ids = [h.place_id for h in window]
    distances = {h.place_id: h.distance_km for h in window}
    # Keep the other filters: apply them to the distance-sorted window.
    allowed = set(search(RESOURCES["Location"], params, None).filter(pk__in=ids).values_list("pk", flat=True))
    by_id = PracticePlace.objects.select_related("professional", "commune").in_bulk(
        [i for i in ids if i in allowed]
    )
    objects = [by_id[i] for i in ids if i in by_id]
    return objects, distances, len(hits) == page.offset + page.count
