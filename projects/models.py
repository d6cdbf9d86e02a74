"""The « projet de CPTS » before the CPTS exists: its porteurs, the structures associated, its communes, its
stage with dates, the AMI and lettre d'intention dossiers and the dossiers sent to the ARS.

Not tenant-owned: a project has no CPTS until it becomes one (``Project.cpts``, set by
``projects.conversion.convert``). Who may read or change a project: ``projects/access.py``.
"""

from django.conf import settings
from django.db import models

from directory.models import Structure


class Stage(models.TextChoices):
    """The stages of lifecycle.md §1, in order (``ORDER``)."""

    INTENTION = "intention", "Intention"
    AMI = "ami", "Expression d'intérêt (AMI) envoyée"
    LETTER = "lettre", "Lettre d'intention"
    HEALTH_PROJECT = "projet", "Projet de santé"
    ASSOCIATION = "association", "Association créée"
    ACI = "aci", "ACI signé"


ORDER = [s.value for s in Stage]


class Project(models.Model):
    name = models.CharField("nom du projet", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    stage = models.CharField("étape", max_length=12, choices=Stage.choices, default=Stage.INTENTION)
    # Set once, when the project becomes the CPTS (projects/conversion.py); the project then stays as its
    # history.
    cpts = models.OneToOneField(
        "cpts.CPTS", on_delete=models.SET_NULL, null=True, blank=True, related_name="project"
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    is_synthetic = models.BooleanField("projet de démonstration", default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "projet de CPTS"
        verbose_name_plural = "projets de CPTS"

    def __str__(self):
        return self.name

    def has_reached(self, stage: str) -> bool:
        return ORDER.index(self.stage) >= ORDER.index(stage)


class StageChange(models.Model):
    """The dated history of the stages: one row each time the project reaches a stage."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    stage = models.CharField("étape", max_length=12, choices=Stage.choices)
    reached_on = models.DateField("atteinte le")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField("précision", max_length=300, blank=True)

    class Meta:
        ordering = ["reached_on", "pk"]
        verbose_name = "étape atteinte"

    def __str__(self):
        return f"{self.get_stage_display()} — {self.reached_on:%d/%m/%Y}"


class ProjectMember(models.Model):
    class Role(models.TextChoices):
        PORTEUR = "porteur", "Porteur"
        CO_PORTEUR = "co_porteur", "Co-porteur"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="porteurs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_roles")
    role = models.CharField("rôle", max_length=12, choices=Role.choices, default=Role.CO_PORTEUR)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "user__last_name", "user__first_name"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="projectmember_unique_user")]
        verbose_name = "porteur du projet"

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.project})"


class Invitation(models.Model):
    """A co-porteur invited: an account (found by its e-mail) or a professional of the directory (who accepts
    once they have an account linked to that entry)."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        ACCEPTED = "accepted", "Acceptée"
        DECLINED = "declined", "Déclinée"
        CANCELLED = "cancelled", "Annulée"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(professional__isnull=False),
                name="invitation_has_invitee",
            ),
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending_user",
            ),
            models.UniqueConstraint(
                fields=["project", "professional"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending_pro",
            ),
        ]
        verbose_name = "invitation de co-porteur"

    def __str__(self):
        return f"Invitation de {self.invitee_label} ({self.project})"

    @property
    def invitee_label(self) -> str:
        return str(self.user or self.professional)


class Partner(models.Model):
    """A structure associated with the project (partner actor): hospital, MSP, EHPAD, DAC..."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField("nom de la structure", max_length=200)
    kind = models.CharField("type", max_length=20, choices=Structure.Kind.choices)
    finess = models.CharField("FINESS", max_length=9, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "structure associée au projet"

    def __str__(self):
        return self.name


class ProjectCommune(models.Model):
    """A commune of the project's territory. Not unique across projects (they may overlap: warned); a
    commune of an existing CPTS is refused (projects/territory.py)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="communes")
    commune = models.ForeignKey("territory.Commune", on_delete=models.PROTECT, related_name="project_links")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["commune__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "commune"], name="projectcommune_unique_commune")
        ]
        verbose_name = "commune du projet"

    def __str__(self):
        return str(self.commune)


class AmiDossier(models.Model):
    """The AMI form of seed 004 (lifecycle.md §2), as filled so far: ``data`` holds its fields
    (projects/dossiers.py:AMI_FIELDS says which)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="ami")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "dossier AMI"

    def __str__(self):
        return f"AMI — {self.project}"


class LetterDossier(models.Model):
    """The lettre d'intention of seed 000 (lifecycle.md §3), as filled so far: ``data`` holds its fields
    (projects/letter.py:clean_letter says which)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="letter")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "lettre d'intention"

    def __str__(self):
        return f"Lettre d'intention — {self.project}"


class Submission(models.Model):
    """A dossier sent to the ARS: when, by whom, to whom, and the file itself (encrypted under the documents'
    keys, bound to this row; its SHA-256 kept in clear for the record)."""

    PURPOSE = "project-submission"

    class Kind(models.TextChoices):
        AMI = "ami", "Expression d'intérêt (AMI)"
        LETTER = "lettre", "Lettre d'intention"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="submissions")
    kind = models.CharField("dossier", max_length=10, choices=Kind.choices)
    addressee = models.CharField("destinataire", max_length=200)
    region = models.ForeignKey("territory.Region", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField()
    filename = models.CharField("nom du fichier", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField("SHA-256 du fichier", max_length=64)
    key_id = models.CharField(max_length=64)
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "dossier envoyé"

    def __str__(self):
        return f"{self.get_kind_display()} — {self.addressee} ({self.submitted_at:%d/%m/%Y})"


# --- ARS and CPAM referents and their reviews (projects/access.py: is_reviewer; projects/reviews.py) -------


class Body(models.TextChoices):
    """Who a referent speaks for: the ARS of a région, the CPAM of a département."""

    ARS = "ARS", "ARS"
    CPAM = "CPAM", "CPAM"


class Referent(models.Model):
    """An ARS or CPAM referent: reads, read-only, the projects and CPTS of their région (ARS) or département
    (CPAM), comments on their dossiers and records decisions. Granted and revoked by an instance administrator
    (projects/reviews.py:grant_referent, revoke_referent)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referent_roles"
    )
    body = models.CharField("institution", max_length=4, choices=Body.choices)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    departement = models.ForeignKey(
        "territory.Departement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField("actif", default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["body", "user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(body="ARS", region__isnull=False, departement__isnull=True)
                    | models.Q(body="CPAM", departement__isnull=False, region__isnull=True)
                ),
                name="referent_scope_of_body",
            ),
            models.UniqueConstraint(
                fields=["user", "body", "region", "departement"],
                condition=models.Q(active=True),
                name="referent_one_active_scope",
            ),
        ]
        verbose_name = "référent ARS / CPAM"
        verbose_name_plural = "référents ARS / CPAM"

    def __str__(self):
        return f"{self.user} — {self.scope_label}"

    @property
    def scope_label(self) -> str:
        """« ARS Bretagne », « CPAM du Finistère (29) »."""
        if self.body == Body.ARS:
            return f"ARS {self.region.name}" if self.region_id else "ARS"
        return f"CPAM {self.departement}" if self.departement_id else "CPAM"


class Review(models.Model):
    """A referent's comment on a dossier of a project, or their decision on it (projects/reviews.py); the
    porteurs read them on the project's page."""

    class Dossier(models.TextChoices):
        AMI = "ami", "Expression d'intérêt (AMI)"
        LETTER = "lettre", "Lettre d'intention"
        HEALTH = "sante", "Projet de santé"
        STATUTES = "statuts", "Statuts de l'association"
        GENERAL = "general", "Projet dans son ensemble"

    class Kind(models.TextChoices):
        COMMENT = "comment", "Commentaire"
        DECISION = "decision", "Décision"

    class Outcome(models.TextChoices):
        VALIDATED = "validated", "Validé"
        CHANGES_REQUESTED = "changes_requested", "Modifications demandées"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    dossier = models.CharField("dossier", max_length=10, choices=Dossier.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.CharField("institution", max_length=4, choices=Body.choices)
    scope = models.CharField("référent de", max_length=120, blank=True)  # « ARS Bretagne », at the time
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    outcome = models.CharField("décision", max_length=20, choices=Outcome.choices, blank=True)
    text = models.TextField("texte", blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="comment", outcome="")
                    | models.Q(kind="decision", outcome__in=["validated", "changes_requested"])
                ),
                name="review_outcome_of_decision",
            ),
        ]
        verbose_name = "avis ARS / CPAM"
        verbose_name_plural = "avis ARS / CPAM"

    def __str__(self):
        what = self.get_outcome_display() if self.kind == self.Kind.DECISION else "commentaire"
        return f"{self.scope or self.body} — {self.get_dossier_display()} : {what}"
