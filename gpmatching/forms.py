"""Forms of the médecin traitant pages. They only shape the input; the rules (and their French messages) are
in gpmatching.intake, gpmatching.capacity, gpmatching.csv_import and gpmatching.matching."""

from django import forms

from cpts.models import CPTS, TerritoryCommune
from cpts.scoping import scoped
from gpmatching.intake import CONFIRMATION_DAYS
from gpmatching.models import NoGPReason, Policy

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

SITUATIONS = [
    ("ald", "Je suis en affection de longue durée (ALD, « 100 % »)"),
    ("chronic", "J'ai une maladie chronique (diabète, asthme, hypertension...)"),
    ("c2s", "J'ai la complémentaire santé solidaire (C2S)"),
    ("ame", "J'ai l'aide médicale de l'État (AME)"),
    ("disability", "Je suis en situation de handicap"),
    ("pregnancy", "Je suis enceinte"),
    ("home_visits", "J'ai besoin que le médecin vienne à domicile"),
]

# The same situations as short chips on the public form, two per row on a phone (the person ticks, the legend
# « Votre situation » says whose situation it is).
PUBLIC_SITUATIONS = {
    "ald": "Affection de longue durée (ALD)",
    "chronic": "Maladie chronique",
    "c2s": "Complémentaire santé solidaire (C2S)",
    "ame": "Aide médicale de l'État (AME)",
    "disability": "Situation de handicap",
    "pregnancy": "Enceinte",
    "home_visits": "Visites à domicile",
}


MEMBER_REASONS = [
    ("retirement", "Son médecin est parti à la retraite"),
    ("moved", "Il ou elle a déménagé"),
    ("gp_left", "Son médecin a quitté le territoire ou cessé son activité"),
    ("never", "Jamais eu de médecin traitant"),
    ("other", "Autre raison"),
]


def commune_choices(cpts: CPTS) -> list[tuple[str, str]]:
    rows = (
        scoped(TerritoryCommune, cpts)
        .select_related("commune")
        .prefetch_related("commune__postal_codes")
        .order_by("commune__name")
    )
    out = []
    for row in rows:
        codes = sorted({p.code for p in row.commune.postal_codes.all()})
        out.append(
            (row.commune.insee, f"{row.commune.name} ({', '.join(codes)})" if codes else row.commune.name)
        )
    return [("", "Choisissez votre commune")] + out


class RequestForm(forms.Form):
    last_name = forms.CharField(
        label="Nom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    first_name = forms.CharField(
        label="Prénom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    birth_date = forms.DateField(
        label="Date de naissance",
        widget=DATE,
        error_messages={"invalid": "Date de naissance invalide (jour/mois/année)."},
    )
    nir = forms.CharField(
        label="Numéro de sécurité sociale",
        required=False,
        max_length=21,
        help_text="Facultatif : les 15 chiffres de la carte Vitale.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label="Téléphone",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="E-mail",
        required=False,
        help_text=f"Vous recevrez un lien à suivre sous {CONFIRMATION_DAYS} jours pour confirmer "
        "la demande. Sans e-mail, la CPTS vous appellera pour la confirmer.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label="Adresse",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    # Any code is accepted here: gpmatching.intake says which CPTS covers a commune outside the territory.
    commune = forms.CharField(label="Commune", max_length=5, widget=forms.Select())
    situations = forms.MultipleChoiceField(
        label="Votre situation",
        required=False,
        choices=SITUATIONS,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez ce qui vous concerne : cela aide à donner la priorité "
        "aux personnes qui en ont le plus besoin.",
    )
    reason = forms.ChoiceField(
        label="Pourquoi n'avez-vous pas de médecin traitant ?",
        choices=[("", "Choisissez")] + NoGPReason.choices,
    )
    comment = forms.CharField(
        label="Précisions", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    consent = forms.BooleanField(
        label="J'accepte que la CPTS conserve ces informations pour me trouver un médecin traitant",
        required=False,
    )
    # Spam traps: a field people never see (bots fill it), and nothing else from outside.
    website = forms.CharField(
        required=False,
        label="Ne pas remplir ce champ",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, cpts: CPTS, *args, member: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].widget.choices = commune_choices(cpts)
        if not member:
            self.fields["situations"].choices = [(k, PUBLIC_SITUATIONS[k]) for k, _ in SITUATIONS]
        if member:
            self.fields["reason"].required = False
            self.fields["reason"].label = "Pourquoi le patient n'a pas de médecin traitant"
            self.fields["reason"].choices = [("", "Non précisé")] + MEMBER_REASONS
            self.fields["situations"].label = "Situation du patient"
            self.fields["situations"].choices = [
                (
                    k,
                    "La patiente est enceinte"
                    if k == "pregnancy"
                    else label.replace("Je suis", "Le patient est")
                    .replace("J'ai", "A")
                    .replace("Je ", "")
                    .replace("J'", ""),
                )
                for k, label in SITUATIONS
            ]
            self.fields[
                "consent"
            ].label = "Le patient a été informé et accepte son inscription sur la liste d'attente"
            self.fields["email"].help_text = ""
            self.fields[
                "address"
            ].help_text = "Téléphone, e-mail ou adresse : au moins un moyen de joindre le patient."
            del self.fields["website"]

    def data_for_rules(self) -> dict:
        data = dict(self.cleaned_data)
        for key, _ in SITUATIONS:
            data[key] = key in data.get("situations", [])
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Motif", max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV",
        help_text="Colonnes : nom ; prenom ; date_naissance ; commune (code INSEE) ; et, "
        "facultatives, nir, telephone, email, adresse, ald, c2s, ame, handicap, grossesse, "
        "maladie_chronique, visites_domicile (oui/non), date_demande. UTF-8 ou Windows.",
    )
    attest = forms.BooleanField(
        label="Ces patients ont été informés de leur inscription par l'organisme qui fournit la liste",
        required=True,
        error_messages={"required": "Confirmez que les patients ont été informés."},
    )


class CapacityForm(forms.Form):
    per_month = forms.IntegerField(
        label="Nouveaux patients que je peux prendre par mois",
        error_messages={"invalid": "Un nombre entier est attendu."},
    )
    max_distance_km = forms.IntegerField(
        label="Distance maximale (km)", required=False, help_text="Vide : pas de limite de distance."
    )
    communes = forms.MultipleChoiceField(
        label="Communes acceptées",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Aucune : toutes les communes du territoire.",
    )
    min_age = forms.IntegerField(label="Âge minimal des patients", required=False)
    max_age = forms.IntegerField(label="Âge maximal des patients", required=False)
    home_visits = forms.BooleanField(label="Je fais des visites à domicile", required=False)
    place = forms.ChoiceField(label="Lieu d'exercice", required=False)
    paused_until = forms.DateField(label="En pause jusqu'au", required=False, widget=DATE)
    retirement_on = forms.DateField(label="Départ en retraite prévu le", required=False, widget=DATE)
    patients = forms.IntegerField(label="Nombre de patients dont je suis le médecin traitant", required=False)

    def __init__(self, cpts: CPTS, places, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communes"].choices = commune_choices(cpts)[1:]
        self.fields["place"].choices = [("", "Lieu principal")] + [
            (str(p.pk), f"{p.label or p.address or 'Cabinet'} — {p.commune.name if p.commune else ''}")
            for p in places
        ]


class DeclineForm(forms.Form):
    reason = forms.CharField(label="Motif du refus", max_length=300)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = [
            "base",
            "ald",
            "age_70",
            "precarity",
            "chronic",
            "disability",
            "pregnancy",
            "home_visits",
            "per_month_waiting",
            "max_waiting_points",
            "keep_after_placement_days",
            "keep_waiting_months",
            "remind_after_days",
            "expire_after_days",
        ]

    def clean(self):
        data = super().clean()
        if data.get("keep_waiting_months") is not None and not 1 <= data["keep_waiting_months"] <= 60:
            self.add_error("keep_waiting_months", "Entre 1 et 60 mois.")
        remind, expire = data.get("remind_after_days"), data.get("expire_after_days")
        if remind is not None and expire is not None and remind >= expire:
            self.add_error("expire_after_days", "L'expiration doit venir après la relance.")
        return data
