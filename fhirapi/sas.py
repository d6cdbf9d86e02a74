"""The SAS interface (flow INT_R04): the FHIR search the national Service d'Accès aux Soins aggregator calls
to read the CPTS's unscheduled slots, ``GET [base]/Slot``, answered with a Bundle conforming to the SAS 1.1.0
profiles (``sas-cpts-bundle-aggregator`` and the resources it slices). Deployment (mTLS): docs/OPERATIONS.md,
« Interface SAS ».

This module maps; it owns no rule. Which slots exist and who may see them is decided by the ``unscheduled``
app: the SAS sees the bookable slots (``Slot.objects.bookable``: free, unpaused, future, carrying at least one
TRE_R314 type, every type being a SAS type) of the requested professionals, published in a CPTS that has a
FINESS (the CPTS Organization must be identified by it).

Request parsing is tolerant where the SAS and its test kit are inconsistent: dates with an offset, without one
(Europe/Paris), with ``+00:00`` meaning Paris local time (``SAS_UTC_LABEL_IS_LOCAL``), a ``+`` that arrived as
a space, date-only bounds; national ids with or without their ``8``/``0`` prefix; repeated ``_include`` keys.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.conf import settings
from django.urls import reverse

from agenda.timing import PARIS
from unscheduled.models import Audience, Slot

IDNPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
IDNST_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
IDNST_PREFERENCE = "134"  # FINESS, SIRET, RPPS rang (IG FAQ)
V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
LOCATION_ID_TYPE = "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type"
TRE_R314 = "https://mos.esante.gouv.fr/NOS/TRE_R314-TypeCreneau/FHIR/TRE-R314-TypeCreneau"
TRE_R66 = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
TRE_R38 = "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V2_0276 = "http://terminology.hl7.org/CodeSystem/v2-0276"
SERVICE_TYPE_EXT = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Slot.serviceType"
CPTS_CATEGORY = "604"

PROFILES = {
    "Bundle": "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-cpts-bundle-aggregator",
    "Slot": "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-cpts-slot-aggregator",
    "Schedule": "http://sas.fr/fhir/StructureDefinition/FrScheduleAgregateur",
    "Practitioner": "http://sas.fr/fhir/StructureDefinition/FrPractitionerAgregateur",
    "PractitionerRole": "http://sas.fr/fhir/StructureDefinition/FrPractitionerRoleExerciceAgregateur",
    "Location": "http://sas.fr/fhir/StructureDefinition/FrLocationAgregateur",
    "HealthcareService": "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-cpts-healthcareservice-aggregator",
    "Organization": "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-cpts-organization-aggregator",
}

MAX_IDS = 25
IDENTIFIER_PARAM = "schedule.actor:Practitioner.identifier"
INCLUDES = {"Slot:schedule", "Slot:service-type-reference"}
ITERATES = {"Schedule:actor", "HealthcareService:organization"}
KNOWN = {IDENTIFIER_PARAM, "start", "status", "_include", "_include:iterate", "_count", "_format"}
DATE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"(?P<offset>Z|[+\- ]\d{2}:?\d{2})?)?$"
)


class SasError(Exception):
    """A request that cannot be run: 400 with an OperationOutcome (never for "no match")."""

    def __init__(self, diagnostics: str, code: str = "invalid", status: int = 400):
        super().__init__(diagnostics)
        self.diagnostics, self.code, self.status = diagnostics, code, status


@dataclass(frozen=True)
class SasQuery:
    idnats: list[str]
    start_ge: dt.datetime
    start_le: dt.datetime
    includes: frozenset[str]
    iterates: frozenset[str]
    count: int | None


def parse_datetime(raw: str, upper: bool) -> dt.datetime:
    value = raw.strip()
    match = DATE.match(value) or DATE.match(raw.replace(" ", "+"))
    if not match:
        raise SasError(f"Date invalide : « {raw} » (attendu AAAA-MM-JJThh:mm:ss.sss±hh:mm).")
    try:
        day = dt.date.fromisoformat(match["date"])
        if not match["time"]:
            moment = dt.datetime.combine(day, dt.time.max if upper else dt.time.min)
            return moment.replace(tzinfo=PARIS)
        moment = dt.datetime.fromisoformat(f"{match['date']}T{match['time']}")
    except ValueError:
        raise SasError(f"Date invalide : « {raw} » (ce jour ou cette heure n'existe pas).") from None
    offset = match["offset"]
    if offset is None:
        return moment.replace(tzinfo=PARIS)
    offset = offset.replace(" ", "+")
    if offset in ("Z", "+00:00", "+0000", "-00:00") and settings.SAS_UTC_LABEL_IS_LOCAL:
        return moment.replace(tzinfo=PARIS)  # Paris local time labelled UTC, as the test kit sends it
    if offset == "Z":
        return moment.replace(tzinfo=dt.UTC)
    sign = 1 if offset[0] == "+" else -1
    digits = offset[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta >= dt.timedelta(hours=24):
        raise SasError(f"Date invalide : « {raw} » (décalage horaire impossible).")
    return moment.replace(tzinfo=dt.timezone(sign * delta))


def normalise_idnat(system: str | None, value: str) -> str:
    if system not in (None, "", IDNPS_SYSTEM):
        raise SasError(f"Système d'identifiant non pris en charge : « {system} » (attendu {IDNPS_SYSTEM}).")
    value = value.strip()
    if re.fullmatch(r"[80]\d{11}|0\d{8,9}", value):
        return value
    if re.fullmatch(r"\d{11}", value):  # an RPPS given without its prefix
        return "8" + value
    if re.fullmatch(r"\d{9}", value):  # an ADELI given without its prefix
        return "0" + value
    raise SasError(f"Identifiant national invalide : « {value} » (RPPS préfixé par 8 : 12 chiffres).")


@dataclass
class _Params:
    """The search parameters read so far (``parse``), before the checks on the whole query."""

    ge: dt.datetime | None = None
    le: dt.datetime | None = None
    ids: list[str] = field(default_factory=list)
    includes: set[str] = field(default_factory=set)
    iterates: set[str] = field(default_factory=set)
    count: int | None = None


def _read_start(params: _Params, value: str) -> None:
    """``start=ge…``/``gt…`` (lower bound) or ``start=le…``/``lt…`` (upper bound), each at most once."""
    prefix, rest = value[:2], value[2:]
    if prefix not in ("ge", "le", "gt", "lt"):
        raise SasError("Paramètre start : préfixe ge ou le attendu (start=ge… et start=le…).")
    moment = parse_datetime(rest, upper=prefix in ("le", "lt"))
    if prefix in ("ge", "gt"):
        if params.ge is not None:
            raise SasError("Paramètre start=ge donné deux fois.")
        params.ge = moment
    else:
        if params.le is not None:
            raise SasError("Paramètre start=le donné deux fois.")
        params.le = moment


def _read_identifiers(params: _Params, value: str) -> None:
    """Practitioner identifiers, comma-separated, each ``system|code`` or a bare code (normalise_idnat)."""
    for item in value.split(","):
        if not item.strip():
            continue
        system, _, code = item.rpartition("|")
        params.ids.append(normalise_idnat(system or None, code))


def _read_status(params: _Params, value: str) -> None:
    """Only free slots are served: ``status=free``, whether sent or not."""
    if value != "free":
        raise SasError("Seuls les créneaux libres sont exposés : status=free.", "not-supported")


def _read_include(params: _Params, value: str) -> None:
    """``_include`` (checked against INCLUDES once all are read)."""
    params.includes.add(value)


def _read_iterate(params: _Params, value: str) -> None:
    """``_include:iterate`` (checked against ITERATES once all are read)."""
    params.iterates.add(value)


def _read_count(params: _Params, value: str) -> None:
    """``_count``: a positive integer."""
    if not value.isdigit() or int(value) < 1:
        raise SasError("_count : entier positif attendu.")
    params.count = int(value)


def _read_format(params: _Params, value: str) -> None:
    """``_format``: JSON only (406 otherwise)."""
    if value not in ("json", "application/fhir+json", "application/json+fhir", "application/json"):
        raise SasError("Seul le format JSON est pris en charge.", "not-supported", 406)


# The reader of each search parameter; other parameters are ignored.
READERS = {
    "start": _read_start,
    IDENTIFIER_PARAM: _read_identifiers,
    "status": _read_status,
    "_include": _read_include,
    "_include:iterate": _read_iterate,
    "_count": _read_count,
    "_format": _read_format,
}


def _checked_query(params: _Params) -> SasQuery:
    """Checks the query as a whole: both bounds given and in order, 1 to MAX_IDS distinct identifiers
    (duplicates dropped, order kept), only supported includes."""
    ge, le = params.ge, params.le
    if ge is None or le is None:
        raise SasError("Paramètres start=ge… et start=le… obligatoires.", "required")
    if le < ge:
        raise SasError("La borne start=le précède la borne start=ge.")
    if not params.ids:
        raise SasError(f"Paramètre {IDENTIFIER_PARAM} obligatoire (1 à {MAX_IDS} identifiants).", "required")
    ids = list(dict.fromkeys(params.ids))
    if len(ids) > MAX_IDS:
        raise SasError(f"{MAX_IDS} identifiants au plus par requête ({len(ids)} reçus).", "too-costly")
    unknown_inc = (params.includes - INCLUDES) | (params.iterates - ITERATES)
    if unknown_inc:
        raise SasError(f"_include non pris en charge : {', '.join(sorted(unknown_inc))}.", "not-supported")
    return SasQuery(ids, ge, le, frozenset(params.includes), frozenset(params.iterates), params.count)


def parse(query_string: str) -> SasQuery:
    """Reads the slot search parameters in order (``READERS``), then checks the query as a whole."""
    params = _Params()
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        reader = READERS.get(key)
        if reader is not None:
            reader(params, value)
    return _checked_query(params)


def find_slots(query: SasQuery, now: dt.datetime | None = None) -> list[Slot]:
    """The bookable slots (``Slot.objects.bookable`` for the SAS audience) of the requested practitioners,
    starting within the requested bounds, in CPTS that have a FINESS."""
    qs = (
        Slot.objects.bookable(audience=Audience.SAS, now=now)
        .filter(
            professional__idnat__in=query.idnats,
            start__gte=query.start_ge,
            start__lte=query.start_le,
            professional__active=True,
        )
        .exclude(cpts__finess="")
        .select_related("professional", "place", "place__structure", "place__commune", "cpts")
        .order_by("start", "pk")
    )
    if query.count is not None:
        qs = qs[: query.count]
    return list(qs)


# ------------------------------------------------------------------------------------------- mapping


def fhir_instant(value: dt.datetime) -> str:
    return value.astimezone(PARIS).isoformat(timespec="milliseconds")


def phone_e164(raw: str) -> str | None:
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 10 and digits.startswith("0"):
        return "+33" + digits[1:]
    if len(digits) == 11 and digits.startswith("33"):
        return "+" + digits
    return None


def _idnst(place) -> str | None:
    """The national id of the structure where the practitioner works at this place, in the SAS's order of
    preference (1 + FINESS, then 3 + SIRET, then 4 + RPPS rang): from the structure linked to the place and
    from the RPPS extract's activity (``PracticePlace.structure_idnst``)."""
    structure = place.structure
    candidates = [place.structure_idnst]
    if structure is not None:
        candidates += [
            f"1{structure.finess}" if structure.finess else "",
            f"3{structure.siret}" if structure.siret else "",
        ]
    usable = (c for c in candidates if c and c[0] in IDNST_PREFERENCE)
    ranked = sorted(usable, key=lambda c: IDNST_PREFERENCE.index(c[0]))
    return ranked[0] if ranked else None


def practitioner(pro) -> dict:
    resource = {
        "resourceType": "Practitioner",
        "id": f"pro-{pro.pk}",
        "meta": {"profile": [PROFILES["Practitioner"]]},
        "identifier": [
            {
                "type": {"coding": [{"system": V2_0203, "code": "IDNPS"}]},
                "system": IDNPS_SYSTEM,
                "value": pro.idnat,
            }
        ],
    }
    name = {}
    if pro.last_name:
        name["family"] = pro.last_name
    if pro.first_name:
        name["given"] = [pro.first_name]
    if name:
        resource["name"] = [name]
    return resource


def practitioner_role(place, base: str) -> dict:
    commune = place.commune
    location = {
        "resourceType": "Location",
        "id": f"loc-{place.pk}",
        "meta": {"profile": [PROFILES["Location"]]},
        "identifier": [
            {
                "type": {"coding": [{"system": LOCATION_ID_TYPE, "code": "INTRN"}]},
                "system": f"{base}/location-id",
                "value": str(place.pk),
            }
        ],
        "address": {
            "line": [place.address or place.label or (commune.name if commune else "Adresse non renseignée")],
            "city": commune.name if commune else "",
            "postalCode": place.postal_code,
        },
    }
    if not location["address"]["city"]:
        del location["address"]["city"]
    if not location["address"]["postalCode"]:
        del location["address"]["postalCode"]
    resource = {
        "resourceType": "PractitionerRole",
        "id": f"role-{place.pk}",
        "meta": {"profile": [PROFILES["PractitionerRole"]]},
        "contained": [location],
        "practitioner": {"reference": f"Practitioner/pro-{place.professional_id}"},
        "location": [{"reference": f"#loc-{place.pk}"}],
    }
    idnst = _idnst(place)
    if idnst:
        resource["organization"] = {
            "identifier": {
                "type": {"coding": [{"system": V2_0203, "code": "IDNST"}]},
                "system": IDNST_SYSTEM,
                "value": idnst,
            }
        }
    phone = phone_e164(place.phone) or phone_e164(place.professional.phone)
    if phone:
        resource["telecom"] = [{"system": "phone", "value": phone}]
    return resource


def schedule_id(slot: Slot) -> str:
    return f"sched-{slot.professional_id}-{slot.place_id}"


def schedule(slot: Slot) -> dict:
    return {
        "resourceType": "Schedule",
        "id": schedule_id(slot),
        "meta": {"profile": [PROFILES["Schedule"]]},
        "actor": [
            {"reference": f"Practitioner/pro-{slot.professional_id}"},
            {"reference": f"PractitionerRole/role-{slot.place_id}"},
        ],
    }


def healthcare_service(cpts) -> dict:
    return {
        "resourceType": "HealthcareService",
        "id": f"snp-cpts-{cpts.pk}",
        "meta": {"profile": [PROFILES["HealthcareService"]]},
        "providedBy": {"reference": f"Organization/cpts-{cpts.pk}"},
    }


def organization(cpts) -> dict:
    resource = {
        "resourceType": "Organization",
        "id": f"cpts-{cpts.pk}",
        "meta": {"profile": [PROFILES["Organization"]]},
        "identifier": [
            {
                "type": {"coding": [{"system": LOCATION_ID_TYPE, "code": "IDNST"}]},
                "system": IDNST_SYSTEM,
                "value": "1" + cpts.finess,
            }
        ],
        "name": cpts.name,
    }
    phone = phone_e164(getattr(cpts, "phone", ""))
    if phone:
        resource["telecom"] = [{"system": "phone", "value": phone}]
    return resource


def booking_url(slot: Slot, site: str) -> str:
    """Where the SAS sends the regulator: the booking page of this professional with the slot preselected
    (login first; the SAS appends ``&origin=…``, which marks the booking as regulated)."""
    return f"{site}{reverse('unscheduled:book', args=[slot.cpts.slug, slot.pk])}?source=sas"


def slot_resource(slot: Slot, site: str) -> dict:
    service_type = [
        {"coding": [{"system": ACT_CODE, "code": slot.modality}]},
        {
            "extension": [
                {
                    "url": SERVICE_TYPE_EXT,
                    "valueReference": {"reference": f"HealthcareService/snp-cpts-{slot.cpts_id}"},
                }
            ],
            "coding": [{"system": TRE_R66, "code": CPTS_CATEGORY}],
        },
    ]
    if slot.motifs:
        service_type.append({"text": slot.motifs})
    resource = {
        "resourceType": "Slot",
        "id": str(slot.pk),
        "meta": {
            "profile": [PROFILES["Slot"]],
            "security": [{"system": TRE_R314, "code": code} for code in slot.visibility],
        },
        "serviceType": service_type,
    }
    if slot.professional.specialty_code:
        resource["specialty"] = [{"coding": [{"system": TRE_R38, "code": slot.professional.specialty_code}]}]
    resource.update(
        {
            "appointmentType": {"coding": [{"system": V2_0276, "code": "ROUTINE"}]},
            "schedule": {"reference": f"Schedule/{schedule_id(slot)}"},
            "status": "free",
            "start": fhir_instant(slot.start),
            "end": fhir_instant(slot.end),
            "comment": booking_url(slot, site),
        }
    )
    return resource


def bundle(query: SasQuery, slots: list[Slot], self_url: str, base: str, site: str) -> dict:
    entries = [
        {"fullUrl": f"{base}/Slot/{s.pk}", "resource": slot_resource(s, site), "search": {"mode": "match"}}
        for s in slots
    ]
    included: dict[str, dict] = {}

    def include(resource: dict) -> None:
        key = f"{resource['resourceType']}/{resource['id']}"
        if key not in included:
            included[key] = resource

    for s in slots:
        if "Slot:schedule" in query.includes:
            include(schedule(s))
            if "Schedule:actor" in query.iterates:
                include(practitioner(s.professional))
                include(practitioner_role(s.place, site))
        if "Slot:service-type-reference" in query.includes:
            include(healthcare_service(s.cpts))
            if "HealthcareService:organization" in query.iterates:
                include(organization(s.cpts))
    entries += [
        {"fullUrl": f"{base}/{key}", "resource": resource, "search": {"mode": "include"}}
        for key, resource in included.items()
    ]
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [PROFILES["Bundle"]]},
        "type": "searchset",
        "total": len(slots),
        "link": [{"relation": "self", "url": self_url}],
        "entry": entries,
    }
