"""Forms of the ACI cockpit pages: they only parse what people type (dates, numbers, choices). The rules and
their French messages are in aci.contracts and aci.budget; amounts stay text so that « 12 500,50 » reaches
``aci.budget.money`` as typed."""

from django import forms
from django.utils import timezone

from aci.models import ContractMission, Expense

FONCTIONNEMENT = "fonctionnement"  # the expense filter's value for the running costs (mission "")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def date_field(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def amount_field(label: str = "Montant (€)", required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


POPULATION_ERRORS = {
    "min_value": "La population couverte doit être positive.",
    "max_value": "La population couverte dépasse 10 000 000 habitants : vérifiez le chiffre.",
}


class SignForm(forms.Form):
    signed_on = date_field("Date de signature du contrat")
    optional = forms.MultipleChoiceField(
        label="Missions optionnelles", required=False, widget=forms.CheckboxSelectMultiple
    )
    population = forms.IntegerField(
        label="Population couverte (habitants)",
        min_value=1,
        max_value=10_000_000,
        error_messages=POPULATION_ERRORS,
        help_text="Elle fixe la taille de la CPTS dans la grille en vigueur à la signature.",
    )
    population_on = date_field("Population au", required=False, help_text="Date du chiffre de population.")
    population_source = forms.CharField(label="Source de la population", required=False, max_length=200)

    def __init__(self, *args, optional_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["optional"].choices = list(optional_choices)


class MissionDatesForm(forms.Form):
    """When a mission of the contract started and was deployed. The checks need the mission (``cm``)."""

    started_on = date_field("Démarrée le", required=False)
    deployed_on = date_field("Déployée le", required=False)

    def __init__(self, *args, cm: ContractMission, **kwargs):
        self.cm = cm
        kwargs.setdefault("prefix", f"m{cm.pk}")
        kwargs.setdefault("initial", {"started_on": cm.started_on, "deployed_on": cm.deployed_on})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        started, deployed = data.get("started_on"), data.get("deployed_on")
        today = timezone.localdate()
        label = self.cm.mission.label
        for name, day, what in (
            ("started_on", started, "Le démarrage"),
            ("deployed_on", deployed, "Le déploiement"),
        ):
            if day is None:
                continue
            if day < self.cm.from_on:
                self.add_error(
                    name,
                    f"{what} de « {label} » ({day:%d/%m/%Y}) ne peut pas précéder son entrée au "
                    f"contrat ({self.cm.from_on:%d/%m/%Y}).",
                )
            elif day > today:
                self.add_error(name, f"{what} de « {label} » ({day:%d/%m/%Y}) est dans le futur.")
        if deployed and not started:
            self.add_error(
                "started_on", "Indiquez aussi la date de démarrage : une mission déployée a démarré."
            )
        elif started and deployed and deployed < started:
            self.add_error(
                "deployed_on",
                f"Le déploiement ({deployed:%d/%m/%Y}) ne peut pas précéder le démarrage "
                f"({started:%d/%m/%Y}).",
            )
        return data


class AddMissionForm(forms.Form):
    mission = forms.ChoiceField(label="Mission ajoutée")
    on = date_field("Date de l'avenant")

    def __init__(self, *args, mission_choices=(), **kwargs):
        kwargs.setdefault("prefix", "mission")
        super().__init__(*args, **kwargs)
        self.fields["mission"].choices = list(mission_choices)


class TierForm(forms.Form):
    population = forms.IntegerField(
        label="Nouvelle population couverte (habitants)",
        min_value=1,
        max_value=10_000_000,
        error_messages=POPULATION_ERRORS,
    )
    on = date_field("Date de l'avenant (population au)")
    source = forms.CharField(label="Source de la population", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "tier")
        super().__init__(*args, **kwargs)


class CrisisForm(forms.Form):
    year = forms.TypedChoiceField(label="Année du contrat", coerce=int)

    def __init__(self, *args, years: int = 5, **kwargs):
        kwargs.setdefault("prefix", "crisis")
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(k, f"Année {k}") for k in range(1, years + 1)]


class RecomputeForm(forms.Form):
    reason = forms.CharField(
        label="Motif du recalcul",
        max_length=300,
        help_text="Ex. « Avenant du 01/02/2026 : mission qualité ajoutée », « Année 1 arrêtée ».",
    )


class PaymentForm(forms.Form):
    received_on = date_field("Reçu le")
    amount = amount_field()
    label = forms.CharField(
        label="Objet du versement",
        max_length=200,
        help_text="Tel qu'indiqué par la CPAM, ex. « Avance fonctionnement année 2 ».",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ExpenseForm(forms.Form):
    spent_on = date_field("Date")
    mission = forms.ChoiceField(label="Mission", required=False)
    category = forms.ChoiceField(label="Catégorie", choices=Expense.Category.choices)
    label = forms.CharField(label="Libellé", max_length=200)
    amount = amount_field()
    supplier = forms.CharField(label="Fournisseur ou bénéficiaire", required=False, max_length=200)

    def __init__(self, *args, mission_choices=(), **kwargs):
        kwargs.setdefault("initial", {"spent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["mission"].choices = list(mission_choices)


class ExpenseFilterForm(forms.Form):
    annee = forms.TypedChoiceField(label="Année du contrat", required=False, coerce=int, empty_value=None)
    mission = forms.ChoiceField(label="Mission", required=False)
    categorie = forms.ChoiceField(label="Catégorie", required=False)

    def __init__(self, *args, years: int = 5, mission_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].choices = [("", "Toutes")] + [(k, f"Année {k}") for k in range(1, years + 1)]
        self.fields["mission"].choices = [("", "Toutes")] + [
            (code or FONCTIONNEMENT, label) for code, label in mission_choices
        ]
        self.fields["categorie"].choices = [("", "Toutes"), *Expense.Category.choices]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV des dépenses",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )


def parse_year(value, years: int, default: int) -> int:
    """A contract year from the query string (1..years), ``default`` when absent or wrong."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 1 <= year <= years else default
