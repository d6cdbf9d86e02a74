"""Pages of the data-protection duties: thin, each fetches through ``cpts.scoping`` and calls an action."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cpts.decorators import cpts_view
from cpts.models import CPTS
from cpts.scoping import scoped
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from privacy import actions, registry, subject
from privacy.forms import CloseForm, ContactForm, FindForm, RequestForm
from privacy.models import RightsRequest

MANAGE = "cpts.manage_privacy"
CONTENT_TYPES = {"pdf": "application/pdf", "json": "application/json; charset=utf-8"}


def _file(content: bytes, name: str, fmt: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Notices (public) ---


def _notice(request, slug: str, audience: str):
    cpts = get_object_or_404(CPTS, slug=slug)
    reg = registry.build(cpts)
    return render(
        request,
        "privacy/notice.html",
        {
            "cpts": cpts,
            "audience": audience,
            "audience_label": registry.AUDIENCES[audience],
            "processings": reg.for_audience(audience),
            "registre": reg,
            "contact": actions.contact_for(cpts),
        },
    )


def notice_patients(request, slug):
    return _notice(request, slug, registry.PATIENTS)


def notice_professionals(request, slug):
    return _notice(request, slug, registry.PROFESSIONALS)


def notice_public(request, slug):
    return _notice(request, slug, registry.PUBLIC)


def notices(request):
    """The instance's page: each CPTS is the controller of its own processing; links to its notices."""
    return render(request, "privacy/notices.html", {"cpts_list": CPTS.objects.order_by("name")})


# --- DPO and registre (coordination) ---


@cpts_view(MANAGE)
def contact(request, access):
    current = actions.contact_for(access.cpts)
    initial = (
        {"dpo_name": current.dpo_name, "dpo_email": current.dpo_email, "dpo_address": current.dpo_address}
        if current
        else None
    )
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_contact(access.cpts, request.user, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Coordonnées du délégué enregistrées : les notices les affichent.")
            return redirect("privacy:contact", slug=access.cpts.slug)
    return render(request, "privacy/contact.html", {"cpts": access.cpts, "form": form, "current": current})


@cpts_view(MANAGE)
def registre(request, access):
    return render(
        request,
        "privacy/registre.html",
        {
            "cpts": access.cpts,
            "registre": registry.build(access.cpts),
            "contact": actions.contact_for(access.cpts),
        },
    )


@cpts_view(MANAGE)
def registre_pdf(request, access):
    from privacy.registre_pdf import to_pdf

    content = to_pdf(registry.build(access.cpts), actions.contact_for(access.cpts))
    return _file(content, f"registre-des-traitements-{access.cpts.slug}.pdf", "pdf")


# --- Rights requests (coordination) ---


@cpts_view(MANAGE)
def requests(request, access):
    rows = scoped(RightsRequest, access.cpts).select_related("created_by")
    return render(
        request,
        "privacy/requests.html",
        {
            "cpts": access.cpts,
            "today": timezone.localdate(),
            "open": [r for r in rows if r.status == RightsRequest.Status.OPEN],
            "closed": [r for r in rows if r.status != RightsRequest.Status.OPEN][:50],
        },
    )


@cpts_view(MANAGE)
def new_request(request, access):
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = actions.open_request(access.cpts, request.user, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request, f"Demande n° {req.pk} enregistrée : réponse due le {req.due_on:%d/%m/%Y}."
            )
            return redirect("privacy:request", slug=access.cpts.slug, request_id=req.pk)
    return render(request, "privacy/new_request.html", {"cpts": access.cpts, "form": form})


def _request(access, request_id: int) -> RightsRequest:
    req = scoped(RightsRequest, access.cpts).filter(pk=request_id).select_related("patient").first()
    if req is None:
        raise Http404("Demande introuvable.")
    return req


@cpts_view(MANAGE)
def request_page(request, access, request_id):
    req = _request(access, request_id)
    find = FindForm(request.GET or None)
    found = None
    if req.status == RightsRequest.Status.OPEN and req.patient_id is None and find.is_valid():
        found = [
            (p, len(subject.patient_circles(p)))
            for p in actions.find_patients(
                access.cpts,
                request.user,
                family_name=find.cleaned_data["nom"],
                birth_date=find.cleaned_data["naissance"],
            )
        ]
    circles = subject.patient_circles(req.patient) if req.patient_id else []
    return render(
        request,
        "privacy/request.html",
        {
            "cpts": access.cpts,
            "req": req,
            "find": find,
            "found": found,
            "circles": circles,
            "tasks": list(req.tasks.select_related("done_by")),
            "close_form": CloseForm(),
            "limits": registry.erasure_limits(access.cpts),
        },
    )


def _act(request, access, request_id, do, success):
    req = _request(access, request_id)
    try:
        result = do(req)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success(result))
    return redirect("privacy:request", slug=access.cpts.slug, request_id=req.pk)


@cpts_view(MANAGE)
@require_POST
def request_link(request, access, request_id):
    try:
        patient_id = int(request.POST.get("patient", ""))
    except ValueError:
        patient_id = 0
    return _act(
        request,
        access,
        request_id,
        lambda req: actions.link_patient(req, request.user, patient_id),
        lambda req: f"Personne concernée : patient n° {req.patient_number}.",
    )


@cpts_view(MANAGE)
@require_POST
def request_ask(request, access, request_id):
    return _act(
        request,
        access,
        request_id,
        lambda req: actions.ask_exports(req, request.user),
        lambda tasks: "Export demandé aux membres : "
        + ", ".join(f"cercle n° {t.group_number}" for t in tasks)
        if tasks
        else "L'export était déjà demandé à chaque cercle.",
    )


@cpts_view(MANAGE)
@require_POST
def request_apply(request, access, request_id):
    return _act(request, access, request_id, lambda req: actions.apply_request(req, request.user), str)


@cpts_view(MANAGE)
@require_POST
def request_close(request, access, request_id):
    req = _request(access, request_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez l'issue de la demande.")
        return redirect("privacy:request", slug=access.cpts.slug, request_id=req.pk)
    return _act(
        request,
        access,
        request_id,
        lambda req: actions.close_request(req, request.user, **form.cleaned_data),
        lambda req: f"Demande n° {req.pk} close ({req.get_status_display().lower()}).",
    )


@cpts_view(MANAGE)
def request_export(request, access, request_id):
    req = _request(access, request_id)
    fmt = request.GET.get("format", "pdf")
    try:
        content, name = actions.coordination_export(req, request.user, fmt)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:request", slug=access.cpts.slug, request_id=req.pk)
    return _file(content, name, fmt)


# --- Exports asked of a care circle (its members) ---


@cpts_view("cpts.use_coordination")
def tasks(request, access):
    return render(
        request,
        "privacy/tasks.html",
        {"cpts": access.cpts, "tasks": list(actions.tasks_for(request.user, access.cpts))},
    )


@cpts_view("cpts.use_coordination")
def task(request, access, task_id):
    item = actions.task_to_produce(request.user, access.cpts, task_id)
    if request.method == "POST":
        fmt = request.POST.get("format", "")
        try:
            content, name = actions.produce_export(item, request.user, fmt)
        except ActionError as exc:
            messages.error(request, exc.message)
            return redirect("privacy:task", slug=access.cpts.slug, task_id=item.pk)
        return _file(content, name, fmt)
    if item.group.patient_id is None:
        raise PermissionDenied("Ce cercle n'a pas de patient.")
    return render(
        request,
        "privacy/task.html",
        {"cpts": access.cpts, "task": item, "group": item.group, "req": item.request},
    )
