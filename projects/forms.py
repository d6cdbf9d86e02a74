"""Forms of the project pages: they shape the input; the rules live in projects/actions.py, territory.py,
dossiers.py, submission.py and conversion.py."""

from django import forms
from django.utils import timezone

from directory.models import Structure
from projects.actions import PROVEN_STAGES
from projects.dossiers import MSP_ESP, OBJECTIVES
from projects.letter import MISSIONS, PARTNER_STATUS, PTA_DAC
from projects.models import ORDER, Stage


class ProjectForm(forms.Form):
    name = forms.CharField(
        label="Nom du projet",
        max_length=200,
        help_text="Par exemple « CPTS du Pays Fouesnantais ». Il pourra devenir le nom de la CPTS.",
    )
    national_id = forms.CharField(
        label="Votre numéro RPPS ou ADELI",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="Vérifié dans l'annuaire des professionnels de santé : le nom doit être celui de votre "
        "compte.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.professional_id is not None:
            del self.fields["national_id"]  # already a professional of the directory


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
        self.fields["stage"].choices = [(s, Stage(s).label) for s in later if s not in PROVEN_STAGES]
        self.fields["reached_on"].initial = timezone.localdate()


class ActorForm(forms.Form):
    nom = forms.CharField(label="Nom", max_length=200, required=False)
    profession = forms.CharField(label="Profession ou type de structure", max_length=200, required=False)
    lieu = forms.CharField(label="Lieu d'exercice", max_length=200, required=False)
    msp_esp = forms.ChoiceField(
        label="Exercice au sein d'une MSP ou d'une ESP",
        # « Non précisé » first: a blank line stays blank (dropped), not « Oui ».
        choices=[("", MSP_ESP[""]), ("oui", MSP_ESP["oui"]), ("non", MSP_ESP["non"])],
        required=False,
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


class LetterActorForm(forms.Form):
    nom = forms.CharField(label="Nom", max_length=200, required=False)
    qualite = forms.CharField(
        label="Qualité (profession, service ou type d'établissement)", max_length=200, required=False
    )
    lieu = forms.CharField(label="Lieu d'exercice", max_length=200, required=False)
    role = forms.CharField(label="Rôle dans le projet", max_length=200, required=False)


class LetterPartnerForm(forms.Form):
    nom = forms.CharField(label="Nom du partenaire", max_length=200, required=False)
    type = forms.CharField(label="Type", max_length=200, required=False)
    statut = forms.ChoiceField(
        label="Statut", choices=[("", "—")] + list(PARTNER_STATUS.items()), required=False
    )


LetterActorFormSet = forms.formset_factory(LetterActorForm, extra=2, max_num=60, absolute_max=60)
LetterPartnerFormSet = forms.formset_factory(LetterPartnerForm, extra=2, max_num=40, absolute_max=40)


def _text(label: str, help_text: str = "", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class LetterForm(forms.Form):
    """The items of the checklist other than the repeatable lines, in its order (projects/letter.py)."""

    problematique = _text(
        "Problématique identifiée",
        "Quelle difficulté d'accès aux soins ou de continuité des parcours les acteurs constatent-ils ?",
    )
    modalites = _text(
        "Modalités de travail existantes", "Comment les acteurs travaillent-ils déjà ensemble ?"
    )
    moyens = _text("Moyens d'action envisagés", "Comment comptez-vous répondre à la problématique ?")
    objectif_patients = _text("Objectif pour les patients du territoire", rows=3)
    objectif_acteurs = _text("Objectif pour les acteurs impliqués", rows=3)
    patients = forms.CharField(
        label="Nombre de patients concernés",
        max_length=12,
        required=False,
        help_text="Pré-rempli avec la population du territoire.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    territoire = _text("Territoire d'action", rows=3)
    construction = _date("Début de la phase de construction")
    depot = _date("Dépôt prévu du projet de santé")
    mise_en_oeuvre = _date("Début prévu de la mise en œuvre")
    pta_dac = forms.ChoiceField(
        label="Existe-t-il une PTA ou un DAC sur le territoire ?",
        choices=[("", "—")] + list(PTA_DAC.items()),
        required=False,
    )
    articulation = _text("Articulation avec les autres projets du territoire", "Si oui, laquelle ?", rows=3)
    elements_diagnostic = _text(
        "Premiers éléments de diagnostic",
        "Pré-remplis avec les chiffres clés calculés sur les communes du projet ; le diagnostic complet est "
        "joint en annexe de la lettre.",
        rows=6,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in MISSIONS.items():
            self.fields[f"orientation_{key}"] = _text(label, rows=2)

    def orientation_fields(self):
        return [self[f"orientation_{key}"] for key in MISSIONS]

    def text_fields(self):
        return [f for f in self.visible_fields() if not f.name.startswith("orientation_")]


class ConvertForm(forms.Form):
    name = forms.CharField(label="Nom de la CPTS", max_length=200)
    confirm = forms.BooleanField(
        label=("Je confirme : la CPTS est créée avec ce territoire et ces porteurs (action définitive).")
    )
