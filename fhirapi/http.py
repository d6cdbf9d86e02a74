"""The HTTP side of /fhir shared by every FHIR view: JSON answers, errors as OperationOutcome, the base URL,
and the guard (GET only, a user allowed FHIR access, ``FhirError`` turned into its OperationOutcome).

Rule kept here: who may use /fhir at all (``authorised``: staff, or an active member whose role has
``FHIR_PERMISSION``). What each user then sees of the tenant data is in fhirapi/search/care.py.
"""

import json

from django.http import HttpResponse

from accounts.apiauth import request_user
from cpts.models import Membership
from cpts.roles import FHIR_PERMISSION, ROLE_PERMISSIONS

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


class FhirError(Exception):
    """A refusal: answered by ``guarded`` as an OperationOutcome with this status, code and diagnostics."""

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
