"""Pages of the soins non programmés (SNP). Thin: who may do what is decided by unscheduled.access, every
write goes through unscheduled.slots / unscheduled.booking (which check the rules again and raise French
errors), the search is unscheduled.search.find. Slots and bookings are always read within the CPTS of the
URL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agenda.timing import PARIS
from audit.log import record_view
from cpts.decorators import cpts_view
from cpts.models import Membership
from cpts.scoping import scoped
from directory import search as directory_search
from directory.models import Professional
from directory.query import Row, resolve_point
from directory.views import default_place
from opencpts import french
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from unscheduled import access as rules
from unscheduled import booking as booking_rules
from unscheduled import search, slots
from unscheduled.forms import (
    AddForm,
    BookForm,
    BulkForm,
    CancelForm,
    CopyWeekForm,
    OutcomeForm,
    RescheduleForm,
    SearchForm,
)
from unscheduled.models import Audience, AvailabilityPattern, Booking, Slot

PERMISSION = rules.USE


def day_label(day: dt.date) -> str:
    return french.day(day, year=False)


def slot_label(slot: Slot) -> str:
    start, end = slot.start.astimezone(PARIS), slot.end.astimezone(PARIS)
    return f"{day_label(start.date())} {start:%H:%M}–{end:%H:%M}"


def _slot(access, slot_id: int) -> Slot:
    slot = (
        scoped(Slot, access.cpts)
        .filter(pk=slot_id)
        .select_related("professional", "place", "place__commune", "cpts")
        .first()
    )
    if slot is None:
        raise Http404("Créneau introuvable.")
    return slot


def _booking(access, booking_id: int) -> Booking:
    booking = (
        scoped(Booking, access.cpts)
        .filter(pk=booking_id)
        .select_related(
            "slot", "slot__professional", "slot__place", "slot__place__commune", "cpts", "booked_by"
        )
        .first()
    )
    if booking is None:
        raise Http404("Réservation introuvable.")
    return booking


# --- My slots -----------------------------------------------------------------------------------------------


def _candidates(user, access) -> list[Professional]:
    """The professionals whose slots the user may manage here (the rule: unscheduled.access.can_manage)."""
    cpts = access.cpts
    ids = rules.managed_professional_ids(user, cpts)
    # A coordinator manages every professional of the CPTS: its members and whoever publishes slots here.
    ids |= set(
        scoped(Membership, cpts)
        .filter(active=True, user__professional__isnull=False)
        .values_list("user__professional_id", flat=True)
    )
    ids |= set(scoped(AvailabilityPattern, cpts).values_list("professional_id", flat=True))
    pros = Professional.objects.filter(pk__in=ids).order_by("last_name", "first_name", "pk")
    return [p for p in pros if rules.can_manage(user, cpts, p)]


def _chosen(request, access, candidates: list[Professional]) -> Professional | None:
    raw = request.POST.get("professionnel") or request.GET.get("professionnel")
    if raw:
        try:
            pro = Professional.objects.filter(pk=int(raw)).first()
        except ValueError:
            pro = None
        if pro is None:
            raise Http404("Professionnel introuvable.")
        rules.require_manage(request.user, access.cpts, pro)
        return pro
    own = next((p for p in candidates if p.pk == request.user.professional_id), None)
    return own or (candidates[0] if candidates else None)


@dataclass
class SlotRow:
    slot: Slot
    booking: Booking | None
    selectable: bool = False

    @property
    def state(self) -> str:
        if self.booking is not None:
            return "reserve"
        return "pause" if self.slot.paused else "libre"

    @property
    def state_label(self) -> str:
        return {"reserve": "Réservé", "pause": "En pause", "libre": "Libre"}[self.state]


@dataclass
class DayColumn:
    day: dt.date
    rows: list[SlotRow]
    current: bool
    past: bool

    @property
    def short(self) -> str:
        return slots.WEEKDAYS[self.day.weekday()][:3]


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _day_param(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _week(request, today: dt.date) -> tuple[dt.date, dt.date]:
    """(Monday of the week shown, the day shown first on a phone): ``?semaine=`` and ``?jour=``."""
    day = _day_param(request.GET.get("jour"))
    monday = _monday(_day_param(request.GET.get("semaine")) or day or today)
    if day is None or _monday(day) != monday:
        day = today if _monday(today) == monday else monday
    return monday, day


def _columns(cpts, pro, monday: dt.date, current: dt.date, today: dt.date, now) -> list[DayColumn]:
    first = dt.datetime.combine(monday, dt.time(0), tzinfo=PARIS)
    live = Prefetch("bookings", queryset=Booking.objects.live(), to_attr="live")
    shown = (
        scoped(Slot, cpts)
        .filter(professional=pro, start__gte=first, start__lt=first + dt.timedelta(days=7))
        .select_related("place")
        .prefetch_related(live)
        .order_by("start", "pk")
    )
    days = {monday + dt.timedelta(days=i): [] for i in range(7)}
    for slot in shown:
        booking = (slot.live or [None])[0]
        row = SlotRow(slot, booking, selectable=slot.start > now and booking is None)
        days.setdefault(slot.start.astimezone(PARIS).date(), []).append(row)
    return [DayColumn(day, rows, day == current, day < today) for day, rows in days.items()]


def _mine_context(request, access, pro: Professional | None, candidates, forms: dict | None = None) -> dict:
    cpts, now = access.cpts, timezone.now()
    today = timezone.localdate()
    if pro is not None and pro not in candidates:
        candidates = [*candidates, pro]
    context = {"cpts": cpts, "pro": pro, "candidates": candidates, "show_picker": len(candidates) > 1}
    if pro is None:
        return context
    monday, current = _week(request, today)
    columns = _columns(cpts, pro, monday, current, today, now)
    rows = [r for c in columns for r in c.rows]
    to_mark = list(
        scoped(Booking, cpts)
        .filter(
            slot__professional=pro,
            status=Booking.Status.BOOKED,
            slot__start__lte=now,
            slot__start__gte=now - dt.timedelta(days=30),
        )
        .select_related("slot")
        .order_by("slot__start", "pk")
    )
    forms = forms or {}
    context.update(
        {
            "monday": monday,
            "sunday": monday + dt.timedelta(days=6),
            "previous_week": monday - dt.timedelta(days=7),
            "next_week": monday + dt.timedelta(days=7),
            "this_week": _monday(today),
            "columns": columns,
            "current": current,
            "total": len(rows),
            "booked": sum(1 for r in rows if r.state == "reserve"),
            "free": sum(1 for r in rows if r.state == "libre"),
            "selectable": any(r.selectable for r in rows),
            "to_mark": to_mark,
            "patterns": [
                (p, ", ".join(slots.WEEKDAYS[d] for d in p.weekdays))
                for p in scoped(AvailabilityPattern, cpts)
                .not_ended(today)
                .filter(professional=pro)
                .select_related("place")
                .order_by("-valid_until", "start_time")
            ],
            "bulk_form": forms.get("bulk") or BulkForm(prefix="bulk"),
            "copy_form": forms.get("copy")
            or CopyWeekForm(
                prefix="copy", initial={"source": monday, "target": monday + dt.timedelta(days=7)}
            ),
        }
    )
    return context


def _render_mine(request, access, pro, candidates, forms=None, status=200):
    context = _mine_context(request, access, pro, candidates, forms)
    shown = [r.booking.pk for c in context.get("columns", []) for r in c.rows if r.booking]
    shown += [b.pk for b in context.get("to_mark", [])]
    if shown:  # patients' identities on the page: traced
        record_view(pro, cpts_id=access.cpts.pk, details={"page": "snp_mine", "booking_ids": shown[:200]})
    return render(request, "unscheduled/mine.html", context, status=status)


def _back_to_mine(access, pro: Professional, monday: dt.date | None = None):
    query = f"?professionnel={pro.pk}" + (f"&semaine={monday.isoformat()}" if monday else "")
    return redirect(reverse("unscheduled:mine", args=[access.cpts.slug]) + query)


def _acting_for(request, access):
    candidates = _candidates(request.user, access)
    pro = _chosen(request, access, candidates)
    if pro is None:
        raise PermissionDenied("Vous ne gérez les créneaux d'aucun professionnel dans cette CPTS.")
    return pro, candidates


@cpts_view(PERMISSION)
@require_GET
def mine(request, access):
    candidates = _candidates(request.user, access)
    pro = _chosen(request, access, candidates)
    return _render_mine(request, access, pro, candidates)


# --- Adding slots: the form, the preview, the publication ---------------------------------------------------

LAST_ADDED = "snp_dernier_ajout"  # the session remembers the hours and choices last published


def _add_initial(request, access, pro: Professional, today: dt.date) -> dict:
    """Presets: ``?jour=`` (that day), ``?repeter=1`` (every week), otherwise next week Monday to Friday; the
    hours last published (this session, else the latest weekly pattern), else 18 h to 20 h."""
    initial = {
        "repeat": "once",
        "week": _monday(today) + dt.timedelta(days=7),
        "weekdays": [0, 1, 2, 3, 4],
        "start_time": dt.time(18),
        "end_time": dt.time(20),
        "slot_minutes": 20,
        "valid_from": today,
        "valid_until": today + dt.timedelta(days=90),
        "visibility": ["SNP", "CPTS"],
    }
    latest = scoped(AvailabilityPattern, access.cpts).filter(professional=pro).order_by("-created_at").first()
    if latest is not None:
        initial |= {
            "start_time": latest.start_time,
            "end_time": latest.end_time,
            "slot_minutes": latest.slot_minutes,
            "modality": latest.modality,
            "visibility": latest.visibility,
        }
    remembered = request.session.get(LAST_ADDED) or {}
    if remembered.get("professional") == pro.pk:
        initial |= {k: v for k, v in remembered.items() if k != "professional"}
    day = _day_param(request.GET.get("jour"))
    if day is not None and day >= today:
        initial |= {"week": _monday(day), "weekdays": [day.weekday()]}
    if request.GET.get("repeter") == "1":
        initial["repeat"] = "weekly"
    return initial


def _remember(request, pro: Professional, form: AddForm) -> None:
    data = form.cleaned_data
    request.session[LAST_ADDED] = {
        "professional": pro.pk,
        "start_time": data["start_time"].strftime("%H:%M"),
        "end_time": data["end_time"].strftime("%H:%M"),
        "slot_minutes": data["slot_minutes"],
        "modality": data["modality"],
        "visibility": list(data["visibility"]),
        "place": data["place"].pk,
    }


def _carried(request) -> list[tuple[str, str]]:
    """The form's input, carried by the preview to the publication (hidden fields)."""
    skipped = {"csrfmiddlewaretoken", "choix"}
    return [(k, v) for k in request.POST if k not in skipped for v in request.POST.getlist(k) if v != ""]


def _add_page(request, access, pro, form, status=200):
    context = {"cpts": access.cpts, "pro": pro, "form": form, "excluded": form.excluded_days()}
    return render(request, "unscheduled/add.html", context, status=status)


def _preview_page(request, access, pro, form, plan, error: str = "", status=200):
    created_days: dict[dt.date, list] = {}
    for wanted in plan.free:
        created_days.setdefault(wanted.day, []).append(wanted)
    context = {
        "cpts": access.cpts,
        "pro": pro,
        "form": form,
        "plan": plan,
        "created_days": sorted(created_days.items()),
        "passed": [w for w in plan.refused if w.reason in ("passe", "ete")],
        "carried": _carried(request),
        "error": error,
    }
    return render(request, "unscheduled/preview.html", context, status=status)


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def publish(request, access):
    """« Ajouter des créneaux »: GET the form; POST shows the preview (what will be created, what collides);
    POST with ``choix`` publishes (``publier``, ``ignorer`` or ``remplacer``) or goes back to the form
    (``modifier``)."""
    pro, _ = _acting_for(request, access)
    today = timezone.localdate()
    if request.method == "GET":
        initial = _add_initial(request, access, pro, today)
        return _add_page(request, access, pro, AddForm(professional=pro, today=today, initial=initial))
    form = AddForm(request.POST, professional=pro, today=today)
    choice = request.POST.get("choix", "")
    if choice == "modifier" or not form.is_valid():
        return _add_page(request, access, pro, form, status=200 if choice == "modifier" else 400)
    fields = form.rule_fields()
    try:
        if choice in ("publier", slots.SKIP, slots.REPLACE):
            outcome = slots.publish(
                access.cpts,
                request.user,
                pro,
                weekly=form.weekly,
                overlaps=None if choice == "publier" else choice,
                **fields,
            )
        else:
            plan = slots.preview(access.cpts, request.user, pro, weekly=form.weekly, **fields)
            return _preview_page(request, access, pro, form, plan)
    except ActionError as exc:
        if exc.field != "overlaps":
            show_action_error(form, exc)
            return _add_page(request, access, pro, form, status=400)
        # The slots changed since the preview: show it again, as it is now.
        plan = slots.preview(access.cpts, request.user, pro, weekly=form.weekly, **fields)
        return _preview_page(request, access, pro, form, plan, error=exc.message, status=409)
    _remember(request, pro, form)
    messages.success(request, outcome.message)
    first = outcome.first_day
    return _back_to_mine(access, pro, _monday(first) if first else None)


@cpts_view(PERMISSION)
@require_POST
def pattern_pause(request, access, pattern_id):
    pattern = (
        scoped(AvailabilityPattern, access.cpts).filter(pk=pattern_id).select_related("professional").first()
    )
    if pattern is None:
        raise Http404("Disponibilités introuvables.")
    paused = request.POST.get("paused") == "1"
    slots.set_paused(pattern, request.user, paused)
    messages.success(
        request,
        "Disponibilités mises en pause : leurs créneaux libres ne sont plus proposés."
        if paused
        else "Disponibilités reprises : leurs créneaux libres sont de nouveau proposés.",
    )
    return _back_to_mine(access, pattern.professional)


@cpts_view(PERMISSION)
@require_POST
def bulk(request, access):
    pro, candidates = _acting_for(request, access)
    form = BulkForm(request.POST, prefix="bulk", slot_ids=request.POST.getlist("bulk-slots"))
    if form.is_valid():
        data = form.cleaned_data
        action = data["action"]
        try:
            count = slots.bulk_update(
                access.cpts,
                request.user,
                data["slots"],
                paused={"pause": True, "resume": False}.get(action),
                visibility=data["visibility"] if action == "visibility" else None,
                delete=action == "delete",
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            done = {
                "pause": ("créneau mis en pause", "créneaux mis en pause"),
                "resume": ("créneau repris", "créneaux repris"),
                "visibility": ("créneau modifié", "créneaux modifiés"),
                "delete": ("créneau supprimé", "créneaux supprimés"),
            }[action]
            messages.success(request, french.count(count, *done) + ".")
            return _back_to_mine(access, pro, _day_param(request.POST.get("semaine")))
    return _render_mine(request, access, pro, candidates, {"bulk": form}, status=400)


@cpts_view(PERMISSION)
@require_POST
def copy_week(request, access):
    pro, candidates = _acting_for(request, access)
    form = CopyWeekForm(request.POST, prefix="copy")
    if form.is_valid():
        try:
            done = slots.copy_week(
                access.cpts,
                request.user,
                pro,
                form.cleaned_data["source"],
                form.cleaned_data["target"],
                overlaps=slots.SKIP,
            )
        except ActionError as exc:
            show_action_error(form, exc, {"week": "source"})
        else:
            messages.success(request, f"Semaine copiée : {done.message[0].lower()}{done.message[1:]}")
            return _back_to_mine(access, pro, form.cleaned_data["target"])
    return _render_mine(request, access, pro, candidates, {"copy": form}, status=400)


@cpts_view(PERMISSION)
@require_POST
def outcome(request, access, booking_id):
    booking = _booking(access, booking_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez si le patient est venu.")
    else:
        try:
            booking_rules.mark_outcome(booking, request.user, form.cleaned_data["outcome"] == "honoured")
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                "Rendez-vous honoré."
                if form.cleaned_data["outcome"] == "honoured"
                else "Patient absent : noté.",
            )
    return _back_to_mine(access, booking.slot.professional)


# --- Search and booking -------------------------------------------------------------------------------------


@dataclass
class Result:
    slot: Slot
    distance_km: float | None
    distance_label: str
    when: str


@cpts_view(PERMISSION)
@require_GET
def search_page(request, access):
    cpts = access.cpts
    form = SearchForm(
        request.GET or None, initial={"where": default_place(cpts), "radius_km": 20, "window": "24h"}
    )
    context = {"cpts": cpts, "form": form, "results": None}
    data = None
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
    else:
        data = {
            "where": default_place(cpts),
            "radius_km": 20.0,
            "window": "24h",
            "profession": "",
            "specialty": "",
            "modality": "",
        }
    if data is not None:
        point = None
        if data["where"]:
            try:
                point = resolve_point(data["where"])
            except directory_search.SearchError as exc:
                form.add_error("where", exc.message)
        if not form.errors:
            radius = data["radius_km"] or 20.0
            found = search.find(
                cpts,
                point=(point.latitude, point.longitude) if point else None,
                radius_km=radius if point else None,
                window=data["window"],
                profession=data["profession"],
                specialty=data["specialty"],
                modality=data["modality"],
            )
            results = [
                Result(
                    f.slot,
                    f.distance_km,
                    Row(f.slot.professional, f.slot.place, f.distance_km).distance_label,
                    slot_label(f.slot),
                )
                for f in found.slots
            ]
            idle = [
                (
                    i.professional,
                    directory_search.format_km(i.distance_km) if i.distance_km is not None else "",
                )
                for i in found.idle
            ]
            context.update(
                {
                    "results": results,
                    "idle": idle,
                    "point": point,
                    "radius_km": radius,
                    "window_label": search.WINDOWS[data["window"]],
                }
            )
    return render(request, "unscheduled/search.html", context, status=400 if form.errors else 200)


def _sas_origin(request) -> str:
    """The SAS's "origin" parameter (it adds it to the slot's link); "sas" when the link came without it."""
    return request.GET.get("origin", "") or ("sas" if request.GET.get("source") == "sas" else "")


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def book(request, access, slot_id):
    slot = _slot(access, slot_id)
    origin = _sas_origin(request)
    form = BookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = booking_rules.book(slot, request.user, origin=origin, **form.cleaned_data)
        except booking_rules.SlotTaken:
            messages.error(
                request,
                "Ce créneau vient d'être réservé par quelqu'un d'autre : choisissez-en un autre. "
                "Aucune réservation n'a été enregistrée.",
            )
            return redirect("unscheduled:search", slug=access.cpts.slug)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request,
                "Rendez-vous réservé. Le professionnel est prévenu et le patient reçoit une confirmation.",
            )
            return redirect("unscheduled:booking", slug=access.cpts.slug, booking_id=booking.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "unscheduled/book.html",
        {"cpts": access.cpts, "slot": slot, "when": slot_label(slot), "form": form, "origin": origin},
        status=status,
    )


def _other_free_slots(access, booking: Booking) -> list[tuple[Slot, str]]:
    qs = (
        scoped(Slot, access.cpts)
        .bookable(audience=Audience.MEMBER)
        .filter(professional=booking.slot.professional)
        .exclude(pk=booking.slot_id)
        .order_by("start")[:100]
    )
    return [(s, slot_label(s)) for s in qs]


def _booking_page(request, access, booking, cancel_form=None, reschedule_form=None, status=200):
    return render(
        request,
        "unscheduled/booking.html",
        {
            "cpts": access.cpts,
            "booking": booking,
            "when": slot_label(booking.slot),
            "can_manage": rules.can_manage(request.user, access.cpts, booking.slot.professional),
            "cancel_form": cancel_form or CancelForm(),
            "reschedule_form": reschedule_form or RescheduleForm(slots=_other_free_slots(access, booking)),
        },
        status=status,
    )


def _visible_booking(request, access, booking_id) -> Booking:
    booking = _booking(access, booking_id)
    if not rules.can_see_booking(request.user, booking):
        raise PermissionDenied(
            "Cette réservation est visible de la personne qui l'a faite, du professionnel et de la "
            "coordination."
        )
    return booking


@cpts_view(PERMISSION)
@require_GET
def booking_page(request, access, booking_id):
    booking = _visible_booking(request, access, booking_id)
    record_view(booking, cpts_id=access.cpts.pk, details={"page": "snp_booking"})
    return _booking_page(request, access, booking)


@cpts_view(PERMISSION)
@require_POST
def cancel(request, access, booking_id):
    booking = _visible_booking(request, access, booking_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            booking_rules.cancel(booking, request.user, form.cleaned_data["reason"])
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Réservation annulée : le créneau est de nouveau libre.")
            return redirect("unscheduled:booking", slug=access.cpts.slug, booking_id=booking.pk)
    return _booking_page(request, access, booking, cancel_form=form, status=400)


@cpts_view(PERMISSION)
@require_POST
def reschedule(request, access, booking_id):
    booking = _visible_booking(request, access, booking_id)
    form = RescheduleForm(request.POST, slots=_other_free_slots(access, booking))
    if form.is_valid():
        try:
            new = booking_rules.reschedule(booking, request.user, _slot(access, form.cleaned_data["slot"]))
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Rendez-vous reporté ; l'ancien créneau est de nouveau libre.")
            return redirect("unscheduled:booking", slug=access.cpts.slug, booking_id=new.pk)
    return _booking_page(request, access, booking, reschedule_form=form, status=400)
