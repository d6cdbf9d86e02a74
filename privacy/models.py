"""Data-protection duties of a CPTS: its DPO's contact, the requests of persons exercising their rights and
the work a request asks of a care circle's members.

Tenant-owned (``cpts``) and audited (``audit/signals.py``). A request names its person by the patient's number
only once linked (``patient_number``, kept after an erasure deletes the patient); the requester's name is kept
as the proof that the request was handled (art. 5-2 and 12 RGPD).
"""

import datetime as dt

from django.conf import settings
from django.db import models

from cpts.models import TenantModel
from opencpts.dates import shift_months


class PrivacyContact(TenantModel):
    """The CPTS's délégué à la protection des données (one row at most per CPTS)."""

    dpo_name = models.CharField("nom du délégué ou de l'organisme", max_length=200)
    dpo_email = models.EmailField("adresse e-mail du délégué", max_length=254)
    dpo_address = models.TextField("adresse postale du délégué", max_length=500)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cpts"], name="privacycontact_one_per_cpts")]
        verbose_name = "délégué à la protection des données"

    def __str__(self):
        return f"DPO : {self.dpo_name}"


class RightsRequest(TenantModel):
    """A person's request (art. 15 to 21 RGPD), answered within one month of its receipt (art. 12-3)."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Accès (copie des données)"
        RECTIFICATION = "rectification", "Rectification"
        OPPOSITION = "opposition", "Opposition"
        ERASURE = "erasure", "Effacement"

    class Status(models.TextChoices):
        OPEN = "open", "En cours"
        ANSWERED = "answered", "Répondue"
        REFUSED = "refused", "Refusée"

    kind = models.CharField("droit exercé", max_length=20, choices=Kind.choices)
    requester = models.CharField("demandeur", max_length=200)
    requester_is_patient = models.BooleanField("la personne concernée elle-même", default=True)
    channel = models.CharField("reçue par", max_length=200, blank=True)
    received_on = models.DateField("reçue le")
    due_on = models.DateField("à répondre avant le")
    details = models.TextField("précisions (sans donnée de santé)", max_length=2000, blank=True)
    # The person concerned, once found by the coordination (identity only, never the content of a circle).
    patient = models.ForeignKey(
        "coordination.Patient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    patient_number = models.PositiveBigIntegerField("patient n°", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField("réponse apportée", max_length=4000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["status", "due_on", "pk"]

    def __str__(self):
        return f"Demande n° {self.pk} ({self.get_kind_display().lower()})"

    @staticmethod
    def deadline(received_on: dt.date) -> dt.date:
        """One month after receipt (art. 12-3 RGPD), the same day of the next month (or its last day)."""
        return shift_months(received_on, 1)


class CircleTask(TenantModel):
    """What a request asks of the members of one care circle: produce the export of its content for the
    person (access). The coordination asks; a member who reads the circle produces the file and hands it
    over; the platform keeps the date, the producer and the SHA-256 of what was produced, never a copy."""

    class Status(models.TextChoices):
        PENDING = "pending", "À préparer"
        DONE = "done", "Préparé"
        CANCELLED = "cancelled", "Annulé"

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="tasks")
    group = models.ForeignKey(
        "coordination.Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    group_number = models.PositiveBigIntegerField("cercle de soins n°")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of each file produced, by format ("pdf", "json"): the proof of what was handed over.
    digests = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "group_number"], name="circletask_one_per_request_and_circle"
            )
        ]

    def __str__(self):
        return f"Export demandé au cercle de soins n° {self.group_number}"
