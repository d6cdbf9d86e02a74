"""Pages of the documents of a group. Thin: reads through documents.access (the group's rules), writes and
content through documents.actions (which check the rules again and raise French errors)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from audit.log import record_view
from coordination import access as group_rules
from cpts.decorators import cpts_view
from documents import access as rules
from documents import actions
from documents.context import section_context
from documents.forms import UploadForm, VersionForm
from documents.models import Document
from opencpts.errors import ActionError

PERMISSION = "cpts.use_coordination"

# Served content never runs in our origin: a sandbox without scripts, nothing loaded from elsewhere, not
# framable, never sniffed into another type.
CONTENT_POLICY = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "object-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def _back(access, group_id: int):
    """To the group's Documents tab."""
    return redirect("coordination:documents", slug=access.cpts.slug, group_id=group_id)


def _form_errors(form) -> str:
    return " ".join(" ".join(errors) for errors in form.errors.values())


@cpts_view(PERMISSION)
@require_GET
def section(request, access, group_id):
    """The documents section alone, re-fetched by the group page when a real-time event announces a change."""
    group = group_rules.group_to_read(request.user, access.cpts, group_id)
    return render(request, "documents/_section.html", section_context(request.user, group))


@cpts_view(PERMISSION)
@require_POST
def upload(request, access, group_id):
    group = group_rules.group_to_read(request.user, access.cpts, group_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(access, group.pk)
    try:
        document = actions.add_document(
            group, request.user, form.cleaned_data["file"], form.cleaned_data["title"]
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Document « {document.title} » déposé.")
    return _back(access, group.pk)


@cpts_view(PERMISSION)
@require_GET
def detail(request, access, group_id, document_id):
    document = rules.document_to_read(request.user, access.cpts, group_id, document_id)
    record_view(document, cpts_id=document.cpts_id, details={"group_id": document.group_id})
    can_add = rules.can_add(request.user, document.group) and document.kind == Document.Kind.FILE
    return render(
        request,
        "documents/detail.html",
        {
            "cpts": access.cpts,
            "group": document.group,
            "document": document,
            "versions": document.versions.all(),
            "version_form": VersionForm(auto_id="version_%s") if can_add else None,
            "can_delete": rules.can_delete(request.user, document),
        },
    )


@cpts_view(PERMISSION)
@require_POST
def new_version(request, access, group_id, document_id):
    document = rules.document_to_read(request.user, access.cpts, group_id, document_id)
    form = VersionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            version = actions.add_version(document, request.user, form.cleaned_data["file"])
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Version {version.number} déposée.")
    return redirect(
        "documents:detail", slug=access.cpts.slug, group_id=document.group_id, document_id=document.pk
    )


@cpts_view(PERMISSION)
@require_POST
def delete(request, access, group_id, document_id):
    document = rules.document_to_read(request.user, access.cpts, group_id, document_id)
    try:
        actions.delete_document(document, request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(
            "documents:detail", slug=access.cpts.slug, group_id=document.group_id, document_id=document.pk
        )
    messages.success(request, f"Document « {document.title} » supprimé (son historique reste tracé).")
    return _back(access, document.group_id)


def _serve(request, access, group_id, document_id, number, inline: bool):
    version = rules.version_to_read(request.user, access.cpts, group_id, document_id, number)
    inline = inline and version.previewable  # other types are never rendered by the browser
    try:
        data = actions.open_version(version, request.user, inline=inline)
    except actions.ContentUnavailable as exc:
        return render(
            request,
            "documents/unavailable.html",
            {
                "cpts": access.cpts,
                "group": version.document.group,
                "version": version,
                "temporary": exc.temporary,
            },
            status=503 if exc.temporary else 500,
        )
    response = HttpResponse(data, content_type=version.content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, version.filename)
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CONTENT_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@cpts_view(PERMISSION)
@require_GET
def download(request, access, group_id, document_id, number):
    return _serve(request, access, group_id, document_id, number, inline=False)


@cpts_view(PERMISSION)
@require_GET
def preview(request, access, group_id, document_id, number):
    return _serve(request, access, group_id, document_id, number, inline=True)
