"""Pages of the médecin traitant mission. Thin: the rules are in gpmatching.intake (requests), capacity (GPs),
csv_import, matching (proposals), priority, access (who sees what) and indicators (figures). Every page that
shows a request records a ``view`` in the audit trail; CSV exports record an ``export``."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.log import record, record_view
from cpts.decorators import cpts_view
from cpts.models import CPTS
from cpts.scoping import scoped
from directory.models import PracticePlace, Professional
from gpmatching import access as rules
from gpmatching import capacity as capacity_rules
from gpmatching import csv_import, indicators, intake, matching, priority, spam
from gpmatching.forms import CapacityForm, DeclineForm, ImportForm, PolicyForm, RequestForm, WithdrawForm
from gpmatching.models import Capacity, ImportBatch, MatchingRun, Proposal, Request
from opencpts.clientip import client_ip
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from opencpts.french import count
from territory.text import normalize

SESSION_DONE = "gp_request_done"


# Public pages -----------------------------------------------------------------------------------------------


def _public_cpts(slug: str) -> CPTS:
    return get_object_or_404(CPTS, slug=slug)


def _send_confirmation(request, result: intake.Intake) -> None:
    link = settings.OPENCPTS_BASE_URL.rstrip("/") + reverse("gpmatching:public_confirm", args=[result.token])
    cpts = result.request.cpts
    send_mail(
        f"Confirmez votre demande de médecin traitant — {cpts.name}",
        f"Bonjour,\n\nVous avez demandé à la {cpts.name} de vous aider à trouver un médecin traitant "
        f"(référence {result.request.reference}).\nPour confirmer votre demande, ouvrez ce lien dans les "
        f"{intake.CONFIRMATION_DAYS} jours :\n{link}\n\nSi vous n'êtes pas à l'origine de cette demande, "
        f"ignorez ce message : elle sera effacée.\n\n{cpts.name}",
        None,
        [result.request.email],
    )


@require_http_methods(["GET", "POST"])
def public_form(request, slug):
    """The public request form. It says « Votre demande est enregistrée » only after storing one: a robot is
    refused with a message, a person faster than spam.MIN_SECONDS is asked to confirm (gpmatching/spam.py)."""
    cpts = _public_cpts(slug)
    form = RequestForm(cpts, request.POST or None)
    context = {"cpts": cpts, "form": form, "policy": priority.policy_for(cpts)}
    status = 200
    if request.method == "POST":
        ip = client_ip(request)
        stamp = request.POST.get("stamp", "")
        decision = spam.verdict(request.POST.get("website", ""), stamp, request.POST.get("confirmation", ""))
        if spam.over_limit(ip):
            messages.error(request, spam.LIMIT_MESSAGE)
        elif decision == spam.ROBOT:
            spam.count(ip)  # refused, nothing kept; counted against the address
            context["refused"], status = spam.ROBOT_MESSAGE, 400
        elif form.is_valid() and decision == spam.CONFIRM:
            context["confirm"] = spam.CONFIRM_MESSAGE
        elif form.is_valid():
            stored = _store_public_request(request, cpts, form, ip, stamp)
            if stored:
                return redirect("gpmatching:public_done", slug=cpts.slug)
    context["stamp"] = _stamp(request) if status == 200 else spam.form_stamp()
    if context.get("confirm"):
        context["confirmation"] = spam.confirm_token(context["stamp"])
    return render(request, "gpmatching/public_form.html", context, status=status)


def _store_public_request(request, cpts, form, ip, stamp) -> bool:
    """Store the request (the stamp's use and the address's count in its transaction); True when stored,
    else the form carries the French reason."""
    try:
        with transaction.atomic():
            spam.admit(ip, stamp)
            result = intake.submit_public(cpts, form.data_for_rules())
    except ActionError as exc:
        show_action_error(form, exc)
        return False
    if result.token:
        transaction.on_commit(lambda: _send_confirmation(request, result))
    request.session[SESSION_DONE] = {"reference": result.request.reference, "email": bool(result.token)}
    return True


def _stamp(request) -> str:
    """The form's time stamp: kept from the first display when the form comes back with errors, so that a
    person who only ticks a box and sends again is not asked to confirm; a new one when it was forged, used or
    expired."""
    posted = request.POST.get("stamp", "") if request.method == "POST" else ""
    if posted and spam.fresh(posted) and not spam.used(posted):
        return posted
    return spam.form_stamp()


@require_GET
def public_done(request, slug):
    cpts = _public_cpts(slug)
    done = request.session.pop(SESSION_DONE, None)
    if not done or not done.get("reference"):  # only a stored request is announced
        return redirect("gpmatching:public_form", slug=cpts.slug)
    return render(request, "gpmatching/public_done.html", {"cpts": cpts, "done": done})


@require_http_methods(["GET", "POST"])
def public_confirm(request, token):
    # GET shows a button: mail scanners that follow links do not confirm on the person's behalf.
    if request.method == "POST":
        try:
            result = intake.confirm_by_token(token)
        except ActionError as exc:
            return render(request, "gpmatching/public_confirm.html", {"error": exc.message}, status=400)
        return render(
            request,
            "gpmatching/public_confirm.html",
            {
                "confirmed": True,
                "cpts": result.request.cpts,
                "reference": result.request.reference if not result.merged else "",
            },
        )
    return render(request, "gpmatching/public_confirm.html", {"token": token})


# Coordination: the waiting list -----------------------------------------------------------------------------

STATUS_FILTERS = {
    "attente": ("En attente et proposées", Request.QUEUED),
    "a-confirmer": ("À confirmer", (Request.Status.UNCONFIRMED,)),
    "attribuees": ("Médecin trouvé", (Request.Status.PLACED,)),
    "retirees": ("Retirées", (Request.Status.WITHDRAWN,)),
}


@cpts_view(rules.MANAGE)
@require_GET
def waiting_list(request, access):
    status = request.GET.get("etat", "attente")
    if status not in STATUS_FILTERS:
        status = "attente"
    qs = scoped(Request, access.cpts).filter(status__in=STATUS_FILTERS[status][1]).select_related("commune")
    commune = request.GET.get("commune", "")
    if commune:
        qs = qs.filter(commune_id=commune)
    text = normalize(request.GET.get("q", ""))
    if text:
        qs = qs.filter(Q(identity_key__contains=text) | Q(reference__iexact=request.GET.get("q", "").strip()))
    crit = request.GET.get("critere", "")
    if crit == "ald":
        qs = qs.filter(ald=True)
    elif crit == "precarite":
        qs = qs.filter(Q(c2s=True) | Q(ame=True))
    elif crit == "70":
        today = timezone.localdate()
        try:
            seventy = today.replace(year=today.year - 70)
        except ValueError:  # 29 February, 70 years before a non-leap year
            seventy = dt.date(today.year - 70, 2, 28)
        qs = qs.filter(birth_date__lte=seventy)
    qs = qs.order_by("-priority", "waiting_since", "pk")
    if request.GET.get("format") == "csv":
        record(
            "export",
            cpts_id=access.cpts.pk,
            object_type="gpmatching.request",
            object_label="liste d'attente médecin traitant (CSV)",
            details={"etat": status, "lignes": qs.count()},
        )
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            [
                "référence",
                "état",
                "priorité",
                "raisons",
                "nom",
                "prénom",
                "date de naissance",
                "commune",
                "téléphone",
                "e-mail",
                "en attente depuis",
                "ALD",
                "C2S",
                "AME",
            ]
        )
        for r in qs:
            writer.writerow(
                [
                    r.reference,
                    r.get_status_display(),
                    r.priority,
                    priority.reasons_text(r.priority_reasons),
                    r.last_name,
                    r.first_name,
                    r.birth_date.strftime("%d/%m/%Y") if r.birth_date else "",
                    r.commune.name if r.commune else "",
                    r.phone,
                    r.email,
                    r.waiting_since.strftime("%d/%m/%Y"),
                    "oui" if r.ald else "non",
                    "oui" if r.c2s else "non",
                    "oui" if r.ame else "non",
                ]
            )
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="liste-attente-mt-{access.cpts.slug}.csv"'
        return response
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    record(
        "view",
        cpts_id=access.cpts.pk,
        object_type="gpmatching.request",
        object_label="liste d'attente",
        details={"etat": status, "page": page.number, "ids": [r.pk for r in page]},
    )
    query = request.GET.copy()
    query.pop("page", None)
    from gpmatching.forms import commune_choices

    return render(
        request,
        "gpmatching/waiting_list.html",
        {
            "cpts": access.cpts,
            "page": page,
            "status": status,
            "statuses": STATUS_FILTERS.items(),
            "commune": commune,
            "communes": commune_choices(access.cpts)[1:],
            "q": request.GET.get("q", ""),
            "critere": crit,
            "query": query.urlencode(),
            "counts": indicators.waiting_list(access.cpts),
        },
    )


@cpts_view(rules.TAKE)
@require_GET
def request_page(request, access, request_id):
    if rules.MANAGE not in access.permissions and rules.TAKE not in access.permissions:
        raise PermissionDenied
    item = rules.request_to_read(access, request.user, request_id)
    record_view(item)
    manage = rules.MANAGE in access.permissions
    events = item.events.select_related("actor", "professional") if manage else None
    proposals = item.proposals.select_related("professional").order_by("-created_at") if manage else None
    # A GP sees the contact details once they accepted the patient (data minimisation before that).
    show_contact = (
        manage
        or scoped(Proposal, access.cpts)
        .filter(request=item, professional_id=request.user.professional_id, status=Proposal.Status.ACCEPTED)
        .exists()
    )
    return render(
        request,
        "gpmatching/request.html",
        {
            "cpts": access.cpts,
            "item": item,
            "manage": manage,
            "events": events,
            "proposals": proposals,
            "show_contact": show_contact,
            "age": item.age_on(timezone.localdate()),
            "reasons": priority.reasons_text(item.priority_reasons),
            "withdraw_form": WithdrawForm(),
        },
    )


@cpts_view(rules.MANAGE)
@require_POST
def request_action(request, access, request_id):
    item = scoped(Request, access.cpts).filter(pk=request_id).first()
    if item is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "confirm":
            result = intake.confirm_by_coordinator(item, request.user)
            merged = f" et fusionnée avec {result.request.reference}" if result.merged else ""
            messages.success(request, f"Demande confirmée{merged}.")
            return redirect("gpmatching:request", slug=access.cpts.slug, request_id=result.request.pk)
        if action == "withdraw":
            intake.withdraw(item, request.user, request.POST.get("reason", ""))
            messages.success(request, "Demande retirée.")
        else:
            raise ActionError("Action inconnue.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("gpmatching:request", slug=access.cpts.slug, request_id=item.pk)


@cpts_view(rules.REFER)
@require_http_methods(["GET", "POST"])
def new_request(request, access):
    form = RequestForm(access.cpts, request.POST or None, member=True)
    if request.method == "POST" and form.is_valid():
        try:
            result = intake.submit_for_patient(access.cpts, form.data_for_rules(), request.user)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            if result.merged:
                messages.info(
                    request,
                    f"Ce patient était déjà inscrit : sa demande {result.request.reference} a été complétée.",
                )
            else:
                messages.success(
                    request,
                    f"Patient inscrit sur la liste d'attente. Référence : {result.request.reference}.",
                )
            if rules.MANAGE in access.permissions:
                return redirect("gpmatching:request", slug=access.cpts.slug, request_id=result.request.pk)
            return redirect("gpmatching:new_request", slug=access.cpts.slug)
    return render(request, "gpmatching/new_request.html", {"cpts": access.cpts, "form": form})


# Coordination: import ---------------------------------------------------------------------------------------


@cpts_view(rules.MANAGE)
@require_http_methods(["GET", "POST"])
def import_list(request, access):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > csv_import.MAX_BYTES:
                raise ActionError(
                    f"Fichier trop volumineux : {csv_import.MAX_BYTES // 1024 // 1024} Mo au plus."
                )
            batch = csv_import.parse(access.cpts, upload.name, upload.read(), request.user)
        except ActionError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("gpmatching:import_preview", slug=access.cpts.slug, batch_id=batch.pk)
    recent = scoped(ImportBatch, access.cpts).order_by("-created_at")[:10]
    return render(
        request,
        "gpmatching/import.html",
        {"cpts": access.cpts, "form": form, "recent": recent, "header": csv_import.TEMPLATE_HEADER},
    )


@cpts_view(rules.MANAGE)
@require_http_methods(["GET", "POST"])
def import_preview(request, access, batch_id):
    batch = scoped(ImportBatch, access.cpts).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            csv_import.cancel(batch)
            messages.info(request, "Import annulé : rien n'a été enregistré.")
            return redirect("gpmatching:import", slug=access.cpts.slug)
        try:
            batch = csv_import.apply(batch, request.user, skip_errors=bool(request.POST.get("skip_errors")))
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{count(batch.created, 'demande créée', 'demandes créées', 'aucune demande créée')}, "
                f"{count(batch.merged, 'doublon fusionné', 'doublons fusionnés', 'aucun doublon fusionné')}.",
            )
            return redirect("gpmatching:waiting_list", slug=access.cpts.slug)
    return render(
        request,
        "gpmatching/import_preview.html",
        {
            "cpts": access.cpts,
            "batch": batch,
            "rows": batch.rows[:200],
            "duplicates": sum(1 for r in batch.rows if r.get("duplicate_of_line")),
        },
    )


# Coordination: matching -------------------------------------------------------------------------------------


@cpts_view(rules.MANAGE)
@require_http_methods(["GET", "POST"])
def matching_page(request, access):
    if request.method == "POST":
        run = matching.run(access.cpts, request.user)
        placed = count(
            run.placed, "attribution proposée", "attributions proposées", "aucune attribution proposée"
        )
        waiting = count(
            run.requests, "demande en attente", "demandes en attente", "aucune demande en attente"
        )
        messages.success(request, f"{placed} sur {waiting} ({run.seconds:.1f} s).")
        return redirect("gpmatching:matching", slug=access.cpts.slug)
    run = scoped(MatchingRun, access.cpts).first()
    drafts = (
        scoped(Proposal, access.cpts)
        .filter(status=Proposal.Status.DRAFT)
        .select_related("request", "request__commune", "professional")
        .order_by("-request__priority", "pk")
    )
    sent = (
        scoped(Proposal, access.cpts)
        .filter(status=Proposal.Status.SENT)
        .select_related("request", "professional")
        .order_by("sent_at")
    )
    unplaced = []
    if run and run.unplaced:
        found = scoped(Request, access.cpts).in_bulk([int(k) for k in run.unplaced])
        unplaced = [
            (found[int(k)], v)
            for k, v in run.unplaced.items()
            if int(k) in found and found[int(k)].status == Request.Status.WAITING
        ][:100]
    record(
        "view",
        cpts_id=access.cpts.pk,
        object_type="gpmatching.proposal",
        object_label="propositions d'attribution",
        details={"ids": [p.request_id for p in drafts] + [p.request_id for p in sent]},
    )
    return render(
        request,
        "gpmatching/matching.html",
        {"cpts": access.cpts, "run": run, "drafts": drafts, "sent": sent, "unplaced": unplaced},
    )


@cpts_view(rules.MANAGE)
@require_POST
def send(request, access):
    ids = [int(x) for x in request.POST.getlist("proposal") if x.isdigit()]
    try:
        if request.POST.get("action") == "discard":
            n = matching.discard(access.cpts, request.user, ids)
            messages.info(
                request, f"{count(n, 'proposition écartée ou retirée', 'propositions écartées ou retirées')}."
            )
        else:
            sent = matching.send(access.cpts, request.user, ids)
            messages.success(
                request,
                f"{count(len(sent), 'proposition envoyée', 'propositions envoyées')} aux médecins.",
            )
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("gpmatching:matching", slug=access.cpts.slug)


@cpts_view(rules.MANAGE)
@require_http_methods(["GET", "POST"])
def policy_page(request, access):
    policy = priority.policy_for(access.cpts)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        priority.save_policy(form.save(commit=False), request.user)
        messages.success(request, "Règles enregistrées ; les priorités ont été recalculées.")
        return redirect("gpmatching:policy", slug=access.cpts.slug)
    return render(request, "gpmatching/policy.html", {"cpts": access.cpts, "form": form})


# GPs --------------------------------------------------------------------------------------------------------


@cpts_view(rules.MANAGE)
@require_GET
def capacities(request, access):
    today = timezone.localdate()
    used = capacity_rules.used_this_month(access.cpts, today)
    declared = {c.professional_id: c for c in scoped(Capacity, access.cpts).select_related("professional")}
    rows = []
    for pro in capacity_rules.member_gps(access.cpts).order_by("last_name", "first_name"):
        c = declared.get(pro.pk)
        rows.append(
            {
                "pro": pro,
                "capacity": c,
                "remaining": capacity_rules.remaining(c, used, today) if c else 0,
                "unavailable": capacity_rules.unavailable_reason(c, today)
                if c
                else "Pas de capacité déclarée.",
            }
        )
    proj = capacity_rules.projection(access.cpts, today)
    return render(
        request,
        "gpmatching/capacities.html",
        {
            "cpts": access.cpts,
            "rows": rows,
            "projection": proj,
            "projection_rows": list(zip(proj.months, proj.demand, proj.capacity, strict=True)),
        },
    )


def _gp_for(request, access) -> Professional:
    """The physician whose capacity is edited: the user's own, or (coordination) the one named in the URL."""
    wanted = request.GET.get("professionnel") or request.POST.get("professionnel")
    if wanted and rules.MANAGE in access.permissions:
        pro = (
            capacity_rules.member_gps(access.cpts).filter(pk=wanted).first()
            if str(wanted).isdigit()
            else None
        )
        if pro is None:
            raise Http404("Médecin introuvable parmi les adhérents.")
        return pro
    pro = request.user.professional
    if not capacity_rules.is_physician(pro):
        raise PermissionDenied("Cette page est réservée aux médecins adhérents.")
    return pro


@cpts_view(rules.TAKE)
@require_http_methods(["GET", "POST"])
def my_capacity(request, access):
    pro = _gp_for(request, access)
    current = scoped(Capacity, access.cpts).filter(professional=pro).prefetch_related("communes").first()
    places = list(PracticePlace.objects.filter(professional=pro, active=True).select_related("commune"))
    initial = {}
    if current:
        initial = {
            f: getattr(current, f)
            for f in (
                "per_month",
                "max_distance_km",
                "min_age",
                "max_age",
                "home_visits",
                "paused_until",
                "retirement_on",
                "patients",
            )
        }
        initial["communes"] = [c.insee for c in current.communes.all()]
        initial["place"] = str(current.place_id or "")
    form = CapacityForm(access.cpts, places, request.POST or None, initial=initial)
    if request.method == "POST":
        # The rules validate the raw values themselves (negative capacity, dates...) with French messages.
        data = {
            k: request.POST.get(k, "")
            for k in (
                "per_month",
                "max_distance_km",
                "min_age",
                "max_age",
                "paused_until",
                "retirement_on",
                "patients",
                "place",
            )
        }
        data["home_visits"] = bool(request.POST.get("home_visits"))
        data["communes"] = request.POST.getlist("communes")
        try:
            capacity_rules.declare(access.cpts, pro, request.user, data)
        except ActionError as exc:
            form.is_valid()
            show_action_error(form, exc)
        else:
            messages.success(request, "Capacité d'accueil enregistrée.")
            url = reverse("gpmatching:my_capacity", args=[access.cpts.slug])
            return redirect(
                url + (f"?professionnel={pro.pk}" if pro.pk != request.user.professional_id else "")
            )
    today = timezone.localdate()
    used = capacity_rules.used_this_month(access.cpts, today)
    return render(
        request,
        "gpmatching/my_capacity.html",
        {
            "cpts": access.cpts,
            "form": form,
            "pro": pro,
            "current": current,
            "remaining": capacity_rules.remaining(current, used, today) if current else 0,
            "unavailable": capacity_rules.unavailable_reason(current, today) if current else "",
            "own": pro.pk == request.user.professional_id,
        },
    )


@cpts_view(rules.TAKE)
@require_GET
def my_proposals(request, access):
    if not capacity_rules.is_physician(request.user.professional):
        raise PermissionDenied("Cette page est réservée aux médecins adhérents.")
    pro_id = request.user.professional_id
    proposals = list(
        scoped(Proposal, access.cpts)
        .filter(professional_id=pro_id, status__in=rules.GP_VISIBLE)
        .select_related("request", "request__commune")
        .order_by("status", "-sent_at")
    )
    today = timezone.localdate()
    if proposals:  # one entry naming every request shown, as the waiting list does
        record(
            "view",
            cpts_id=access.cpts.pk,
            object_type="gpmatching.request",
            object_label="patients proposés au médecin",
            details={"ids": [p.request_id for p in proposals]},
        )
    for p in proposals:
        p.age = p.request.age_on(today)
    return render(
        request,
        "gpmatching/my_proposals.html",
        {
            "cpts": access.cpts,
            "waiting": [p for p in proposals if p.status == Proposal.Status.SENT],
            "accepted": [p for p in proposals if p.status == Proposal.Status.ACCEPTED],
            "today": today,
            "decline_form": DeclineForm(),
        },
    )


@cpts_view(rules.TAKE)
@require_POST
def answer(request, access, proposal_id):
    try:
        if request.POST.get("action") == "accept":
            matching.accept(access.cpts, proposal_id, request.user)
            messages.success(request, "Merci : le patient est informé et la demande est close.")
        else:
            matching.decline(access.cpts, proposal_id, request.user, request.POST.get("reason", ""))
            messages.info(request, "Refus enregistré : la demande retourne dans la liste d'attente.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("gpmatching:my_proposals", slug=access.cpts.slug)


# Dashboard --------------------------------------------------------------------------------------------------


def _months_back(today: dt.date, n: int) -> dt.date:
    return capacity_rules.add_months(today.replace(day=1), -(n - 1))


@cpts_view(rules.REPORTS)
@require_GET
def dashboard(request, access):
    today = timezone.localdate()
    first = _months_back(today, 12)
    waiting = indicators.waiting_list(access.cpts, today)
    months = indicators.placements_by_month(access.cpts, first, today)
    summary = indicators.summary(access.cpts, first, today, today)
    proj = capacity_rules.projection(access.cpts, today)
    if request.GET.get("format") == "csv":
        record(
            "export",
            cpts_id=access.cpts.pk,
            object_type="gpmatching.indicators",
            object_label="indicateurs médecin traitant (CSV)",
        )
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["mois", "patients placés", "dont ALD", "dont 70 ans et plus", "dont précarité"])
        for m in months:
            writer.writerow([m.month, m.placed, m.ald, m.age_70, m.precarity])
        writer.writerow([])
        writer.writerow(["commune (INSEE)", "commune", "demandes en attente"])
        for insee, name, n in waiting.by_commune:
            writer.writerow([insee, name, n])
        writer.writerow([])
        writer.writerow(["priorité", "demandes en attente"])
        for label, n in waiting.by_band:
            writer.writerow([label, n])
        writer.writerow([])
        writer.writerow(["attente", "demandes en attente"])
        for label, n in waiting.by_wait:
            writer.writerow([label, n])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="medecin-traitant-{access.cpts.slug}.csv"'
        return response
    return render(
        request,
        "gpmatching/dashboard.html",
        {
            "cpts": access.cpts,
            "waiting": waiting,
            "months": months,
            "summary": summary,
            "projection": proj,
            "manage": rules.MANAGE in access.permissions,
        },
    )


@cpts_view(rules.REPORTS)
@require_GET
def map_data(request, access):
    return JsonResponse(indicators.demand_map(access.cpts))
