"""Forms of the referents' pages: they shape the input; the rules live in projects/reviews.py."""

from django import forms

from projects.models import Body, Review
from territory.models import Departement, Region


class CommentForm(forms.Form):
    dossier = forms.ChoiceField(label="Dossier", choices=Review.Dossier.choices)
    text = forms.CharField(label="Commentaire", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class DecisionForm(forms.Form):
    dossier = forms.ChoiceField(label="Dossier", choices=Review.Dossier.choices)
    outcome = forms.ChoiceField(
        label="Décision", choices=Review.Outcome.choices, widget=forms.RadioSelect, initial="validated"
    )
    text = forms.CharField(
        label="Précisions (obligatoires si des modifications sont demandées)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _regions():
    return [("", "—")] + [(r.code, r.name) for r in Region.objects.order_by("name")]


def _departements():
    return [("", "—")] + [(d.code, f"{d.code} — {d.name}") for d in Departement.objects.order_by("code")]


class GrantForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail du compte", max_length=254, help_text="La personne a déjà un compte OpenCPTS."
    )
    body = forms.ChoiceField(
        label="Institution", choices=Body.choices, widget=forms.RadioSelect, initial="ARS"
    )
    region = forms.ChoiceField(label="Région (ARS)", choices=(), required=False)
    departement = forms.ChoiceField(label="Département (CPAM)", choices=(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _regions()
        self.fields["departement"].choices = _departements()

    @property
    def code(self) -> str:
        d = self.cleaned_data
        return d["region"] if d["body"] == Body.ARS else d["departement"]
