"""Figures of the diagnostic territorial that the platform stores: the age structure of each commune (INSEE
recensement by IRIS, from a pinned registry package) and the datasets imported per commune for what no package
ships (APL, patients sans médecin traitant, ALD...). Reference data shared by every CPTS and project: not
tenant-owned. Besides, the figures of one territory typed in from Rézone CPTS (``TypedFigure``), owned by the
project or the CPTS whose diagnostic they belong to. The figures computed from the directory are not stored
(``diagnostic/compute.py``)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models


class AgeStructure(models.Model):
    """Population by age band of one commune (or municipal arrondissement), summed over its IRIS. Paris, Lyon
    and Marseille have a row for each arrondissement and one for the whole city (their sum). Communes merged
    since the census's geography are added to the commune that absorbed them (``merged_codes``). Its vintage
    is ``territory.DatasetVersion`` « age_structure »."""

    commune = models.OneToOneField(
        "territory.Commune", on_delete=models.CASCADE, primary_key=True, related_name="age_structure"
    )
    population = models.PositiveIntegerField("population du recensement")
    age_0_19 = models.PositiveIntegerField("0 à 19 ans")
    age_20_64 = models.PositiveIntegerField("20 à 64 ans")
    age_65_plus = models.PositiveIntegerField("65 ans et plus")
    iris = models.PositiveIntegerField("IRIS agrégés", default=1)
    merged_codes = models.CharField("anciennes communes ajoutées", max_length=200, blank=True)

    class Meta:
        verbose_name = "structure par âge"
        verbose_name_plural = "structures par âge"

    def __str__(self):
        return f"{self.commune_id} : {self.population} habitants"


class ImportedDataset(models.Model):
    """One indicator imported per commune from an uploaded CSV (code INSEE;valeur), with where it comes from.
    Written only by ``diagnostic/imports.py:import_dataset`` (all rows or none)."""

    class Aggregation(models.TextChoices):
        SUM = "sum", "Somme (effectifs)"
        WEIGHTED = "weighted", "Moyenne pondérée par la population (taux, indices)"
        NONE = "none", "Non agrégeable (valeurs par commune seulement)"

    indicator = models.CharField("indicateur", max_length=200)
    unit = models.CharField("unité", max_length=50, blank=True)
    source = models.CharField("source", max_length=200)
    vintage = models.CharField("millésime", max_length=20)
    licence = models.CharField("licence", max_length=100)
    aggregation = models.CharField(
        "agrégation sur un territoire", max_length=10, choices=Aggregation.choices, default=Aggregation.NONE
    )
    file_name = models.CharField("fichier", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    encoding = models.CharField("encodage détecté", max_length=20)
    separator = models.CharField("séparateur détecté", max_length=10)
    rows = models.PositiveIntegerField("lignes", default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    imported_at = models.DateTimeField("importé le", auto_now_add=True)

    class Meta:
        ordering = ["indicator", "-imported_at"]
        verbose_name = "jeu de données importé"
        verbose_name_plural = "jeux de données importés"

    def __str__(self):
        return f"{self.indicator} ({self.source}, {self.vintage})"

    @property
    def provenance(self) -> str:
        """« importé : DREES, millésime 2023, licence Ouverte 2.0 »."""
        return f"importé : {self.source}, millésime {self.vintage}, licence {self.licence}"


class ImportedValue(models.Model):
    dataset = models.ForeignKey(ImportedDataset, on_delete=models.CASCADE, related_name="values")
    commune = models.ForeignKey("territory.Commune", on_delete=models.PROTECT, related_name="+")
    value = models.FloatField("valeur")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "commune"], name="importedvalue_unique_commune")
        ]

    def __str__(self):
        return f"{self.commune_id} = {self.value}"


class TypedFigure(models.Model):
    """A figure of the territory typed in from Rézone CPTS (or another source read on screen), for figures no
    package ships: the territory's value and, when the source gives them, the département's, the région's and
    France's. Owned by what the diagnostic is of (a project of CPTS or a CPTS: ``owner``). Written only by
    ``diagnostic/typed.py``."""

    class Unit(models.TextChoices):
        PERCENT = "%", "%"
        PER_1000 = "pour 1 000 hab.", "pour 1 000 habitants"
        PER_10000 = "pour 10 000 hab.", "pour 10 000 habitants"
        COUNT = "", "effectif"
        MINUTES = "min", "minutes"
        APL = "consultations/an/hab.", "consultations par an et par habitant (APL)"

    owner_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    owner_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    indicator = models.CharField("indicateur", max_length=200)
    unit = models.CharField("unité", max_length=30, blank=True, choices=Unit.choices)
    territory_value = models.DecimalField("valeur du territoire", max_digits=12, decimal_places=2)
    departement_value = models.DecimalField(
        "valeur du département", max_digits=12, decimal_places=2, null=True, blank=True
    )
    region_value = models.DecimalField(
        "valeur de la région", max_digits=12, decimal_places=2, null=True, blank=True
    )
    france_value = models.DecimalField(
        "valeur France", max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField("source", max_length=200)
    vintage = models.CharField("millésime", max_length=20)
    typed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    typed_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        ordering = ["indicator", "pk"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="typedfigure_owner")]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "indicator", "vintage"], name="typedfigure_unique_indicator"
            )
        ]
        verbose_name = "chiffre saisi"
        verbose_name_plural = "chiffres saisis"

    def __str__(self):
        return f"{self.indicator} : {self.territory_value} {self.unit} ({self.source}, {self.vintage})"
