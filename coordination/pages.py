"""What the coordination pages share (and documents' pages for posting with files): the permission they
need, going back to a group page, running an action and saying how it went, form errors in one line."""

from django.contrib import messages
from django.shortcuts import redirect

from coordination.models import Message
from opencpts.errors import ActionError

PERMISSION = "cpts.use_coordination"


def form_errors(form) -> str:
    return " ".join(
        f"{form.fields[f].label if f in form.fields else ''} : {' '.join(e)}".strip(" :")
        for f, e in form.errors.items()
    )


def back_to_group(access, group_id: int, anchor: str = ""):
    response = redirect("coordination:group", slug=access.cpts.slug, group_id=group_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def run_action(request, access, group_id, action, success: str, anchor: str = ""):
    try:
        action()
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return back_to_group(access, group_id, anchor)


def mention_feedback(request, message: Message) -> Message:
    """Tell the author which @names were ambiguous (several members answer to them): nobody was mentioned."""
    ambiguous = getattr(message, "ambiguous_mentions", None)
    if ambiguous:
        names = ", ".join(f"@{name}" for name in ambiguous)
        messages.warning(
            request,
            f"Mention ambiguë, personne n'a été mentionné pour : {names}. Plusieurs membres "
            "portent ce nom : écrivez « @Prénom Nom ».",
        )
    return message
