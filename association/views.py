"""Pages of the association of a project. Thin: a page is read through ``projects.access.read_project`` (its
members, and read-only the ARS and CPAM referents), a write goes through ``projects.access.access_project``
(members only, 404 for anyone else) and an action of association/actions.py."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from association import actions, documents, rules, selectors
from association.forms import (
    ATTENDANCE,
    CollegeFormSet,
    ConvocationForm,
    FounderForm,
    LegalEntityForm,
    MinutesForm,
    RuleItemFormSet,
    StatutesForm,
)
from association.models import BureauRole, College, ConstitutiveAssembly, LegalEntity, Statutes
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from opencpts.french import count
from projects import access


def association_page(*methods):
    """Log-in required, the HTTP methods accepted (405), then the project: read (members and referents) for
    GET, changed (members only) for POST; 404 for anyone else."""

    def decorate(view):
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapper(request, project_id, *args, **kwargs):
            if request.method == "POST":
                project, member = access.access_project(request.user, project_id)
            else:
                project, member = access.read_project(request.user, project_id)
            return view(request, project, member, *args, **kwargs)

        return wrapper

    return decorate


def _page(request, template, project, member, tab, **context):
    return render(
        request,
        template,
        {"project": project, "member": member, "readonly": member is None, "tab": "association", "step": tab}
        | context,
    )


@association_page("GET")
def overview(request, project, member):
    return _page(
        request,
        "association/overview.html",
        project,
        member,
        "overview",
        steps=selectors.steps(project),
        warnings=rules.warnings(Statutes.objects.filter(project=project).first()),
        entity=LegalEntity.objects.filter(project=project).first(),
    )


# --- Statuts and règlement intérieur ------------------------------------------------------------------------


COLLEGE_FIELDS = ("kind", "name", "members_desc", "voting", "board_seats", "dues")


def _college_rows(formset) -> list[dict]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.is_blank()]


def _statutes_forms(request, project):
    if request.method == "POST":
        return StatutesForm(request.POST), CollegeFormSet(request.POST, prefix="colleges")
    statutes = Statutes.objects.filter(project=project).first()
    if statutes is None:
        initial = actions.initial_statutes(project)
        colleges = initial.pop("colleges")
    else:
        initial = {f: getattr(statutes, f) for f in StatutesForm.base_fields}
        colleges = list(statutes.colleges.values("id", *COLLEGE_FIELDS))
        for row in colleges:  # « 30 », « 30,50 »: as typed in French
            row["dues"] = rules.money(row["dues"]).removesuffix(" €").replace("\u202f", "")
    return StatutesForm(initial=initial), CollegeFormSet(initial=colleges, prefix="colleges")


@association_page("GET", "POST")
def statutes(request, project, member):
    form, colleges = _statutes_forms(request, project)
    if request.method == "POST" and form.is_valid() and colleges.is_valid():
        try:
            saved = actions.save_statutes(project, form.cleaned_data, _college_rows(colleges), request.user)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            seats = rules.seats_of(saved.colleges.all()).total
            messages.success(
                request,
                f"Statuts enregistrés : {count(saved.colleges.count(), 'collège')}, conseil d'administration "
                f"de {count(seats, 'siège')}.",
            )
            for warning in rules.warnings(saved):
                messages.warning(request, warning)
            return redirect("association:overview", project_id=project.pk)
    return _page(
        request, "association/statutes.html", project, member, "statutes", form=form, colleges=colleges
    )


@association_page("GET", "POST")
def reglement(request, project, member):
    statutes = Statutes.objects.filter(project=project).first()
    if request.method == "POST":
        formset = RuleItemFormSet(request.POST, prefix="items")
    elif statutes is not None and statutes.rule_items.exists():
        formset = RuleItemFormSet(initial=list(statutes.rule_items.values("title", "text")), prefix="items")
    else:
        formset = RuleItemFormSet(
            initial=[{"title": t, "text": x} for t, x in rules.DEFAULT_RULES], prefix="items"
        )
    error = ""
    if request.method == "POST" and formset.is_valid():
        try:
            items = actions.save_rules(project, [f.cleaned_data for f in formset.forms], request.user)
        except ActionError as exc:
            error = exc.message
        else:
            messages.success(request, f"Règlement intérieur enregistré : {count(len(items), 'article')}.")
            return redirect("association:overview", project_id=project.pk)
    return _page(
        request,
        "association/reglement.html",
        project,
        member,
        "reglement",
        formset=formset,
        error=error,
        statutes=statutes,
    )


# --- Founding members ---------------------------------------------------------------------------------------


def _colleges(project):
    return College.objects.filter(statutes__project=project)


def _set_college(request, project):
    try:
        founder = actions.set_founder_college(
            project, int(request.POST["founder"]), request.POST.get("college") or None
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        where = founder.college.name if founder.college else "aucun collège"
        messages.success(request, f"{founder.name} : {where}.")
    return redirect("association:founders", project_id=project.pk)


@association_page("GET", "POST")
def founders(request, project, member):
    if request.method == "POST" and request.POST.get("founder", "").isdigit():
        return _set_college(request, project)
    form = FounderForm(request.POST or None, colleges=_colleges(project))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            founder = actions.add_founder(
                project,
                request.user,
                name=d["name"],
                profession=d["profession"],
                college_id=d["college"] or None,
                address=d["address"],
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, f"{founder.name} ajouté aux membres fondateurs.")
            return redirect("association:founders", project_id=project.pk)
    return _page(
        request,
        "association/founders.html",
        project,
        member,
        "founders",
        form=form,
        founders=project.founding_members.select_related("college"),
        colleges=_colleges(project),
    )


@association_page("POST")
def founders_from_porteurs(request, project, member):
    try:
        added = actions.add_porteurs_as_founders(project, request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        text = count(len(added), "porteur ajouté", "porteurs ajoutés", "Aucun porteur ajouté")
        messages.success(
            request, f"{text} aux membres fondateurs" + (" : ils y sont déjà." if not added else ".")
        )
    return redirect("association:founders", project_id=project.pk)


@association_page("POST")
def founder_remove(request, project, member, founder_id):
    try:
        actions.remove_founder(project, founder_id)
        messages.success(request, "Membre fondateur retiré.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("association:founders", project_id=project.pk)


# --- Documents ----------------------------------------------------------------------------------------------


@association_page("GET")
def document_list(request, project, member):
    rows = [(kind, documents.gaps(project, slug)) for slug, kind in documents.KINDS.items()]
    return _page(request, "association/documents.html", project, member, "documents", rows=rows)


@association_page("GET")
def document(request, project, member, kind):
    if kind not in documents.KINDS:
        raise Http404("Document inconnu.")
    fmt = "pdf" if request.GET.get("format") == "pdf" else "docx"
    try:
        data, filename, content_type = documents.generate(project, kind, fmt)
    except documents.MissingFields as exc:
        return _page(
            request,
            "association/document_gaps.html",
            project,
            member,
            "documents",
            kind=documents.KINDS[kind],
            gaps=exc.gaps,
        )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- AG constitutive ----------------------------------------------------------------------------------------


def _assembly(project):
    return ConstitutiveAssembly.objects.filter(project=project).first()


@association_page("GET", "POST")
def convocation(request, project, member):
    assembly = _assembly(project)
    if request.method == "POST":
        form = ConvocationForm(request.POST)
    elif assembly is not None:
        form = ConvocationForm(initial={f: getattr(assembly, f) for f in ConvocationForm.base_fields})
    else:
        form = ConvocationForm(initial={"agenda": "\n".join(rules.DEFAULT_AGENDA)})
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_convocation(project, form.cleaned_data, request.user)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            sent = f" ; convocation envoyée le {saved.convened_on:%d/%m/%Y}" if saved.convened_on else ""
            messages.success(request, f"AG constitutive enregistrée{sent}.")
            return redirect("association:overview", project_id=project.pk)
    return _page(
        request, "association/convocation.html", project, member, "assembly", form=form, assembly=assembly
    )


def _founder_rows(request, founders) -> dict[int, dict]:
    return {
        f.pk: {
            "attendance": request.POST.get(f"att-{f.pk}", ""),
            "elected_to_board": request.POST.get(f"board-{f.pk}") == "on",
            "bureau_role": request.POST.get(f"role-{f.pk}", ""),
        }
        for f in founders
    }


@association_page("GET", "POST")
def minutes(request, project, member):
    assembly = _assembly(project)
    founders = list(project.founding_members.select_related("college"))
    if request.method == "POST":
        form = MinutesForm(request.POST)
    else:
        fields = MinutesForm.base_fields
        form = MinutesForm(initial={f: getattr(assembly, f) for f in fields} if assembly else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_minutes(project, form.cleaned_data, _founder_rows(request, founders), request.user)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "PV de l'AG constitutive enregistré : il peut être généré.")
            return redirect("association:documents", project_id=project.pk)
    if request.method == "POST":  # what was typed stays on the page
        for f, row in zip(founders, _founder_rows(request, founders).values(), strict=True):
            f.attendance, f.elected_to_board, f.bureau_role = (
                row["attendance"],
                row["elected_to_board"],
                row["bureau_role"],
            )
    statutes = Statutes.objects.filter(project=project).first()
    roles = [r for r in BureauRole if statutes is None or r in statutes.bureau_roles]
    return _page(
        request,
        "association/minutes.html",
        project,
        member,
        "assembly",
        form=form,
        assembly=assembly,
        founders=founders,
        attendance=ATTENDANCE,
        roles=roles,
    )


# --- Identifiers --------------------------------------------------------------------------------------------


@association_page("GET", "POST")
def identifiers(request, project, member):
    entity = LegalEntity.objects.filter(project=project).first()
    initial = {f: getattr(entity, f) for f in LegalEntityForm.base_fields} if entity else None
    form = LegalEntityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        stage = project.stage
        try:
            saved = actions.record_legal_entity(project, request.user, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            text = f"Association enregistrée : RNA {saved.rna}, SIRET {saved.siret}, publiée le "
            text += f"{saved.published_on:%d/%m/%Y}."
            project.refresh_from_db(fields=["stage"])
            if project.stage != stage:
                text += f" Le projet passe à l'étape « {project.get_stage_display()} »."
            if project.cpts_id:
                text += f" La fiche de la {project.cpts.name} est à jour."
            messages.success(request, text)
            return redirect("association:overview", project_id=project.pk)
    return _page(
        request, "association/identifiers.html", project, member, "identifiers", form=form, entity=entity
    )
