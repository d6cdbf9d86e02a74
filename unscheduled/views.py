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
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from unscheduled import access as rules
from unscheduled import booking as booking_rules
from unscheduled import search, slots
from unscheduled.forms import (
    BookForm,
    BulkForm,
    CancelForm,
    CopyWeekForm,
    OutcomeForm,
    PatternForm,
    PublishForm,
    RescheduleForm,
    SearchForm,
)
from unscheduled.models import AvailabilityPattern, Booking, Slot

PERMISSION = rules.USE
DAYS_SHOWN = 14
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def day_label(day: dt.date) -> str:
    return f"{slots.WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


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

    @property
    def state(self) -> str:
        if self.booking is not None:
            return "reserve"
        return "pause" if self.slot.paused else "libre"

    @property
    def state_label(self) -> str:
        return {"reserve": "Réservé", "pause": "En pause", "libre": "Libre"}[self.state]


def _mine_context(request, access, pro: Professional | None, candidates, forms: dict | None = None) -> dict:
    cpts, now = access.cpts, timezone.now()
    today = timezone.localdate()
    if pro is not None and pro not in candidates:
        candidates = [*candidates, pro]
    context = {"cpts": cpts, "pro": pro, "candidates": candidates, "show_picker": len(candidates) > 1}
    if pro is None:
        return context
    first = dt.datetime.combine(today, dt.time(0), tzinfo=PARIS)
    last = dt.datetime.combine(today + dt.timedelta(days=DAYS_SHOWN), dt.time(0), tzinfo=PARIS)
    live = Prefetch("bookings", queryset=Booking.objects.filter(status__in=Booking.LIVE), to_attr="live")
    shown = list(
        scoped(Slot, cpts)
        .filter(professional=pro, start__gte=first, start__lt=last)
        .select_related("place")
        .prefetch_related(live)
        .order_by("start", "pk")
    )
    days: dict[dt.date, list[SlotRow]] = {}
    for slot in shown:
        days.setdefault(slot.start.astimezone(PARIS).date(), []).append(
            SlotRow(slot, (slot.live or [None])[0])
        )
    bookings = list(
        scoped(Booking, cpts)
        .filter(slot__professional=pro, slot__start__gte=first - dt.timedelta(days=7))
        .exclude(status=Booking.Status.CANCELLED, slot__start__lt=now)
        .select_related("slot", "slot__place")
        .order_by("slot__start", "pk")
    )
    monday = today - dt.timedelta(days=today.weekday())
    forms = forms or {}
    context.update(
        {
            "days": [(day, day_label(day), rows) for day, rows in days.items()],
            "free_ids": [s.pk for s in shown if s.start > now],
            "patterns": [
                (p, ", ".join(slots.WEEKDAYS[d] for d in p.weekdays))
                for p in scoped(AvailabilityPattern, cpts)
                .filter(professional=pro)
                .select_related("place")
                .order_by("-valid_until", "start_time")
            ],
            "bookings": [(b, slot_label(b.slot), b.slot.start <= now) for b in bookings],
            "publish_form": forms.get("publish")
            or PublishForm(
                professional=pro,
                prefix="slot",
                initial={
                    "day": today + dt.timedelta(days=1),
                    "at": dt.time(17),
                    "visibility": ["SNP", "CPTS"],
                },
            ),
            "pattern_form": forms.get("pattern")
            or PatternForm(
                professional=pro,
                prefix="pattern",
                initial={
                    "weekdays": [0, 1, 2, 3, 4],
                    "start_time": dt.time(17),
                    "end_time": dt.time(19),
                    "valid_from": today,
                    "valid_until": today + dt.timedelta(days=90),
                    "visibility": ["SNP", "CPTS"],
                },
            ),
            "bulk_form": forms.get("bulk") or BulkForm(prefix="bulk"),
            "copy_form": forms.get("copy")
            or CopyWeekForm(
                prefix="copy", initial={"source": monday, "target": monday + dt.timedelta(days=7)}
            ),
            "weekdays": slots.WEEKDAYS,
        }
    )
    return context


def _render_mine(request, access, pro, candidates, forms=None, status=200):
    context = _mine_context(request, access, pro, candidates, forms)
    shown = [b.pk for b, _, _ in context.get("bookings", [])]
    if shown:  # patients' identities on the page: traced
        record_view(pro, cpts_id=access.cpts.pk, details={"page": "snp_mine", "booking_ids": shown[:200]})
    return render(request, "unscheduled/mine.html", context, status=status)


def _back_to_mine(access, pro: Professional):
    return redirect(reverse("unscheduled:mine", args=[access.cpts.slug]) + f"?professionnel={pro.pk}")


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


@cpts_view(PERMISSION)
@require_POST
def publish(request, access):
    pro, candidates = _acting_for(request, access)
    form = PublishForm(request.POST, professional=pro, prefix="slot")
    if form.is_valid():
        data = form.cleaned_data
        try:
            slots.publish_slot(
                access.cpts,
                request.user,
                pro,
                place=data["place"],
                day=data["day"],
                at=data["at"],
                minutes=data["minutes"],
                modality=data["modality"],
                motifs=data["motifs"],
                visibility=data["visibility"],
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Créneau publié.")
            return _back_to_mine(access, pro)
    return _render_mine(request, access, pro, candidates, {"publish": form}, status=400)


@cpts_view(PERMISSION)
@require_POST
def new_pattern(request, access):
    pro, candidates = _acting_for(request, access)
    form = PatternForm(request.POST, professional=pro, prefix="pattern")
    if form.is_valid():
        try:
            pattern = slots.create_pattern(access.cpts, request.user, pro, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            count = Slot.objects.filter(pattern=pattern).count()
            messages.success(
                request,
                f"Disponibilités enregistrées : {count} créneau{'x' if count > 1 else ''} "
                f"publié{'s' if count > 1 else ''} sur les {slots.HORIZON_DAYS} prochains jours.",
            )
            return _back_to_mine(access, pro)
    return _render_mine(request, access, pro, candidates, {"pattern": form}, status=400)


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
                "pause": "mis en pause",
                "resume": "repris",
                "visibility": "modifiés",
                "delete": "supprimés",
            }[action]
            messages.success(request, f"{count} créneau{'x' if count > 1 else ''} {done}.")
            return _back_to_mine(access, pro)
    return _render_mine(request, access, pro, candidates, {"bulk": form}, status=400)


@cpts_view(PERMISSION)
@require_POST
def copy_week(request, access):
    pro, candidates = _acting_for(request, access)
    form = CopyWeekForm(request.POST, prefix="copy")
    if form.is_valid():
        try:
            count = slots.copy_week(
                access.cpts, request.user, pro, form.cleaned_data["source"], form.cleaned_data["target"]
            )
        except ActionError as exc:
            show_action_error(form, exc, {"week": "source"})
        else:
            messages.success(
                request,
                f"Semaine copiée : {count} créneau{'x' if count > 1 else ''} créé{'s' if count > 1 else ''}.",
            )
            return _back_to_mine(access, pro)
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
        .filter(
            professional=booking.slot.professional,
            status=Slot.Status.FREE,
            paused=False,
            start__gt=timezone.now(),
        )
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
