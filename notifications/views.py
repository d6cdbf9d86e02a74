"""Pages of the notifications app, all about the logged-in user's own data. Thin: reads through
notifications.access, writes through notifications.actions."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from cpts.policy import has_confirmed_device, must_verify
from notifications import access, actions
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
    return render(request, "notifications/preferences.html", {"form": form, "prefs": prefs})
