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
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="arrondissements"
    )
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
    """One vintage of the official geography: the package and version it was loaded from, the census year
    of its populations and the year they are in force. Every vintage ever loaded is kept (a signed ACI
    contract refers to the one it retained); the one in the tables now is ``current``."""

    dataset = models.CharField(max_length=50, default="communes")
    package = models.CharField("paquet", max_length=100)
    registry = models.CharField("registre", max_length=20)
    package_version = models.CharField("version du paquet", max_length=20)
    source = models.CharField(max_length=200)
    census_year = models.PositiveIntegerField("année du recensement", null=True, blank=True)
    in_force_year = models.PositiveIntegerField("en vigueur au 1er janvier", null=True, blank=True)
    geometry_source = models.CharField("source des contours", max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now=True)
    current = models.BooleanField("en place", default=False)

    class Meta:
        ordering = ["-loaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "package", "package_version"], name="datasetversion_unique"
            ),
            models.UniqueConstraint(
                fields=["dataset"], condition=models.Q(current=True), name="datasetversion_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.dataset}: {self.source}"

    @property
    def population_label(self) -> str:
        """« population municipale 2023, en vigueur au 1er janvier 2026 »."""
        if self.census_year and self.in_force_year:
            return f"population municipale {self.census_year}, en vigueur au 1er janvier {self.in_force_year}"
        return f"population municipale, millésime non indiqué ({self.package} {self.package_version})"

    @property
    def short_label(self) -> str:
        return f"millésime {self.census_year}" if self.census_year else "millésime non indiqué"

    @classmethod
    def current_for(cls, dataset: str = "communes") -> "DatasetVersion | None":
        return cls.objects.filter(dataset=dataset, current=True).first()
