"""Forms of the news pages: they only shape the input; the rules are in news.actions."""

from django import forms

from cpts.models import TerritoryCommune
from cpts.scoping import scoped
from news.models import BODY_MAX, COMMENT_MAX, PLACE_MAX, TITLE_MAX, Post

NO_PATIENT_DATA = "Aucune donnée de patient : ce texte est lu par tous les membres de la CPTS."


class PostForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=Post.Kind.choices, initial=Post.Kind.ANNOUNCEMENT)
    title = forms.CharField(label="Titre", max_length=TITLE_MAX)
    body = forms.CharField(
        label="Texte",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=NO_PATIENT_DATA + " Texte simple : les adresses web deviennent des liens.",
    )
    event_date = forms.DateField(
        label="Date de l'événement",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    event_time = forms.TimeField(
        label="Heure de l'événement",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    place = forms.CharField(
        label="Lieu de l'événement", max_length=PLACE_MAX, required=False, help_text="Salle et adresse."
    )
    commune = forms.ChoiceField(
        label="Commune de l'événement", required=False, help_text="Facultatif : une commune du territoire."
    )
    pinned = forms.BooleanField(label="Épingler en tête du fil", required=False)

    def __init__(self, *args, cpts, can_pin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        links = scoped(TerritoryCommune, cpts).select_related("commune").order_by("commune__name")
        self.fields["commune"].choices = [("", "— aucune —")] + [
            (link.commune_id, f"{link.commune.name} ({link.commune_id})") for link in links
        ]
        if not can_pin:
            del self.fields["pinned"]

    def action_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["commune_insee"] = data.pop("commune", "") or ""
        data["place"] = data.get("place") or ""
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Votre commentaire",
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NO_PATIENT_DATA,
    )
