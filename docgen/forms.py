"""The upload form of « Modèles de documents »: only the file; docgen/validation.py says what is refused."""

from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Nouveau modèle (.docx, 2 Mo au plus)",
        help_text=(
            "Partez du modèle en vigueur téléchargé ci-dessus, modifiez-le dans Word ou LibreOffice en "
            "gardant les balises entre accolades, ou en n'utilisant que les variables listées plus bas, puis "
            "déposez-le. Il est vérifié avant d'être utilisé : rien n'est enregistré s'il est refusé."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        ),
    )
