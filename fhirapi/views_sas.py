"""HTTP side of the SAS interface: ``GET /fhir/sas/Slot`` (and its CapabilityStatement). Access by the client
certificate the reverse proxy verified (fhirapi/client_certificate.py: headers from a trusted proxy only,
subject DN parsed as RFC 4514, CN and OU checked against the settings); everything else is in fhirapi/sas.py.
Errors are OperationOutcome; an empty result is an empty searchset, never an error."""

import logging

from django.views.decorators.http import require_GET

from fhirapi import client_certificate, sas
from fhirapi.http import outcome, respond

logger = logging.getLogger(__name__)


def _base(request) -> str:
    return request.build_absolute_uri("/fhir/sas").rstrip("/")


@require_GET
def slot_search(request):
    try:
        client_certificate.check(request)
    except client_certificate.Refused as exc:
        logger.warning("SAS request refused from %s: %s", request.META.get("REMOTE_ADDR"), exc.message)
        return outcome(403, "forbidden", exc.message)
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
    return respond(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "date": "2026-11-24",
            "format": ["application/fhir+json"],
            "instantiates": [
                "https://interop.esante.gouv.fr/ig/fhir/sas/CapabilityStatement/SAS-GestionnaireAgenda-CPTS"
            ],
            "implementation": {
                "description": "OpenCPTS — créneaux de soins non programmés pour le SAS (flux INT_R04)",
                "url": _base(request),
            },
            "rest": [
                {
                    "mode": "server",
                    "security": {"description": "mTLS, certificat IGC-Santé (CN et OU vérifiés)"},
                    "resource": [
                        {
                            "type": "Slot",
                            "profile": sas.PROFILES["Slot"],
                            "interaction": [{"code": "search-type"}],
                            "searchInclude": sorted(sas.INCLUDES),
                            "searchRevInclude": [],
                            "searchParam": [
                                {"name": "start", "type": "date"},
                                {"name": "status", "type": "token"},
                                {"name": sas.IDENTIFIER_PARAM, "type": "token"},
                                {"name": "_count", "type": "number"},
                            ],
                        }
                    ],
                }
            ],
        }
    )
