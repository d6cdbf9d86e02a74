"""The JSON API: one NinjaAPI assembling each app's router. OpenAPI at /api/openapi.json, docs at /api/docs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from accounts.apiauth import session_user, token_user


class TokenAuth(HttpBearer):
    openapi_description = ("Jeton créé sur la page « Mes jetons d'API » (/compte/jetons/) ou par `python manage.py "
                           "create_api_token EMAIL` (en-tête Authorization: Bearer …). Expiré ou révoqué : 401 ; "
                           "jeton en lecture seule : 403 sur toute méthode autre que GET, HEAD, OPTIONS.")

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


api = NinjaAPI(
    title="OpenCPTS API",
    version="1.0",
    description="API JSON d'OpenCPTS : CPTS, territoire, communes, adhérents, structures, demandes d'adhésion. "
    "Toutes les réponses sont limitées aux CPTS de l'utilisateur authentifié.",
    auth=[VerifiedSessionAuth(), TokenAuth()],
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Accès refusé."}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Introuvable."}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": "Authentification requise (session avec second facteur, ou jeton)."},
                               status=401)


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
