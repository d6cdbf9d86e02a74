"""Soins non programmés (SNP): the unscheduled slots professionals choose to expose, and their bookings.

A professional (or someone they delegate to) publishes slots at one of their places of practice, one by one
or through a weekly ``AvailabilityPattern`` that ``unscheduled.slots.materialise`` turns into concrete
``Slot`` rows over a rolling horizon. Each slot says who may see it (TRE_R314 codes: PUBLIC, PRO, SNP, CPTS;
nothing is exposed that the professional did not tick) and how the patient is seen (cabinet, home visit,
teleconsultation). A ``Booking`` takes a slot; the database itself refuses a second live booking of the same
slot (partial unique constraint), so concurrent requests can never double-book.

Tenant-owned: a slot is published in one CPTS (the one whose SNP organisation it serves and whose FINESS the
SAS interface shows).

The reading rules live here as QuerySet methods, written once: ``Slot.objects.bookable`` (free, not paused, to
come, and open to the audience by its types: the search, the SAS interface, the pages and the booking rule),
``Slot.objects.editable`` (to come, free, without a live booking: what a professional may still change),
``Slot.objects.offered`` (not paused: the slots counted as offered), ``AvailabilityPattern.objects.in_force``
and ``not_ended``, ``Booking.objects.live``. No other module filters a slot on its status or pause (a walker
test, ``unscheduled/tests/test_slot_rules_in_one_place.py``, holds it).
"""

import datetime as dt
import functools
import operator

from django.conf import settings
from django.db import models
from django.utils import timezone

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


class Audience(models.TextChoices):
    """Who looks for bookable slots."""

    MEMBER = "member", "Membres de la CPTS (recherche, pages, API, réservation)"
    SAS = "sas", "Agrégateur national du SAS"


# The slot types (TRE_R314) that open a slot to each audience. Every type opens a slot at least to the CPTS's
# members (PUBLIC = everyone, PUBLIC and PRO = every professional, SNP = the regulation, CPTS = its members);
# the SAS receives every typed slot with all its types and shows each one only to whom they open it.
AUDIENCE_TYPES = {
    Audience.MEMBER: tuple(Visibility.values),
    Audience.SAS: tuple(Visibility.values),
}


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


class AvailabilityPatternQuerySet(models.QuerySet):
    def not_ended(self, today: dt.date) -> "AvailabilityPatternQuerySet":
        """Patterns whose period runs to ``today`` or later, paused or not (the professional takes part)."""
        return self.filter(valid_until__gte=today)

    def in_force(self, today: dt.date) -> "AvailabilityPatternQuerySet":
        """Patterns that still give slots: not ended and not paused (what the daily materialisation walks)."""
        return self.not_ended(today).filter(paused=False)


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

    objects = AvailabilityPatternQuerySet.as_manager()

    class Meta:
        ordering = ["professional", "valid_from", "start_time"]

    def __str__(self):
        return f"Disponibilités de {self.professional} ({self.start_time:%H:%M}-{self.end_time:%H:%M})"


def visible_to(audience: str) -> models.Q:
    """The slots whose types open them to ``audience`` (at least one of its types ticked)."""
    return functools.reduce(
        operator.or_, (models.Q(**{VISIBILITY_FIELDS[code]: True}) for code in AUDIENCE_TYPES[audience])
    )


class SlotQuerySet(models.QuerySet):
    def bookable(self, *, audience: str = Audience.MEMBER, now: dt.datetime | None = None) -> "SlotQuerySet":
        """THE bookable slot: free, not paused, starting after ``now`` and open to ``audience`` by its types.
        The same terms as the partial index ``slot_free_by_start``, which serves it."""
        now = now or timezone.now()
        return self.filter(status=Slot.Status.FREE, paused=False, start__gt=now).filter(visible_to(audience))

    def editable(self, now: dt.datetime | None = None) -> "SlotQuerySet":
        """Slots a professional may still change, pause or delete: to come, free, without a live booking."""
        now = now or timezone.now()
        return self.filter(start__gt=now, status=Slot.Status.FREE).exclude(bookings__status__in=Booking.LIVE)

    def offered(self) -> "SlotQuerySet":
        """Slots counted as offered in the indicators: published and not paused (booked ones included)."""
        return self.filter(paused=False)


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

    objects = SlotQuerySet.as_manager()

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


class BookingQuerySet(models.QuerySet):
    def live(self) -> "BookingQuerySet":
        """Bookings that hold their slot: booked, honoured or no-show (not cancelled)."""
        return self.filter(status__in=Booking.LIVE)


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
    given_names = models.CharField("prénoms", max_length=150)
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

    objects = BookingQuerySet.as_manager()

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
