"""CPTS as tenants: the association, its territory, its members, their dues and the bureau.

Every tenant-owned row carries ``cpts`` and is read through ``cpts.scoping`` (one helper).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from cpts.roles import ADHERENT_ROLES, Role, role_title
from directory import identifiers
from opencpts.french import elide, gendered


class CPTS(models.Model):
    class Stage(models.TextChoices):
        AMI = "ami", "Expression d'intérêt (AMI)"
        LETTER = "lettre", "Lettre d'intention / pré-projet"
        PROJECT = "projet", "Projet de santé en cours"
        VALIDATED = "valide", "Projet de santé validé"
        ACI = "aci", "ACI signé"

    name = models.CharField("nom", max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    stage = models.CharField("étape", max_length=10, choices=Stage.choices, default=Stage.PROJECT)
    siret = models.CharField("SIRET de l'association", max_length=14, blank=True)
    finess = models.CharField("FINESS", max_length=9, blank=True)
    email = models.EmailField("e-mail de contact", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    address = models.CharField("adresse du siège", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    founded_on = models.DateField("date de création de l'association", null=True, blank=True)
    dues_amount = models.DecimalField(
        "montant de la cotisation annuelle (€)", max_digits=8, decimal_places=2, default=0
    )
    is_synthetic = models.BooleanField("CPTS de démonstration", default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "CPTS"
        verbose_name_plural = "CPTS"

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.siret:
            try:
                self.siret = identifiers.validate_siret(self.siret)
            except ValidationError as exc:
                errors["siret"] = exc.messages
        if self.finess:
            try:
                self.finess = identifiers.validate_finess(self.finess)
            except ValidationError as exc:
                errors["finess"] = exc.messages
        if errors:
            raise ValidationError(errors)


class TenantModel(models.Model):
    """Base of every tenant-owned model."""

    cpts = models.ForeignKey(CPTS, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class TerritoryCommune(TenantModel):
    """A commune in a CPTS's territory. The unique commune enforces "two CPTS never share a territory"
    in the database itself, so two coordinators adding it at the same moment cannot both succeed."""

    commune = models.OneToOneField(
        "territory.Commune", on_delete=models.PROTECT, related_name="territory_link"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["commune__name"]
        verbose_name = "commune du territoire"

    def __str__(self):
        return str(self.commune)


def civility_of(user) -> str:
    """The civility that says a user's gender: their professional record's (RPPS « Code civilité », else the
    civility of practice); empty when they have none."""
    pro = user.professional
    return (pro.salutation or pro.civility) if pro else ""


class MembershipQuerySet(models.QuerySet):
    def adherents(self):
        """Active memberships of adhérents (cpts/roles.py ADHERENT_ROLES): what every membership figure
        counts."""
        return self.filter(active=True, role__in=ADHERENT_ROLES)


class Membership(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=Role.choices, default=Role.MEMBER)
    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="structure (personnel partenaire)",
    )
    organisation = models.CharField("institution (référent)", max_length=100, blank=True)
    active = models.BooleanField("active", default=True)
    joined_on = models.DateField("date d'adhésion", auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cpts", "user"], name="membership_unique_user")]
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = "adhésion"

    def __str__(self):
        return f"{self.user} — {self.role_title} ({self.cpts})"

    @property
    def role_title(self) -> str:
        """The role said of this person (« Coordinatrice », « Professionnelle adhérente »)."""
        return role_title(self.role, civility_of(self.user))


class MembershipRequest(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        ACCEPTED = "accepted", "Acceptée"
        REFUSED = "refused", "Refusée"
        WITHDRAWN = "withdrawn", "Retirée"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_requests"
    )
    message = models.TextField("message au coordinateur", max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField("motif", max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cpts", "user"],
                condition=models.Q(status="pending"),
                name="membershiprequest_one_pending",
            ),
        ]
        verbose_name = "demande d'adhésion"

    def __str__(self):
        return f"Demande {elide('de', self.user)} ({self.get_status_display()})"


class Dues(TenantModel):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="dues")
    year = models.PositiveSmallIntegerField("année")
    amount = models.DecimalField("montant (€)", max_digits=8, decimal_places=2)
    paid = models.BooleanField("payée", default=False)
    paid_on = models.DateField("payée le", null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "year"], name="dues_unique_year")]
        ordering = ["-year"]
        verbose_name = "cotisation"

    def __str__(self):
        return f"Cotisation {self.year} — {self.membership.user}"


class BureauPosition(TenantModel):
    # Labels without inclusive endings; the holder's title is said by ``holder_title`` (« Présidente »).
    class Title(models.TextChoices):
        PRESIDENT = "president", "Présidence"
        VICE_PRESIDENT = "vice_president", "Vice-présidence"
        TREASURER = "tresorier", "Trésorerie"
        SECRETARY = "secretaire", "Secrétaire"
        MEMBER = "membre", "Membre du bureau"

    # Masculine and feminine of the titles that have both; the others read the same for everyone.
    HOLDER_TITLES = {
        Title.PRESIDENT: ("Président", "Présidente"),
        Title.VICE_PRESIDENT: ("Vice-président", "Vice-présidente"),
        Title.TREASURER: ("Trésorier", "Trésorière"),
    }

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="bureau_positions")
    title = models.CharField("fonction", max_length=20, choices=Title.choices)
    since = models.DateField("depuis")
    until = models.DateField("jusqu'au", null=True, blank=True)

    class Meta:
        ordering = ["title", "since"]
        verbose_name = "fonction au bureau"

    def __str__(self):
        return f"{self.holder_title} : {self.membership.user}"

    @property
    def holder_title(self) -> str:
        """The title said of its holder: « Présidente », « Président », « Présidence » (gender unknown)."""
        label = self.get_title_display()
        if self.title not in self.HOLDER_TITLES:
            return label
        masculine, feminine = self.HOLDER_TITLES[self.title]
        return gendered(masculine, feminine, civility_of(self.membership.user), label)


class PartnerStructure(TenantModel):
    """A structure (MSP, hospital, EHPAD...) that takes part in the CPTS."""

    structure = models.ForeignKey("directory.Structure", on_delete=models.PROTECT, related_name="cpts_links")
    since = models.DateField("partenaire depuis", auto_now_add=True)
    agreement = models.CharField("convention / nature du partenariat", max_length=255, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cpts", "structure"], name="partner_unique_structure")]
        verbose_name = "structure partenaire"

    def __str__(self):
        return str(self.structure)
