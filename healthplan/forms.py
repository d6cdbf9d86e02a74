"""The forms of the projet de santé pages: they parse what is typed; the checks are the actions'
(healthplan/actions.py). Each co-edited form carries the version it started from (hidden)."""

from django import forms

from aci.models import Expense, GridMission, Indicator
from healthplan.actions import MAX_TEXT


def _area(label: str, rows: int = 4, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ChapterForm(forms.Form):
    text = _area("Texte du chapitre", rows=14, help_text="Un paragraphe par ligne.")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class SheetForm(forms.Form):
    mission = forms.ChoiceField(label="Mission ACI")
    title = forms.CharField(label="Intitulé de l'action", max_length=200)
    objective = _area("Objectif", 3)
    actions = _area("Actions", 5, "Ce qui sera fait, une action par ligne.")
    pilot = forms.CharField(label="Pilote", max_length=200, required=False, help_text="Qui porte l'action.")
    partners = _area("Partenaires", 3)
    schedule = _area("Calendrier", 3)
    means = _area("Moyens", 3, "Temps de coordination, indemnisation des professionnels, outils…")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, missions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mission"].choices = [("", "— choisir —")] + list(missions or GridMission.Code.choices)


class IndicatorForm(forms.Form):
    name = forms.CharField(label="Indicateur", max_length=200, required=False)
    unit = forms.ChoiceField(label="Unité", choices=Indicator.Unit.choices, initial=Indicator.Unit.COUNT)
    direction = forms.ChoiceField(
        label="Sens", choices=Indicator.Direction.choices, initial=Indicator.Direction.HIGHER
    )
    baseline = forms.CharField(label="Valeur actuelle", max_length=20, required=False)
    target = forms.CharField(label="Cible", max_length=20, required=False)
    source_note = forms.CharField(label="Source", max_length=200, required=False)


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=2, max_num=20, validate_max=True)


class ExpenseForm(forms.Form):
    label = forms.CharField(label="Dépense", max_length=200)
    category = forms.ChoiceField(label="Catégorie", choices=[("", "— choisir —"), *Expense.Category.choices])
    mission = forms.ChoiceField(
        label="Mission", required=False, choices=[("", "Fonctionnement"), *GridMission.Code.choices]
    )
    amount = forms.CharField(label="Montant annuel (€)", max_length=20)
