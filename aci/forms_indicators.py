"""Forms of the objectives and indicators pages. They only shape the input: the checks (units, steps, amounts,
files) are in aci.indicators, which raises French errors the views put back on the form."""

from __future__ import annotations

from django import forms

from aci.models import Contract, Indicator
from aci.sources import SOURCE_CHOICES, SOURCES
from documents.filetypes import ACCEPT, ACCEPTED_TEXT, max_bytes, megabytes

STEP_ROWS = 5


class IndicatorForm(forms.Form):
    mission = forms.ChoiceField(label="Mission")
    name = forms.CharField(label="Intitulé", max_length=200)
    definition = forms.CharField(
        label="Définition (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce qui est compté, sur quelle population, comme dans l'annexe du contrat.",
    )
    source = forms.ChoiceField(
        label="Source du résultat",
        choices=SOURCE_CHOICES,
        help_text=(
            "Un indicateur calculé par la plateforme à partir de l'activité de la CPTS impose son unité et "
            "son sens : les champs « Unité » et « Sens » ci-dessous ne servent qu'à la saisie manuelle."
        ),
    )
    unit = forms.ChoiceField(label="Unité", choices=Indicator.Unit.choices, initial=Indicator.Unit.COUNT)
    direction = forms.ChoiceField(
        label="Sens", choices=Indicator.Direction.choices, initial=Indicator.Direction.HIGHER
    )
    source_note = forms.CharField(
        label="Précision sur la source (facultatif)",
        max_length=200,
        required=False,
        help_text="Par exemple : requête de la CPAM, liste d'émargement, compte rendu.",
    )
    baseline = forms.CharField(
        label="Valeur de référence (facultatif)",
        max_length=20,
        required=False,
        help_text="La valeur de départ inscrite au contrat, par exemple 68,5 pour 68,5 %.",
    )

    def __init__(self, contract: Contract, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mission"].choices = [
            (cm.mission.code, cm.mission.label) for cm in contract.missions.select_related("mission")
        ]

    @staticmethod
    def initial_for(indicator: Indicator) -> dict:
        return {
            "mission": indicator.mission.mission.code,
            "name": indicator.name,
            "definition": indicator.definition,
            "source": indicator.source,
            "unit": indicator.unit,
            "direction": indicator.direction,
            "source_note": indicator.source_note,
            "baseline": "" if indicator.baseline is None else str(indicator.baseline).replace(".", ","),
        }

    def data_for_rules(self) -> dict:
        """The keyword arguments of ``aci.indicators.define``: a computed source brings its unit and
        direction."""
        data = dict(self.cleaned_data)
        if data["source"] in SOURCES:
            data["unit"] = SOURCES[data["source"]].unit
            data["direction"] = None
        return data


class EvidenceForm(forms.Form):
    title = forms.CharField(
        label="Intitulé (facultatif)",
        max_length=200,
        required=False,
        help_text="Par défaut, le nom du fichier.",
    )
    file = forms.FileField(label="Fichier", widget=forms.FileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = f"{ACCEPTED_TEXT} ; {megabytes(max_bytes())} au plus. Chiffré à l'enregistrement."
