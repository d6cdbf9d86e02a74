"""The association loi 1901 of a project of CPTS (lifecycle.md §5): its statuts as typed choices, its
collèges, its règlement intérieur, its founding members, its AG constitutive (convocation and PV) and the
legal entity's identifiers once declared (RNA, SIRET, publication at the JOAFE).

Attached to a ``projects.Project`` (not tenant-owned: the CPTS may not exist yet); what the CPTS keeps of it
is carried by ``association/actions.py:carry_into_cpts`` when the project becomes the CPTS. The rules:
``association/rules.py`` (choices, limits, warnings), ``association/actions.py`` (writes),
``association/documents.py`` (the generated documents and what they lack).
"""

from django.conf import settings
from django.db import models

from projects.models import Project


class CollegeKind(models.TextChoices):
    LIBERAL = "liberal", "Professionnels de santé libéraux"
    ESTABLISHMENT = "etablissement", "Établissements, structures et associations"
    SALARIED = "salarie", "Professionnels salariés"
    OTHER = "autre", "Autre"


class VotingMode(models.TextChoices):
    """How a collège takes part in decisions (the établissements: lifecycle.md §5, « points to watch »)."""

    DELIBERATIVE = "deliberative", "Voix délibérative"
    CONSULTATIVE = "consultative", "Voix consultative"
    CONVENTION = "convention", "Associé par convention (sans vote)"


class Majority(models.TextChoices):
    SIMPLE = "simple", "Majorité simple des suffrages exprimés"
    ABSOLUTE = "absolue", "Majorité absolue des membres présents ou représentés"
    TWO_THIRDS = "deux_tiers", "Majorité des deux tiers des membres présents ou représentés"
    THREE_QUARTERS = "trois_quarts", "Majorité des trois quarts des membres présents ou représentés"


class BureauRole(models.TextChoices):
    PRESIDENT = "president", "Président"
    VICE_PRESIDENT = "vice_president", "Vice-président"
    TREASURER = "tresorier", "Trésorier"
    DEPUTY_TREASURER = "tresorier_adjoint", "Trésorier adjoint"
    SECRETARY = "secretaire", "Secrétaire"
    DEPUTY_SECRETARY = "secretaire_adjoint", "Secrétaire adjoint"


class Statutes(models.Model):
    """The choices of the statuts (one draft per project), from which the document is generated."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="statutes")
    name = models.CharField("dénomination", max_length=200, blank=True)
    short_name = models.CharField("sigle", max_length=100, blank=True)
    seat_address = models.CharField("adresse du siège", max_length=255, blank=True)
    purpose = models.TextField("objet", blank=True)
    duration_years = models.PositiveSmallIntegerField(
        "durée (années)", null=True, blank=True
    )  # None: illimitée
    territory = models.TextField("territoire", blank=True)
    territory_in_rules = models.BooleanField("territoire précisé dans le règlement intérieur", default=False)
    board_mandate_years = models.PositiveSmallIntegerField("durée du mandat des administrateurs", default=3)
    bureau_roles = models.JSONField("composition du bureau", default=list)  # BureauRole values, in order
    ag_quorum_percent = models.PositiveSmallIntegerField("quorum de l'AG ordinaire (%)", default=25)
    ag_majority = models.CharField(
        "majorité de l'AG ordinaire", max_length=12, choices=Majority.choices, default=Majority.SIMPLE
    )
    extraordinary_majority = models.CharField(
        "majorité de l'AG extraordinaire",
        max_length=12,
        choices=Majority.choices,
        default=Majority.TWO_THIRDS,
    )
    proxies_per_member = models.PositiveSmallIntegerField("pouvoirs par membre présent", default=2)
    resources = models.TextField("ressources", blank=True)
    dissolution_beneficiary = models.CharField(
        "dévolution de l'actif en cas de dissolution", max_length=300, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "statuts de l'association"
        verbose_name_plural = "statuts des associations"

    def __str__(self):
        return f"Statuts — {self.short_name or self.project}"


class College(models.Model):
    """A collège of members: who belongs, how it votes, its seats on the conseil d'administration, its
    cotisation."""

    statutes = models.ForeignKey(Statutes, on_delete=models.CASCADE, related_name="colleges")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    kind = models.CharField("type", max_length=14, choices=CollegeKind.choices)
    name = models.CharField("nom du collège", max_length=200)
    members_desc = models.CharField("qui en est membre", max_length=500, blank=True)
    voting = models.CharField("mode de vote", max_length=12, choices=VotingMode.choices)
    board_seats = models.PositiveSmallIntegerField("sièges au conseil d'administration")
    dues = models.DecimalField("cotisation annuelle (€)", max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["statutes", "name"], name="college_unique_name")]
        verbose_name = "collège"

    def __str__(self):
        return self.name


class RuleItem(models.Model):
    """An article of the règlement intérieur."""

    statutes = models.ForeignKey(Statutes, on_delete=models.CASCADE, related_name="rule_items")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    title = models.CharField("titre", max_length=200)
    text = models.TextField("texte")

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "article du règlement intérieur"

    def __str__(self):
        return self.title


class FoundingMember(models.Model):
    """A founding member: who they are, their collège, and what the PV of the AG constitutive says of them
    (attendance, elected to the conseil d'administration, role in the bureau)."""

    class Attendance(models.TextChoices):
        UNKNOWN = "", "Non renseigné"
        PRESENT = "present", "Présent"
        REPRESENTED = "represente", "Représenté"
        ABSENT = "absent", "Absent"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="founding_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField("nom", max_length=200)
    profession = models.CharField("profession ou qualité", max_length=200)
    college = models.ForeignKey(
        College, on_delete=models.SET_NULL, null=True, blank=True, related_name="founders"
    )
    address = models.CharField("adresse", max_length=300, blank=True)
    attendance = models.CharField(
        "présence à l'AG constitutive", max_length=12, choices=Attendance.choices, blank=True
    )
    elected_to_board = models.BooleanField("élu au conseil d'administration", default=False)
    bureau_role = models.CharField(
        "fonction au bureau", max_length=20, choices=BureauRole.choices, blank=True
    )
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="founder_unique_name"),
            models.UniqueConstraint(
                fields=["project", "bureau_role"],
                condition=~models.Q(bureau_role=""),
                name="founder_unique_bureau_role",
            ),
        ]
        verbose_name = "membre fondateur"
        verbose_name_plural = "membres fondateurs"

    def __str__(self):
        return self.name


class ConstitutiveAssembly(models.Model):
    """The AG constitutive: its convocation (date, time, place, agenda, date sent) and its PV (who chaired,
    the vote on the statuts, the resolutions; attendance and elections are on ``FoundingMember``)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="constitutive_assembly")
    held_on = models.DateField("date de l'AG", null=True, blank=True)
    held_at = models.TimeField("heure", null=True, blank=True)
    place = models.CharField("lieu", max_length=300, blank=True)
    agenda = models.TextField("ordre du jour", blank=True)  # one item a line
    convened_on = models.DateField("convocation envoyée le", null=True, blank=True)
    chaired_by = models.CharField("présidence de séance", max_length=200, blank=True)
    secretary_name = models.CharField("secrétariat de séance", max_length=200, blank=True)
    votes_for = models.PositiveIntegerField("voix pour les statuts", null=True, blank=True)
    votes_against = models.PositiveIntegerField("voix contre", null=True, blank=True)
    abstentions = models.PositiveIntegerField("abstentions", null=True, blank=True)
    resolutions = models.TextField("autres résolutions", blank=True)  # one a line
    minutes_recorded_at = models.DateTimeField("PV enregistré le", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "assemblée générale constitutive"
        verbose_name_plural = "assemblées générales constitutives"

    def __str__(self):
        return f"AG constitutive — {self.project}"

    @property
    def statutes_adopted(self) -> bool | None:
        if self.votes_for is None or self.votes_against is None:
            return None
        return self.votes_for > self.votes_against


class LegalEntity(models.Model):
    """The association once declared: its RNA number, its SIRET, the dates of declaration and of publication
    at the JOAFE (the association has legal personality from its publication: the CPTS's ``founded_on``)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="legal_entity")
    rna = models.CharField("numéro RNA", max_length=10, unique=True)
    siret = models.CharField("SIRET", max_length=14, unique=True)
    declared_on = models.DateField("déclarée en préfecture le", null=True, blank=True)
    published_on = models.DateField("publiée au JOAFE le")
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "identifiants de l'association"
        verbose_name_plural = "identifiants des associations"

    def __str__(self):
        return f"{self.rna} — SIRET {self.siret}"
