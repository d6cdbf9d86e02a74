"""Forms of the privacy pages: they shape the input; the rules live in privacy/actions.py."""

from django import forms
from django.utils import timezone

from privacy.models import RightsRequest


class ContactForm(forms.Form):
    dpo_name = forms.CharField(
        label="Nom du délégué ou de l'organisme",
        max_length=200,
        help_text="La personne ou le prestataire désigné auprès de la CNIL.",
    )
    dpo_email = forms.EmailField(label="E-mail du délégué", max_length=254)
    dpo_address = forms.CharField(
        label="Adresse postale",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Avec le code postal et la ville : les personnes peuvent écrire à cette adresse.",
    )


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="Droit exercé", choices=RightsRequest.Kind.choices, widget=forms.RadioSelect
    )
    requester = forms.CharField(label="Demandeur", max_length=200, help_text="Nom de la personne qui écrit.")
    requester_is_patient = forms.TypedChoiceField(
        label="Qui demande ?",
        choices=[("1", "La personne concernée"), ("0", "Son représentant (parent, tuteur, mandataire)")],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    received_on = forms.DateField(
        label="Reçue le",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="La réponse est due un mois après cette date.",
    )
    channel = forms.CharField(
        label="Reçue par", max_length=200, required=False, help_text="Courrier, e-mail…"
    )
    details = forms.CharField(
        label="Précisions",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sans donnée de santé : ce qui est demandé, la pièce d'identité vérifiée.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class FindForm(forms.Form):
    nom = forms.CharField(label="Nom (de naissance ou d'usage)", max_length=100)
    naissance = forms.DateField(label="Date de naissance", widget=forms.DateInput(attrs={"type": "date"}))


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label="Issue",
        choices=[
            (RightsRequest.Status.ANSWERED, "Répondue"),
            (RightsRequest.Status.REFUSED, "Refusée (motif obligatoire)"),
        ],
        widget=forms.RadioSelect,
        initial=RightsRequest.Status.ANSWERED,
    )
    outcome = forms.CharField(
        label="Réponse apportée",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce qui a été remis ou fait, et comment la personne en a été informée.",
    )
