"""The one error an action raises when a request is refused by a rule (not a bug, not a permission).

Actions (``<app>/actions.py`` and the rule modules they call) raise ``ActionError`` with a message in French
written for the person who filled the form, and optionally the form field it is about. Pages show it beside
that field or at the top of the form; the JSON API answers it with a 400 (or 409 when ``conflict`` is set)
and the same message; commands print it. Nothing is written when it is raised (actions run in a transaction).
"""


class ActionError(Exception):
    def __init__(self, message: str, field: str | None = None, *, conflict: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.conflict = conflict


class InvalidFields(ActionError):
    """The model's own checks (``full_clean``) refused several fields at once: ``errors`` maps each field to
    its messages, which pages show beside each field; ``message`` joins them for the API and commands."""

    def __init__(self, errors: dict[str, list[str]]):
        message = " ".join(f"{f} : {' '.join(m)}" for f, m in errors.items())
        super().__init__(message, next(iter(errors), None))
        self.errors = errors
