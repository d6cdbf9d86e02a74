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
            "last_name",
            "first_name",
            "specialty_code",
            "mssante",
            "phone",
            "accepts_new_patients",
            "takes_part_in_snp",
        ]
        labels = {
            "national_id": "Numéro RPPS (11 chiffres) ou ADELI (9 caractères)",
            "accepts_new_patients": "J'accepte de nouveaux patients comme médecin traitant",
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
    name = forms.CharField(label="Nom", required=False, max_length=100)
    profession = forms.ChoiceField(label="Profession", required=False)
    specialty = forms.ChoiceField(label="Spécialité", required=False)
    where = forms.CharField(
        label="Autour de (commune, code postal, code INSEE ou « latitude, longitude »)",
        required=False,
        max_length=100,
    )
    radius_km = forms.FloatField(label="Rayon (km)", required=False, min_value=0.1, max_value=200, initial=10)
    accepts_new_patients = forms.BooleanField(
        label="Accepte de nouveaux patients (médecins traitants)", required=False
    )
    snp = forms.BooleanField(label="Participe aux soins non programmés", required=False)
    members_only = forms.BooleanField(label="Adhérents de la CPTS seulement", required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profession"].choices = [("", "Toutes")] + [
            (value.split("|", 1)[1], label)
            for value, label in profession_choices()
            if value.startswith("TRE_G15|")
        ]
        self.fields["specialty"].choices = [("", "Toutes")] + specialty_choices()
