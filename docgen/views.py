"""« Modèles de documents »: the instance administrator's page of the registered DOCX templates: download the
template in force and the default, upload a replacement, go back to the default (docgen/actions.py)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from docgen import actions, registry, selectors, validation
from docgen.errors import TemplateError
from docgen.forms import UploadForm
from docgen.models import MAX_BYTES
from opencpts.errors import ActionError
from opencpts.forms import show_action_error

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def staff_only(view):
    """Logged in (else the login page), then instance administrator (else 403), before the method check."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Seul un administrateur de l'instance gère les modèles de documents.")
        return view(request, *args, **kwargs)

    return wrapper


def _template(key: str) -> registry.DocTemplate:
    template = registry.get(key)
    if template is None:
        raise Http404("Modèle de document inconnu.")
    return template


def _docx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_only
@require_GET
def template_list(request):
    return render(request, "docgen/list.html", {"rows": selectors.listing()})


@staff_only
@require_http_methods(["GET", "POST"])
def template_detail(request, key):
    template = _template(key)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if getattr(upload, "oversized", False) or upload.size > MAX_BYTES:
                raise TemplateError(
                    f"Le fichier pèse {validation.megabytes(upload.size)} : un modèle pèse au plus "
                    f"{validation.megabytes(MAX_BYTES)}. Réduisez les images qu'il contient.",
                    "file",
                )
            actions.upload_template(request.user, key, upload.read(), upload.name)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request, f"Le modèle « {template.title} » est remplacé : les prochains documents l'utilisent."
            )
            return redirect("docgen:template", key=key)
    return render(
        request,
        "docgen/template.html",
        {
            "template": template,
            "override": selectors.active_override(key),
            "variables": registry.variables(template.sample_context, template.images),
            "history": selectors.history(key),
            "form": form,
            "max_size": validation.megabytes(MAX_BYTES),
        },
    )


@staff_only
@require_GET
def download(request, key):
    _template(key)
    return _docx(selectors.template_bytes(key), f"{key}.docx")


@staff_only
@require_GET
def download_default(request, key):
    template = _template(key)
    return _docx(template.default_bytes(), f"{key}-defaut.docx")


@staff_only
@require_POST
def reset(request, key):
    template = _template(key)
    try:
        actions.reset_template(request.user, key)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Le modèle par défaut de « {template.title} » est rétabli.")
    return redirect("docgen:template", key=key)
