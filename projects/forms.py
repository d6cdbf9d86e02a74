"""Forms of the project pages: they shape the input; the rules live in projects/actions.py, territory.py,
dossiers.py, submission.py and conversion.py."""

from django import forms
from django.utils import timezone

from directory.models import Structure
from projects.dossiers import MSP_ESP, OBJECTIVES
from projects.models import ORDER, Stage


class ProjectForm(forms.Form):
    name = forms.CharField(
        label="Nom du projet",
        max_length=200,
        help_text="Par exemple « CPTS du Pays Fouesnantais ». Il pourra devenir le nom de la CPTS.",
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail de son compte",
        max_length=254,
        help_text="La personne voit l'invitation dans « Projets de CPTS » et l'accepte.",
    )


class PartnerForm(forms.Form):
    name = forms.CharField(label="Nom de la structure", max_length=200)
    kind = forms.ChoiceField(label="Type", choices=[("", "—")] + list(Structure.Kind.choices))
    finess = forms.CharField(
        label="Numéro FINESS (facultatif)", max_length=9, required=False, help_text="9 caractères."
    )


class StageForm(forms.Form):
    stage = forms.ChoiceField(label="Étape atteinte", choices=())
    reached_on = forms.DateField(label="Atteinte le", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label="Précision (facultatif)",
        max_length=300,
        required=False,
        help_text="Par exemple : « lettre d'intention déposée auprès de l'ARS ».",
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        later = ORDER[ORDER.index(current) + 1 :]
        self.fields["stage"].choices = [(s, Stage(s).label) for s in later if s != Stage.AMI]
        self.fields["reached_on"].initial = timezone.localdate()


class ActorForm(forms.Form):
    nom = forms.CharField(label="Nom", max_length=200, required=False)
    profession = forms.CharField(label="Profession ou type de structure", max_length=200, required=False)
    lieu = forms.CharField(label="Lieu d'exercice", max_length=200, required=False)
    msp_esp = forms.ChoiceField(
        label="Exercice au sein d'une MSP ou d'une ESP", choices=list(MSP_ESP.items()), required=False
    )
    remarque = forms.CharField(
        label="Remarque", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferentForm(forms.Form):
    nom = forms.CharField(label="Nom", max_length=200, required=False)
    fonction = forms.CharField(label="Fonction", max_length=200, required=False)
    email = forms.EmailField(label="Adresse e-mail", max_length=200, required=False)
    telephone = forms.CharField(label="Téléphone", max_length=20, required=False)


ActorFormSet = forms.formset_factory(ActorForm, extra=2, max_num=60, absolute_max=60)
ReferentFormSet = forms.formset_factory(ReferentForm, extra=1, max_num=10, absolute_max=10)


class AmiForm(forms.Form):
    objectifs = forms.MultipleChoiceField(
        label="Objectifs attendus",
        choices=list(OBJECTIVES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    contexte = forms.CharField(
        label="Contexte",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Décrivez le contexte qui vous conduit à répondre à l'appel à manifestation d'intérêt.",
    )
    territoire = forms.CharField(
        label="Territoire de projet (facultatif)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Si vous en avez connaissance, précisez le territoire envisagé.",
    )
    rencontre = forms.DateField(
        label="Date souhaitée pour un premier temps d'échange avec l'ARS",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ConvertForm(forms.Form):
    name = forms.CharField(label="Nom de la CPTS", max_length=200)
    confirm = forms.BooleanField(
        label=("Je confirme : la CPTS est créée avec ce territoire et ces porteurs (action définitive).")
    )
