from django import forms

from diagnostic.imports import MAX_BYTES
from diagnostic.models import ImportedDataset, TypedFigure


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV",
        help_text=(
            "Une ligne par commune : « code INSEE;valeur » (séparateur « ; », tabulation ou « , » ; en-tête "
            f"facultatif ; UTF-8 ou Windows ; {MAX_BYTES // (1024 * 1024)} Mo au plus)."
        ),
    )
    indicator = forms.CharField(
        label="Indicateur",
        max_length=200,
        help_text="Par exemple : « Patients de 17 ans et plus sans médecin traitant », « APL aux médecins "
        "généralistes ».",
    )
    unit = forms.CharField(
        label="Unité", max_length=50, required=False, help_text="Par exemple : %, patients."
    )
    source = forms.CharField(
        label="Source", max_length=200, help_text="Par exemple : DREES, CNAM (Rézone CPTS), CNOM."
    )
    vintage = forms.CharField(label="Millésime", max_length=20, help_text="Par exemple : 2023.")
    licence = forms.CharField(label="Licence", max_length=100, help_text="Par exemple : Licence Ouverte 2.0.")
    aggregation = forms.ChoiceField(
        label="Valeur du territoire",
        choices=ImportedDataset.Aggregation.choices,
        initial=ImportedDataset.Aggregation.NONE,
        help_text="Comment calculer la valeur d'un territoire de plusieurs communes.",
    )


class TypedFigureForm(forms.Form):
    indicator = forms.CharField(
        label="Indicateur",
        max_length=200,
        help_text="Tel qu'il s'affiche dans Rézone CPTS, par exemple « Patients de 17 ans et plus sans "
        "médecin traitant ».",
        widget=forms.TextInput(attrs={"list": "typed-suggestions", "autocomplete": "off"}),
    )
    unit = forms.ChoiceField(label="Unité", choices=TypedFigure.Unit.choices, required=False)
    territory_value = forms.CharField(
        label="Valeur du territoire", max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    departement_value = forms.CharField(
        label="Département",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    region_value = forms.CharField(
        label="Région", max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    france_value = forms.CharField(
        label="France", max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    vintage = forms.CharField(
        label="Millésime", max_length=20, help_text="L'année des données, par exemple 2024."
    )
    source = forms.CharField(label="Source", max_length=200, required=False)
