import time

from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import trust
from audit.log import record
from cpts.policy import has_confirmed_device, must_verify

OPEN_PREFIXES = (
    "/static/",
    "/healthz",
    "/compte/",
    "/connexion/",
    "/deconnexion/",
    "/mot-de-passe/",
    "/manifest.webmanifest",
    "/sw.js",
)


class SecondFactorMiddleware:
    """A user whose roles reach patient data sees nothing before passing (or enrolling) a TOTP factor. A
    session opened on a trusted device that has since been revoked is signed out (accounts/trust.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and trust.SESSION_KEY in session:
            if not trust.session_still_trusted(request):
                record("trusted_device.session_ended", obj=request.user)
                logout(request)  # opened on a trusted device since revoked (or expired): signed out
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not getattr(request, "api_token_user", False)
            and not user.is_verified()
            and must_verify(user)
        ):
            if request.path.startswith(("/api/", "/fhir")):
                return JsonResponse({"detail": "Second facteur (code TOTP) requis."}, status=403)
            target = "accounts:otp_verify" if has_confirmed_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


# The idle expiry of a session (SESSION_COOKIE_AGE, or a trusted device's) is pushed back by writing the
# session, at most once per RENEW_EVERY seconds: a page, a post or a poll within the minute after the last
# renewal writes nothing (a session ends between SESSION_COOKIE_AGE - 60 s and SESSION_COOKIE_AGE after the
# last request).
RENEW_EVERY = 60
RENEWED_KEY = "_renewed_at"


class SessionRenewalMiddleware:
    """Right after Django's SessionMiddleware: marks the session modified when its last renewal is older than
    ``RENEW_EVERY``, so that SessionMiddleware saves it with a new expiry (instead of
    SESSION_SAVE_EVERY_REQUEST, which writes the session row on every request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session that exists (a cookie, or one this request created) and holds something.
        if session is not None and (session.session_key or session.modified) and not session.is_empty():
            now = int(time.time())
            renewed = session.get(RENEWED_KEY)
            if not isinstance(renewed, int) or not 0 <= now - renewed < RENEW_EVERY:
                session[RENEWED_KEY] = now
        return response
