"""FHIR R4 read and search at /fhir: the directory (Annuaire Santé profiles) and the Cercle de soins.

HTTP side only: ``metadata`` (the CapabilityStatement, derived from the search specs), ``read``,
``search_type`` (dispatch to the resource's spec, paging, ``_include``, links, the searchset Bundle) and
``not_found``. JSON only (application/fhir+json), answers and guard in fhirapi/http.py, value parsing in
fhirapi/params.py, the searches in fhirapi/search/ (directory.py, care.py) and fhirapi/documents.py,
fhirapi/appointments.py; mapping in fhirapi/mapping.py; the read audit in fhirapi/trace.py.
"""

from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.apiauth import request_user
from cpts.models import CPTS
from fhirapi import appointments, documents, mapping
from fhirapi.http import base_url, guarded, outcome, respond
from fhirapi.params import cpts_id, id_value, paging
from fhirapi.search import care, directory
from fhirapi.search.spec import COMMON, capability_params, check_params, filter_ids, search
from fhirapi.trace import record_fhir_view

__all__ = ["COMMON", "RESOURCES", "metadata", "not_found", "read", "search_type"]

RESOURCES = {
    **directory.RESOURCES,
    # Tenant data: each spec's ``base`` gives, per request, what the user may read (coordination.access).
    **care.RESOURCES,
    "DocumentReference": documents.RESOURCE,
    "Appointment": appointments.RESOURCE,
}

DISTANCE_URL = "http://hl7.org/fhir/StructureDefinition/location-distance"


def _unsupported(resource_type: str):
    return outcome(404, "not-supported", f"Type de ressource non pris en charge : {resource_type}.")


def _user(request, spec):
    """The user whose rights scope tenant data; None for the directory (no token look-up)."""
    return request_user(request) if spec["tenant"] else None


def _entry(base: str, resource: dict, mode: str = "match", distance_km: float | None = None) -> dict:
    entry = {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }
    if distance_km is not None:
        distance = {"value": round(distance_km, 3), "unit": "km", "system": "http://unitsofmeasure.org"}
        entry["search"]["extension"] = [{"url": DISTANCE_URL, "valueDistance": {**distance, "code": "km"}}]
    return entry


def _link(request, base: str, resource_type: str, offset: int, count: int) -> str:
    params = request.GET.copy()
    params["_offset"] = str(offset)
    params["_count"] = str(count)
    return f"{base}/{resource_type}?{params.urlencode()}"


@require_GET
def metadata(request):
    resources = []
    for name, spec in RESOURCES.items():
        resource = {
            "type": name,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchInclude": sorted(spec["includes"]),
            "searchParam": capability_params(spec),
        }
        if mapping.PROFILES.get(name):
            resource["profile"] = mapping.PROFILES[name][0]
        resources.append(resource)
    body = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "publisher": "OpenCPTS",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "software": {"name": "OpenCPTS"},
        "implementation": {
            "description": "Annuaire de l'offre de soins et cercles de soins",
            "url": base_url(request),
        },
        "rest": [
            {
                "mode": "server",
                "security": {"description": "Jeton Bearer ou session authentifiée (second facteur)."},
                "resource": resources,
            }
        ],
    }
    return respond(body)


@guarded
def read(request, resource_type: str, resource_id: str):
    spec = RESOURCES.get(resource_type)
    if spec is None:
        return _unsupported(resource_type)
    if resource_type in ("Organization", "HealthcareService") and resource_id.startswith("cpts-"):
        number = cpts_id(resource_id)
        cpts = CPTS.objects.filter(pk=number).first() if number is not None else None
        if cpts is not None:
            return respond(
                (mapping.cpts_organization if resource_type == "Organization" else spec["map"])(cpts)
            )
        return outcome(404, "not-found", f"{resource_type}/{resource_id} introuvable.")
    number = id_value(resource_id, f"{resource_type}/{resource_id}")
    if number is None or resource_type == "HealthcareService":  # a HealthcareService id is cpts-<n>
        obj = None
    else:  # for tenant data, what the user may not read does not exist for them
        obj = spec["base"](_user(request, spec)).filter(pk=number).first()
    if obj is None:
        return outcome(404, "not-found", f"{resource_type}/{resource_id} introuvable.")
    body = spec["map"](obj)
    record_fhir_view(request.user, resource_type, [obj], "read")
    return respond(body)


def _included(spec, params, objects) -> list[dict]:
    """The resources the ``_include``s add, each once."""
    included, seen = [], set()
    for inc in params.getlist("_include"):
        for res in spec["includes"][inc](objects):
            key = (res["resourceType"], res["id"])
            if key not in seen:
                seen.add(key)
                included.append(res)
    return included


def _links(request, base: str, resource_type: str, page, has_next: bool) -> list[dict]:
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if has_next:
        url = _link(request, base, resource_type, page.offset + page.count, page.count)
        links.append({"relation": "next", "url": url})
    if page.offset > 0:
        url = _link(request, base, resource_type, max(0, page.offset - page.count), page.count)
        links.append({"relation": "previous", "url": url})
    return links


@guarded
def search_type(request, resource_type: str):
    spec = RESOURCES.get(resource_type)
    if spec is None:
        return _unsupported(resource_type)
    params = request.GET
    check_params(params, spec)
    page = paging(params)
    base = base_url(request)
    distances: dict[int, float] = {}
    total = None
    if resource_type == "Location" and params.get("near"):
        objects, distances, has_next = directory.near_search(params, page)
    else:
        qs = filter_ids(spec, params, search(spec, params, _user(request, spec)))
        total = qs.count()
        objects = list(qs[page.offset : page.offset + page.count])
        has_next = page.offset + page.count < total
    entries = [_entry(base, spec["map"](o), distance_km=distances.get(o.pk)) for o in objects]
    entries += [_entry(base, res, mode="include") for res in _included(spec, params, objects)]
    bundle = {
        "resourceType": "Bundle",
        "id": f"search-{timezone.now().strftime('%Y%m%d%H%M%S%f')}",
        "meta": {"lastUpdated": timezone.now().isoformat(timespec="milliseconds")},
        "type": "searchset",
        "link": _links(request, base, resource_type, page, has_next),
        "entry": entries,
    }
    if total is not None:
        bundle["total"] = total
    record_fhir_view(request.user, resource_type, objects, "search-type")
    return respond(bundle)


def not_found(request, rest: str = ""):
    return outcome(404, "not-found", f"Point d'accès FHIR inconnu : /fhir/{rest}")
