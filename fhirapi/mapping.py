"""Domain models → FHIR R4 resources following the ANS Annuaire Santé profiles (as-dp-*).

Pure mapping: no rule lives here. Identifier systems from interop.md §4; NOS code systems from
nomenclature.models.SYSTEM_URLS.
"""

import contextvars
import functools

from django.conf import settings

from nomenclature.models import SYSTEM_URLS
from nomenclature.selectors import display

IG = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition"
FRCORE = "https://hl7.fr/ig/fhir/core/StructureDefinition"
V2_0203 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
ORG_TYPE_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-3307"
NOS = "https://mos.esante.gouv.fr/NOS"
R09 = f"{NOS}/TRE_R09-CategorieProfessionnelle/FHIR/TRE-R09-CategorieProfessionnelle"
R04 = f"{NOS}/TRE_R04-TypeSavoirFaire/FHIR/TRE-R04-TypeSavoirFaire"
R256 = f"{NOS}/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie"

SYS_IDNAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
SYS_IDNAT_ST = "urn:oid:1.2.250.1.71.4.2.2"
SYS_RPPS = "https://rpps.esante.gouv.fr"
SYS_ADELI = "https://adelirang.esante.gouv.fr"
SYS_FINESS = "https://finess.esante.gouv.fr"
SYS_SIRET = "https://sirene.fr"
SYS_INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"

CDS = "https://interop.esante.gouv.fr/ig/fhir/cds/StructureDefinition"
R260 = f"{NOS}/TRE_R260-HL7RoleClass/FHIR/TRE-R260-HL7RoleClass"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
V3_ACTCODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
LOINC = "http://loinc.org"
GENDERS = {"F": "female", "M": "male", "U": "unknown"}

PROFILES = {
    "Practitioner": [f"{IG}/as-dp-practitioner", f"{FRCORE}/fr-core-practitioner"],
    "PractitionerRole": [f"{IG}/as-dp-practitionerrole", f"{FRCORE}/fr-core-practitioner-role"],
    "Organization": [f"{IG}/as-dp-organization", f"{FRCORE}/fr-core-organization"],
    "Location": [f"{FRCORE}/fr-core-location"],
    "HealthcareService": [f"{FRCORE}/fr-core-healthcare-service"],
    # Cercle de soins (interop.md §1): tenant data, served to the members of a circle only.
    "CareTeam": [f"{CDS}/cds-ihe-careteam"],
    "Patient": [f"{FRCORE}/fr-core-patient"],
    "RelatedPerson": [f"{CDS}/cds-fr-related-person"],
    "Consent": [],
    "Communication": [],
}


# The address the current FHIR request reached (scheme, host and port), set by ``with_request_base``.
_request_base: contextvars.ContextVar[str] = contextvars.ContextVar("fhir_request_base", default="")


def site_url() -> str:
    """The platform's address in ``meta.source`` and our identifier systems: ``SITE_URL`` when set, else the
    address the request reached (its host was checked against ALLOWED_HOSTS), else ``OPENCPTS_BASE_URL``."""
    base = settings.SITE_URL or _request_base.get() or settings.OPENCPTS_BASE_URL
    return base.rstrip("/")


def with_request_base(view):
    """Wraps a FHIR view (fhirapi/urls.py) so the resources it maps name the address it was reached at."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        token = _request_base.set(request.build_absolute_uri("/"))
        try:
            return view(request, *args, **kwargs)
        finally:
            _request_base.reset(token)

    return wrapped


def local_system(kind: str) -> str:
    """Identifier systems of our own (practice places have no public RPPS situation id in the extract)."""
    return f"{site_url()}/fhir/sid/{kind}"


def _meta(resource_type: str, updated=None) -> dict:
    meta = {"source": site_url()}
    if PROFILES[resource_type]:
        meta["profile"] = PROFILES[resource_type]
    if updated is not None:
        meta["lastUpdated"] = updated.isoformat(timespec="milliseconds")
    return meta


def _ident(system: str, value: str, type_code: str | None = None, type_system: str = V2_0203) -> dict:
    ident = {"system": system, "value": value}
    if type_code:
        ident["type"] = {"coding": [{"system": type_system, "code": type_code}]}
    return ident


def practitioner(pro) -> dict:
    identifiers = [_ident(SYS_IDNAT_PS, pro.idnat, "IDNPS")]
    if pro.id_type == "8":
        identifiers.append(_ident(SYS_RPPS, pro.national_id, "RPPS"))
    else:
        identifiers.append(_ident(SYS_ADELI, pro.national_id, "ADELI"))
    resource = {
        "resourceType": "Practitioner",
        "id": str(pro.pk),
        "meta": _meta("Practitioner", pro.updated_at),
        "identifier": identifiers,
        "active": pro.active,
    }
    if not pro.active:
        return resource  # as-dp-practitioner: an inactive entry keeps only id, identifiers and active
    name = {"family": pro.last_name}
    if pro.first_name:
        name["given"] = [pro.first_name]
    if pro.civility in ("DR", "PR"):
        name["prefix"] = ["Dr" if pro.civility == "DR" else "Pr"]
    resource["name"] = [name]
    if pro.mssante:
        resource["telecom"] = [
            {
                "system": "email",
                "value": pro.mssante,
                "extension": [
                    {
                        "url": f"{IG}/as-ext-mailbox-mss-metadata",
                        "extension": [
                            {
                                "url": "type",
                                "valueCodeableConcept": {"coding": [{"system": R256, "code": "MSSANTE"}]},
                            }
                        ],
                    }
                ],
            }
        ]
    qualifications = [
        {
            "code": {
                "coding": [
                    {
                        "system": SYSTEM_URLS.get(pro.profession_system, SYSTEM_URLS["TRE_G15"]),
                        "code": pro.profession_code,
                        "display": display(pro.profession_system, pro.profession_code),
                    },
                    {"system": R09, "code": "C", "display": "Civil"},
                ]
            }
        }
    ]
    if pro.specialty_code:
        qualifications.append(
            {
                "code": {
                    "coding": [
                        {"system": R04, "code": "S", "display": "Spécialité ordinale"},
                        {
                            "system": SYSTEM_URLS["TRE_R38"],
                            "code": pro.specialty_code,
                            "display": display("TRE_R38", pro.specialty_code),
                        },
                    ]
                }
            }
        )
    resource["qualification"] = qualifications
    return resource


def _address(address: str, postal_code: str, commune) -> dict:
    out = {"use": "work", "country": "FR"}
    if address:
        out["line"] = [address]
    if postal_code:
        out["postalCode"] = postal_code
    if commune is not None:
        out["city"] = commune.name
        out["extension"] = [
            {
                "url": f"{FRCORE}/fr-core-address-insee-code",
                "valueCoding": {
                    "system": "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM",
                    "code": commune.insee,
                },
            }
        ]
    return out


def practitioner_role(place) -> dict:
    pro = place.professional
    resource = {
        "resourceType": "PractitionerRole",
        "id": str(place.pk),
        "meta": _meta("PractitionerRole"),
        "identifier": [_ident(local_system("practice-place"), str(place.pk))],
        "active": place.active and pro.active,
        "practitioner": {"reference": f"Practitioner/{pro.pk}", "display": str(pro)},
        "code": [
            {
                "coding": [
                    {
                        "system": SYSTEM_URLS.get(pro.profession_system, SYSTEM_URLS["TRE_G15"]),
                        "code": pro.profession_code,
                        "display": display(pro.profession_system, pro.profession_code),
                    }
                ]
            }
        ],
        "location": [{"reference": f"Location/{place.pk}"}],
    }
    if place.structure_id:
        resource["organization"] = {"reference": f"Organization/{place.structure_id}"}
    if place.phone:
        resource["telecom"] = [{"system": "phone", "value": place.phone, "use": "work"}]
    return resource


def organization(structure) -> dict:
    identifiers = []
    if structure.finess:
        identifiers += [
            _ident(SYS_FINESS, structure.finess, "FINEG"),
            _ident(SYS_IDNAT_ST, "1" + structure.finess, "IDNST"),
        ]
    if structure.siret:
        identifiers += [_ident(SYS_SIRET, structure.siret, "SIRET")]
        if not structure.finess:
            identifiers.append(_ident(SYS_IDNAT_ST, "3" + structure.siret, "IDNST"))
    resource = {
        "resourceType": "Organization",
        "id": str(structure.pk),
        "meta": _meta("Organization"),
        "identifier": identifiers or [_ident(local_system("structure"), str(structure.pk))],
        "active": True,
        "name": structure.name,
        "type": [
            {
                "coding": [
                    {
                        "system": ORG_TYPE_SYSTEM,
                        "code": "GEOGRAPHICAL-ENTITY",
                        "display": "Entité géographique",
                    }
                ],
                "text": structure.get_kind_display(),
            }
        ],
    }
    if structure.address or structure.postal_code or structure.commune_id:
        resource["address"] = [_address(structure.address, structure.postal_code, structure.commune)]
    telecom = []
    if structure.phone:
        telecom.append({"system": "phone", "value": structure.phone})
    if structure.email:
        telecom.append({"system": "email", "value": structure.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def location(place) -> dict:
    resource = {
        "resourceType": "Location",
        "id": str(place.pk),
        "meta": _meta("Location"),
        "identifier": [_ident(local_system("practice-place"), str(place.pk))],
        "status": "active" if place.active else "inactive",
        "name": place.structure_name or place.label or f"Lieu d'exercice de {place.professional}",
        "mode": "instance",
        "address": _address(place.address, place.postal_code, place.commune if place.commune_id else None),
    }
    if place.latitude is not None and place.longitude is not None:
        resource["position"] = {"latitude": place.latitude, "longitude": place.longitude}
    if place.structure_id:
        resource["managingOrganization"] = {"reference": f"Organization/{place.structure_id}"}
    return resource


def healthcare_service(cpts) -> dict:
    """A CPTS's coordinated offer, provided by the CPTS (as an Organization of id ``cpts-<pk>``)."""
    resource = {
        "resourceType": "HealthcareService",
        "id": f"cpts-{cpts.pk}",
        "meta": _meta("HealthcareService"),
        "identifier": [_ident(local_system("cpts"), cpts.slug)],
        "active": True,
        "name": cpts.name,
        "category": [{"text": "Communauté professionnelle territoriale de santé (CPTS)"}],
        "providedBy": {"reference": f"Organization/cpts-{cpts.pk}", "display": cpts.name},
    }
    if cpts.email or cpts.phone:
        resource["telecom"] = [
            t
            for t in (
                {"system": "email", "value": cpts.email} if cpts.email else None,
                {"system": "phone", "value": cpts.phone} if cpts.phone else None,
            )
            if t
        ]
    return resource


def cpts_organization(cpts) -> dict:
    identifiers = []
    if cpts.finess:
        identifiers += [
            _ident(SYS_FINESS, cpts.finess, "FINEG"),
            _ident(SYS_IDNAT_ST, "1" + cpts.finess, "IDNST"),
        ]
    if cpts.siret:
        identifiers.append(_ident(SYS_SIRET, cpts.siret, "SIRET"))
    return {
        "resourceType": "Organization",
        "id": f"cpts-{cpts.pk}",
        "meta": _meta("Organization"),
        "identifier": identifiers or [_ident(local_system("cpts"), cpts.slug)],
        "active": True,
        "name": cpts.name,
        "type": [
            {
                "coding": [
                    {"system": ORG_TYPE_SYSTEM, "code": "LEGAL-ENTITY", "display": "Entité juridique"}
                ],
                "text": "CPTS (association loi 1901)",
            }
        ],
    }


# ------------------------------------------------------------------------------ Cercle de soins


def _instant(value) -> str:
    return value.isoformat(timespec="seconds")


def user_reference(user) -> dict:
    """A user as a PractitionerRole (their professional's first practice place) or, failing that, a name
    only."""
    pro = getattr(user, "professional", None) if user is not None else None
    if pro is not None:
        place = pro.places.order_by("pk").first()
        if place is not None:
            return {"reference": f"PractitionerRole/{place.pk}", "display": str(user)}
    return {"display": str(user) if user is not None else "Compte supprimé"}


def careteam(group) -> dict:
    from coordination.models import Group, GroupMember

    period = {"start": group.created_at.date().isoformat()}
    if group.status == Group.Status.CLOSED and group.closed_at:
        period["end"] = group.closed_at.date().isoformat()
    resource = {
        "resourceType": "CareTeam",
        "id": str(group.pk),
        "meta": _meta("CareTeam", group.closed_at or group.created_at),
        "identifier": [_ident(local_system("careteam"), str(group.pk))],
        "status": "active" if group.status == Group.Status.OPEN else "inactive",
        "name": group.title,
        "period": period,
        "managingOrganization": [{"reference": f"Organization/cpts-{group.cpts_id}"}],
    }
    if group.kind == Group.Kind.CARE_CIRCLE:
        resource["subject"] = {"reference": f"Patient/{group.patient_id}"}
    else:
        resource["meta"].pop("profile", None)  # a working group is no care circle: plain CareTeam
        resource["category"] = [{"text": "Groupe de travail"}]
    participants = []
    members = (
        group.members.filter(
            status__in=[GroupMember.Status.ACTIVE, GroupMember.Status.LEFT, GroupMember.Status.REMOVED],
            joined_at__isnull=False,
        )
        .select_related("user__professional")
        .order_by("joined_at", "pk")
    )
    for member in members:
        part_period = {"start": _instant(member.joined_at)}
        if member.status != GroupMember.Status.ACTIVE and member.ended_at:
            part_period["end"] = _instant(member.ended_at)
        participant = {"member": user_reference(member.user), "period": part_period}
        if member.function:
            participant["role"] = [{"text": member.function}]
        participants.append(participant)
    if participants:
        resource["participant"] = participants
    return resource


def patient(pat) -> dict:
    names = [
        {"use": "official", "family": pat.family_name, "given": pat.given_names.split() or [pat.given_names]}
    ]
    if pat.used_name:
        names.append({"use": "usual", "family": pat.used_name})
    resource = {
        "resourceType": "Patient",
        "id": str(pat.pk),
        "meta": _meta("Patient"),
        "name": names,
        "gender": GENDERS.get(pat.sex, "unknown"),
        "birthDate": pat.birth_date.isoformat(),
    }
    if pat.nir:
        resource["identifier"] = [_ident(SYS_INS_NIR, pat.nir, "INS-NIR")]
    if pat.address or pat.postal_code or pat.commune_id:
        address = _address(pat.address, pat.postal_code, pat.commune if pat.commune_id else None)
        address["use"] = "home"
        resource["address"] = [address]
    if pat.phone:
        resource["telecom"] = [{"system": "phone", "value": pat.phone}]
    return resource


def related_person(relative) -> dict:
    name = {"family": relative.family_name}
    if relative.given_names:
        name["given"] = [relative.given_names]
    resource = {
        "resourceType": "RelatedPerson",
        "id": str(relative.pk),
        "meta": _meta("RelatedPerson"),
        "identifier": [_ident(local_system("related-person"), str(relative.pk))],
        "patient": {"reference": f"Patient/{relative.patient_id}"},
        "relationship": [
            {"coding": [{"system": R260, "code": relative.kind, "display": relative.get_kind_display()}]}
        ],
        "name": [name],
    }
    telecom = [
        t
        for t in (
            {"system": "phone", "value": relative.phone} if relative.phone else None,
            {"system": "email", "value": relative.email} if relative.email else None,
        )
        if t
    ]
    if telecom:
        resource["telecom"] = telecom
    return resource


def consent(cons) -> dict:
    provision = {"type": "permit", "period": {"start": cons.collected_on.isoformat()}}
    if cons.expires_on:
        provision["period"]["end"] = cons.expires_on.isoformat()
    return {
        "resourceType": "Consent",
        "id": str(cons.pk),
        "meta": _meta("Consent"),
        "status": "active" if cons.is_valid() else "inactive",
        "scope": {
            "coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy", "display": "Privacy Consent"}]
        },
        "category": [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": f"Patient/{cons.patient_id}"},
        "dateTime": _instant(cons.created_at),
        "performer": [user_reference(cons.collected_by)],
        "organization": [{"reference": f"Organization/cpts-{cons.cpts_id}"}],
        "policyRule": {"coding": [{"system": V3_ACTCODE, "code": "OPTIN"}], "text": cons.scope},
        "provision": provision,
    }


def communication(message) -> dict:
    group = message.group
    resource = {
        "resourceType": "Communication",
        "id": str(message.pk),
        "meta": _meta("Communication", message.edited_at or message.created_at),
        "status": "entered-in-error" if message.deleted_at else "completed",
        "about": [{"reference": f"CareTeam/{group.pk}"}],
        "sent": _instant(message.created_at),
        "sender": user_reference(message.author),
        "topic": {"text": message.subject or (message.parent.subject if message.parent_id else "")},
    }
    if not resource["topic"]["text"]:
        del resource["topic"]
    if group.patient_id:
        resource["subject"] = {"reference": f"Patient/{group.patient_id}"}
    if message.parent_id:
        resource["inResponseTo"] = [{"reference": f"Communication/{message.parent_id}"}]
    if not message.deleted_at:
        resource["payload"] = [{"contentString": message.body}]
    return resource
