"""The projet de santé pages of a project of CPTS. Thin: each fetches the project through projects/access.py
(``read_project`` to read: its members and, read-only, its ARS and CPAM referents; ``access_project`` to
change: its members only, 404 for anyone else) and calls an action (healthplan/actions.py)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from healthplan import actions, document, selectors
from healthplan.forms import ChapterForm, ExpenseForm, IndicatorFormSet, SheetForm
from healthplan.models import ActionSheet, Chapter
from opencpts.errors import ActionError
from opencpts.forms import show_action_error
from projects import access


def plan_page(*methods, write: bool = False):
    """Log-in required, the HTTP methods accepted (405), then the project: for ``write`` pages and for any
    POST a member (404 for anyone else), else a reader (``member`` None for a referent)."""

    def decorate(view):
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapper(request, project_id, *args, **kwargs):
            if write or request.method == "POST":
                project, member = access.access_project(request.user, project_id)
            else:
                project, member = access.read_project(request.user, project_id)
            return view(request, project, member, *args, **kwargs)

        return wrapper

    return decorate


def _page(request, template, project, member, **context):
    return render(
        request,
        template,
        {"project": project, "member": member, "tab": "healthplan", "can_edit": bool(member), **context},
    )


def _sheet(project, sheet_id) -> ActionSheet:
    sheet = (
        ActionSheet.objects.filter(plan__project=project, pk=sheet_id).select_related("updated_by").first()
    )
    if sheet is None:
        raise Http404("Fiche-action introuvable.")
    return sheet


def _key(key: str) -> str:
    if key not in Chapter.Key.values:
        raise Http404("Chapitre introuvable.")
    return key


def _saved_message(request, what: str, saved: actions.Saved) -> None:
    if not saved.changed:
        messages.info(request, f"{what} : aucune modification à enregistrer.")
    elif saved.merged:
        messages.success(
            request,
            f"{what} enregistré, fusionné avec les modifications qu'un autre porteur a enregistrées pendant "
            "que vous écriviez (elles portaient sur d'autres lignes). Relisez le résultat.",
        )
    else:
        messages.success(request, f"{what} enregistré.")


# --- Overview and document -------------------------------------------------------------------------------


@plan_page("GET")
def overview(request, project, member):
    return _page(
        request,
        "healthplan/overview.html",
        project,
        member,
        plan=selectors.overview(project),
        budget=selectors.budget(project),
    )


@plan_page("GET")
def document_file(request, project, member):
    fmt = "docx" if request.GET.get("format") == "docx" else "pdf"
    data, filename, content_type = document.file(project, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Chapters --------------------------------------------------------------------------------------------


def _with_version(post, version: int):
    data = post.copy()
    data["version"] = str(version)
    return data


@plan_page("GET", "POST", write=True)
def chapter(request, project, member, key):
    state = selectors.chapter_state(project, _key(key))
    form = ChapterForm(request.POST or None, initial={"text": state.text, "version": state.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_chapter(
                project, key, form.cleaned_data["text"], form.cleaned_data["version"], request.user
            )
        except actions.EditConflict as exc:
            conflict = exc
            form = ChapterForm(_with_version(request.POST, exc.version))  # the porteur's text stays
            form.is_valid()
            form.add_error(None, exc.message)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            _saved_message(request, f"Chapitre « {state.label} »", saved)
            return redirect("healthplan:overview", project_id=project.pk)
    return _page(
        request, "healthplan/chapter.html", project, member, state=state, form=form, conflict=conflict
    )


@plan_page("GET")
def chapter_history(request, project, member, key):
    state = selectors.chapter_state(project, _key(key))
    versions = selectors.chapter_history(state.chapter) if state.chapter else []
    return _page(
        request,
        "healthplan/history.html",
        project,
        member,
        title=state.label,
        versions=versions,
        kind="chapter",
    )


# --- Fiches-actions --------------------------------------------------------------------------------------


def _sheet_forms(request, initial: dict | None, indicators: list[dict]):
    if request.method == "POST":
        return SheetForm(request.POST, missions=selectors.mission_order()), IndicatorFormSet(
            request.POST, prefix="ind"
        )
    return SheetForm(initial=initial, missions=selectors.mission_order()), IndicatorFormSet(
        initial=indicators, prefix="ind"
    )


def _posted(form, formset) -> dict:
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    data["indicators"] = [f.cleaned_data for f in formset.forms if f.cleaned_data]
    return data


@plan_page("GET", "POST", write=True)
def sheet_new(request, project, member):
    initial = {"mission": request.GET.get("mission", "")}
    form, formset = _sheet_forms(request, initial, [])
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            sheet = actions.create_sheet(project, request.user, _posted(form, formset))
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request, f"Fiche-action « {sheet.title} » créée ({sheet.get_mission_display()})."
            )
            return redirect("healthplan:overview", project_id=project.pk)
    return _page(request, "healthplan/sheet.html", project, member, form=form, formset=formset, sheet=None)


@plan_page("GET", "POST", write=True)
def sheet_edit(request, project, member, sheet_id):
    sheet = _sheet(project, sheet_id)
    stored = actions.sheet_data(sheet)
    form, formset = _sheet_forms(request, {**stored, "version": sheet.version}, stored["indicators"])
    conflict = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = actions.save_sheet(
                project, sheet.pk, request.user, _posted(form, formset), form.cleaned_data["version"]
            )
        except actions.EditConflict as exc:
            conflict = exc
            form = SheetForm(_with_version(request.POST, exc.version), missions=selectors.mission_order())
            form.is_valid()
            form.add_error(None, exc.message)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            _saved_message(request, f"Fiche-action « {saved.obj.title} »", saved)
            return redirect("healthplan:overview", project_id=project.pk)
    return _page(
        request,
        "healthplan/sheet.html",
        project,
        member,
        form=form,
        formset=formset,
        sheet=sheet,
        conflict=conflict,
        theirs=_theirs(conflict),
    )


def _theirs(conflict) -> list[tuple[str, str]]:
    """The fields of the other porteur's version in conflict, as (label, text) to show."""
    if conflict is None:
        return []
    out = []
    for field in conflict.fields:
        label = actions.FIELD_LABELS[field].capitalize()
        value = conflict.theirs[field]
        if field == "indicators":
            value = (
                "\n".join(f"{i['name']} : {i['baseline'] or '—'} → {i['target'] or '—'}" for i in value)
                or "aucun"
            )
        out.append((label, value))
    return out


@plan_page("POST")
def sheet_delete(request, project, member, sheet_id):
    try:
        title = actions.delete_sheet(project, sheet_id, request.user)
        messages.success(request, f"Fiche-action « {title} » supprimée.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("healthplan:overview", project_id=project.pk)


@plan_page("GET")
def sheet_history(request, project, member, sheet_id):
    sheet = _sheet(project, sheet_id)
    return _page(
        request,
        "healthplan/history.html",
        project,
        member,
        title=f"Fiche-action « {sheet.title} »",
        versions=selectors.sheet_history(sheet),
        kind="sheet",
    )


# --- Budget ----------------------------------------------------------------------------------------------


@plan_page("GET", "POST")
def budget(request, project, member):
    form = ExpenseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            expense = actions.add_expense(project, request.user, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, f"Dépense « {expense.label} » ajoutée au budget prévisionnel.")
            return redirect("healthplan:budget", project_id=project.pk)
    return _page(
        request, "healthplan/budget.html", project, member, form=form, budget=selectors.budget(project)
    )


@plan_page("POST")
def expense_remove(request, project, member, expense_id):
    try:
        label = actions.remove_expense(project, expense_id, request.user)
        messages.success(request, f"Dépense « {label} » retirée du budget prévisionnel.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("healthplan:budget", project_id=project.pk)
