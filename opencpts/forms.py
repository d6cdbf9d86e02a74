"""How a page shows an ActionError: the one helper every view uses (rule: errors handled once).

An action raises ``ActionError(message, field)``; the page puts the message beside that field when the form
has it, else at the top of the form (a non-field error). ``aliases`` maps an action's field name to the
form's when they differ (the news form asks for ``commune`` what the action calls ``commune_insee``).
``InvalidFields`` (several fields refused by the model's checks) shows each message beside its field.
The JSON API answers the same error through its one exception handler (opencpts/api.py).

``run_action`` is the page's whole round trip around an action: call it, then on success say what happened
and redirect; on an ``ActionError`` show it beside the form's field (``form``), hand it to ``on_error``, or
say it as a message and redirect (``failed``, by default where success goes).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect

from opencpts.errors import ActionError, InvalidFields


def show_action_error(form, exc: ActionError, aliases: dict[str, str] | None = None) -> None:
    aliases = aliases or {}
    errors = exc.errors if isinstance(exc, InvalidFields) else {exc.field: [exc.message]}
    for name, messages in errors.items():
        field = aliases.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


def run_action(
    request,
    action: Callable,
    *args,
    success: str | Callable[[Any], str],
    then: str | Callable[[Any], str],
    form=None,
    aliases: dict[str, str] | None = None,
    on_error: Callable[[ActionError], None] | None = None,
    failed: str | None = None,
    **kwargs,
) -> HttpResponse | None:
    """``action(*args, **kwargs)``. Done: the French message ``success`` (or ``success(result)``) and a
    redirect to ``then`` (a URL, or ``then(result)``). Refused (``ActionError``): with ``form``, the message
    beside its field (``show_action_error``) and None, the page rendering the form again; with ``on_error``,
    ``on_error(error)`` and None; otherwise the message as an error and a redirect to ``failed`` (by default
    ``then`` when it is a URL)."""
    try:
        result = action(*args, **kwargs)
    except ActionError as exc:
        if form is not None:
            show_action_error(form, exc, aliases)
            return None
        if on_error is not None:
            on_error(exc)
            return None
        flash.error(request, exc.message)
        return redirect(failed or then)
    flash.success(request, success(result) if callable(success) else success)
    return redirect(then(result) if callable(then) else then)
