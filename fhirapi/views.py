"""FHIR R4 read and search for the directory (Annuaire Santé profiles), at /fhir.

Interface only: queries go through the directory's models and its geographic search
(directory/search.py); mapping in fhir/mapping.py. JSON only (application/fhir+json).
"""

import json
import re
from dataclasses import dataclass

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.apiauth import request_user
from coordination import access
from coordination.models import Consent, Group, GroupMember, Message, Patient, Relative
from cpts.models import CPTS, Membership
from cpts.roles import FHIR_PERMISSION, ROLE_PERMISSIONS
from directory import search as geo
from directory.models import PracticePlace, Professional, Structure
from fhirapi import appointments as fhir_appointments
from fhirapi import documents as fhir_documents
from fhirapi import mapping
from fhirapi.trace import record_fhir_view
from opencpts.intparams import MAX_ID, MAX_INT32, IntParamError, is_number, parse_int
from territory.text import normalize, search_key

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
DEFAULT_COUNT, MAX_COUNT = 50, 1000
MAX_OFFSET = MAX_INT32
COMMON = {"_count", "_offset", "_format", "_include", "_id"}


class FhirError(Exception):
    def __init__(self, status: int, code: str, diagnostics: str):
        super().__init__(diagnostics)
        self.status, self.code, self.diagnostics = status, code, diagnostics


def outcome(status: int, code: str, diagnostics: str) -> HttpResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error" if status >= 400 else "information",
                "code": code,
                "diagnostics": diagnostics,
            }
        ],
    }
    return respond(body, status)


def respond(body: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE)


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir/").rstrip("/")


# ------------------------------------------------------------------------------------------- params


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
    """``cpts-<n>`` (our Organization and HealthcareService ids for a CPTS) → n; None when not of that
    form."""
    return id_value(text[5:], text[:40]) if text.startswith("cpts-") else None


@dataclass
class Paging:
    count: int
    offset: int


def paging(params) -> Paging:
    count = fhir_int(params.get("_count", str(DEFAULT_COUNT)), "_count", 0, MAX_COUNT)
    offset = fhir_int(params.get("_offset", "0"), "_offset", 0, MAX_OFFSET)
    return Paging(count, offset)


def check_params(params, allowed: set[str], includes: set[str]) -> None:
    for name in params:
        base = name.split(":", 1)[0]
        if base not in allowed | COMMON:
            raise FhirError(
                400,
                "not-supported",
                f"Paramètre de recherche non pris en charge : « {name} ». Voir /fhir/metadata.",
            )
    if params.get("_format") and params.get("_format") not in (
        "json",
        "application/fhir+json",
        "application/json",
    ):
        raise FhirError(
            406, "not-supported", "Seul le format JSON (application/fhir+json) est pris en charge."
        )
    for inc in params.getlist("_include"):
        if inc not in includes:
            raise FhirError(400, "not-supported", f"_include non pris en charge : « {inc} ».")


# ------------------------------------------------------------------------------------------- search


def search_practitioner(params):
    qs = Professional.objects.all()
    for value in params.getlist("identifier"):
        system, code = token(value)
        if system == mapping.SYS_RPPS:
            qs = qs.filter(id_type="8", national_id=code)
        elif system == mapping.SYS_IDNAT_PS:
            qs = qs.filter(idnat=code)
        elif system == mapping.SYS_ADELI:
            qs = qs.filter(id_type="0", national_id=code)
        elif system in (None, ""):
            qs = qs.filter(Q(idnat=code) | Q(national_id=code))
        else:
            raise FhirError(400, "invalid", f"Système d'identifiant inconnu : « {system} ».")
    for key in ("name", "name:contains", "name:exact"):
        for value in params.getlist(key):
            norm = normalize(value)
            qs = (
                qs.filter(search_name__contains=norm)
                if key != "name:exact"
                else qs.filter(Q(last_name__iexact=value) | Q(first_name__iexact=value))
            )
    for value in params.getlist("family"):
        qs = qs.filter(last_name__istartswith=value)
    for value in params.getlist("given"):
        qs = qs.filter(first_name__istartswith=value)
    for value in params.getlist("qualification-code"):
        codes = [token(v) for v in value.split(",")]
        q = Q()
        for system, code in codes:
            if system in (None, "") or system in (mapping.SYSTEM_URLS["TRE_G15"],):
                q |= Q(profession_code=code)
            if system in (None, "") or system == mapping.SYSTEM_URLS["TRE_R38"]:
                q |= Q(specialty_code=code)
            if system == mapping.R09 and code == "C":
                q |= Q(pk__isnull=False)
        qs = qs.filter(q)
    for value in params.getlist("active"):
        qs = qs.filter(active=boolean(value, "active"))
    return qs.order_by("pk")


def search_practitioner_role(params):
    qs = PracticePlace.objects.select_related("professional")
    for value in params.getlist("identifier"):
        system, code = token(value)
        number = id_value(code, "identifier")
        if system not in (None, "", mapping.local_system("practice-place")) or number is None:
            qs = qs.none()
        else:
            qs = qs.filter(pk=number)
    for value in params.getlist("practitioner"):
        qs = qs.filter(professional_id__in=ref_ids([value], "Practitioner"))
    for value in params.getlist("organization"):
        qs = qs.filter(structure_id__in=ref_ids([value], "Organization"))
    for value in params.getlist("role"):
        q = Q()
        for _system, code in (token(v) for v in value.split(",")):
            q |= Q(profession_code=code)
        qs = qs.filter(q)
    for value in params.getlist("active"):
        active = boolean(value, "active")
        qs = (
            qs.filter(active=True, professional__active=True)
            if active
            else qs.filter(Q(active=False) | Q(professional__active=False))
        )
    return qs.order_by("pk")


def search_organization(params):
    qs = Structure.objects.select_related("commune")
    for value in params.getlist("identifier"):
        system, code = token(value)
        if system == mapping.SYS_FINESS:
            qs = qs.filter(finess=code)
        elif system == mapping.SYS_SIRET:
            qs = qs.filter(siret=code)
        elif system == mapping.SYS_IDNAT_ST:
            qs = qs.filter(
                Q(finess=code[1:]) if code[:1] == "1" else Q(siret=code[1:]) if code[:1] == "3" else Q(pk=-1)
            )
        elif system in (None, ""):
            qs = qs.filter(Q(finess=code) | Q(siret=code))
        else:
            raise FhirError(400, "invalid", f"Système d'identifiant inconnu : « {system} ».")
    for key in ("name", "name:contains"):
        for value in params.getlist(key):
            qs = qs.filter(name__icontains=value)
    for value in params.getlist("active"):
        if not boolean(value, "active"):
            qs = qs.none()
    return qs.order_by("pk")


def parse_near(value: str) -> tuple[float, float, float]:
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


def search_location(params):
    qs = PracticePlace.objects.select_related("professional", "commune")
    for value in params.getlist("address-city"):
        qs = qs.filter(commune__search_name__startswith=search_key(value))
    for value in params.getlist("address-postalcode"):
        qs = qs.filter(postal_code=value)
    for value in params.getlist("status"):
        if value not in ("active", "inactive"):
            raise FhirError(400, "invalid", "status : « active » ou « inactive » attendu.")
        qs = qs.filter(active=value == "active")
    return qs.order_by("pk")


def search_healthcare_service(params):
    qs = CPTS.objects.all()
    for key in ("name", "name:contains"):
        for value in params.getlist(key):
            qs = qs.filter(name__icontains=value)
    for value in params.getlist("organization"):
        ids = [cpts_id(reference_id(ref, "Organization")) for ref in value.split(",")]
        qs = qs.filter(pk__in=[i for i in ids if i is not None])
    for value in params.getlist("active"):
        if not boolean(value, "active"):
            qs = qs.none()
    return qs.order_by("pk")


# ----------------------------------------------------------------- Cercle de soins (tenant data)
# Never the whole table: each search starts from what coordination.access lets this user read.


def visible_group_ids(user) -> set[int]:
    """Groups the user may read, over every CPTS where they are an active member (coordination.access)."""
    return set(access.readable_group_ids(user))


DATE_PREFIXES = {"eq": "", "ge": "__gte", "gt": "__gt", "le": "__lte", "lt": "__lt"}


def date_filter(field: str, value: str, name: str) -> Q:
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


def visible_careteams(user):
    return Group.objects.filter(pk__in=visible_group_ids(user)).select_related("patient")


def visible_fhir_patients(user):
    return Patient.objects.filter(groups__pk__in=visible_group_ids(user)).distinct()


def visible_relatives(user):
    return Relative.objects.filter(patient__in=visible_fhir_patients(user))


def visible_consents(user):
    return Consent.objects.filter(group_id__in=visible_group_ids(user)).select_related(
        "collected_by__professional"
    )


def visible_messages(user):
    return Message.objects.filter(group_id__in=visible_group_ids(user)).select_related(
        "group", "parent", "author__professional"
    )


def search_careteam(params, qs):
    for value in params.getlist("patient") + params.getlist("subject"):
        qs = qs.filter(patient_id__in=ref_ids([value], "Patient"))
    for value in params.getlist("participant"):
        q = Q()
        for ref in value.split(","):
            if ref.startswith("PractitionerRole/"):
                q |= Q(
                    members__user__professional__places__pk__in=int_ids(
                        [reference_id(ref, "PractitionerRole")]
                    )
                )
            else:
                q |= Q(members__user__professional_id__in=int_ids([reference_id(ref, "Practitioner")]))
        qs = qs.filter(q, members__status=GroupMember.Status.ACTIVE)
    for value in params.getlist("status"):
        statuses = value.split(",")
        if set(statuses) - {"active", "inactive"}:
            raise FhirError(400, "invalid", "status : « active » ou « inactive » attendu.")
        qs = qs.filter(
            status__in=[Group.Status.OPEN if s == "active" else Group.Status.CLOSED for s in statuses]
        )
    for key in ("date", "start"):
        for value in params.getlist(key):
            qs = qs.filter(date_filter("created_at__date", value, key))
    for value in params.getlist("identifier"):
        system, code = token(value)
        number = id_value(code, "identifier")
        if system not in (None, "", mapping.local_system("careteam")) or number is None:
            qs = qs.none()
        else:
            qs = qs.filter(pk=number)
    return qs.distinct().order_by("pk")


def search_patient(params, qs):
    for value in params.getlist("identifier"):
        system, code = token(value)
        if system not in (None, "", mapping.SYS_INS_NIR) or not code:
            qs = qs.none()
        else:
            qs = qs.filter(nir=code)
    for value in params.getlist("family"):
        qs = qs.filter(Q(family_name__istartswith=value) | Q(used_name__istartswith=value))
    for value in params.getlist("given"):
        qs = qs.filter(given_names__istartswith=value)
    for value in params.getlist("name"):
        qs = qs.filter(
            Q(family_name__icontains=value) | Q(used_name__icontains=value) | Q(given_names__icontains=value)
        )
    for value in params.getlist("birthdate"):
        qs = qs.filter(date_filter("birth_date", value, "birthdate"))
    return qs.order_by("pk")


def search_related_person(params, qs):
    for value in params.getlist("patient"):
        qs = qs.filter(patient_id__in=ref_ids([value], "Patient"))
    return qs.order_by("pk")


def search_consent(params, qs):
    for value in params.getlist("patient"):
        qs = qs.filter(patient_id__in=ref_ids([value], "Patient"))
    for value in params.getlist("status"):
        if value not in ("active", "inactive"):
            raise FhirError(400, "invalid", "status : « active » ou « inactive » attendu.")
        valid = [c.pk for c in qs if c.is_valid()]
        qs = qs.filter(pk__in=valid) if value == "active" else qs.exclude(pk__in=valid)
    return qs.order_by("pk")


def search_communication(params, qs):
    for value in params.getlist("subject") + params.getlist("patient"):
        qs = qs.filter(group__patient_id__in=ref_ids([value], "Patient"))
    return qs.order_by("pk")


RESOURCES = {
    "Practitioner": {
        "search": search_practitioner,
        "map": mapping.practitioner,
        "model": Professional,
        "params": {
            "identifier": "token",
            "name": "string",
            "family": "string",
            "given": "string",
            "qualification-code": "token",
            "active": "token",
        },
        "includes": set(),
    },
    "PractitionerRole": {
        "search": search_practitioner_role,
        "map": mapping.practitioner_role,
        "model": PracticePlace,
        "params": {
            "identifier": "token",
            "practitioner": "reference",
            "organization": "reference",
            "role": "token",
            "active": "token",
        },
        "includes": {"PractitionerRole:practitioner", "PractitionerRole:organization"},
    },
    "Organization": {
        "search": search_organization,
        "map": mapping.organization,
        "model": Structure,
        "params": {"identifier": "token", "name": "string", "active": "token"},
        "includes": set(),
    },
    "Location": {
        "search": search_location,
        "map": mapping.location,
        "model": PracticePlace,
        "params": {
            "near": "special",
            "address-city": "string",
            "address-postalcode": "string",
            "status": "token",
        },
        "includes": set(),
    },
    "HealthcareService": {
        "search": search_healthcare_service,
        "map": mapping.healthcare_service,
        "model": CPTS,
        "params": {"name": "string", "organization": "reference", "active": "token"},
        "includes": set(),
    },
    # Tenant data: "visible" gives, per request, what the user may read (coordination.access).
    "CareTeam": {
        "search": search_careteam,
        "map": mapping.careteam,
        "visible": visible_careteams,
        "params": {
            "patient": "reference",
            "subject": "reference",
            "participant": "reference",
            "status": "token",
            "date": "date",
            "start": "date",
            "identifier": "token",
        },
        "includes": set(),
    },
    "Patient": {
        "search": search_patient,
        "map": mapping.patient,
        "visible": visible_fhir_patients,
        "params": {
            "identifier": "token",
            "family": "string",
            "given": "string",
            "name": "string",
            "birthdate": "date",
        },
        "includes": set(),
    },
    "RelatedPerson": {
        "search": search_related_person,
        "map": mapping.related_person,
        "visible": visible_relatives,
        "params": {"patient": "reference"},
        "includes": set(),
    },
    "Consent": {
        "search": search_consent,
        "map": mapping.consent,
        "visible": visible_consents,
        "params": {"patient": "reference", "status": "token"},
        "includes": set(),
    },
    "Communication": {
        "search": search_communication,
        "map": mapping.communication,
        "visible": visible_messages,
        "params": {"subject": "reference", "patient": "reference"},
        "includes": set(),
    },
    "DocumentReference": {
        "search": fhir_documents.search_document_reference,
        "map": fhir_documents.document_reference,
        "visible": fhir_documents.visible_documents,
        "params": {
            "patient": "reference",
            "subject": "reference",
            "related": "reference",
            "author": "reference",
            "status": "token",
            "date": "date",
        },
        "includes": set(),
    },
    "Appointment": {
        "search": fhir_appointments.search_appointment,
        "map": fhir_appointments.appointment,
        "visible": fhir_appointments.visible_appointments,
        "params": {
            "patient": "reference",
            "actor": "reference",
            "practitioner": "reference",
            "supporting-info": "reference",
            "date": "date",
            "status": "token",
            "service-type": "token",
            "identifier": "token",
        },
        "includes": set(),
    },
}


# -------------------------------------------------------------------------------------------- views


def authorised(request) -> bool:
    user = request_user(request)
    if user is None:
        return False
    if user.is_staff:
        return True
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if FHIR_PERMISSION in perms]
    return Membership.objects.filter(user=user, active=True, role__in=roles).exists()


def guarded(view):
    def wrapper(request, *args, **kwargs):
        if request.method != "GET":
            return outcome(
                405, "not-supported", "Serveur en lecture seule : seules les requêtes GET sont acceptées."
            )
        if not authorised(request):
            return outcome(
                401,
                "login",
                "Authentification requise : jeton (Authorization: Bearer) ou session avec "
                "second facteur, d'un membre d'une CPTS.",
            )
        try:
            return view(request, *args, **kwargs)
        except FhirError as exc:
            return outcome(exc.status, exc.code, exc.diagnostics)

    wrapper.__name__ = view.__name__
    return wrapper


def _entry(base: str, resource: dict, mode: str = "match", distance_km: float | None = None) -> dict:
    entry = {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }
    if distance_km is not None:
        entry["search"]["extension"] = [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/location-distance",
                "valueDistance": {
                    "value": round(distance_km, 3),
                    "unit": "km",
                    "system": "http://unitsofmeasure.org",
                    "code": "km",
                },
            }
        ]
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
        search_params = [
            {"name": p, "type": t if t in ("token", "reference", "special", "date") else "string"}
            for p, t in spec["params"].items()
        ]
        search_params += [
            {"name": "_id", "type": "token"},
            {"name": "_count", "type": "number"},
            {"name": "_offset", "type": "number"},
        ]
        resource = {
            "type": name,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchInclude": sorted(spec["includes"]),
            "searchParam": search_params,
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
        return outcome(404, "not-supported", f"Type de ressource non pris en charge : {resource_type}.")
    if resource_type in ("Organization", "HealthcareService") and resource_id.startswith("cpts-"):
        number = cpts_id(resource_id)
        cpts = CPTS.objects.filter(pk=number).first() if number is not None else None
        if cpts is not None:
            return respond(
                (mapping.cpts_organization if resource_type == "Organization" else spec["map"])(cpts)
            )
        return outcome(404, "not-found", f"{resource_type}/{resource_id} introuvable.")
    number = id_value(resource_id, f"{resource_type}/{resource_id}")
    if number is None or resource_type == "HealthcareService":
        obj = None
    elif "visible" in spec:  # tenant data: what the user may not read does not exist for them
        obj = spec["visible"](request_user(request)).filter(pk=number).first()
    else:
        obj = spec["model"].objects.filter(pk=number).first()
    if obj is None:
        return outcome(404, "not-found", f"{resource_type}/{resource_id} introuvable.")
    body = spec["map"](obj)
    record_fhir_view(request.user, resource_type, [obj], "read")
    return respond(body)


@guarded
def search_type(request, resource_type: str):
    spec = RESOURCES.get(resource_type)
    if spec is None:
        return outcome(404, "not-supported", f"Type de ressource non pris en charge : {resource_type}.")
    params = request.GET
    check_params(params, set(spec["params"]), spec["includes"])
    page = paging(params)
    base = base_url(request)
    distances: dict[int, float] = {}
    if resource_type == "Location" and params.get("near"):
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
        allowed = set(search_location(params).filter(pk__in=ids).values_list("pk", flat=True))
        by_id = PracticePlace.objects.select_related("professional", "commune").in_bulk(
            [i for i in ids if i in allowed]
        )
        objects = [by_id[i] for i in ids if i in by_id]
        total = None
        has_next = len(hits) == page.offset + page.count
    else:
        if "visible" in spec:
            qs = spec["search"](params, spec["visible"](request_user(request)))
        else:
            qs = spec["search"](params)
        if params.getlist("_id"):
            ids = [i for v in params.getlist("_id") for i in v.split(",")]
            if resource_type == "HealthcareService":
                qs = qs.filter(pk__in=[n for n in map(cpts_id, ids) if n is not None])
            else:
                qs = qs.filter(pk__in=int_ids(ids))
        total = qs.count()
        objects = list(qs[page.offset : page.offset + page.count])
        has_next = page.offset + page.count < total
    entries = [_entry(base, spec["map"](o), distance_km=distances.get(o.pk)) for o in objects]
    included = []
    for inc in params.getlist("_include"):
        if inc == "PractitionerRole:practitioner":
            pros = Professional.objects.in_bulk({o.professional_id for o in objects})
            included += [mapping.practitioner(p) for p in pros.values()]
        elif inc == "PractitionerRole:organization":
            orgs = Structure.objects.select_related("commune").in_bulk(
                {o.structure_id for o in objects if o.structure_id}
            )
            included += [mapping.organization(s) for s in orgs.values()]
    seen = set()
    for res in included:
        key = (res["resourceType"], res["id"])
        if key not in seen:
            seen.add(key)
            entries.append(_entry(base, res, mode="include"))
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if has_next:
        links.append(
            {
                "relation": "next",
                "url": _link(request, base, resource_type, page.offset + page.count, page.count),
            }
        )
    if page.offset > 0:
        links.append(
            {
                "relation": "previous",
                "url": _link(request, base, resource_type, max(0, page.offset - page.count), page.count),
            }
        )
    bundle = {
        "resourceType": "Bundle",
        "id": f"search-{timezone.now().strftime('%Y%m%d%H%M%S%f')}",
        "meta": {"lastUpdated": timezone.now().isoformat(timespec="milliseconds")},
        "type": "searchset",
        "link": links,
        "entry": entries,
    }
    if total is not None:
        bundle["total"] = total
    record_fhir_view(request.user, resource_type, objects, "search-type")
    return respond(bundle)


def not_found(request, rest: str = ""):
    return outcome(404, "not-found", f"Point d'accès FHIR inconnu : /fhir/{rest}")
