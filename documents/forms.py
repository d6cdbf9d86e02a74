"""Forms of the document pages and the file fields other apps' forms use. They only shape the input: the
checks (size, type from the content) are in documents.actions."""

from django import forms

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
