"""Forms of the document pages, and of the coordination pages that carry files (a message with attachments, a
consent with the scan of the signed form: documents.views_posting). They only shape the input: the checks
(size, type from the content) are in documents.actions."""

from django import forms

from coordination.forms import DATE
from coordination.models import Consent
from documents.filetypes import ACCEPT, ACCEPT_SCANS, ACCEPTED_TEXT, max_bytes, megabytes


def accepted_help() -> str:
    return f"{ACCEPTED_TEXT} ; {megabytes(max_bytes())} au plus par fichier."


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero, one or several files (attachments of a message)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def attachments_field() -> MultipleFileField:
    return MultipleFileField(label="Pièces jointes (facultatif)", help_text=accepted_help())


def consent_scan_field() -> forms.FileField:
    return forms.FileField(
        label="Document signé (scan PDF ou photo)",
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT_SCANS}),
        help_text=f"Obligatoire pour un consentement sur papier signé ; {megabytes(max_bytes())} au plus.",
    )


class UploadForm(forms.Form):
    file = forms.FileField(label="Fichier", widget=forms.FileInput(attrs={"accept": ACCEPT}))
    title = forms.CharField(
        label="Titre (facultatif)", max_length=200, required=False, help_text="Par défaut, le nom du fichier."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = accepted_help()


class VersionForm(forms.Form):
    file = forms.FileField(label="Nouvelle version", widget=forms.FileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = accepted_help()


EMPTY_MESSAGE = "Le message est vide : écrivez votre texte avant d'envoyer."


class ComposerForm(forms.Form):
    """The composer of a group's conversation: a message, its attachments, a subject only to open a new one
    (without it, the message continues the last subject, or answers ``parent``), and the composer's
    idempotency token (coordination.actions.post_message)."""

    subject = forms.CharField(label="Nouveau sujet (facultatif)", max_length=200, required=False)
    body = forms.CharField(
        label="Message",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 1}),
        error_messages={"required": EMPTY_MESSAGE},
    )
    attachments = attachments_field()
    token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def first_error(self) -> tuple[str, str]:
        """(message, field) of the first error, worded for the composer's status line."""
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields and name != "body" else ""
            return (f"{label} : {errors[0]}" if label else errors[0]), name
        return "", ""


class ConsentForm(forms.Form):
    collected_on = forms.DateField(label="Recueilli le", widget=DATE)
    method = forms.ChoiceField(label="Modalité de recueil", choices=Consent.Method.choices)
    witness = forms.CharField(label="Témoin (consentement oral)", max_length=200, required=False)
    scope = forms.CharField(
        label="Portée du consentement", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_on = forms.DateField(label="Expire le", required=False, widget=DATE)
    document = consent_scan_field()
