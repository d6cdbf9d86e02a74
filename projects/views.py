"""Pages of a project of CPTS. Thin: each fetches the project through ``projects.access.access_project`` (its
members only, 404 for anyone else) and calls an action."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cpts import territory as cpts_territory
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from opencpts.french import count
from projects import access, actions, conversion, dossiers, selectors, submission
from projects import territory as rules
from projects.forms import (
    ActorFormSet,
    AmiForm,
    ConvertForm,
    InviteForm,
    PartnerForm,
    ProjectForm,
    ReferentFormSet,
    StageForm,
)
from projects.models import Invitation, Stage


def project_page(*methods):
    """Log-in required, then the HTTP methods accepted (405), then the project of the URL for one of its
    members (404 for anyone else)."""

    def decorate(view):
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapper(request, project_id, *args, **kwargs):
            project, member = access.access_project(request.user, project_id)
            return view(request, project, member, *args, **kwargs)

        return wrapper

    return decorate


def _page(request, template, project, member, tab, **context):
    return render(
        request,
        template,
        {
            "project": project,
            "member": member,
            "tab": tab,
            "can_convert": access.can_convert(member),
            **context,
        },
    )


# --- List, creation, invitations -------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request):
    return render(
        request,
        "projects/list.html",
        {"projects": access.projects_of(request.user), "invitations": access.invitations_for(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = actions.create_project(request.user, form.cleaned_data["name"])
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request, f"Le projet « {project.name} » est créé. Choisissez maintenant son territoire."
            )
            return redirect("projects:territory", project_id=project.pk)
    return render(request, "projects/create.html", {"form": form})


@login_required
@require_POST
def answer_invitation(request, invitation_id):
    accept = request.POST.get("answer") == "accept"
    try:
        invitation = actions.answer_invitation(request.user, invitation_id, accept)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("projects:list")
    if accept:
        messages.success(request, f"Vous portez désormais le projet « {invitation.project.name} ».")
        return redirect("projects:detail", project_id=invitation.project_id)
    messages.success(request, f"Invitation au projet « {invitation.project.name} » déclinée.")
    return redirect("projects:list")


# --- The project -----------------------------------------------------------------------------------------


@project_page("GET")
def detail(request, project, member):
    check = rules.check(project)
    return _page(
        request,
        "projects/detail.html",
        project,
        member,
        "detail",
        stages=selectors.stage_lines(project),
        check=check,
        next_step=selectors.next_step(project, len(check.communes)),
        members=project.porteurs.select_related("user__professional"),
        submissions=project.submissions.all(),
    )


@project_page("GET", "POST")
def stage(request, project, member):
    form = StageForm(request.POST or None, current=project.stage)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_stage(project, d["stage"], d["reached_on"], request.user, d["note"])
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request, f"Étape « {Stage(d['stage']).label} » enregistrée au {d['reached_on']:%d/%m/%Y}."
            )
            return redirect("projects:detail", project_id=project.pk)
    return _page(request, "projects/stage.html", project, member, "detail", form=form)


# --- Territory -------------------------------------------------------------------------------------------


@project_page("GET")
def territory(request, project, member):
    return _page(request, "projects/territory.html", project, member, "territory", check=rules.check(project))


@project_page("GET")
def territory_geojson(request, project, member):
    return HttpResponse(rules.geojson_text(project), content_type="application/geo+json")


@project_page("GET")
def territory_search(request, project, member):
    query = request.GET.get("q", "")
    chosen = set(project.communes.values_list("commune_id", flat=True))
    return render(
        request,
        "projects/_territory_search.html",
        {"project": project, "result": cpts_territory.search(query), "q": query, "chosen": chosen},
    )


@project_page("POST")
def territory_add(request, project, member):
    try:
        if request.POST.get("epci"):
            epci = cpts_territory.resolve_epci(request.POST["epci"])
            created = rules.add_epci(project, epci, request.user)
            what = f"de l'EPCI {epci.name} "
        else:
            commune = cpts_territory.resolve_commune(request.POST.get("insee", ""))
            created = rules.add_communes(project, [commune], request.user)
            what = f"({commune.name}) "
        added = count(len(created), "commune ajoutée", "communes ajoutées", "Aucune commune ajoutée")
        messages.success(request, f"{added} {what}au territoire du projet.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("projects:territory", project_id=project.pk)


@project_page("POST")
def territory_remove(request, project, member, insee):
    try:
        rules.remove_commune(project, insee)
        messages.success(request, "Commune retirée du territoire du projet.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("projects:territory", project_id=project.pk)


# --- Porteurs and structures -----------------------------------------------------------------------------


@project_page("GET", "POST")
def porteurs(request, project, member):
    form = InviteForm(request.POST if "email" in request.POST else None)
    invitation = None
    if request.method == "POST" and request.POST.get("professional", "").isdigit():
        try:
            invitation = actions.invite(
                project, request.user, professional_id=int(request.POST["professional"])
            )
        except ActionError as exc:
            messages.error(request, exc.message)
    elif form.is_bound and form.is_valid():
        try:
            invitation = actions.invite(project, request.user, email=form.cleaned_data["email"])
        except ActionError as exc:
            show_action_error(form, exc)
    if invitation is not None:
        messages.success(request, f"Invitation envoyée à {invitation.invitee_label}.")
        return redirect("projects:porteurs", project_id=project.pk)
    query = request.GET.get("q", "")
    return _page(
        request,
        "projects/porteurs.html",
        project,
        member,
        "porteurs",
        form=form,
        q=query,
        found=selectors.professionals_named(query),
        members=project.porteurs.select_related("user__professional"),
        invitations=project.invitations.filter(status=Invitation.Status.PENDING).select_related(
            "user", "professional"
        ),
    )


@project_page("POST")
def invitation_cancel(request, project, member, invitation_id):
    try:
        invitation = actions.cancel_invitation(project, invitation_id)
        messages.success(request, f"Invitation de {invitation.invitee_label} annulée.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("projects:porteurs", project_id=project.pk)


@project_page("GET", "POST")
def partners(request, project, member):
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = actions.add_partner(project, request.user, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, f"« {partner.name} » est associée au projet.")
            return redirect("projects:partners", project_id=project.pk)
    return _page(
        request,
        "projects/partners.html",
        project,
        member,
        "partners",
        form=form,
        partners=project.partners.all(),
    )


@project_page("POST")
def partner_remove(request, project, member, partner_id):
    try:
        actions.remove_partner(project, partner_id)
        messages.success(request, "Structure retirée du projet.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("projects:partners", project_id=project.pk)


# --- AMI -------------------------------------------------------------------------------------------------


def _ami_forms(request, data: dict):
    if request.method == "POST":
        return (
            AmiForm(request.POST),
            ActorFormSet(request.POST, prefix="acteurs"),
            ReferentFormSet(request.POST, prefix="referents"),
        )
    initial = {k: data[k] for k in ("objectifs", "contexte", "territoire")}
    initial["rencontre"] = dossiers.meeting_date(data)
    return (
        AmiForm(initial=initial),
        ActorFormSet(initial=data["acteurs"], prefix="acteurs"),
        ReferentFormSet(initial=data["referents"], prefix="referents"),
    )


@project_page("GET", "POST")
def ami(request, project, member):
    if project.submissions.filter(kind="ami").exists() and request.method == "POST":
        raise PermissionDenied("L'AMI a déjà été envoyé : il ne se modifie plus.")
    form, acteurs, referents = _ami_forms(request, dossiers.current_ami(project))
    if request.method == "POST" and form.is_valid() and acteurs.is_valid() and referents.is_valid():
        d = form.cleaned_data
        data = {
            **d,
            "rencontre": d["rencontre"].isoformat() if d["rencontre"] else "",
            "acteurs": [f.cleaned_data for f in acteurs.forms if f.cleaned_data],
            "referents": [f.cleaned_data for f in referents.forms if f.cleaned_data],
        }
        try:
            actions.save_ami(project, data, request.user)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "AMI enregistré (pas encore envoyé).")
            return redirect("projects:ami_send", project_id=project.pk)
    return _page(
        request,
        "projects/ami.html",
        project,
        member,
        "ami",
        form=form,
        acteurs=acteurs,
        referents=referents,
        sent=project.submissions.filter(kind="ami").first(),
    )


@project_page("GET", "POST")
def ami_send(request, project, member):
    sent = project.submissions.filter(kind="ami").first()
    error = None
    if request.method == "POST" and sent is None:
        try:
            sent = submission.submit_ami(project, request.user)
        except ActionError as exc:
            error = exc
        else:
            messages.success(
                request,
                f"AMI envoyé à {sent.addressee} le {sent.submitted_at:%d/%m/%Y} : le dossier est enregistré "
                "ci-dessous avec son empreinte.",
            )
            return redirect("projects:detail", project_id=project.pk)
    gaps = dossiers.missing(dossiers.current_ami(project))
    check = rules.check(project)
    if not check.communes:
        gaps.append("Territoire : ajoutez au moins une commune au projet.")
    return _page(
        request,
        "projects/ami_send.html",
        project,
        member,
        "ami",
        sent=sent,
        gaps=error.gaps if isinstance(error, submission.MissingFields) else gaps,
        error=error.message if error and not isinstance(error, submission.MissingFields) else "",
        check=check,
    )


@project_page("GET")
def ami_document(request, project, member):
    """The AMI as filled so far, as a DOCX to edit or a PDF to read (nothing is sent)."""
    fmt = "docx" if request.GET.get("format") == "docx" else "pdf"
    data, filename, content_type = submission.draft_file(project, fmt)
    return _attachment(data, filename, content_type)


def _attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@project_page("GET")
def submission_file(request, project, member, submission_id):
    sent = project.submissions.filter(pk=submission_id).first()
    if sent is None:
        raise Http404("Dossier introuvable.")
    return _attachment(submission.open_file(sent, request.user), sent.filename, sent.content_type)


# --- Conversion ------------------------------------------------------------------------------------------


@project_page("GET", "POST")
def convert(request, project, member):
    if not access.can_convert(member):
        raise PermissionDenied("Seul un porteur du projet peut en faire la CPTS.")
    form = ConvertForm(request.POST or None, initial={"name": project.name})
    if request.method == "POST" and form.is_valid() and not project.cpts_id:
        try:
            cpts = conversion.convert(project, request.user, form.cleaned_data["name"])
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, f"Le projet est devenu la {cpts.name} : territoire et porteurs repris.")
            return redirect("cpts:home", slug=cpts.slug)
    return _page(
        request, "projects/convert.html", project, member, "detail", form=form, check=rules.check(project)
    )
