"""The JSON API: one NinjaAPI assembling each app's router. OpenAPI at /api/openapi.json, docs at
/api/docs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from accounts.apiauth import session_user, token_user
from opencpts.errors import ActionError
from opencpts.schemas import ApiError

ERROR_REF = {"$ref": "#/components/schemas/ApiError"}
ERRORS = {
    "401": "Authentification requise (session avec second facteur, ou jeton).",
    "403": "Accès refusé : pas membre de cette CPTS, ou rôle sans cette permission (ou CSRF d'une session).",
    "404": "Introuvable (ou hors de portée de l'utilisateur).",
    "422": "Requête invalide : un paramètre ou un champ ne respecte pas le schéma (voir « erreurs »).",
}


def document_errors(schema: dict) -> dict:
    """Every operation documents the errors the API layer can answer, with the shared ApiError body: 401 when
    authenticated, 403 and 404 under a CPTS or an id, 422 when it takes parameters or a body."""
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "ApiError", ApiError.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    defs = schema["components"]["schemas"]["ApiError"].pop("$defs", {})
    for name, definition in defs.items():
        schema["components"]["schemas"].setdefault(name, definition)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            statuses = []
            if operation.get("security"):
                statuses.append("401")
            if "{" in path:
                statuses += ["403", "404"]
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.append("422")
            responses = operation["responses"] = {
                str(k): v for k, v in operation.get("responses", {}).items()
            }
            for status in statuses:
                responses.setdefault(
                    status,
                    {"description": ERRORS[status], "content": {"application/json": {"schema": ERROR_REF}}},
                )
    return schema


class OpenCPTSAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


class TokenAuth(HttpBearer):
    openapi_description = (
        "Jeton créé sur la page « Mes jetons d'API » (/compte/jetons/) ou par `python manage.py "
        "create_api_token EMAIL` (en-tête Authorization: Bearer …). Expiré ou révoqué : 401 ; "
        "jeton en lecture seule : 403 sur toute méthode autre que GET, HEAD, OPTIONS."
    )

    def authenticate(self, request, token):
        return token_user(request, token)


class VerifiedSessionAuth(APIKeyCookie):
    """The browser session, with CSRF check, after the second factor when the user's roles require it."""

    param_name = "sessionid"

    def _get_key(self, request):
        # No session cookie: not a browser request, nothing for CSRF to protect; let the bearer token speak.
        # (Checking CSRF first would refuse every POST made with a token.)
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return session_user(request)


api = OpenCPTSAPI(
    title="OpenCPTS API",
    version="1.0",
    description=(
        "API JSON d'OpenCPTS : CPTS, territoire, communes, adhérents, structures, demandes d'adhésion. "
        "Toutes les réponses sont limitées aux CPTS de l'utilisateur authentifié."
    ),
    auth=[VerifiedSessionAuth(), TokenAuth()],
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Accès refusé."}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Introuvable."}, status=404)


@api.exception_handler(ActionError)
def _refused(request, exc):
    """A rule refused the request (opencpts.errors): 400 with the French message and the field it is about,
    409 when the refusal is a conflict with another request (a slot just booked, a commune just taken).
    Endpoints that can raise it list 400/409 in their ``response`` so that OpenAPI documents them."""
    return api.create_response(
        request, {"detail": exc.message, "field": exc.field}, status=409 if exc.conflict else 400
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": "Authentification requise (session avec second facteur, ou jeton)."}, status=401
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = []
    for err in exc.errors:
        where = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload"))
        errors.append({"champ": where, "message": err.get("msg", "valeur invalide")})
    return api.create_response(request, {"detail": "Requête invalide.", "erreurs": errors}, status=422)


from aci.api import cpts_router as aci_cpts_router  # noqa: E402
from aci.api import router as aci_router  # noqa: E402
from cpts.api import router as cpts_router  # noqa: E402
from directory.api import router as directory_router  # noqa: E402
from gpmatching.api import router as gpmatching_router  # noqa: E402
from news.api import router as news_router  # noqa: E402
from territory.api import router as territory_router  # noqa: E402
from unscheduled.api import router as unscheduled_router  # noqa: E402

api.add_router("/communes", territory_router)
api.add_router("/aci", aci_router)
api.add_router("/cpts", cpts_router)
api.add_router("/cpts", directory_router)
api.add_router("/cpts", news_router)
api.add_router("/cpts", unscheduled_router)
api.add_router("/cpts", gpmatching_router)
api.add_router("/cpts", aci_cpts_router)
