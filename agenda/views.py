"""Pages of the calendar. Thin: reads through agenda.access (the group's rules), writes through agenda.actions
(which check the rules again and raise French errors). Every page showing a group's events is audited."""

import dataclasses
import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from agenda import access as rules
from agenda import actions, ical, periods, timeline
from agenda.forms import CancelForm, EventForm
from agenda.models import CalendarToken, Event
from agenda.timing import PARIS
from audit.context import current_actor
from audit.log import record, record_view
from audit.models import AuditEntry
from coordination import access as group_rules
from coordination.models import Group, GroupMember
from cpts.decorators import cpts_view
from cpts.scoping import scoped
from opencpts.errors import ActionError
from opencpts.forms import show_action_error

PERMISSION = "cpts.use_coordination"


def _members(group: Group) -> list:
    ids = group.members.filter(status=GroupMember.Status.ACTIVE).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "pk"))


def _period(request) -> periods.Period:
    view = request.GET.get("vue", periods.DEFAULT_VIEW)
    if view not in periods.VIEWS:
        messages.warning(request, "Vue inconnue : affichage de la semaine.")
        view = periods.DEFAULT_VIEW
    day, valid = periods.parse_date(request.GET.get("date"), timezone.localdate())
    if not valid:
        messages.warning(
            request,
            "Date invalide (format attendu AAAA-MM-JJ, entre 2000 et 2100) : affichage d'aujourd'hui.",
        )
    return periods.period(view, day)


def _calendar_context(request, events_qs) -> tuple[periods.Period, list, dict]:
    p = _period(request)
    events = list(
        events_qs.filter(starts_at__lt=p.ends_at, ends_at__gt=p.starts_at)
        .select_related("group")
        .prefetch_related("participant_links")
    )
    today = timezone.localdate()
    context = {
        "period": p,
        "days": periods.days_with_events(p, events, today),
        "today": today,
        "views": periods.VIEW_LABELS,
        "event_count": len(events),
    }
    return p, events, context


def _audit_details(p: periods.Period, where: str) -> dict:
    return {"agenda": where, "vue": p.view, "du": p.days[0].isoformat(), "au": p.days[-1].isoformat()}


@cpts_view(PERMISSION)
def mine(request, access):
    """Mon agenda: the events of every group of this CPTS I may read now."""
    cpts = access.cpts
    p, events, context = _calendar_context(request, rules.visible_events(request.user, cpts))
    shown = {e.group_id: e.group for e in events}
    for group in shown.values():  # one trace per group whose events were shown
        record_view(group, cpts_id=cpts.pk, details=_audit_details(p, "mon agenda"))
    mine_ids = {
        e.pk for e in events if any(link.user_id == request.user.pk for link in e.participant_links.all())
    }
    return render(
        request,
        "agenda/calendar.html",
        context
        | {
            "cpts": cpts,
            "group": None,
            "mine_ids": mine_ids,
            "has_groups": group_rules.visible_groups(request.user, cpts).exists(),
        },
    )


@cpts_view(PERMISSION)
def group_calendar(request, access, group_id):
    cpts = access.cpts
    group = group_rules.group_to_read(request.user, cpts, group_id)
    p, events, context = _calendar_context(request, scoped(Event, cpts).filter(group=group))
    record_view(group, cpts_id=cpts.pk, details=_audit_details(p, "groupe"))
    mine_ids = {
        e.pk for e in events if any(link.user_id == request.user.pk for link in e.participant_links.all())
    }
    return render(
        request,
        "agenda/calendar.html",
        context
        | {
            "cpts": cpts,
            "group": group,
            "mine_ids": mine_ids,
            "can_schedule": rules.can_schedule(request.user, group),
        },
    )


@cpts_view(PERMISSION)
def event_page(request, access, group_id, event_id):
    cpts = access.cpts
    group = group_rules.group_to_read(request.user, cpts, group_id)
    event = rules.event_to_read(request.user, cpts, group, event_id)
    record_view(event, cpts_id=cpts.pk, details={"groupe": group.pk})
    participants = User.objects.filter(pk__in=event.participant_links.values("user_id")).order_by(
        "last_name", "first_name"
    )
    return render(
        request,
        "agenda/event.html",
        {
            "cpts": cpts,
            "group": group,
            "event": event,
            "participants": participants,
            "history": _history(event),
            "start": event.starts_at.astimezone(PARIS),
            "end": event.ends_at.astimezone(PARIS),
            "last_day": (event.ends_at.astimezone(PARIS) - dt.timedelta(days=1)).date(),
            "can_change": rules.can_schedule(request.user, group) and not event.cancelled,
            "can_cancel": rules.can_cancel(request.user, group) and not event.cancelled,
            "can_give_reason": group_rules.can_share_clinical(group),
            "cancel_form": CancelForm(auto_id="annulation_%s"),
        },
    )


def _history(event: Event) -> list:
    """Each change with the previous values of the fields it changed, labelled in French."""
    out = []
    for change in event.changes.select_related("by"):
        previous = [
            (str(Event._meta.get_field(name).verbose_name), change.previous.get(name, ""))
            for name in change.fields
        ]
        out.append((change, previous))
    return out


def _event_form_page(request, access, group, event=None):
    members = _members(group)
    by_id = {str(u.pk): u for u in members}
    if event is None:
        day, _ = periods.parse_date(request.GET.get("date"), timezone.localdate())
        initial = {"start_date": day}
    else:
        initial = EventForm.initial_for(event)
    form = EventForm(request.POST or None, members=members, initial=initial)
    allowed = rules.can_schedule(request.user, group) and (event is None or not event.cancelled)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fields = {
                "kind": data["kind"],
                "title": data["title"],
                "when": form.when(),
                "place": data["place"],
                "description": data["description"],
                "participants": [by_id[i] for i in data["participants"]],
                "external_participants": data["external_participants"],
            }
            if event is None:
                event = actions.create_event(group, request.user, **fields)
                messages.success(request, "Événement ajouté à l'agenda du groupe.")
            else:
                event = actions.change_event(event, request.user, **fields)
                messages.success(request, "Événement modifié.")
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            return redirect("agenda:event", slug=access.cpts.slug, group_id=group.pk, event_id=event.pk)
    return render(
        request,
        "agenda/event_form.html",
        {
            "cpts": access.cpts,
            "group": group,
            "event": event,
            "form": form,
            "allowed": allowed,
            "is_open": group.status == Group.Status.OPEN,
        },
    )


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def new_event(request, access, group_id):
    group = group_rules.group_to_read(request.user, access.cpts, group_id)
    return _event_form_page(request, access, group)


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def edit_event(request, access, group_id, event_id):
    group = group_rules.group_to_read(request.user, access.cpts, group_id)
    event = rules.event_to_read(request.user, access.cpts, group, event_id)
    return _event_form_page(request, access, group, event)


@cpts_view(PERMISSION)
@require_POST
def cancel_event(request, access, group_id, event_id):
    group = group_rules.group_to_read(request.user, access.cpts, group_id)
    event = rules.event_to_read(request.user, access.cpts, group, event_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Motif : 500 caractères au plus.")
    else:
        try:
            actions.cancel_event(event, request.user, form.cleaned_data["reason"])
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Événement annulé : il reste visible, marqué comme annulé.")
    return redirect("agenda:event", slug=access.cpts.slug, group_id=group.pk, event_id=event.pk)


@cpts_view(PERMISSION)
def timeline_page(request, access, group_id):
    cpts = access.cpts
    group = group_rules.group_to_read(request.user, cpts, group_id)
    if group.kind != Group.Kind.CARE_CIRCLE:
        raise Http404("La chronologie concerne un cercle de soins autour d'un patient.")
    entries = timeline.entries(group)
    record_view(group, cpts_id=cpts.pk, details={"chronologie": len(entries)})
    days: dict[dt.date, list] = defaultdict(list)
    for entry in entries:
        days[entry.at.astimezone(PARIS).date()].append(entry)
    now = timezone.now()
    return render(
        request,
        "agenda/timeline.html",
        {
            "cpts": cpts,
            "group": group,
            "days": list(days.items()),
            "now": now,
            "count": len(entries),
            "next_entry": next(
                (entry for entry in entries if entry.at > now), None
            ),  # "now" is marked before it
        },
    )


# --- Personal iCalendar subscription ----------------------------------------------------------------------


def _subscription_context(request, access, raw: str | None = None) -> dict:
    token = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    url = request.build_absolute_uri(reverse("agenda:ical", kwargs={"token": raw})) if raw else None
    return {"cpts": access.cpts, "token": token, "feed_url": url}


@cpts_view(PERMISSION)
@never_cache
@require_http_methods(["GET", "POST"])
def subscription(request, access):
    """GET: the subscription's state. POST: a new secret URL, shown once (the previous one stops working)."""
    if request.method == "POST":
        try:
            _, raw = actions.issue_calendar_token(request.user)
        except ActionError as exc:
            messages.error(request, exc.message)
            return redirect("agenda:subscription", slug=access.cpts.slug)
        return render(request, "agenda/subscription.html", _subscription_context(request, access, raw))
    return render(request, "agenda/subscription.html", _subscription_context(request, access))


@cpts_view(PERMISSION)
@require_POST
def revoke_subscription(request, access):
    try:
        actions.revoke_calendar_token(request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Abonnement supprimé : l'ancien lien ne fonctionne plus.")
    return redirect("agenda:subscription", slug=access.cpts.slug)


@require_GET
def ical_feed(request, token):
    """The feed of a subscription token, without session: the events of the groups its user may read *now*."""
    found = actions.active_calendar_token(token)
    if found is None:
        return HttpResponse(
            "Abonnement inconnu ou supprimé.", status=404, content_type="text/plain; charset=utf-8"
        )
    user = found.user
    now = timezone.now()
    events = list(ical.feed_events(rules.readable_group_ids(user), now).select_related("group__cpts"))

    def url_of(event):
        return request.build_absolute_uri(
            reverse(
                "agenda:event",
                kwargs={"slug": event.group.cpts.slug, "group_id": event.group_id, "event_id": event.pk},
            )
        )

    body = ical.calendar(events, url_of)
    actor = dataclasses.replace(current_actor(), user_id=user.pk, label=user.email)
    by_cpts: dict[int, set[int]] = defaultdict(set)
    for event in events:
        by_cpts[event.cpts_id].add(event.group_id)
    for cpts_id, group_ids in sorted(by_cpts.items()) or [(None, set())]:
        record(
            AuditEntry.Action.VIEW,
            obj=found,
            cpts_id=cpts_id,
            actor=actor,
            details={
                "flux": "icalendar",
                "groupes": sorted(group_ids),
                "evenements": sum(1 for e in events if e.cpts_id == cpts_id),
            },
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="opencpts-agenda.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
