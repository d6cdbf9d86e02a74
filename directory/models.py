"""The directory of the health offer: professionals, their places of practice, and structures.

National reference data (from the RPPS extract, or entered): shared by all CPTS, not tenant-owned.
What a CPTS adds about them (membership, notes) lives in tenant-owned models that point here.
"""

from django.core.exceptions import ValidationError
from django.db import models

from directory import identifiers


class Professional(models.Model):
    class IdType(models.TextChoices):
        RPPS = "8", "RPPS"
        ADELI = "0", "ADELI"

    id_type = models.CharField("type d'identifiant", max_length=1, choices=IdType.choices, default=IdType.RPPS)
    national_id = models.CharField("numéro RPPS ou ADELI", max_length=11)
    # idNat_PS as published by the Annuaire Santé: "8" + RPPS, or "0" + ADELI.
    idnat = models.CharField("identifiant national (idNat_PS)", max_length=12, unique=True)
    civility = models.CharField("civilité d'exercice", max_length=10, blank=True)  # DR, PR, M, MME
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

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["profession_code", "last_name"], name="pro_profession_name")]
        verbose_name = "professionnel de santé"
        verbose_name_plural = "professionnels de santé"

    def __str__(self):
        title = "Dr " if self.civility in ("DR", "PR") else ""
        return f"{title}{self.first_name} {self.last_name}".strip()

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
    commune = models.ForeignKey("territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    is_synthetic = models.BooleanField("donnée synthétique", default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["finess"], condition=~models.Q(finess=""), name="structure_unique_finess"),
            models.UniqueConstraint(fields=["siret"], condition=~models.Q(siret=""), name="structure_unique_siret"),
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
        if not errors and not self.finess and not self.siret and self.kind in (
            self.Kind.HOSPITAL, self.Kind.EHPAD, self.Kind.PHARMACY, self.Kind.HAD, self.Kind.MEDICOSOCIAL
        ):
            errors["finess"] = ["Un établissement de ce type doit être identifié par son numéro FINESS."]
        if errors:
            raise ValidationError(errors)


class PracticePlace(models.Model):
    class Precision(models.TextChoices):
        ADDRESS = "address", "Adresse"
        COMMUNE = "commune", "Centre de la commune"
        POSTAL_CODE = "postal_code", "Centre du code postal"
        UNKNOWN = "unknown", "Inconnue"

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="places")
    structure = models.ForeignKey(Structure, on_delete=models.SET_NULL, null=True, blank=True, related_name="places")
    label = models.CharField("nom du lieu", max_length=200, blank=True)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey("territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geo_precision = models.CharField(max_length=12, choices=Precision.choices, default=Precision.UNKNOWN)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    is_primary = models.BooleanField("lieu principal", default=False)

    class Meta:
        verbose_name = "lieu d'exercice"
        verbose_name_plural = "lieux d'exercice"

    def __str__(self):
        return self.label or self.address or (self.commune.name if self.commune_id else "lieu d'exercice")

    def locate(self):
        """Geolocate at the best precision we hold: the commune centroid when nothing better exists."""
        if self.latitude is not None and self.longitude is not None and self.geo_precision == self.Precision.ADDRESS:
            return
        if self.commune_id and self.commune.latitude is not None:
            self.latitude, self.longitude = self.commune.latitude, self.commune.longitude
            self.geo_precision = self.Precision.COMMUNE
        else:
            self.geo_precision = self.Precision.UNKNOWN
