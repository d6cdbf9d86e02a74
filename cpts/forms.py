from django import forms

from cpts.models import CPTS, BureauPosition
from cpts.roles import Role
from directory.models import Structure


class CPTSForm(forms.ModelForm):
    coordinator_email = forms.EmailField(
        label="E-mail du premier coordinateur (compte existant)", required=False
    )

    class Meta:
        model = CPTS
        fields = [
            "name",
            "stage",
            "siret",
            "finess",
            "email",
            "phone",
            "address",
            "founded_on",
            "dues_amount",
        ]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"})}


class CPTSSettingsForm(forms.ModelForm):
    class Meta:
        model = CPTS
        fields = ["stage", "siret", "finess", "email", "phone", "address", "founded_on", "dues_amount"]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"})}


class JoinForm(forms.Form):
    message = forms.CharField(
        label="Message au coordinateur (facultatif)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus (communiqué au demandeur)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AcceptForm(forms.Form):
    role = forms.ChoiceField(label="Rôle", choices=Role.choices, initial=Role.MEMBER)


class DuesForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label="Année", min_value=2016, max_value=2100)
    amount = forms.DecimalField(label="Montant (€)", min_value=0, max_digits=8, decimal_places=2)
    paid = forms.BooleanField(label="Payée", required=False)
    paid_on = forms.DateField(
        label="Payée le", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class BureauForm(forms.Form):
    membership = forms.ChoiceField(label="Adhérent")
    title = forms.ChoiceField(label="Fonction", choices=BureauPosition.Title.choices)
    since = forms.DateField(label="Depuis", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [(m.pk, str(m.user)) for m in memberships]


class StructureForm(forms.ModelForm):
    commune_insee = forms.CharField(label="Code INSEE de la commune", max_length=5, required=False)
    agreement = forms.CharField(label="Nature du partenariat", max_length=255, required=False)

    class Meta:
        model = Structure
        fields = ["name", "kind", "finess", "siret", "address", "postal_code", "phone", "email"]


class AuditFilterForm(forms.Form):
    action = forms.CharField(label="Action", required=False, max_length=32)
    actor = forms.CharField(label="Utilisateur (e-mail)", required=False, max_length=254)
    object_type = forms.CharField(label="Type d'objet", required=False, max_length=100)
    start = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
