"""Forms of the coordination pages: they only shape the input; the rules are in coordination.actions."""

from django import forms

from accounts.forms import RegisterForm
from coordination.models import Patient

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientForm(forms.Form):
    family_name = forms.CharField(label="Nom de naissance", max_length=100)
    used_name = forms.CharField(label="Nom d'usage", max_length=100, required=False)
    given_names = forms.CharField(label="Prénoms", max_length=150)
    birth_date = forms.DateField(label="Date de naissance", widget=DATE)
    sex = forms.ChoiceField(label="Sexe", choices=Patient.Sex.choices, initial=Patient.Sex.OTHER)
    address = forms.CharField(label="Adresse", max_length=255, required=False)
    postal_code = forms.RegexField(
        label="Code postal",
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": "Code postal : 5 chiffres."},
    )
    phone = forms.CharField(label="Téléphone", max_length=20, required=False)
    nir = forms.CharField(
        label="NIR (matricule INS)",
        max_length=21,
        required=False,
        help_text="Facultatif : 15 caractères, clé de contrôle comprise.",
    )


class WorkingGroupForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(
        label="Description", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class InviteForm(forms.Form):
    user = forms.ChoiceField(label="Professionnel à inviter", required=False)
    email = forms.EmailField(
        label="… ou son adresse e-mail (professionnel non adhérent de la CPTS)",
        max_length=254,
        required=False,
        error_messages={
            "invalid": "Adresse e-mail invalide : vérifiez-la (exemple : prenom.nom@domaine.fr)."
        },
        help_text="Il recevra par e-mail un lien personnel, valable 14 jours, pour rejoindre le groupe.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    function = forms.CharField(label="Rôle dans la prise en charge", max_length=100, required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "— choisir —")] + [
            (str(u.pk), f"{u.get_full_name() or u.email}") for u in candidates
        ]

    def clean(self):
        data = super().clean()
        if not self.errors:
            if data.get("user") and data.get("email"):
                raise forms.ValidationError(
                    "Choisissez un adhérent ou saisissez une adresse e-mail, pas les deux."
                )
            if not data.get("user") and not data.get("email"):
                raise forms.ValidationError(
                    "Choisissez un professionnel à inviter ou saisissez son adresse e-mail."
                )
        return data


class GroupEditForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(
        label="Description", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ConversationForm(forms.Form):
    recipients = forms.MultipleChoiceField(
        label="Destinataires",
        help_text="Un ou plusieurs professionnels de la CPTS (9 au plus). Sur ordinateur, "
        "maintenez Ctrl (ou Cmd) pour en choisir plusieurs.",
        error_messages={
            "required": "Choisissez au moins un destinataire.",
            "invalid_choice": "Destinataire inconnu : choisissez dans la liste.",
        },
    )
    subject = forms.CharField(label="Sujet", max_length=200)
    body = forms.CharField(label="Message", max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [(str(u.pk), u.get_full_name() or u.email) for u in candidates]
        self.fields["recipients"].widget.attrs["size"] = str(
            min(10, max(3, len(self.fields["recipients"].choices)))
        )


class RetentionForm(forms.Form):
    closed_circle_retention_days = forms.IntegerField(
        label="Durée de conservation des cercles de soins clôturés (en jours)",
        help_text=(
            "Au-delà, le cercle, ses messages, consentements et documents sont supprimés définitivement "
            "(commande purge_closed_circles). Entre 30 et 7 300 jours."
        ),
        error_messages={
            "invalid": "Saisissez un nombre entier de jours.",
            "required": "Saisissez une durée.",
        },
    )


class MessageSearchForm(forms.Form):
    q = forms.CharField(
        label="Rechercher dans les messages",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class InvitationAccountForm(RegisterForm):
    """The account of a professional invited by e-mail: accounts' registration form (same password rules), the
    address fixed to the one the invitation was sent to."""

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, initial={"email": email}, **kwargs)
        self.fields["email"].disabled = True
        self.fields["email"].help_text = "L'adresse à laquelle l'invitation a été envoyée."
