"""The directory of the health offer: professionals, their places of practice, and structures.

National reference data (from the RPPS extract, or entered): shared by all CPTS, not tenant-owned.
What a CPTS adds about them (membership, notes) lives in tenant-owned models that point here.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models

from directory import identifiers


class Professional(models.Model):
    class IdType(models.TextChoices):
        RPPS = "8", "RPPS"
        ADELI = "0", "ADELI"

    id_type = models.CharField(
        "type d'identifiant", max_length=1, choices=IdType.choices, default=IdType.RPPS
    )
    national_id = models.CharField("numéro RPPS ou ADELI", max_length=11)
    # idNat_PS as published by the Annuaire Santé: "8" + RPPS, or "0" + ADELI.
    idnat = models.CharField("identifiant national (idNat_PS)", max_length=12, unique=True)
    civility = models.CharField("civilité d'exercice", max_length=10, blank=True)  # DR, PR, M, MME
    # The person's civility (RPPS « Code civilité »: M or MME), imported: it says the gender that the
    # civility of practice (DR) hides, for « Infirmière », « Pharmacienne » (``profession_title``).
    salutation = models.CharField(
        "civilité",
        max_length=4,
        blank=True,
        default="",
        db_default="",
        choices=[("MME", "Madame"), ("M", "Monsieur")],
    )
    last_name = models.CharField("nom d'exercice", max_length=100)
    first_name = models.CharField("prénom d'exercice", max_length=100, blank=True)
    profession_system = models.CharField(max_length=20, default="TRE_G15")
    profession_code = models.CharField("profession", max_length=10)
    specialty_code = models.CharField("spécialité (TRE_R38)", max_length=10, blank=True)
    mssante = models.EmailField("adresse MSSanté", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    active = models.BooleanField(default=True)
    is_synthetic = models.BooleanField("donnée synthétique", default=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Where the entry comes from: the RPPS extract owns identity fields; what the professional or the
    # CPTS declares (new patients, soins non programmés) is never overwritten by an import.
    source = models.CharField(
        max_length=10, choices=[("manual", "Saisie"), ("rpps", "Extrait RPPS")], default="manual"
    )
    search_name = models.CharField(max_length=220, blank=True, db_index=True)
    accepts_new_patients = models.BooleanField("accepte de nouveaux patients", null=True, blank=True)
    takes_part_in_snp = models.BooleanField("participe aux soins non programmés", default=False)
    # Declared by the professional (or the CPTS), never by the RPPS import: None = not said.
    home_visits = models.BooleanField("se déplace à domicile", null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["profession_code", "last_name"], name="pro_profession_name")]
        verbose_name = "professionnel de santé"
        verbose_name_plural = "professionnels de santé"

    def __str__(self):
        title = "Dr " if self.civility in ("DR", "PR") else ""
        return f"{title}{self.first_name} {self.last_name}".strip()

    def save(self, *args, **kwargs):
        from territory.text import normalize

        self.search_name = normalize(f"{self.last_name} {self.first_name}")
        super().save(*args, **kwargs)
        # Keep the denormalised copy used by the geographic search index (and its points) in step.
        stale_places = self.places.exclude(profession_code=self.profession_code, active=self.active)
        stale = list(stale_places.values_list("pk", "profession_code", "latitude", "longitude"))
        if stale:
            from audit.log import record_bulk
            from directory import geopoints

            stale_places.update(profession_code=self.profession_code, active=self.active)
            record_bulk(
                "update",
                PracticePlace,
                [pk for pk, *_ in stale],
                ["profession_code", "active"],
                details={"professional_id": self.pk},
            )
            points = [(code, lat, lon) for _, code, lat, lon in stale]
            geopoints.refresh(points + [(self.profession_code, lat, lon) for _, lat, lon in points])

    def clean(self):
        try:
            if self.id_type == self.IdType.RPPS:
                self.national_id = identifiers.validate_rpps(self.national_id)
            else:
                self.national_id = identifiers.validate_adeli(self.national_id)
        except ValidationError as exc:
            raise ValidationError({"national_id": exc.messages}) from exc
        if self.mssante:
            try:
                self.mssante = identifiers.validate_mssante(self.mssante)
            except ValidationError as exc:
                raise ValidationError({"mssante": exc.messages}) from exc
        self.idnat = f"{self.id_type}{self.national_id}"

    @property
    def profession_label(self) -> str:
        from nomenclature.selectors import display

        return display(self.profession_system, self.profession_code)

    @property
    def profession_title(self) -> str:
        """The profession as a sentence says it (« Infirmière », « Masseur-kinésithérapeute »): sentence
        case, feminine for a woman (``opencpts/french.py:profession_title``)."""
        from opencpts.french import profession_title

        return profession_title(self.profession_label, self.salutation or self.civility)

    @property
    def specialty_label(self) -> str:
        from nomenclature.selectors import display

        return display("TRE_R38", self.specialty_code) if self.specialty_code else ""


class Structure(models.Model):
    class Kind(models.TextChoices):
        MSP = "msp", "Maison de santé pluriprofessionnelle (MSP)"
        CDS = "cds", "Centre de santé"
        ESP = "esp", "Équipe de soins primaires (ESP)"
        CABINET = "cabinet", "Cabinet"
        PHARMACY = "pharmacie", "Pharmacie"
        LAB = "laboratoire", "Laboratoire de biologie médicale"
        HOSPITAL = "hopital", "Établissement de santé (hôpital, clinique)"
        HAD = "had", "Hospitalisation à domicile (HAD)"
        EHPAD = "ehpad", "EHPAD"
        SSIAD = "ssiad", "SSIAD / SAAD"
        DAC = "dac", "Dispositif d'appui à la coordination (DAC)"
        MEDICOSOCIAL = "medicosocial", "Établissement ou service médico-social"
        SOCIAL = "social", "Acteur social"
        PREVENTION = "prevention", "Acteur de prévention"
        OTHER = "autre", "Autre"

    name = models.CharField("raison sociale", max_length=200)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    finess = models.CharField("FINESS", max_length=9, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    is_synthetic = models.BooleanField("donnée synthétique", default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["finess"], condition=~models.Q(finess=""), name="structure_unique_finess"
            ),
            models.UniqueConstraint(
                fields=["siret"], condition=~models.Q(siret=""), name="structure_unique_siret"
            ),
        ]
        verbose_name = "structure"

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.finess:
            try:
                self.finess = identifiers.validate_finess(self.finess)
            except ValidationError as exc:
                errors["finess"] = exc.messages
        if self.siret:
            try:
                self.siret = identifiers.validate_siret(self.siret)
            except ValidationError as exc:
                errors["siret"] = exc.messages
        if (
            not errors
            and not self.finess
            and not self.siret
            and self.kind
            in (
                self.Kind.HOSPITAL,
                self.Kind.EHPAD,
                self.Kind.PHARMACY,
                self.Kind.HAD,
                self.Kind.MEDICOSOCIAL,
            )
        ):
            errors["finess"] = ["Un établissement de ce type doit être identifié par son numéro FINESS."]
        if errors:
            raise ValidationError(errors)


def new_activity_key() -> str:
    """Places entered by hand get a random key; RPPS places a digest of their activity."""
    return uuid.uuid4().hex


class PracticePlace(models.Model):
    class Precision(models.TextChoices):
        ADDRESS = "address", "Adresse"
        COMMUNE = "commune", "Centre de la commune"
        POSTAL_CODE = "postal_code", "Centre du code postal"
        UNKNOWN = "unknown", "Inconnue"

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="places")
    structure = models.ForeignKey(
        Structure, on_delete=models.SET_NULL, null=True, blank=True, related_name="places"
    )
    label = models.CharField("nom du lieu", max_length=200, blank=True)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geo_precision = models.CharField(max_length=12, choices=Precision.choices, default=Precision.UNKNOWN)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    is_primary = models.BooleanField("lieu principal", default=False)
    source = models.CharField(
        max_length=10, choices=[("manual", "Saisie"), ("rpps", "Extrait RPPS")], default="manual"
    )
    # For RPPS places: a stable key of the activity (structure + address), so re-imports update in place.
    activity_key = models.CharField(max_length=32, default=new_activity_key)
    structure_name = models.CharField("raison sociale du site", max_length=200, blank=True)
    # The activity's structure as the RPPS extract gives it: 1 + FINESS, else 3 + SIRET, else 4 + RPPS rang
    # (directory/identifiers.py:structure_idnst); the SAS's PractitionerRole.organization.identifier.
    structure_idnst = models.CharField(
        "identifiant national de la structure", max_length=15, blank=True, default="", db_default=""
    )
    # Denormalised from the professional for the geographic search index (kept in sync by the writers).
    profession_code = models.CharField(max_length=10, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "lieu d'exercice"
        verbose_name_plural = "lieux d'exercice"
        # Covering indexes of the geographic search (directory/search.py): the box query reads only the
        # index, never the table, even where thousands of places share a commune's centre.
        indexes = [
            models.Index(
                fields=["profession_code", "latitude", "longitude", "active", "professional", "id"],
                name="place_geo_cover",
            ),
            models.Index(
                fields=["latitude", "longitude", "active", "professional", "id"], name="place_latlon_cover"
            ),
            # Covering index of the diagnostic's counts (diagnostic/compute.py): professionals per commune and
            # profession read from the index alone, already in group order.
            models.Index(
                fields=["commune", "profession_code", "active", "professional"], name="place_commune_cover"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["professional", "activity_key"], name="place_unique_activity"),
        ]

    def __str__(self):
        return self.label or self.address or (self.commune.name if self.commune_id else "lieu d'exercice")

    def save(self, *args, **kwargs):
        from directory import geopoints

        if self.professional_id and not self.profession_code:
            self.profession_code = self.professional.profession_code
        before = None
        if self.pk:
            before = (
                PracticePlace.objects.filter(pk=self.pk)
                .values_list("profession_code", "latitude", "longitude")
                .first()
            )
        super().save(*args, **kwargs)
        geopoints.refresh([before, (self.profession_code, self.latitude, self.longitude)])

    def delete(self, *args, **kwargs):
        from directory import geopoints

        key = (self.profession_code, self.latitude, self.longitude)
        result = super().delete(*args, **kwargs)
        geopoints.refresh([key])
        return result

    def locate(self):
        """Geolocate at the best precision we hold: the commune centroid when nothing better exists."""
        if (
            self.latitude is not None
            and self.longitude is not None
            and self.geo_precision == self.Precision.ADDRESS
        ):
            return
        if self.commune_id and self.commune.latitude is not None:
            self.latitude, self.longitude = self.commune.latitude, self.commune.longitude
            self.geo_precision = self.Precision.COMMUNE
        else:
            self.geo_precision = self.Precision.UNKNOWN


class GeoPoint(models.Model):
    """Derived data for the geographic search: each distinct point where active places of a profession are
    located, with how many (``profession_code`` "*" counts every profession). The RPPS extract locates
    places at their commune's centre, so in cities thousands of places share one point; the search walks
    these points, then reads only the places it needs. Rebuilt by the import, kept exact on every place
    write by ``directory.geopoints.refresh``."""

    ALL = "*"
    profession_code = models.CharField(max_length=10)
    latitude = models.FloatField()
    longitude = models.FloatField()
    places = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profession_code", "latitude", "longitude"], name="geopoint_unique"
            )
        ]
        indexes = [
            models.Index(fields=["profession_code", "latitude", "longitude", "places"], name="geopoint_cover")
        ]


class RppsImportRun(models.Model):
    """One import of the RPPS extract: staged line by line (resumable), then applied atomically."""

    class Status(models.TextChoices):
        STAGING = "staging", "Lecture en cours"
        STAGED = "staged", "Lu, en attente d'application"
        APPLIED = "applied", "Appliqué"
        FAILED = "failed", "Échoué (rien n'a été modifié)"

    file_name = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, db_index=True)
    encoding = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STAGING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lines_read = models.PositiveIntegerField(default=0)
    byte_offset = models.BigIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "import RPPS"

    def __str__(self):
        return f"Import {self.file_name} ({self.get_status_display()})"


class RppsStagingRow(models.Model):
    run = models.ForeignKey(RppsImportRun, on_delete=models.CASCADE, related_name="+")
    line_no = models.PositiveIntegerField()
    idnat = models.CharField(max_length=12)
    id_type = models.CharField(max_length=1)
    national_id = models.CharField(max_length=11)
    civility = models.CharField(max_length=10, blank=True)
    salutation = models.CharField(max_length=4, blank=True, default="", db_default="")
    last_name = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100, blank=True)
    search_name = models.CharField(max_length=220, blank=True)
    profession_code = models.CharField(max_length=10)
    specialty_code = models.CharField(max_length=10, blank=True)
    is_synthetic = models.BooleanField(default=False)
    activity_key = models.CharField(max_length=32)
    structure_name = models.CharField(max_length=200, blank=True)
    structure_idnst = models.CharField(max_length=15, blank=True, default="", db_default="")
    address = models.CharField(max_length=255, blank=True)
    postal_code = models.CharField(max_length=5, blank=True)
    commune_insee = models.CharField(max_length=5, blank=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    geo_precision = models.CharField(max_length=12)
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["run", "idnat", "line_no"], name="staging_run_idnat")]


class RppsLineIssue(models.Model):
    class Severity(models.TextChoices):
        REJECTED = "rejected", "Ligne rejetée"
        WARNING = "warning", "Avertissement"

    run = models.ForeignKey(RppsImportRun, on_delete=models.CASCADE, related_name="issues")
    line_no = models.PositiveIntegerField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["line_no"]
