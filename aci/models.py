"""ACI reference data, versioned with effective dates. Never constants in code.

For now: the size tiers (tailles) that set a CPTS's financing from its population. The amounts
per tier and mission (issue: ACI cockpit) hang on the same grid versions.
"""

from django.core.exceptions import ValidationError
from django.db import models


class TierGrid(models.Model):
    class Boundary(models.TextChoices):
        UPPER = "upper", "Une population égale à un seuil relève de la taille supérieure (« en dessous de 40 000 » = taille 1)"
        LOWER = "lower", "Une population égale à un seuil relève de la taille inférieure"

    name = models.CharField("version", max_length=100, unique=True)
    source = models.CharField(max_length=300, blank=True)
    effective_from = models.DateField("en vigueur à partir du")
    effective_to = models.DateField("jusqu'au (inclus)", null=True, blank=True)
    boundary_rule = models.CharField("règle aux seuils", max_length=10, choices=Boundary.choices, default=Boundary.UPPER)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "grille ACI"
        verbose_name_plural = "grilles ACI"

    def __str__(self):
        return self.name

    def clean(self):
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "La date de fin précède la date de début."})
        overlapping = TierGrid.objects.exclude(pk=self.pk).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=self.effective_from)
        )
        if self.effective_to:
            overlapping = overlapping.filter(effective_from__lte=self.effective_to)
        if overlapping.exists():
            raise ValidationError(f"Cette période chevauche la grille « {overlapping.first()} ».")


class SizeTier(models.Model):
    grid = models.ForeignKey(TierGrid, on_delete=models.CASCADE, related_name="tiers")
    number = models.PositiveSmallIntegerField("taille")
    min_population = models.PositiveIntegerField("seuil bas")
    max_population = models.PositiveIntegerField("seuil haut", null=True, blank=True)

    class Meta:
        ordering = ["grid", "number"]
        constraints = [models.UniqueConstraint(fields=["grid", "number"], name="sizetier_unique_number")]
        verbose_name = "taille de CPTS"

    def __str__(self):
        return f"Taille {self.number}"

    @property
    def label(self) -> str:
        if self.max_population is None:
            return f"Taille {self.number} (plus de {self.min_population:,} habitants)".replace(",", "\u202f")
        if self.min_population == 0:
            return f"Taille {self.number} (moins de {self.max_population:,} habitants)".replace(",", "\u202f")
        return (f"Taille {self.number} ({self.min_population:,} à {self.max_population:,} habitants)"
                .replace(",", "\u202f"))
