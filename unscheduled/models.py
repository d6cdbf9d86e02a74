"""Soins non programmés (SNP): the unscheduled slots professionals choose to expose, and their bookings.

A professional (or someone they delegate to) publishes slots at one of their places of practice, one by one
or through a weekly ``AvailabilityPattern`` that ``unscheduled.slots.materialise`` turns into concrete
``Slot`` rows over a rolling horizon. Each slot says who may see it (TRE_R314 codes: PUBLIC, PRO, SNP, CPTS;
nothing is exposed that the professional did not tick) and how the patient is seen (cabinet, home visit,
teleconsultation). A ``Booking`` takes a slot; the database itself refuses a second live booking of the same
slot (partial unique constraint), so concurrent requests can never double-book.

Tenant-owned: a slot is published in one CPTS (the one whose SNP organisation it serves and whose FINESS the
SAS interface shows).
"""

from django.conf import settings
from django.db import models

from cpts.models import TenantModel


class Visibility(models.TextChoices):
    """TRE_R314-TypeCreneau: who may see a slot."""

    PUBLIC = "PUBLIC", "Grand public"
    PRO = "PRO", "Professionnels de santé"
    SNP = "SNP", "Régulation et soins non programmés (SAS)"
    CPTS = "CPTS", "CPTS"


# Who sees a slot of each type (TRE_R314 meanings, /work/shared/domain/sas.md): shown beside the choice.
VISIBILITY_AUDIENCES = {
    "PUBLIC": "grand public et tous les professionnels",
    "PRO": "professionnels de santé",
    "SNP": "régulation du SAS (régulateurs et effecteurs de soins non programmés)",
    "CPTS": "membres de la CPTS",
}
# In OpenCPTS itself: every member of the CPTS finds the free slots whatever their types
# (unscheduled/search.py); the SAS receives every slot with all its types and shows each one only to whom its
# types open it.
VISIBILITY_HELP = (
    "Qui voit le créneau : "
    + " ; ".join(f"{Visibility(code).label} = {audience}" for code, audience in VISIBILITY_AUDIENCES.items())
    + ". Dans OpenCPTS, tous les membres de la CPTS voient vos créneaux libres, quelle que soit la "
    "visibilité choisie ; le SAS les reçoit avec leur visibilité."
)

VISIBILITY_FIELDS = {"PUBLIC": "show_public", "PRO": "show_pro", "SNP": "show_snp", "CPTS": "show_cpts"}


class VisibilityMixin(models.Model):
    """Who may see it, one column per TRE_R314 code (plain booleans: indexable and portable)."""

    show_public = models.BooleanField(Visibility.PUBLIC.label, default=False)
    show_pro = models.BooleanField(Visibility.PRO.label, default=False)
    show_snp = models.BooleanField(Visibility.SNP.label, default=False)
    show_cpts = models.BooleanField(Visibility.CPTS.label, default=False)

    class Meta:
        abstract = True

    @property
    def visibility(self) -> list[str]:
        return [code for code, field in VISIBILITY_FIELDS.items() if getattr(self, field)]

    @property
    def visibility_labels(self) -> list[str]:
        return [Visibility(code).label for code in self.visibility]


class Modality(models.TextChoices):
    """How the patient is seen; the v3-ActCode the SAS expects in Slot.serviceType."""

    CABINET = "AMB", "Au cabinet"
    HOME = "HH", "Visite à domicile"
    TELE = "VR", "Téléconsultation"


class AvailabilityPattern(VisibilityMixin, TenantModel):
    """Every chosen weekday from ``valid_from`` to ``valid_until``, slots of ``slot_minutes`` between
    ``start_time`` and ``end_time`` (Europe/Paris), except the dates in ``exceptions``."""

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    place = models.ForeignKey("directory.PracticePlace", on_delete=models.PROTECT, related_name="+")
    weekdays = models.JSONField("jours", default=list)  # 0 = lundi ... 6 = dimanche
    start_time = models.TimeField("de")
    end_time = models.TimeField("à")
    slot_minutes = models.PositiveSmallIntegerField("durée d'un créneau (minutes)")
    valid_from = models.DateField("à partir du")
    valid_until = models.DateField("jusqu'au")
    exceptions = models.JSONField("jours exclus", default=list, blank=True)  # ISO dates
    modality = models.CharField("modalité", max_length=3, choices=Modality.choices, default=Modality.CABINET)
    motifs = models.CharField("motifs acceptés", max_length=300, blank=True)
    paused = models.BooleanField("en pause", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    materialised_until = models.DateField(null=True, blank=True)  # slots exist up to this date

    class Meta:
        ordering = ["professional", "valid_from", "start_time"]

    def __str__(self):
        return f"Disponibilités de {self.professional} ({self.start_time:%H:%M}-{self.end_time:%H:%M})"


class Slot(VisibilityMixin, TenantModel):
    class Status(models.TextChoices):
        FREE = "free", "Libre"
        BOOKED = "busy", "Réservé"

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    place = models.ForeignKey("directory.PracticePlace", on_delete=models.PROTECT, related_name="+")
    pattern = models.ForeignKey(
        AvailabilityPattern, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots"
    )
    start = models.DateTimeField("début")
    end = models.DateTimeField("fin")
    modality = models.CharField("modalité", max_length=3, choices=Modality.choices, default=Modality.CABINET)
    motifs = models.CharField("motifs acceptés", max_length=300, blank=True)
    # Denormalised from bookings for the searches (kept in the booking's transaction); the guarantee against
    # double booking is Booking's partial unique constraint, not this field.
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.FREE)
    paused = models.BooleanField("en pause", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            # A professional is in one place at a time: no two slots starting together.
            models.UniqueConstraint(fields=["professional", "start"], name="slot_unique_professional_start"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="slot_end_after_start"
            ),
        ]
        indexes = [
            models.Index(
                fields=["cpts", "start"],
                name="slot_free_by_start",
                condition=models.Q(status="free", paused=False),
            ),
        ]

    def __str__(self):
        return f"Créneau du {self.start:%d/%m/%Y %H:%M} ({self.professional})"


class Booking(TenantModel):
    class Status(models.TextChoices):
        BOOKED = "booked", "Réservé"
        HONOURED = "honoured", "Honoré"
        NO_SHOW = "no_show", "Patient absent"
        CANCELLED = "cancelled", "Annulé"

    LIVE = (Status.BOOKED, Status.HONOURED, Status.NO_SHOW)

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    family_name = models.CharField("nom du patient", max_length=100)
    given_names = models.CharField("prénom(s)", max_length=150)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    motif = models.CharField("motif", max_length=300)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(auto_now_add=True)
    # Booked from the national SAS (the regulator followed the slot's link): a regulated appointment.
    regulated = models.BooleanField("régulé (SAS)", default=False)
    origin = models.CharField(
        "origine", max_length=40, blank=True
    )  # the SAS's "origin" parameter, as received
    rescheduled_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)  # cancelled, honoured or no-show
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField("motif d'annulation", max_length=300, blank=True)
    confirmation = models.CharField(max_length=200, blank=True)  # what the patient was sent, and how

    class Meta:
        ordering = ["-booked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(status__in=["booked", "honoured", "no_show"]),
                name="booking_one_live_per_slot",
            ),
        ]

    def __str__(self):
        return f"Réservation n° {self.pk} ({self.get_status_display()})"


class Delegation(TenantModel):
    """Someone (a structure's secretary, a colleague) who manages the slots of a professional for them."""

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cpts", "professional", "user"], name="delegation_unique")
        ]
