"""The projet de santé of a project of CPTS (lifecycle.md §4): its chapters (contexte, diagnostic,
gouvernance, évaluation, budget commentary), one fiche-action per action grouped by ACI mission with its
indicators, and the planned expenses of the budget prévisionnel.

Co-edited by the porteurs: a chapter and a fiche-action carry a ``version`` that every save starts from, and
each saved version is kept (``ChapterVersion``, ``ActionSheetVersion``): the base of the three-way merge when
two porteurs edit at once (healthplan/merge.py, healthplan/actions.py), and the history shown to the porteurs.

Not tenant-owned: like the project (``projects.Project``), the plan exists before the CPTS. Who reads or
changes it: the project's access rules (projects/access.py); see healthplan/views.py.
"""

from django.conf import settings
from django.db import models

from aci.models import Expense, GridMission, Indicator


class HealthPlan(models.Model):
    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="health_plan")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "projet de santé"
        verbose_name_plural = "projets de santé"

    def __str__(self):
        return f"Projet de santé — {self.project}"


class Chapter(models.Model):
    """A chapter of free text. The fiches-actions (chapter 3 of lifecycle.md §4) are ``ActionSheet`` rows; the
    diagnostic chapter's text is the porteurs' commentary, printed after the computed diagnostic."""

    class Key(models.TextChoices):
        CONTEXT = "contexte", "Contexte local et historique de coopération"
        DIAGNOSTIC = "diagnostic", "Diagnostic territorial"
        GOVERNANCE = "gouvernance", "Gouvernance, coordination et numérique"
        EVALUATION = "evaluation", "Évaluation"
        BUDGET = "budget", "Budget prévisionnel"

    plan = models.ForeignKey(HealthPlan, on_delete=models.CASCADE, related_name="chapters")
    key = models.CharField("chapitre", max_length=12, choices=Key.choices)
    text = models.TextField("texte", blank=True)
    version = models.PositiveIntegerField(default=0)  # 0: never written
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="healthplan_chapter_unique_key")]
        verbose_name = "chapitre du projet de santé"

    def __str__(self):
        return self.get_key_display()


class ChapterVersion(models.Model):
    """One saved version of a chapter (the history, and the base of a merge)."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField()
    merged = models.BooleanField("fusionnée avec une modification simultanée", default=False)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "version"], name="healthplan_chapterversion_unique")
        ]
        verbose_name = "version d'un chapitre"

    def __str__(self):
        return f"{self.chapter} — version {self.version}"


class ActionSheet(models.Model):
    """A fiche-action: one action of the projet, under one ACI mission (``aci.models.GridMission.Code``)."""

    plan = models.ForeignKey(HealthPlan, on_delete=models.CASCADE, related_name="sheets")
    mission = models.CharField("mission ACI", max_length=12, choices=GridMission.Code.choices)
    title = models.CharField("intitulé de l'action", max_length=200)
    objective = models.TextField("objectif", blank=True)
    actions = models.TextField("actions", blank=True)
    pilot = models.CharField("pilote", max_length=200, blank=True)
    partners = models.TextField("partenaires", blank=True)
    schedule = models.TextField("calendrier", blank=True)
    means = models.TextField("moyens", blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["plan", "mission", "pk"]
        verbose_name = "fiche-action"

    def __str__(self):
        return self.title


class ActionSheetVersion(models.Model):
    """One saved version of a fiche-action: its texts and indicators as they were (``data``)."""

    sheet = models.ForeignKey(ActionSheet, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField()
    merged = models.BooleanField("fusionnée avec une modification simultanée", default=False)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "version"], name="healthplan_sheetversion_unique")
        ]
        verbose_name = "version d'une fiche-action"

    def __str__(self):
        return f"{self.sheet} — version {self.version}"


class SheetIndicator(models.Model):
    """An indicator of a fiche-action, with its value today and the value aimed at: at the ACI signature it
    becomes an indicator of the contract (healthplan/contract.py)."""

    sheet = models.ForeignKey(ActionSheet, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("indicateur", max_length=200)
    unit = models.CharField(
        "unité", max_length=8, choices=Indicator.Unit.choices, default=Indicator.Unit.COUNT
    )
    direction = models.CharField(
        "sens", max_length=6, choices=Indicator.Direction.choices, default=Indicator.Direction.HIGHER
    )
    baseline = models.DecimalField("valeur actuelle", max_digits=12, decimal_places=2, null=True, blank=True)
    target = models.DecimalField("cible", max_digits=12, decimal_places=2, null=True, blank=True)
    source_note = models.CharField("source", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sheet", "order", "pk"]
        verbose_name = "indicateur d'une fiche-action"

    def __str__(self):
        return self.name


class PlannedExpense(models.Model):
    """A planned expense of the budget prévisionnel: an annual amount, by mission ("" = fonctionnement)."""

    plan = models.ForeignKey(HealthPlan, on_delete=models.CASCADE, related_name="expenses")
    label = models.CharField("libellé", max_length=200)
    category = models.CharField("catégorie", max_length=14, choices=Expense.Category.choices)
    mission = models.CharField("mission", max_length=12, blank=True, choices=GridMission.Code.choices)
    amount = models.DecimalField("montant annuel (€)", max_digits=10, decimal_places=2)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["mission", "category", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="healthplan_expense_positive")
        ]
        verbose_name = "dépense prévue"

    def __str__(self):
        return self.label
