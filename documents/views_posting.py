"""The coordination pages that carry files: posting a message with its attachments, recording a consent
with the scan of the signed form. They live here because documents depends on coordination, never the
reverse; their URLs keep their names in the ``coordination`` namespace (composed in opencpts/urls.py). Each
calls one action of documents.actions, which checks the files, writes through coordination.actions, then
stores the files, in one transaction."""

from django.contrib import messages
from django.http import Http404
from django.views.decorators.http import require_POST

from coordination import access as rules
from coordination import pages
from coordination.pages import PERMISSION, back_to_group, form_errors, run_action
from cpts.decorators import cpts_view
from documents import actions
from documents.forms import ComposerForm, ConsentForm
from opencpts.errors import ActionError


def _parent(group, raw: str):
    """The subject a reply answers (``parent``), one of this group's; none when not given."""
    if not raw:
        return None
    parent = group.messages.filter(pk=raw if raw.isdigit() else 0, parent__isnull=True).first()
    if parent is None:
        raise Http404("Sujet introuvable.")
    return parent


@cpts_view(PERMISSION)
@require_POST
def post_message(request, access, group_id):
    """The composer of the conversation (and the former subject and reply forms): a refused message keeps its
    text (in the page without script, in the composer with it) and stores nothing; the same token sent twice
    gives one message."""
    group = rules.group_to_read(request.user, access.cpts, group_id)
    parent = _parent(group, request.POST.get("parent", ""))
    form = ComposerForm(request.POST, request.FILES)
    composer = pages.Composer(
        token=request.POST.get("token", "")[:64] or pages.new_token(),
        body=request.POST.get("body", ""),
        subject=request.POST.get("subject", ""),
        reply_to=parent,
    )
    if not form.is_valid():
        composer.error, composer.field = form.first_error()
        return pages.composer_refused(request, access, group, composer)
    data = form.cleaned_data
    try:
        message = actions.post_message(  # the message and its files, or nothing
            group,
            request.user,
            data["body"],
            subject=data["subject"],
            parent=parent,
            files=data["attachments"] or [],
            token=data["token"],
            continue_thread=True,
        )
    except ActionError as exc:
        composer.error, composer.field = exc.message, exc.field or ""
        return pages.composer_refused(request, access, group, composer)
    return pages.composer_sent(request, access, group, message)


@cpts_view(PERMISSION)
@require_POST
def record_consent(request, access, group_id):
    group = rules.group_to_read(request.user, access.cpts, group_id)
    form = ConsentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back_to_group(access, group.pk, "consentements")
    # The consent and the scan of the signed form (required for a paper consent), or nothing.
    return run_action(
        request,
        access,
        group.pk,
        lambda: actions.record_consent(group, request.user, **form.cleaned_data),
        "Consentement enregistré.",
        "consentements",
    )
