"""Pages of the Pro Santé Connect login. Thin: mozilla-django-oidc's views run the code flow, the rules live
in accounts/psc.py and accounts/psc_backend.py. Every page answers 404 while PSC is off (no PSC_CLIENT_ID).

- ``psc_login``: to PSC's authorize endpoint (``scope=openid scope_all``, ``acr_values``, state, nonce, PKCE).
- ``psc_callback``: back from PSC. A linked account logs in, its session verified by PSC; otherwise the
  identity, verified, waits in the session (``PENDING``, ``PENDING_SECONDS``) for ``psc_confirm``.
- ``psc_confirm``: « Créer mon compte » pre-filled from the directory, or, when the directory's entry is
  already attached to an account, that account's password to link it.
- ``psc_link`` / ``psc_unlink``: from « Sécurité », link the logged-in account or remove the link.
"""

import time

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts import psc, throttle
from accounts.forms import PSCClaimForm, PSCCreateForm
from accounts.models import User
from accounts.views import verified_session_required
from audit.log import record
from directory.models import Professional
from opencpts.clientip import client_ip
from opencpts.errors import ActionError
from opencpts.forms import show_action_error

BACKEND = "accounts.psc_backend.PSCBackend"
PENDING = "psc_pending"
PENDING_SECONDS = 600
LINKING = "psc_linking"


def _require_enabled():
    if not psc.enabled():
        raise Http404("Pro Santé Connect n'est pas activé sur cette instance.")


def open_session(request, user: User, id_token: str) -> None:
    """Log ``user`` in through PSC: the session is verified (second factor) and keeps the ID token for the
    logout at PSC."""
    login(request, user, backend=BACKEND)
    psc.mark_verified(request, user)
    request.session[psc.ID_TOKEN_SESSION_KEY] = id_token
    record("login.success", obj=user, details={"method": "psc"})


class PSCLoginView(OIDCAuthenticationRequestView):
    def get(self, request):
        _require_enabled()
        return super().get(request)

    def get_extra_params(self, request):
        return {"acr_values": self.get_settings("PSC_ACR_VALUES")}


class PSCCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request):
        _require_enabled()
        linking = request.session.pop(LINKING, False)
        if linking and request.user.is_authenticated:
            request.psc_linking = request.user
        if request.GET.get("error"):
            record("login.psc_refused", object_type="accounts.user", details={"reason": "cancelled"})
            messages.info(request, "Connexion par Pro Santé Connect annulée.")
            return redirect("accounts:security" if linking else "accounts:login")
        return super().get(request)

    def login_success(self):
        next_url = self.success_url
        open_session(self.request, self.user, self.request.psc_outcome.id_token)
        return redirect(next_url)

    def login_failure(self):
        request = self.request
        refusal = getattr(request, "psc_refusal", None)
        outcome = getattr(request, "psc_outcome", None)
        if refusal is not None:
            messages.error(request, refusal.message)
        elif outcome is None:
            messages.error(request, "La connexion par Pro Santé Connect a expiré : recommencez.")
        elif outcome.kind in ("create", "claim"):
            request.session[PENDING] = {
                **outcome.identity.as_session(),
                "kind": outcome.kind,
                "professional_id": outcome.professional.pk,
                "user_id": outcome.user.pk if outcome.user else None,
                "id_token": outcome.id_token,
                "at": time.time(),
            }
            return redirect("accounts:psc_confirm")
        elif outcome.kind == "linked":
            messages.success(request, outcome.message)
        else:
            messages.error(request, outcome.message)
        linking = getattr(request, "psc_linking", None) is not None
        return redirect("accounts:security" if linking else "accounts:login")


def _pending(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending


def _identity(pending) -> psc.Identity:
    return psc.Identity(
        pending["idnat"], pending["sub"], pending["acr"], pending["given_name"], pending["family_name"]
    )


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


@require_http_methods(["GET", "POST"])
def psc_confirm(request):
    """After PSC, before any account is opened: create it (« Créer mon compte ») or link the existing one."""
    _require_enabled()
    pending = _pending(request)
    if pending is None:
        messages.error(request, "Votre connexion Pro Santé Connect a expiré : recommencez.")
        return redirect("accounts:login")
    professional = Professional.objects.filter(pk=pending["professional_id"]).first()
    if professional is None:
        request.session.pop(PENDING, None)
        messages.error(request, psc.NOT_IN_DIRECTORY.format(idnat=pending["idnat"]))
        return redirect("accounts:login")
    if pending["kind"] == "claim":
        return _claim(request, pending, professional)
    form = PSCCreateForm(request.POST or None, initial={"email": professional.mssante})
    if request.method == "POST" and form.is_valid():
        try:
            user = psc.create_account(_identity(pending), professional.pk, form.cleaned_data["email"])
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            request.session.pop(PENDING, None)
            open_session(request, user, pending["id_token"])
            messages.success(
                request,
                "Compte créé et associé à Pro Santé Connect. Vérifiez votre profil professionnel puis "
                "demandez à rejoindre votre CPTS.",
            )
            return redirect("directory:my_profile")
    places = professional.places.filter(active=True).select_related("commune")
    return render(
        request,
        "accounts/psc_create.html",
        {"form": form, "professional": professional, "places": places},
        status=400 if request.method == "POST" else 200,
    )


def _claim(request, pending, professional):
    user = User.objects.filter(pk=pending["user_id"], professional=professional, is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        messages.error(request, "Ce compte n'est plus disponible : reconnectez-vous avec Pro Santé Connect.")
        return redirect("accounts:login")
    form = PSCClaimForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        verdict = throttle.attempt(user.email, ip)  # counted before the password is checked
        if verdict.blocked:
            record("login.blocked", obj=user)
            form.add_error(None, verdict.message)
            status = 429
        elif user.check_password(form.cleaned_data["password"]):
            throttle.success(user.email, ip)
            psc.link(user, _identity(pending), professional)
            request.session.pop(PENDING, None)
            open_session(request, user, pending["id_token"])
            messages.success(request, "Votre compte est maintenant associé à Pro Santé Connect.")
            return redirect("home")
        else:
            record("login.failure", obj=user, details={"method": "psc_claim"})
            form.add_error("password", "Mot de passe incorrect.")
            status = 400
    return render(
        request,
        "accounts/psc_claim.html",
        {"form": form, "professional": professional, "masked_email": _masked(user.email)},
        status=status,
    )


@verified_session_required
@require_POST
def psc_link(request):
    """From « Sécurité »: to PSC, whose answer links the logged-in account (``PSCCallbackView``)."""
    _require_enabled()
    request.session[LINKING] = True
    return redirect(f"{reverse('accounts:psc_login')}?next={reverse('accounts:security')}")


@verified_session_required
@require_POST
def psc_unlink(request):
    _require_enabled()
    try:
        psc.unlink(request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Pro Santé Connect n'est plus associé à votre compte.")
    return redirect("accounts:security")
