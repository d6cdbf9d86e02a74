"""Pages of the diagnostic: a CPTS's diagnostic (its territory beside its départements, régions and France)
and the datasets imported per commune. Thin: fetch, call ``diagnose`` or an import action, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cpts.decorators import cpts_view
from cpts.models import TerritoryCommune
from cpts.scoping import scoped
from diagnostic import imports, maps, typed
from diagnostic.access import may_delete, may_import
from diagnostic.compute import diagnose
from diagnostic.forms import ImportForm, TypedFigureForm
from diagnostic.models import ImportedDataset
from opencpts.errors import ActionError
from opencpts.forms import show_action_error


@cpts_view("cpts.view_territory")
def cpts_diagnostic(request, access):
    """Members see every count; « version publique » shows what may leave the CPTS (counts under 6 hidden)."""
    codes = list(scoped(TerritoryCommune, access.cpts).values_list("commune_id", flat=True))
    public = request.GET.get("version") == "publique"
    diagnostic = diagnose(codes, members_of_cpts=access.cpts, public=public, name=access.cpts.name)
    typed.attach(diagnostic, access.cpts)
    return render(
        request,
        "diagnostic/cpts.html",
        {
            "cpts": access.cpts,
            "diagnostic": diagnostic,
            "diagnostic_maps": maps.page_maps(diagnostic),
            "public": public,
            "typed_url": reverse("diagnostic:cpts_typed", args=[access.cpts.slug]),
        },
    )


def typed_figures_page(request, owner, *, heading: str, back_url: str, here: str, may_edit: bool):
    """The page of the figures typed in for ``owner`` (a CPTS or a project), shared by both: the list, the
    form to add one, a button to remove one. ``may_edit``: the caller's rule for changing owner's diagnostic;
    a POST without it is refused before anything is read."""
    form = TypedFigureForm(request.POST or None, initial={"source": typed.REZONE})
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if "remove" in request.POST:
            try:
                typed.remove_figure(owner, request.user, int(request.POST.get("remove") or 0))
            except (ActionError, ValueError):
                messages.error(request, "Ce chiffre n'existe plus.")
            else:
                messages.success(request, "Chiffre retiré.")
            return redirect(here)
        if form.is_valid():
            try:
                figure = typed.add_figure(owner, request.user, typed.Typed(**form.cleaned_data))
            except ActionError as exc:
                show_action_error(form, exc)
            else:
                messages.success(request, f"« {figure.indicator} » ({figure.vintage}) enregistré.")
                return redirect(here)
    return render(
        request,
        "diagnostic/typed.html",
        {
            "form": form,
            "figures": typed.figures_of(owner),
            "suggestions": typed.SUGGESTED,
            "heading": heading,
            "back_url": back_url,
            "may_edit": may_edit,
        },
        status=400 if request.method == "POST" else 200,
    )


@cpts_view("cpts.view_territory")
@require_http_methods(["GET", "POST"])
def cpts_typed(request, access):
    return typed_figures_page(
        request,
        access.cpts,
        heading=access.cpts.name,
        back_url=reverse("diagnostic:cpts", args=[access.cpts.slug]),
        here=reverse("diagnostic:cpts_typed", args=[access.cpts.slug]),
        may_edit=access.can("cpts.edit_territory"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def datasets(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        meta = imports.Metadata(
            indicator=form.cleaned_data["indicator"],
            source=form.cleaned_data["source"],
            vintage=form.cleaned_data["vintage"],
            licence=form.cleaned_data["licence"],
            unit=form.cleaned_data["unit"],
            aggregation=form.cleaned_data["aggregation"],
        )
        try:
            content = upload.read(imports.MAX_BYTES + 1)
            dataset = imports.import_dataset(request.user, content, upload.name, meta)
        except imports.ImportRefused as exc:
            report = exc.report
            show_action_error(form, exc)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            warnings = getattr(dataset, "warnings", [])
            messages.success(
                request,
                f"« {dataset.indicator} » importé : {dataset.rows} commune{'s' if dataset.rows > 1 else ''} "
                f"(encodage {dataset.encoding}, séparateur {dataset.separator})"
                + (
                    f" ; {len(warnings)} avertissement{'s' if len(warnings) > 1 else ''} : "
                    if warnings
                    else "."
                )
                + " ".join(warnings[:10]),
            )
            return redirect("diagnostic:datasets")
    rows = ImportedDataset.objects.select_related("imported_by").order_by("indicator", "-imported_at")
    return render(
        request,
        "diagnostic/datasets.html",
        {
            "form": form,
            "report": report,
            "datasets": [(d, may_delete(request.user, d)) for d in rows],
            "may_import": may_import(request.user),
        },
    )


@login_required
@require_POST
def delete_dataset(request, dataset_id):
    dataset = get_object_or_404(ImportedDataset, pk=dataset_id)
    try:
        imports.delete_dataset(request.user, dataset)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"« {dataset.indicator} » retiré, avec ses valeurs.")
    return redirect("diagnostic:datasets")
