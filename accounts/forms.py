from django import forms
from django.contrib.auth import password_validation

from accounts.models import User


class LoginForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OTPForm(forms.Form):
    code = forms.CharField(
        label="Code à 6 chiffres de votre application d'authentification, ou code de secours",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    trust_device = forms.BooleanField(
        label="Faire confiance à cet appareil pendant 30 jours",
        required=False,
        help_text="Sur cet appareil, votre mot de passe suffira pour vous connecter pendant 30 jours. "
        "À ne pas cocher sur un ordinateur partagé. Vous pouvez retirer cette confiance dans « Sécurité ».",
    )

    def __init__(self, *args, trust_option: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not trust_option:
            del self.fields["trust_device"]

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "").strip()
        if not code.isalnum():
            raise forms.ValidationError(
                "Le code ne doit contenir que des chiffres (ou les lettres d'un code de secours)."
            )
        return code


class RegisterForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=100)
    last_name = forms.CharField(label="Nom", max_length=100)
    email = forms.EmailField(label="Adresse e-mail", max_length=254)
    national_id = forms.CharField(
        label="Numéro RPPS ou ADELI (facultatif)",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="Vérifié dans l'annuaire des professionnels de santé : votre compte est rattaché à votre "
        "fiche si le nom est le même. Nécessaire pour lancer un projet de CPTS.",
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirmez le mot de passe",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Un compte existe déjà avec cette adresse e-mail.")
        return email

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        if data.get("password") and not self.errors:
            user = User(
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(data["password"], user)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class APITokenForm(forms.Form):
    """A new API token: what it is for, how long, read-only or not. The rules are in accounts/tokens.py."""

    VALIDITY = [("30", "30 jours"), ("90", "3 mois"), ("365", "1 an"), ("730", "2 ans")]

    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="L'outil ou le script qui l'utilisera, par exemple « Tableau de bord ARS ».",
    )
    days = forms.ChoiceField(label="Validité", choices=VALIDITY, initial="365")
    read_only = forms.BooleanField(
        label="Lecture seule (consultation uniquement, aucune modification)", required=False
    )


class PSCCreateForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail",
        max_length=254,
        help_text="Pour les notifications et la récupération du compte. Votre connexion se fera par "
        "Pro Santé Connect.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PSCClaimForm(forms.Form):
    password = forms.CharField(
        label="Mot de passe de ce compte",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
