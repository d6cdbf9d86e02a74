"""Forms of the association pages: they shape the input; the rules live in association/rules.py and
association/actions.py (limits, French messages)."""

from django import forms

from association.models import BureauRole, CollegeKind, FoundingMember, Majority, VotingMode

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatutesForm(forms.Form):
    name = forms.CharField(
        label="Dénomination",
        max_length=200,
        required=False,
        help_text="D'usage « Communauté Professionnelle Territoriale de Santé du … ».",
    )
    short_name = forms.CharField(label="Sigle", max_length=100, required=False, help_text="« CPTS du … ».")
    seat_address = forms.CharField(label="Adresse du siège", max_length=255, required=False)
    purpose = forms.CharField(
        label="Objet",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Pré-rempli : l'article L. 1434-12 du code de la santé publique et les missions de l'ACI.",
    )
    duration_years = forms.CharField(
        label="Durée (années)",
        required=False,
        help_text="Laissez vide pour une durée illimitée (le plus courant).",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    territory = forms.CharField(
        label="Territoire",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ses communes.",
    )
    territory_in_rules = forms.BooleanField(
        label="Le territoire est précisé dans le règlement intérieur plutôt que dans les statuts",
        required=False,
    )
    board_mandate_years = forms.CharField(
        label="Mandat des administrateurs (années)", widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    bureau_roles = forms.MultipleChoiceField(
        label="Composition du bureau",
        choices=BureauRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Au moins un président et un trésorier ; le bureau est élu au sein du conseil "
        "d'administration.",
    )
    ag_quorum_percent = forms.CharField(
        label="Quorum de l'AG ordinaire (% des membres)",
        help_text="0 : l'AG délibère quel que soit le nombre de présents.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    ag_majority = forms.ChoiceField(label="Majorité de l'AG ordinaire", choices=Majority.choices)
    extraordinary_majority = forms.ChoiceField(
        label="Majorité de l'AG extraordinaire (statuts, dissolution)", choices=Majority.choices
    )
    proxies_per_member = forms.CharField(
        label="Pouvoirs par membre présent", widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    resources = forms.CharField(label="Ressources", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    dissolution_beneficiary = forms.CharField(
        label="En cas de dissolution, l'actif est dévolu à", max_length=300, required=False
    )


class CollegeForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Nom du collège", max_length=200, required=False)
    kind = forms.ChoiceField(label="Type", choices=[("", "—")] + list(CollegeKind.choices), required=False)
    members_desc = forms.CharField(label="Qui en est membre", max_length=500, required=False)
    voting = forms.ChoiceField(
        label="Mode de vote", choices=[("", "—")] + list(VotingMode.choices), required=False
    )
    board_seats = forms.CharField(
        label="Sièges au conseil d'administration",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    dues = forms.CharField(
        label="Cotisation annuelle (€)",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not any(data.get(f) for f in ("name", "members_desc", "board_seats", "dues"))


CollegeFormSet = forms.formset_factory(CollegeForm, extra=1, max_num=8, absolute_max=8)


class RuleItemForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200, required=False)
    text = forms.CharField(label="Texte", required=False, widget=forms.Textarea(attrs={"rows": 3}))


RuleItemFormSet = forms.formset_factory(RuleItemForm, extra=2, max_num=40, absolute_max=40)


class FounderForm(forms.Form):
    name = forms.CharField(label="Nom", max_length=200)
    profession = forms.CharField(label="Profession ou qualité", max_length=200)
    college = forms.ChoiceField(label="Collège", required=False, choices=())
    address = forms.CharField(label="Adresse (facultatif)", max_length=300, required=False)

    def __init__(self, *args, colleges=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["college"].choices = [("", "— à choisir —")] + [(c.pk, c.name) for c in colleges]


class ConvocationForm(forms.Form):
    held_on = forms.DateField(label="Date de l'AG", required=False, widget=DATE)
    held_at = forms.TimeField(label="Heure", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label="Lieu", max_length=300, required=False)
    agenda = forms.CharField(
        label="Ordre du jour",
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text="Un point par ligne.",
    )
    convened_on = forms.DateField(
        label="Convocation envoyée le (facultatif)",
        required=False,
        widget=DATE,
        help_text="Renseignez-la une fois la convocation envoyée aux membres fondateurs.",
    )


class MinutesForm(forms.Form):
    chaired_by = forms.CharField(label="Présidence de séance", max_length=200)
    secretary_name = forms.CharField(label="Secrétariat de séance", max_length=200)
    votes_for = forms.IntegerField(label="Voix pour les statuts", min_value=0, max_value=10_000)
    votes_against = forms.IntegerField(label="Voix contre", min_value=0, max_value=10_000)
    abstentions = forms.IntegerField(label="Abstentions", min_value=0, max_value=10_000)
    resolutions = forms.CharField(
        label="Autres résolutions (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une résolution par ligne.",
    )


ATTENDANCE = [(v, label) for v, label in FoundingMember.Attendance.choices if v]


class LegalEntityForm(forms.Form):
    rna = forms.CharField(
        label="Numéro RNA",
        max_length=14,
        help_text="W suivi de 9 chiffres, sur le récépissé de déclaration (par exemple W294001234).",
    )
    siret = forms.CharField(
        label="SIRET", max_length=20, help_text="14 chiffres, sur l'avis de situation INSEE."
    )
    declared_on = forms.DateField(label="Déclarée en préfecture le (facultatif)", required=False, widget=DATE)
    published_on = forms.DateField(label="Publiée au Journal officiel (JOAFE) le", widget=DATE)
