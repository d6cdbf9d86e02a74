"""Official geography of France: régions, départements, EPCI, communes and postal codes.

Loaded offline from pinned registry packages by ``manage.py load_communes`` (see territory/loader.py).
Reference data, shared by every CPTS: not tenant-owned.
"""

from django.db import models


class Region(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    def __str__(self):
        return f"{self.name} ({self.code})"


class EPCI(models.Model):
    siren = models.CharField(max_length=9, primary_key=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, blank=True)  # CC, CA, CU, METRO, MET69
    search_name = models.CharField(max_length=200, db_index=True)

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"

    def __str__(self):
        return self.name


class Commune(models.Model):
    insee = models.CharField("code INSEE", max_length=5, primary_key=True)
    name = models.CharField("nom", max_length=100)
    search_name = models.CharField(max_length=100, db_index=True)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="communes")
    epci = models.ForeignKey(EPCI, on_delete=models.PROTECT, null=True, blank=True, related_name="communes")
    population = models.PositiveIntegerField("population municipale", default=0)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    contour = models.TextField("contour (GeoJSON)", blank=True)
    # Paris, Lyon and Marseille: the arrondissements municipaux are loaded too, with their parent,
    # because CPTS there are often drawn by arrondissement.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="arrondissements")
    kind = models.CharField(max_length=4, default="COM")  # COM or ARM

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.insee})"


class PostalCode(models.Model):
    code = models.CharField(max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "commune"], name="postalcode_unique")]

    def __str__(self):
        return self.code


class DatasetVersion(models.Model):
    """Which package and version the geography was loaded from (shown on territory pages)."""

    name = models.CharField(max_length=50, primary_key=True)
    source = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now=True)
    rows = models.PositiveIntegerField(default=0)
    population_year = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self):
        return f"{self.name}: {self.source}"
