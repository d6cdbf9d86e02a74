"""Pages of the ARS and CPAM referents (« Suivi ») and the instance administrator's page that designates them.

Thin: a referent's page fetches through ``projects.access`` (``is_referent``, ``review_project``: the projects
of their région or département, 404 for anyone else) and ``oversight.selectors`` (the CPTS of that scope);
comments and decisions go through ``projects.reviews``. Nothing here changes a project: a referent reads its
dossiers and says what they think of them."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from aci.models import Contract
from aci.tiers import territory_summary
from cpts.scoping import scoped
from diagnostic import maps
from diagnostic.compute import diagnose
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from oversight import selectors
from oversight.forms import CommentForm, DecisionForm, GrantForm
from projects import access, reviews, submission
from projects import territory as project_territory
from projects.models import Review


def referent_page(*methods):
    """Log-in required, then the HTTP methods accepted (405), then an active ARS / CPAM referent (404 for
    anyone else: the page does not exist for them)."""

    def decorate(view):
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not access.is_referent(request.user):
                raise Http404("Page réservée aux référents ARS et CPAM.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def reviewed_project_page(*methods):
    """A page of a project for one of its referents: ``view(request, project, role, ...)``; 404 for anyone
    else."""

    def decorate(view):
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapper(request, project_id, *args, **kwargs):
            project, role = access.review_project(request.user, project_id)
            return view(request, project, role, *args, **kwargs)

        return wrapper

    return decorate


def _stage(request) -> str:
    stage = request.GET.get("etape", "")
    return stage if stage in selectors.STAGE_KEYS else ""


def _url_of(row) -> str:
    if row.kind == "projet":
        return reverse("oversight:project", args=[row.obj.pk])
    return reverse("oversight:cpts", args=[row.obj.slug])


@referent_page("GET")
def home(request):
    stage = _stage(request)
    return render(
        request,
        "oversight/home.html",
        {
            "rows": selectors.rows(request.user, stage),
            "stage": stage,
            "legend": selectors.LEGEND,
            "scope": selectors.scope_label(request.user),
            "map_url": reverse("oversight:map") + (f"?etape={stage}" if stage else ""),
        },
    )


@referent_page("GET")
def map_data(request):
    text = selectors.map_geojson(request.user, _url_of, _stage(request))
    return HttpResponse(text, content_type="application/geo+json")


# --- A project, read-only --------------------------------------------------------------------------------


def _project_page(request, project, role, comment_form=None, decision_form=None):
    return render(
        request,
        "oversight/project.html",
        {
            "project": project,
            "role": role,
            "check": project_territory.check(project),
            "stages": project.stage_changes.all(),
            "members": project.porteurs.select_related("user__professional"),
            "partners": project.partners.all(),
            "submissions": project.submissions.select_related("submitted_by"),
            "comment_form": comment_form or CommentForm(prefix="commentaire"),
            "decision_form": decision_form or DecisionForm(prefix="decision"),
        },
    )


@reviewed_project_page("GET")
def project(request, project, role):
    return _project_page(request, project, role)


@reviewed_project_page("GET")
def project_diagnostic(request, project, role):
    """The diagnostic of the project's territory, in its public version (counts under 6 hidden)."""
    codes = list(project.communes.values_list("commune_id", flat=True))
    diagnostic = diagnose(codes, public=True, name=project.name)
    return render(
        request,
        "oversight/diagnostic.html",
        {"project": project, "diagnostic": diagnostic, "diagnostic_maps": maps.page_maps(diagnostic)},
    )


@reviewed_project_page("GET")
def submission_file(request, project, role, submission_id):
    sent = project.submissions.filter(pk=submission_id).first()
    if sent is None:
        raise Http404("Dossier introuvable.")
    response = HttpResponse(submission.open_file(sent, request.user), content_type=sent.content_type)
    response["Content-Disposition"] = f'attachment; filename="{sent.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _dossier_label(key: str) -> str:
    return Review.Dossier(key).label


@reviewed_project_page("POST")
def comment(request, project, role):
    form = CommentForm(request.POST, prefix="commentaire")
    if form.is_valid():
        d = form.cleaned_data
        try:
            reviews.comment(request.user, project, d["dossier"], d["text"])
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request,
                f"Commentaire enregistré sur « {_dossier_label(d['dossier'])} » : les porteurs le voient.",
            )
            return redirect("oversight:project", project_id=project.pk)
    return _project_page(request, project, role, comment_form=form)


@reviewed_project_page("POST")
def decide(request, project, role):
    form = DecisionForm(request.POST, prefix="decision")
    if form.is_valid():
        d = form.cleaned_data
        try:
            review = reviews.decide(request.user, project, d["dossier"], d["outcome"], d["text"])
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            project.refresh_from_db()
            outcome, dossier = review.get_outcome_display(), _dossier_label(review.dossier)
            done = f"Décision « {outcome} » enregistrée sur « {dossier} »"
            messages.success(
                request, f"{done} : les porteurs la voient. Étape du projet : {project.get_stage_display()}."
            )
            return redirect("oversight:project", project_id=project.pk)
    return _project_page(request, project, role, decision_form=form)


# --- A CPTS, read-only summary ----------------------------------------------------------------------------


@referent_page("GET")
def cpts(request, slug):
    found = selectors.cpts_for_reviewer(request.user, slug)
    if found is None:
        raise Http404("CPTS introuvable.")
    contract = scoped(Contract, found).select_related("grid", "population_vintage").first()
    return render(
        request,
        "oversight/cpts.html",
        {
            "cpts": found,
            "summary": territory_summary(found),
            "contract": contract,
        },
    )


# --- The instance administrator designates the referents ---------------------------------------------------


def staff_only(view):
    """Logged in (else the login page), then instance administrator (else 403), before the method check."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Seul un administrateur de l'instance désigne les référents ARS et CPAM.")
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
@require_http_methods(["GET", "POST"])
def referents(request):
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referent = reviews.grant_referent(request.user, email=d["email"], body=d["body"], code=form.code)
        except ActionError as exc:
            show_action_error(form, exc, {"region": "region", "departement": "departement"})
        else:
            messages.success(request, f"{referent.user} est désormais référent {referent.scope_label}.")
            return redirect("oversight:referents")
    return render(
        request, "oversight/referents.html", {"form": form, "referents": reviews.active_referents()}
    )


@staff_only
@require_POST
def revoke(request, referent_id):
    try:
        referent = reviews.revoke_referent(request.user, referent_id)
        messages.success(request, f"{referent.user} n'est plus référent {referent.scope_label}.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("oversight:referents")
