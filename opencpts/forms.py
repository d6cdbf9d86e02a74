"""How a page shows an ActionError: the one helper every view uses (rule: errors handled once).

An action raises ``ActionError(message, field)``; the page puts the message beside that field when the form
has it, else at the top of the form (a non-field error). ``aliases`` maps an action's field name to the
form's when they differ (the news form asks for ``commune`` what the action calls ``commune_insee``).
``InvalidFields`` (several fields refused by the model's checks) shows each message beside its field.
The JSON API answers the same error through its one exception handler (opencpts/api.py).
"""

from opencpts.errors import ActionError, InvalidFields


def show_action_error(form, exc: ActionError, aliases: dict[str, str] | None = None) -> None:
    aliases = aliases or {}
    errors = exc.errors if isinstance(exc, InvalidFields) else {exc.field: [exc.message]}
    for name, messages in errors.items():
        field = aliases.get(name, name)
        form.add_error(field if field in form.fields else None, messages)
