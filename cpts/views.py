"""Pages of a CPTS. Thin: access through cpts.scoping, writes through cpts.actions / cpts.territory."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from aci.tiers import territory_summary
from audit.log import record
from audit.models import AuditEntry
from cpts import actions
from cpts import territory as territory_rules
from cpts.decorators import cpts_view
from cpts.forms import (
    AcceptForm,
    AuditFilterForm,
    BureauForm,
    CPTSForm,
    CPTSSettingsForm,
    DuesForm,
    JoinForm,
    RefuseForm,
    StructureForm,
)
from cpts.models import (
    CPTS,
    BureauPosition,
    Dues,
    Membership,
    MembershipRequest,
    PartnerStructure,
    TerritoryCommune,
)
from cpts.roles import Role
from cpts.scoping import memberships_of, scoped
from cpts.stats import members_by_profession
from directory.models import Structure
from opencpts.forms import show_action_error
from opencpts.french import count


@login_required
def home(request):
    """Go to the last CPTS used, or to the list."""
    mine = list(memberships_of(request.user))
    ids = {m.cpts_id for m in mine}
    if request.user.last_cpts_id in ids:
        return redirect("cpts:home", slug=request.user.last_cpts.slug)
    if len(mine) == 1:
        return redirect("cpts:home", slug=mine[0].cpts.slug)
    return redirect("cpts:list")


@login_required
def cpts_list(request):
    mine = memberships_of(request.user)
    pending = MembershipRequest.objects.filter(user=request.user, status=MembershipRequest.Status.PENDING)
    others = CPTS.objects.exclude(pk__in=[m.cpts_id for m in mine]).order_by("name")
    return render(
        request,
        "cpts/list.html",
        {
            "mine": mine,
            "others": others,
            "pending_ids": set(pending.values_list("cpts_id", flat=True)),
            "all_cpts": CPTS.objects.annotate(n=Count("pk")).order_by("name")
            if request.user.is_staff
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cpts_create(request):
    if not request.user.is_staff:
        raise PermissionDenied("Seul un administrateur de l'instance peut créer une CPTS.")
    form = CPTSForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        coordinator = None
        email = form.cleaned_data.get("coordinator_email")
        if email:
            coordinator = User.objects.filter(email__iexact=email).first()
            if coordinator is None:
                form.add_error("coordinator_email", "Aucun compte n'existe avec cette adresse e-mail.")
        if not form.errors:
            fields = {k: v for k, v in form.cleaned_data.items() if k not in ("name", "coordinator_email")}
            try:
                cpts = actions.create_cpts(name=form.cleaned_data["name"], coordinator=coordinator, **fields)
            except actions.ActionError as exc:
                show_action_error(form, exc)
            else:
                messages.success(request, f"La {cpts.name} est créée. Construisez maintenant son territoire.")
                return redirect("cpts:territory", slug=cpts.slug)
    return render(request, "cpts/create.html", {"form": form})


@cpts_view("cpts.view_territory")
def territory(request, access):
    cpts = access.cpts
    links = (
        scoped(TerritoryCommune, cpts)
        .select_related("commune__departement", "commune__epci")
        .order_by("commune__search_name")
    )
    return render(
        request,
        "cpts/territory.html",
        {
            "cpts": cpts,
            "links": links,
            "summary": territory_summary(cpts),
            "can_edit": access.can("cpts.edit_territory"),
            "by_profession": members_by_profession(cpts) if access.can("cpts.view_members") else None,
        },
    )


@cpts_view("cpts.view_territory")
def territory_geojson(request, access):
    return HttpResponse(territory_rules.geojson_text(access.cpts), content_type="application/geo+json")


@cpts_view("cpts.edit_territory")
def territory_search(request, access):
    result = territory_rules.search(request.GET.get("q", ""))
    return render(
        request,
        "cpts/_territory_search.html",
        {
            "cpts": access.cpts,
            "result": result,
            "q": request.GET.get("q", ""),
        },
    )


@cpts_view("cpts.edit_territory")
@require_POST
def territory_add(request, access):
    cpts = access.cpts
    try:
        if request.POST.get("epci"):
            epci = territory_rules.resolve_epci(request.POST["epci"])
            created = territory_rules.add_epci(cpts, epci, request.user)
            message = (
                f"{count(len(created), 'commune', 'communes', 'Aucune commune')} de l'EPCI {epci.name} "
                f"{'ajoutée' if len(created) < 2 else 'ajoutées'} au territoire."
            )
        else:
            commune = territory_rules.resolve_commune(request.POST.get("insee", ""))
            created = territory_rules.add_communes(cpts, [commune], request.user)
            message = (
                f"{commune.name} ajoutée au territoire."
                if created
                else f"{commune.name} fait déjà partie du territoire."
            )
        messages.success(request, message)
    except territory_rules.TerritoryError as exc:
        messages.error(request, exc.message)
    return redirect("cpts:territory", slug=cpts.slug)


@cpts_view("cpts.edit_territory")
@require_POST
def territory_remove(request, access, insee):
    try:
        territory_rules.remove_commune(access.cpts, insee)
        messages.success(request, "Commune retirée du territoire.")
    except territory_rules.TerritoryError as exc:
        messages.error(request, exc.message)
    return redirect("cpts:territory", slug=access.cpts.slug)


@cpts_view("cpts.view_members")
def members(request, access):
    qs = (
        scoped(Membership, access.cpts)
        .filter(active=True)
        .select_related("user__professional", "structure")
        .order_by("user__last_name", "user__first_name")
    )
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(Q(user__last_name__icontains=q) | Q(user__first_name__icontains=q))
    role = request.GET.get("role", "")
    if role in Role.values:
        qs = qs.filter(role=role)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cpts/members.html",
        {
            "cpts": access.cpts,
            "page": page,
            "q": q,
            "role": role,
            "roles": Role.choices,
            "can_manage": access.can("cpts.manage_membership"),
        },
    )


@cpts_view("cpts.manage_membership")
@require_POST
def member_role(request, access, membership_id):
    try:
        actions.change_role(access.cpts, membership_id, request.POST.get("role", ""), request.user)
        messages.success(request, "Rôle modifié.")
    except actions.ActionError as exc:
        messages.error(request, exc.message)
    return redirect("cpts:members", slug=access.cpts.slug)


@login_required
@require_http_methods(["GET", "POST"])
def join(request, slug):
    cpts = CPTS.objects.filter(slug=slug).first()
    if cpts is None:
        from django.http import Http404

        raise Http404("CPTS inconnue.")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_membership(cpts, request.user, form.cleaned_data["message"])
            messages.success(
                request, f"Votre demande d'adhésion à la {cpts.name} a été transmise au coordinateur."
            )
            return redirect("cpts:list")
        except actions.ActionError as exc:
            show_action_error(form, exc)
    return render(
        request,
        "cpts/join.html",
        {"cpts": cpts, "form": form, "has_profile": bool(request.user.professional_id)},
    )


@cpts_view("cpts.manage_membership")
def requests_list(request, access):
    qs = scoped(MembershipRequest, access.cpts).select_related("user__professional", "decided_by")
    status = request.GET.get("statut", MembershipRequest.Status.PENDING)
    if status in MembershipRequest.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "cpts/requests.html",
        {
            "cpts": access.cpts,
            "requests": qs[:200],
            "status": status,
            "statuses": MembershipRequest.Status.choices,
            "accept_form": AcceptForm(),
            "refuse_form": RefuseForm(),
        },
    )


@cpts_view("cpts.manage_membership")
@require_POST
def request_accept(request, access, request_id):
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Rôle inconnu.")
    else:
        try:
            membership = actions.accept_request(
                access.cpts, request_id, request.user, form.cleaned_data["role"]
            )
            messages.success(request, f"{membership.user} est désormais membre ({membership.role_title}).")
        except actions.ActionError as exc:
            messages.error(request, exc.message)
    return redirect("cpts:requests", slug=access.cpts.slug)


@cpts_view("cpts.manage_membership")
@require_POST
def request_refuse(request, access, request_id):
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Indiquez le motif du refus (2000 caractères au plus) : il sera communiqué au demandeur."
        )
    else:
        try:
            actions.refuse_request(access.cpts, request_id, request.user, form.cleaned_data["reason"])
            messages.success(request, "Demande refusée ; le motif a été enregistré.")
        except actions.ActionError as exc:
            messages.error(request, exc.message)
    return redirect("cpts:requests", slug=access.cpts.slug)


@cpts_view("cpts.view_dues")
@require_http_methods(["GET", "POST"])
def dues(request, access):
    cpts = access.cpts
    raw = request.GET.get("annee", "")
    year = int(raw) if raw.isdigit() and 2016 <= int(raw) <= 2100 else timezone.localdate().year
    if request.method == "POST":
        access.require("cpts.manage_dues")
        form = DuesForm(request.POST)
        if form.is_valid():
            try:
                actions.set_dues(
                    cpts,
                    form.cleaned_data["membership"],
                    form.cleaned_data["year"],
                    form.cleaned_data["amount"],
                    form.cleaned_data["paid"],
                    form.cleaned_data["paid_on"],
                )
                messages.success(request, "Cotisation enregistrée.")
            except actions.ActionError as exc:
                messages.error(request, exc.message)
        else:
            messages.error(
                request,
                " ".join(
                    f"{form.fields[f].label if f in form.fields else ''} : {' '.join(e)}"
                    for f, e in form.errors.items()
                ),
            )
        return redirect(f"{request.path}?annee={request.POST.get('year', year)}")
    rows = scoped(Membership, cpts).adherents().select_related("user").order_by("user__last_name")
    dues_by_member = {d.membership_id: d for d in scoped(Dues, cpts).filter(year=year)}
    table = [(m, dues_by_member.get(m.pk)) for m in rows]
    paid = sum(1 for _, d in table if d and d.paid)
    return render(
        request,
        "cpts/dues.html",
        {
            "cpts": cpts,
            "year": year,
            "table": table,
            "paid": paid,
            "total": len(table),
            "can_manage": access.can("cpts.manage_dues"),
        },
    )


@cpts_view("cpts.view_bureau")
@require_http_methods(["GET", "POST"])
def bureau(request, access):
    cpts = access.cpts
    memberships = scoped(Membership, cpts).adherents().select_related("user")  # bureau posts: adhérents only
    form = BureauForm(request.POST or None, memberships=memberships)
    if request.method == "POST":
        access.require("cpts.manage_bureau")
        if request.POST.get("end"):
            try:
                actions.end_bureau(cpts, int(request.POST["end"]), timezone.localdate())
                messages.success(request, "Mandat terminé.")
            except (actions.ActionError, ValueError) as exc:
                messages.error(request, getattr(exc, "message", "Mandat introuvable."))
            return redirect("cpts:bureau", slug=cpts.slug)
        if form.is_valid():
            try:
                actions.appoint_bureau(
                    cpts,
                    int(form.cleaned_data["membership"]),
                    form.cleaned_data["title"],
                    form.cleaned_data["since"],
                )
                messages.success(request, "Fonction au bureau enregistrée.")
                return redirect("cpts:bureau", slug=cpts.slug)
            except actions.ActionError as exc:
                show_action_error(form, exc)
    positions = scoped(BureauPosition, cpts).select_related("membership__user__professional")
    return render(
        request,
        "cpts/bureau.html",
        {
            "cpts": cpts,
            "current": positions.filter(until__isnull=True),
            "past": positions.filter(until__isnull=False),
            "form": form,
            "can_manage": access.can("cpts.manage_bureau"),
        },
        status=400 if request.method == "POST" else 200,
    )


@cpts_view("cpts.view_structures")
@require_http_methods(["GET", "POST"])
def structures(request, access):
    cpts = access.cpts
    form = StructureForm(request.POST or None)
    if request.method == "POST":
        access.require("cpts.manage_structures")
        if form.is_valid():
            try:
                partner = actions.add_partner_structure(cpts, **form.cleaned_data)
            except actions.ActionError as exc:
                show_action_error(form, exc)
            else:
                messages.success(request, f"{partner.structure.name} ajoutée aux structures partenaires.")
                return redirect("cpts:structures", slug=cpts.slug)
    partners = scoped(PartnerStructure, cpts).select_related("structure__commune")
    return render(
        request,
        "cpts/structures.html",
        {
            "cpts": cpts,
            "partners": partners,
            "form": form,
            "can_manage": access.can("cpts.manage_structures"),
            "kinds": Structure.Kind.choices,
        },
        status=400 if request.method == "POST" else 200,
    )


def _audit_queryset(access, params):
    qs = AuditEntry.objects.filter(chain=access.cpts.pk).order_by("-seq")
    form = AuditFilterForm(params or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["actor"]:
            qs = qs.filter(actor_label__icontains=data["actor"])
        if data["object_type"]:
            qs = qs.filter(object_type=data["object_type"])
        if data["start"]:
            qs = qs.filter(at__date__gte=data["start"])
        if data["end"]:
            qs = qs.filter(at__date__lte=data["end"])
    return form, qs


@cpts_view("cpts.view_audit")
def audit_log(request, access):
    form, qs = _audit_queryset(access, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cpts/audit.html",
        {
            "cpts": access.cpts,
            "form": form,
            "page": page,
            "actions": AuditEntry.Action.choices,
            "query": request.GET.urlencode(),
        },
    )


class _Echo:
    def write(self, value):
        return value


@cpts_view("cpts.view_audit")
def audit_export(request, access):
    form, qs = _audit_queryset(access, request.GET)
    record(
        "export",
        cpts_id=access.cpts.pk,
        object_type="audit.auditentry",
        object_label="journal d'audit (CSV)",
        details={k: v for k, v in request.GET.items() if k != "page"},
    )
    writer = csv.writer(_Echo(), delimiter=";")
    header = [
        "n°",
        "date",
        "action",
        "utilisateur",
        "type d'objet",
        "id",
        "objet",
        "détails",
        "adresse IP",
        "empreinte",
    ]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for e in qs.order_by("seq").iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.seq,
                    timezone.localtime(e.at).isoformat(),
                    e.action,
                    e.actor_label,
                    e.object_type,
                    e.object_id,
                    e.object_label,
                    e.details,
                    e.ip or "",
                    e.hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="journal-{access.cpts.slug}.csv"'
    return response


@cpts_view("cpts.view_reports")
def reports(request, access):
    cpts = access.cpts
    summary = territory_summary(cpts)
    return render(
        request,
        "cpts/reports.html",
        {
            "cpts": cpts,
            "summary": summary,
            "by_profession": members_by_profession(cpts),
            "members": scoped(Membership, cpts).adherents().count(),
            "partners": scoped(PartnerStructure, cpts).count(),
        },
    )


@cpts_view("cpts.edit_settings")
@require_http_methods(["GET", "POST"])
def settings_view(request, access):
    form = CPTSSettingsForm(request.POST or None, instance=access.cpts)
    if request.method == "POST" and form.is_valid():
        actions.update_settings(access.cpts, **form.cleaned_data)
        messages.success(request, "Informations de la CPTS enregistrées.")
        return redirect("cpts:home", slug=access.cpts.slug)
    return render(
        request,
        "cpts/settings.html",
        {"cpts": access.cpts, "form": form},
        status=400 if request.method == "POST" else 200,
    )
