"""The coordination pages that carry files: posting a message with its attachments, recording a consent
with the scan of the signed form. They live here because documents depends on coordination, never the
reverse; their URLs keep their names in the ``coordination`` namespace (composed in opencpts/urls.py). Each
calls one action of documents.actions, which checks the files, writes through coordination.actions, then
stores the files, in one transaction."""

from django.contrib import messages
from django.http import Http404
from django.views.decorators.http import require_POST

from coordination import access as rules
from coordination.pages import PERMISSION, back_to_group, form_errors, mention_feedback, run_action
from cpts.decorators import cpts_view
from documents import actions
from documents.forms import ConsentForm, MessageForm, ReplyForm


@cpts_view(PERMISSION)
@require_POST
def post_message(request, access, group_id):
    group = rules.group_to_read(request.user, access.cpts, group_id)
    parent = None
    if request.POST.get("parent"):
        parent = group.messages.filter(
            pk=request.POST["parent"] if request.POST["parent"].isdigit() else 0
        ).first()
        if parent is None:
            raise Http404("Sujet introuvable.")
        form = ReplyForm(request.POST, request.FILES)
    else:
        form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back_to_group(access, group.pk, "messages")
    data = form.cleaned_data
    return run_action(
        request,
        access,
        group.pk,
        lambda: mention_feedback(  # the message and its files, or nothing
            request,
            actions.post_message(
                group,
                request.user,
                data["body"],
                subject=data.get("subject", ""),
                parent=parent,
                files=data.get("attachments") or [],
            ),
        ),
        "Réponse publiée." if parent else "Sujet publié.",
        "messages",
    )


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
