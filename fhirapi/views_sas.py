"""HTTP side of the SAS interface: ``GET /fhir/sas/Slot`` (and its CapabilityStatement). Access by the client
certificate the reverse proxy verified (mTLS, CN and OU checked against the settings); everything else is in
fhirapi/sas.py. Errors are OperationOutcome; an empty result is an empty searchset, never an error."""

import logging
import re

from django.conf import settings
from django.views.decorators.http import require_GET

from fhirapi import sas
from fhirapi.views import outcome, respond

logger = logging.getLogger(__name__)
DN_PART = re.compile(r"(?:^|[,/])\s*(CN|OU)\s*=\s*((?:\\.|[^,/])+)")


def certificate_names(dn: str) -> tuple[set[str], set[str]]:
    """CN and OU values of a subject DN, in the RFC 2253 (``CN=x,OU=y``) or OpenSSL (``/CN=x/OU=y``) form."""
    cns, ous = set(), set()
    for key, value in DN_PART.findall(dn or ""):
        (cns if key == "CN" else ous).add(value.replace("\\,", ",").strip())
    return cns, ous


def client_allowed(request) -> tuple[bool, str]:
    verified = request.META.get(settings.SAS_MTLS_VERIFY_HEADER, "")
    if verified != "SUCCESS":
        return False, "Certificat client absent ou non vérifié (mTLS IGC-Santé requis)."
    cns, ous = certificate_names(request.META.get(settings.SAS_MTLS_DN_HEADER, ""))
    if not cns & set(settings.SAS_ALLOWED_CN):
        return False, "Certificat client refusé : CN non autorisé."
    if not ous & set(settings.SAS_ALLOWED_OU):
        return False, "Certificat client refusé : OU non autorisé."
    return True, ""


def _base(request) -> str:
    return request.build_absolute_uri("/fhir/sas").rstrip("/")


@require_GET
def slot_search(request):
    allowed, why = client_allowed(request)
    if not allowed:
        logger.warning("SAS request refused: %s", why)
        return outcome(403, "forbidden", why)
    try:
        query = sas.parse(request.META.get("QUERY_STRING", ""))
    except sas.SasError as exc:
        return outcome(exc.status, exc.code, exc.diagnostics)
    slots = sas.find_slots(query)
    site = request.build_absolute_uri("/").rstrip("/")
    body = sas.bundle(query, slots, request.build_absolute_uri(), _base(request), site)
    return respond(body)


@require_GET
def metadata(request):
    """What this endpoint serves, after the IG's SAS-GestionnaireAgenda-CPTS requirements."""
    return respond({
        "resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
        "date": "2026-11-24", "format": ["application/fhir+json"],
        "instantiates": ["https://interop.esante.gouv.fr/ig/fhir/sas/CapabilityStatement/SAS-GestionnaireAgenda-CPTS"],
        "implementation": {"description": "OpenCPTS — créneaux de soins non programmés pour le SAS (flux INT_R04)",
                           "url": _base(request)},
        "rest": [{"mode": "server", "security": {"description": "mTLS, certificat IGC-Santé (CN et OU vérifiés)"},
                  "resource": [{"type": "Slot", "profile": sas.PROFILES["Slot"], "interaction": [{"code": "search-type"}],
                                "searchInclude": sorted(sas.INCLUDES), "searchRevInclude": [],
                                "searchParam": [
                                    {"name": "start", "type": "date"}, {"name": "status", "type": "token"},
                                    {"name": sas.IDENTIFIER_PARAM, "type": "token"},
                                    {"name": "_count", "type": "number"}]}]}],
    })
