"""Pages of a project of CPTS. Thin: each fetches the project through ``projects.access.access_project`` (its
members only, 404 for anyone else) and calls an action."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cpts import territory as cpts_territory
from diagnostic import maps
from diagnostic.views import typed_figures_page
from opencpts.forms import run_action
from opencpts.french import count
from projects import access, actions, conversion, dossiers, letter, selectors, submission
from projects import territory as rules
from projects.forms import (
    ActorFormSet,
    AmiForm,
    ConvertForm,
    InviteForm,
    LetterActorFormSet,
    LetterForm,
    LetterPartnerFormSet,
    PartnerForm,
    ProjectForm,
    ReferentFormSet,
    StageForm,
)
from projects.models import Invitation, Stage, Submission


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
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            request,
            actions.start_project,
            request.user,
            form.cleaned_data["name"],
            national_id=form.cleaned_data.get("national_id", ""),
            success=lambda p: f"Le projet « {p.name} » est créé. Choisissez maintenant son territoire.",
            then=lambda p: reverse("projects:territory", args=[p.pk]),
            form=form,
        )
        if done:
            return done
    return render(request, "projects/create.html", {"form": form})


@login_required
@require_POST
def answer_invitation(request, invitation_id):
    accept = request.POST.get("answer") == "accept"
    return run_action(
        request,
        actions.answer_invitation,
        request.user,
        invitation_id,
        accept,
        success=lambda i: (
            f"Vous portez désormais le projet « {i.project.name} »."
            if accept
            else f"Invitation au projet « {i.project.name} » déclinée."
        ),
        then=lambda i: reverse("projects:detail", args=[i.project_id])
        if accept
        else reverse("projects:list"),
        failed=reverse("projects:list"),
    )


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
        done = run_action(
            request,
            actions.record_stage,
            project,
            d["stage"],
            d["reached_on"],
            request.user,
            d["note"],
            success=f"Étape « {Stage(d['stage']).label} » enregistrée au {d['reached_on']:%d/%m/%Y}.",
            then=reverse("projects:detail", args=[project.pk]),
            form=form,
        )
        if done:
            return done
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


def _add_to_territory(project, user, post) -> str:
    """The communes of the EPCI or the commune posted, added; what to say."""
    if post.get("epci"):
        epci = cpts_territory.resolve_epci(post["epci"])
        created = rules.add_epci(project, epci, user)
        what = f"de l'EPCI {epci.name} "
    else:
        commune = cpts_territory.resolve_commune(post.get("insee", ""))
        created = rules.add_communes(project, [commune], user)
        what = f"({commune.name}) "
    added = count(len(created), "commune ajoutée", "communes ajoutées", "Aucune commune ajoutée")
    return f"{added} {what}au territoire du projet."


@project_page("POST")
def territory_add(request, project, member):
    return run_action(
        request,
        _add_to_territory,
        project,
        request.user,
        request.POST,
        success=lambda said: said,
        then=reverse("projects:territory", args=[project.pk]),
    )


@project_page("POST")
def territory_remove(request, project, member, insee):
    return run_action(
        request,
        rules.remove_commune,
        project,
        insee,
        success="Commune retirée du territoire du projet.",
        then=reverse("projects:territory", args=[project.pk]),
    )


# --- Porteurs and structures -----------------------------------------------------------------------------


@project_page("GET", "POST")
def porteurs(request, project, member):
    form = InviteForm(request.POST if "email" in request.POST else None)
    invited = {
        "success": lambda invitation: f"Invitation envoyée à {invitation.invitee_label}.",
        "then": reverse("projects:porteurs", args=[project.pk]),
    }
    done = None
    if request.method == "POST" and request.POST.get("professional", "").isdigit():
        done = run_action(
            request,
            actions.invite,
            project,
            request.user,
            professional_id=int(request.POST["professional"]),
            on_error=lambda exc: messages.error(request, exc.message),
            **invited,
        )
    elif form.is_bound and form.is_valid():
        done = run_action(
            request,
            actions.invite,
            project,
            request.user,
            email=form.cleaned_data["email"],
            form=form,
            **invited,
        )
    if done:
        return done
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
    return run_action(
        request,
        actions.cancel_invitation,
        project,
        invitation_id,
        success=lambda invitation: f"Invitation de {invitation.invitee_label} annulée.",
        then=reverse("projects:porteurs", args=[project.pk]),
    )


@project_page("GET", "POST")
def partners(request, project, member):
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            request,
            actions.add_partner,
            project,
            request.user,
            success=lambda partner: f"« {partner.name} » est associée au projet.",
            then=reverse("projects:partners", args=[project.pk]),
            form=form,
            **form.cleaned_data,
        )
        if done:
            return done
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
    return run_action(
        request,
        actions.remove_partner,
        project,
        partner_id,
        success="Structure retirée du projet.",
        then=reverse("projects:partners", args=[project.pk]),
    )


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
        done = run_action(
            request,
            actions.save_ami,
            project,
            data,
            request.user,
            success="AMI enregistré (pas encore envoyé).",
            then=reverse("projects:ami_send", args=[project.pk]),
            form=form,
        )
        if done:
            return done
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
    errors = []
    if request.method == "POST" and sent is None:
        done = run_action(
            request,
            submission.submit_ami,
            project,
            request.user,
            success=lambda sent: (
                f"AMI envoyé à {sent.addressee} le {sent.submitted_at:%d/%m/%Y} : le dossier est enregistré "
                "ci-dessous avec son empreinte."
            ),
            then=reverse("projects:detail", args=[project.pk]),
            on_error=errors.append,
        )
        if done:
            return done
    error = errors[0] if errors else None
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


# --- Lettre d'intention --------------------------------------------------------------------------------

LETTER_SIMPLE = (*letter.TEXT_FIELDS, "patients", "pta_dac")


def _letter_forms(request, data: dict):
    if request.method == "POST":
        return (
            LetterForm(request.POST),
            LetterActorFormSet(request.POST, prefix="acteurs"),
            LetterPartnerFormSet(request.POST, prefix="partenaires"),
        )
    initial = {
        **{k: data[k] for k in LETTER_SIMPLE},
        **{k: letter.date_of(data, k) for k in letter.DATE_FIELDS},
        **{f"orientation_{k}": v for k, v in data["orientations"].items()},
    }
    return (
        LetterForm(initial=initial),
        LetterActorFormSet(initial=data["acteurs"], prefix="acteurs"),
        LetterPartnerFormSet(initial=data["partenaires"], prefix="partenaires"),
    )


def _letter_data(form, acteurs, partenaires) -> dict:
    d = form.cleaned_data
    return {
        **{k: d[k] for k in LETTER_SIMPLE},
        **{k: d[k].isoformat() if d[k] else "" for k in letter.DATE_FIELDS},
        "orientations": {k: d[f"orientation_{k}"] for k in letter.MISSIONS},
        "acteurs": [f.cleaned_data for f in acteurs.forms if f.cleaned_data],
        "partenaires": [f.cleaned_data for f in partenaires.forms if f.cleaned_data],
    }


@project_page("GET", "POST")
def letter_form(request, project, member):
    """The lettre d'intention, pre-filled from the project, every item of the checklist (one form)."""
    sent = project.submissions.filter(kind=Submission.Kind.LETTER).first()
    form, acteurs, partenaires = _letter_forms(request, letter.current_letter(project))
    if request.method == "POST" and form.is_valid() and acteurs.is_valid() and partenaires.is_valid():
        done = run_action(
            request,
            actions.save_letter,
            project,
            _letter_data(form, acteurs, partenaires),
            request.user,
            success="Lettre d'intention enregistrée (pas encore envoyée).",
            then=reverse("projects:letter_send", args=[project.pk]),
            form=form,
        )
        if done:
            return done
    return _page(
        request,
        "projects/letter.html",
        project,
        member,
        "letter",
        form=form,
        acteurs=acteurs,
        partenaires=partenaires,
        sent=sent,
    )


@project_page("GET", "POST")
def letter_send(request, project, member):
    sent = project.submissions.filter(kind=Submission.Kind.LETTER).first()
    errors = []
    if request.method == "POST" and sent is None:
        done = run_action(
            request,
            submission.submit_letter,
            project,
            request.user,
            success=lambda sent: (
                f"Lettre d'intention envoyée à {sent.addressee} le {sent.submitted_at:%d/%m/%Y} : le dossier "
                "est enregistré ci-dessous avec son empreinte."
            ),
            then=reverse("projects:detail", args=[project.pk]),
            on_error=errors.append,
        )
        if done:
            return done
    error = errors[0] if errors else None
    return _page(
        request,
        "projects/letter_send.html",
        project,
        member,
        "letter",
        sent=sent,
        gaps=error.gaps if isinstance(error, submission.MissingFields) else submission.letter_gaps(project),
        error=error.message if error and not isinstance(error, submission.MissingFields) else "",
        check=rules.check(project),
    )


@project_page("GET")
def letter_document(request, project, member):
    """The letter as filled so far, as a DOCX to edit or a PDF to read (nothing is sent)."""
    fmt = "docx" if request.GET.get("format") == "docx" else "pdf"
    data, filename, content_type = submission.letter_draft_file(project, fmt)
    return _attachment(data, filename, content_type)


# --- Diagnostic ------------------------------------------------------------------------------------------


@login_required
@require_GET
def diagnostic(request, project_id):
    """The diagnostic territorial of the project's communes, for its members (and, read-only, its ARS and
    CPAM referents): every count, or the public version (counts under 6 hidden) that the letter carries."""
    project, member = access.read_project(request.user, project_id)
    # A referent reads what leaves the project: the public version (counts under 6 hidden).
    public = member is None or request.GET.get("version") == "publique"
    computed = letter.project_diagnostic(project, public=public) if project.communes.exists() else None
    return _page(
        request,
        "projects/diagnostic.html",
        project,
        member,
        "diagnostic",
        diagnostic=computed,
        diagnostic_maps=maps.page_maps(computed) if computed else [],
        public=public,
        typed_url=reverse("projects:diagnostic_typed", args=[project.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def diagnostic_typed(request, project_id):
    """The figures typed in from Rézone CPTS for the project's territory: its members type them, its referents
    read them."""
    project, member = access.read_project(request.user, project_id)
    return typed_figures_page(
        request,
        project,
        heading=project.name,
        back_url=reverse("projects:diagnostic", args=[project.pk]),
        here=reverse("projects:diagnostic_typed", args=[project.pk]),
        may_edit=member is not None and not project.cpts_id,
    )


# --- Conversion ------------------------------------------------------------------------------------------


@project_page("GET", "POST")
def convert(request, project, member):
    if not access.can_convert(member):
        raise PermissionDenied("Seul un porteur du projet peut en faire la CPTS.")
    form = ConvertForm(request.POST or None, initial={"name": project.name})
    if request.method == "POST" and form.is_valid() and not project.cpts_id:
        done = run_action(
            request,
            conversion.convert,
            project,
            request.user,
            form.cleaned_data["name"],
            success=lambda cpts: f"Le projet est devenu la {cpts.name} : territoire et porteurs repris.",
            then=lambda cpts: reverse("cpts:home", args=[cpts.slug]),
            form=form,
        )
        if done:
            return done
    return _page(
        request, "projects/convert.html", project, member, "detail", form=form, check=rules.check(project)
    )
