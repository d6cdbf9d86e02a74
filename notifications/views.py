"""Pages of the notifications app, all about the logged-in user's own data. Thin: reads through
notifications.access, writes through notifications.actions."""

import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.trust import label_from
from cpts.policy import has_confirmed_device, must_verify
from notifications import access, actions, push
from notifications.forms import PreferencesForm
from opencpts.errors import ActionError
from opencpts.forms import show_action_error

PER_PAGE = 25


def verified_required(view):
    """Logged in, and past the second factor when the account needs one (pages under /compte/ are open to a
    session between the password and the code, for enrolment: not this one)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_verified() and must_verify(request.user):
            target = "accounts:otp_verify" if has_confirmed_device(request.user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _list_url(request) -> str:
    page = request.POST.get("page", "")
    url = reverse("notifications:list")
    return f"{url}?page={page}" if page.isdigit() else url


@verified_required
def notification_list(request):
    page = Paginator(access.notifications_of(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "notifications": page.object_list, "unread": access.unread_count(request.user)},
    )


@verified_required
def open_notification(request, notification_id):
    """Follow a notification (from the list or an e-mail): it becomes read, and the page it points to
    applies its own rules."""
    notification = access.own_notification(request.user, notification_id)
    actions.mark_read(notification)
    target = notification.url
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()})):
        target = reverse("notifications:list")
    return redirect(target)


@verified_required
@require_POST
def mark_read(request, notification_id):
    notification = actions.mark_read(access.own_notification(request.user, notification_id))
    if _is_htmx(request):
        return render(
            request,
            "notifications/_mark_read_response.html",
            {"n": notification, "unread": access.unread_count(request.user)},
        )
    messages.success(request, "Notification marquée comme lue.")
    return redirect(_list_url(request))


@verified_required
@require_POST
def mark_all_read(request):
    count = actions.mark_all_read(request.user)
    messages.success(
        request,
        "Aucune notification non lue."
        if not count
        else f"{count} notification{'s' if count > 1 else ''} marquée{'s' if count > 1 else ''} comme lue"
        f"{'s' if count > 1 else ''}.",
    )
    return redirect(_list_url(request))


@verified_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    prefs = actions.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, initial=PreferencesForm.initial_from(prefs))
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_preferences(request.user, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Préférences de notification enregistrées.")
            return redirect("notifications:preferences")
    vapid = push.keys()
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "prefs": prefs,
            "push_enabled": vapid is not None,
            "push_public_key": vapid.public if vapid else "",
            "push_devices": push.subscriptions_of(request.user).count(),
        },
    )


# Web Push: the browser's subscription, the manifest, the service worker ------------------------------------

BAD_BODY = "Requête invalide : un abonnement Web Push au format JSON est attendu."


def _subscription_body(request) -> dict | None:
    """The JSON of ``PushSubscription.toJSON()`` (what static/js/push.js sends), or the same as form fields
    (``endpoint``, ``p256dh``, ``auth``); None when neither."""
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields = request.POST
        return {
            "endpoint": fields.get("endpoint"),
            "keys": {"p256dh": fields.get("p256dh"), "auth": fields.get("auth")},
        }
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


@verified_required
@require_POST
def push_subscribe(request):
    """The browser's ``PushSubscription`` (JSON, with the CSRF header): 201, or 400 with the French reason."""
    body = _subscription_body(request)
    if body is None:
        return JsonResponse({"detail": BAD_BODY}, status=400)
    keys = body.get("keys") if isinstance(body.get("keys"), dict) else {}
    try:
        push.subscribe(
            request.user,
            body.get("endpoint"),
            keys.get("p256dh"),
            keys.get("auth"),
            label=label_from(request.META.get("HTTP_USER_AGENT", "")),
        )
    except ActionError as exc:
        return JsonResponse({"detail": exc.message, "field": exc.field}, status=400)
    return JsonResponse({"detail": "Notifications activées sur cet appareil."}, status=201)


@verified_required
@require_POST
def push_unsubscribe(request):
    body = _subscription_body(request)
    if body is None:
        return JsonResponse({"detail": BAD_BODY}, status=400)
    push.unsubscribe(request.user, body.get("endpoint"))
    return JsonResponse({"detail": "Notifications désactivées sur cet appareil."})


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    """The web app manifest: OpenCPTS can be added to a phone's home screen."""
    icons = [
        {"src": static("icons/opencpts.svg"), "sizes": "any", "type": "image/svg+xml"},
        {"src": static("icons/opencpts-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/opencpts-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("icons/opencpts-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    data = {
        "name": "OpenCPTS",
        "short_name": "OpenCPTS",
        "description": "La plateforme de votre CPTS",
        "lang": "fr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f8a",
        "icons": icons,
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """The service worker, at the root so that its scope is the whole site. It shows pushed notifications and
    opens them; it caches nothing (no patient page is ever stored on the device)."""
    response = render(
        request,
        "notifications/sw.js",
        {"icon": static("icons/opencpts-192.png")},
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response
