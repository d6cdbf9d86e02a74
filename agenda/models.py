"""The shared calendar of the coordination network: events of a group (care circle or working group), their
participants, the trace of every change, and the secret tokens of the personal iCalendar subscriptions.

Events are tenant-owned (``cpts``) and belong to a ``coordination.Group``: read through ``agenda.access``,
which applies the group's rules (coordination.access); written through ``agenda.actions`` only.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from coordination.models import Group
from cpts.models import TenantModel
from opencpts.french import elide


class Event(TenantModel):
    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "Consultation"
        HOME_VISIT = "home_visit", "Visite à domicile"
        HOSPITALISATION = "hospitalisation", "Hospitalisation"
        DISCHARGE = "discharge", "Sortie d'hospitalisation"
        MEETING = "meeting", "Réunion / RCP"
        OTHER = "other", "Autre"

    # Stable identity outside the platform (iCalendar UID): never changes, never reused.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="agenda_events")
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    title = models.CharField("titre", max_length=200)
    # All-day events run from midnight (Europe/Paris) of their first day to midnight after their last day.
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    all_day = models.BooleanField("journée entière", default=False)
    place = models.CharField("lieu", max_length=255, blank=True)
    description = models.TextField("description", max_length=4000, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="EventParticipant", related_name="+", verbose_name="participants"
    )
    external_participants = models.CharField("participants extérieurs", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField("dernière modification", default=timezone.now)
    # iCalendar SEQUENCE: bumped by every change and by the cancellation.
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField("motif d'annulation", max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["group", "starts_at"], name="agenda_event_group_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="agenda_event_ends_after_start"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class EventParticipant(TenantModel):
    """A member of the group taking part in an event (chosen among its active members when set)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participant_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="agenda_participant_unique")]

    def __str__(self):
        return f"{self.user} — {self.event}"


class EventChange(TenantModel):
    """Who created, changed or cancelled an event, and when; for a change, the fields changed and their
    previous values (shown to the group's members on the event page)."""

    class Action(models.TextChoices):
        CREATED = "created", "Création"
        CHANGED = "changed", "Modification"
        CANCELLED = "cancelled", "Annulation"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    fields = models.JSONField(default=list, blank=True)  # names of the changed fields
    previous = models.JSONField(default=dict, blank=True)  # field name -> previous value, as displayed

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} de « {self.event} »"


class CalendarToken(models.Model):
    """The secret of a personal iCalendar subscription URL (/agenda/ical/<token>.ics). Only its SHA-256 is
    stored; the value is shown once. A user has at most one active token: issuing a new one revokes the
    old."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="agenda_one_active_token_per_user",
            )
        ]

    def __str__(self):
        return f"Abonnement iCalendar {elide('de', self.user)}"  # never a part of the secret (audit labels)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
