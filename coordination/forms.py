"""Forms of the coordination pages: they only shape the input; the rules are in coordination.actions."""

from django import forms

from coordination.models import Consent, Patient

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientForm(forms.Form):
    family_name = forms.CharField(label="Nom de naissance", max_length=100)
    used_name = forms.CharField(label="Nom d'usage", max_length=100, required=False)
    given_names = forms.CharField(label="Prénom(s)", max_length=150)
    birth_date = forms.DateField(label="Date de naissance", widget=DATE)
    sex = forms.ChoiceField(label="Sexe", choices=Patient.Sex.choices, initial=Patient.Sex.OTHER)
    address = forms.CharField(label="Adresse", max_length=255, required=False)
    postal_code = forms.RegexField(label="Code postal", regex=r"^\d{5}$", required=False,
                                   error_messages={"invalid": "Code postal : 5 chiffres."})
    phone = forms.CharField(label="Téléphone", max_length=20, required=False)
    nir = forms.CharField(label="NIR (matricule INS)", max_length=21, required=False,
                          help_text="Facultatif : 15 caractères, clé de contrôle comprise.")


class WorkingGroupForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(label="Description", max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))


class MessageForm(forms.Form):
    subject = forms.CharField(label="Sujet", max_length=200)
    body = forms.CharField(label="Message", max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class ReplyForm(forms.Form):
    body = forms.CharField(label="Réponse", max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))


class ConsentForm(forms.Form):
    collected_on = forms.DateField(label="Recueilli le", widget=DATE)
    method = forms.ChoiceField(label="Modalité de recueil", choices=Consent.Method.choices)
    witness = forms.CharField(label="Témoin (consentement oral)", max_length=200, required=False)
    scope = forms.CharField(label="Portée du consentement", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    expires_on = forms.DateField(label="Expire le", required=False, widget=DATE)


class InviteForm(forms.Form):
    user = forms.ChoiceField(label="Professionnel à inviter")
    function = forms.CharField(label="Rôle dans la prise en charge", max_length=100, required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "— choisir —")] + [(str(u.pk), f"{u.get_full_name() or u.email}")
                                                                for u in candidates]
