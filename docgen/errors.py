"""The refusal of a document template: an uploaded replacement that is not a DOCX, too large, with a tag that
does not parse or a variable the document does not provide; a key that names no registered template."""

from opencpts.errors import ActionError


class TemplateError(ActionError):
    """French message for the instance administrator (or the developer calling ``docgen.render``)."""
