"""The authentication backend of Pro Santé Connect: mozilla-django-oidc's code flow, with PSC's checks.

mozilla-django-oidc exchanges the code (client secret and PKCE verifier, server side), fetches the JWKS and
the userinfo (answered as a signed JWT by PSC). This backend adds what it leaves out or cannot know:

- the ID token's signature (JWKS key by ``kid``, the configured algorithm only), audience (``PSC_CLIENT_ID``),
  issuer (``PSC_ISSUER``), ``exp`` and ``iat`` (required, with ``PSC_LEEWAY_SECONDS``) and ``nonce``; the
  signed userinfo's signature, issuer and audience when it carries them (library: audience never checked);
- the ``acr`` and the mapping of ``SubjectNameID`` to an account (``accounts/psc.py``).

It returns a user only for a linked account; every other outcome (an account to create or claim, a refusal)
is left on ``request.psc_outcome`` for the callback page (``accounts/views_psc.py``). A password login never
reaches it (it answers only with the callback's ``nonce``).
"""

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts import psc

JWT_REASONS = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.PyJWTError, "invalid_token"),
)


def _reason(exc: Exception) -> str:
    if isinstance(exc, requests.RequestException):
        return "provider_unreachable"
    return next((reason for kind, reason in JWT_REASONS if isinstance(exc, kind)), "invalid_answer")


class PSCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, nonce=None, code_verifier=None, **kwargs):
        if request is None or nonce is None or not psc.enabled():
            return None
        request.psc_outcome = None
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except psc.Refused as exc:
            request.psc_refusal = exc
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException, KeyError, ValueError) as exc:
            request.psc_refusal = psc.refuse(_reason(exc))
        return None

    def verify_token(self, token, **kwargs):
        """The claims of a signed JWT from PSC: the ID token (called with ``nonce``) or the userinfo."""
        is_id_token = "nonce" in kwargs
        algorithm = self.OIDC_RP_SIGN_ALGO
        if jwt.get_unverified_header(token).get("alg") != algorithm:
            raise jwt.InvalidSignatureError("unexpected algorithm")
        key = (
            self.retrieve_matching_jwk(token)
            if algorithm[:2] in ("RS", "ES", "PS")
            else self.OIDC_RP_CLIENT_SECRET
        )
        unverified = jwt.decode(token, options={"verify_signature": False})
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=self.OIDC_RP_CLIENT_ID if is_id_token or "aud" in unverified else None,
            issuer=settings.PSC_ISSUER if is_id_token or "iss" in unverified else None,
            leeway=settings.PSC_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "sub", "exp", "iat"] if is_id_token else ["sub"]},
        )
        if is_id_token and claims.get("nonce") != kwargs["nonce"]:
            raise SuspiciousOperation("nonce")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        try:
            userinfo = self.get_userinfo(access_token, id_token, payload)
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException) as exc:
            raise psc.refuse("userinfo_" + _reason(exc)) from exc
        identity = psc.identity_from(payload, userinfo)
        outcome = psc.resolve(identity, linking=getattr(self.request, "psc_linking", None))
        outcome.id_token = id_token
        self.request.psc_outcome = outcome
        return outcome.user if outcome.kind == "login" else None

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)
