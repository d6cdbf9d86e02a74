from django import forms

from directory.models import PracticePlace, Professional
from nomenclature.selectors import profession_choices, specialty_choices


class ProfessionalForm(forms.ModelForm):
    profession = forms.ChoiceField(label="Profession")
    specialty_code = forms.ChoiceField(label="Spécialité (médecins, dentistes, IPA)", required=False)

    class Meta:
        model = Professional
        fields = [
            "id_type",
            "national_id",
            "civility",
            "salutation",
            "last_name",
            "first_name",
            "specialty_code",
            "mssante",
            "phone",
            "accepts_new_patients",
            "takes_part_in_snp",
            "home_visits",
        ]
        labels = {
            "national_id": "Numéro RPPS (11 chiffres) ou ADELI (9 caractères)",
            "accepts_new_patients": "J'accepte de nouveaux patients comme médecin traitant",
            "home_visits": "Je me déplace à domicile",
            "salutation": "Civilité (pour le féminin de la profession : « Infirmière »)",
        }
        help_texts = {
            "home_visits": "Affiché dans l'annuaire de la CPTS (filtre « Visites à domicile »). "
            "L'import du répertoire RPPS ne modifie jamais cette réponse.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profession"].choices = [("", "—")] + profession_choices()
        self.fields["specialty_code"].choices = [("", "—")] + specialty_choices()
        self.fields["civility"] = forms.ChoiceField(
            label="Civilité d'exercice",
            required=False,
            choices=[
                ("", "—"),
                ("DR", "Docteur"),
                ("PR", "Professeur"),
                ("MME", "Madame"),
                ("M", "Monsieur"),
            ],
        )
        if self.instance.pk:
            self.initial["profession"] = f"{self.instance.profession_system}|{self.instance.profession_code}"

    def clean(self):
        data = super().clean()
        profession = data.get("profession") or ""
        if "|" in profession:
            self.instance.profession_system, self.instance.profession_code = profession.split("|", 1)
        return data


class PracticePlaceForm(forms.ModelForm):
    commune_insee = forms.CharField(label="Code INSEE de la commune", max_length=5)

    class Meta:
        model = PracticePlace
        fields = ["label", "address", "postal_code", "phone", "is_primary"]


class SearchForm(forms.Form):
    profession = forms.ChoiceField(label="Profession", required=False)
    where = forms.CharField(
        label="Autour de",
        required=False,
        max_length=100,
        help_text="Commune, code postal ou adresse (ramenée au centre de sa commune : pas de "
        "géolocalisation à la rue).",
        widget=forms.TextInput(
            attrs={
                "list": "where-communes",
                "autocomplete": "off",
                "enterkeyhint": "search",
            }
        ),
    )
    home_visits = forms.BooleanField(label="Visites à domicile", required=False)
    accepts_new_patients = forms.BooleanField(label="Accepte de nouveaux patients", required=False)
    snp = forms.BooleanField(label="Participe aux soins non programmés", required=False)
    free_within = forms.ChoiceField(
        label="Créneau libre de soins non programmés",
        required=False,
        choices=[("", "Peu importe"), ("24h", "Dans les 24 heures"), ("48h", "Dans les 48 heures")],
    )
    radius_km = forms.FloatField(
        label="Distance maximale (km)",
        required=False,
        min_value=0.1,
        max_value=200,
        initial=10,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    name = forms.CharField(label="Nom", required=False, max_length=100)
    specialty = forms.ChoiceField(label="Spécialité", required=False)
    members_only = forms.BooleanField(label="Adhérents de la CPTS seulement", required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    # The filters counted on the « Filtres » button (the place and the profession stay in view).
    FILTERS = (
        "home_visits",
        "accepts_new_patients",
        "snp",
        "free_within",
        "name",
        "specialty",
        "members_only",
    )

    def active_filters(self) -> int:
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return 0
        return sum(1 for name in self.FILTERS if self.cleaned_data.get(name))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profession"].choices = [("", "Toutes")] + [
            (value.split("|", 1)[1], label)
            for value, label in profession_choices()
            if value.startswith("TRE_G15|")
        ]
        self.fields["specialty"].choices = [("", "Toutes")] + specialty_choices()
