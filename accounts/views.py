"""Login with password then TOTP, enrolment, recovery codes, registration. Thin: rules live in
throttle.py, twofactor.py and policy.py."""

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import psc, throttle, tokens, trust, twofactor
from accounts.forms import APITokenForm, LoginForm, OTPForm, RegisterForm
from accounts.models import ProSanteConnectDevice, User
from audit.log import record
from cpts.policy import must_verify, requires_second_factor
from directory import actions as directory_actions
from opencpts.clientip import client_ip
from opencpts.errors import ActionError
from opencpts.forms import show_action_error


def _next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        ip = client_ip(request)
        verdict = throttle.attempt(email, ip)  # counted before the password is checked
        if verdict.blocked:
            record("login.blocked", object_type="accounts.user", object_label=email)
            error, status = verdict.message, 429
        else:
            user = authenticate(request, email=email, password=form.cleaned_data["password"])
            if user is None:
                record("login.failure", object_type="accounts.user", object_label=email)
                error, status = "Adresse e-mail ou mot de passe incorrect.", 200
            else:
                throttle.success(email, ip)
                login(request, user)
                record("login.success", obj=user)
                trusted = trust.second_factor_device(request, user)
                if trusted is not None:
                    otp_login(request, trusted)
                response = redirect(_next(request))
                trust.forget_cookie_unless_valid(request, response)
                return response
    elif request.method == "POST":
        error = "Renseignez votre adresse e-mail et votre mot de passe."
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": _next(request, ""), "psc_enabled": psc.enabled()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    if request.user.is_verified():
        return redirect(_next(request))
    devices = [
        d for d in devices_for_user(request.user, confirmed=True) if not isinstance(d, ProSanteConnectDevice)
    ]
    if not any(isinstance(d, TOTPDevice) for d in devices):
        return redirect("accounts:otp_setup")
    form = OTPForm(request.POST or None, trust_option=trust.enabled())
    status = 200
    if request.method == "POST":
        ip = client_ip(request)
        verdict = throttle.attempt(request.user.email, ip)  # counted before the code is checked
        if verdict.blocked:
            form.add_error(None, verdict.message)
            status = 429
        elif form.is_valid():
            code = form.cleaned_data["code"]
            device = twofactor.verify(devices, code)
            if device is not None:
                otp_login(request, device)
                throttle.success(request.user.email, ip)
                record("otp.success", obj=request.user, details={"device": device.__class__.__name__})
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    messages.warning(request, f"Code de secours utilisé : il vous en reste {left}.")
                response = redirect(_next(request))
                wanted = form.cleaned_data.get("trust_device")
                if wanted and trust.remember(request, response, request.user):
                    messages.success(
                        request,
                        f"Cet appareil est de confiance pendant {trust.DAYS} jours : votre mot de passe "
                        "suffira pour vous y connecter. Vous pouvez retirer cette confiance dans "
                        "« Sécurité ».",
                    )
                return response
            record("otp.failure", obj=request.user)
            form.add_error(
                "code",
                "Code incorrect, expiré ou déjà utilisé. Saisissez le code affiché actuellement "
                "par votre application.",
            )
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": _next(request, "")}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    if (
        TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
        and not request.user.is_verified()
    ):
        return redirect("accounts:otp_verify")
    device = twofactor.pending_device(request.user)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify_totp(device, form.cleaned_data["code"]):
            with transaction.atomic():
                codes = twofactor.confirm_enrolment(request.user, device)
            otp_login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error(
            "code", "Code incorrect. Vérifiez l'heure de votre téléphone et saisissez le code actuel."
        )
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": twofactor.qr_svg(device),
            "secret": twofactor.secret_b32(device),
            "required": requires_second_factor(request.user),
            "next": _next(request, ""),
        },
    )


@login_required
@require_POST
def recovery_codes(request):
    if not request.user.is_verified():
        return redirect("accounts:otp_verify")
    codes = twofactor.regenerate_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "accounts:security"})


@login_required
def security(request):
    totp = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    static = StaticDevice.objects.filter(user=request.user).first()
    return render(
        request,
        "accounts/security.html",
        {
            "totp": totp,
            "recovery_left": static.token_set.count() if static else 0,
            "tokens": tokens.tokens_of(request.user).filter(revoked=False, expires_at__gt=timezone.now()),
            "trust_enabled": trust.enabled(),
            "devices": trust.devices_of(request.user),
            "this_device": trust.current_device_id(request),
            "psc_enabled": psc.enabled(),
            "psc_linked": psc.is_linked(request.user),
            "psc_password": request.user.has_usable_password(),
        },
    )


def verified_session_required(view):
    """Pages under /compte/ are open before the second factor (to pass it); these ones, which hand out or
    withdraw access, need it when the user's roles do."""

    @login_required
    def wrapper(request, *args, **kwargs):
        if must_verify(request.user) and not request.user.is_verified():
            return redirect(f"{reverse('accounts:otp_verify')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


@verified_session_required
@require_POST
def revoke_trusted_device(request, device_id):
    device = get_object_or_404(trust.active().filter(user=request.user), pk=device_id)
    if trust.revoke(device):
        here = request.session.get(trust.SESSION_KEY) == device.pk
        messages.success(
            request,
            f"Confiance retirée à l'appareil « {device.label} » : le code sera de nouveau demandé à la "
            "prochaine connexion depuis cet appareil."
            + (" Votre session sur cet appareil, ouverte sans code, est fermée." if here else ""),
        )
    return redirect("accounts:security")


@verified_session_required
@require_POST
def revoke_all_trusted_devices(request):
    count = trust.revoke_all(request.user)
    if count:
        plural = "s" if count > 1 else ""
        messages.success(
            request,
            f"Confiance retirée à {count} appareil{plural} : le code sera de nouveau demandé à chaque "
            "connexion depuis ces appareils.",
        )
    else:
        messages.info(request, "Aucun appareil de confiance : rien n'a changé.")
    return redirect("accounts:security")


@verified_session_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """« Mes jetons d'API »: the list, and a new token shown once (rendered, never stored)."""
    form = APITokenForm(request.POST or None)
    created = raw = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw = tokens.issue(
                request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                read_only=form.cleaned_data["read_only"],
            )
        except tokens.TokenError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            form = APITokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "created": created,
            "raw": raw,
            "tokens": tokens.tokens_of(request.user),
            "open_form": request.method == "POST" and raw is None,
        },
    )


@verified_session_required
@require_POST
def revoke_api_token(request, token_id):
    token = get_object_or_404(tokens.tokens_of(request.user), pk=token_id)
    if tokens.revoke(token):
        messages.success(request, f"Jeton « {token.name} » révoqué : il ne donne plus accès à l'API.")
    else:
        messages.info(request, f"Le jeton « {token.name} » était déjà révoqué.")
    return redirect("accounts:api_tokens")


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        record("logout", obj=request.user)
    at_psc = psc.logout_target(request, request.build_absolute_uri(reverse("accounts:login")))
    logout(request)
    messages.info(request, "Déconnexion effectuée.")
    return redirect(at_psc or "accounts:login")


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the account and its link to the directory, or nothing
                user = User.objects.create_user(
                    form.cleaned_data["email"],
                    form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
                if form.cleaned_data["national_id"]:
                    directory_actions.claim_extract_entry(user, form.cleaned_data["national_id"])
        except ActionError as exc:
            show_action_error(form, exc)
            return render(request, "accounts/register.html", {"form": form}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, "Compte créé. Complétez votre profil professionnel puis demandez à rejoindre votre CPTS."
        )
        return redirect("directory:my_profile")
    return render(request, "accounts/register.html", {"form": form})
