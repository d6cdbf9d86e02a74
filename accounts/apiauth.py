"""Who is calling a machine interface (JSON API, FHIR): a verified browser session or a bearer token."""

from accounts import tokens
from cpts.policy import must_verify


def session_user(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and (user.is_verified() or not must_verify(user)):
        return user
    return None


def token_user(request, raw: str):
    """Authenticate a raw bearer token; the request then acts as its user. None for an unknown, expired or
    revoked token (401); ``tokens.ReadOnlyToken`` (403) when a read-only token is used to write."""
    token = tokens.find(raw)
    if token is None:
        return None
    tokens.check_method(token, request.method)
    request.user = token.user
    request.api_token = token
    request.api_token_user = True
    return token.user


def request_user(request):
    """The authenticated caller, or None. A bearer token takes precedence over the session."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        return token_user(request, raw.strip())
    return session_user(request)
