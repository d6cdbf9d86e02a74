"""Finding a médecin traitant: the waiting list of patients without one, the GPs' capacity, the matching runs
and their proposals. Tenant-owned: a request belongs to the CPTS whose territory the patient lives in.

Personal data are kept only as long as needed (``Policy`` sets the periods; ``gpmatching.retention``
deletes); what the ACI indicators need after deletion is kept without identity in ``Placement``.

Which requests are open or queued and which proposals are pending is written once, as QuerySet methods
(``Request.objects.open()`` / ``queued()``, ``Proposal.objects.pending()``); a walker test
(gpmatching/tests/test_request_rules_in_one_place.py) keeps other modules from filtering on them by hand."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from cpts.models import TenantModel
from opencpts.french import elide


class Policy(TenantModel):
    """The CPTS's rules for its waiting list: the priority score's points (ACI criteria by default), how long
    personal data are kept, when proposals are reminded and expire. One row per CPTS, created on first use."""

    base = models.PositiveSmallIntegerField("points de base (toute demande)", default=10)
    ald = models.PositiveSmallIntegerField("affection de longue durée (ALD)", default=30)
    age_70 = models.PositiveSmallIntegerField("70 ans et plus", default=25)
    precarity = models.PositiveSmallIntegerField("précarité (C2S, AME)", default=25)
    chronic = models.PositiveSmallIntegerField("maladie chronique (hors ALD)", default=10)
    disability = models.PositiveSmallIntegerField("situation de handicap", default=10)
    pregnancy = models.PositiveSmallIntegerField("grossesse", default=10)
    home_visits = models.PositiveSmallIntegerField("besoin de visites à domicile", default=5)
    per_month_waiting = models.PositiveSmallIntegerField("par mois d'attente", default=2)
    max_waiting_points = models.PositiveSmallIntegerField("plafond des points d'attente", default=24)
    keep_after_placement_days = models.PositiveSmallIntegerField(
        "conservation après attribution (jours)", default=30
    )
    keep_waiting_months = models.PositiveSmallIntegerField(
        "conservation d'une demande en attente (mois)", default=24
    )
    remind_after_days = models.PositiveSmallIntegerField(
        "relance d'une proposition sans réponse (jours)", default=5
    )
    expire_after_days = models.PositiveSmallIntegerField(
        "expiration d'une proposition sans réponse (jours)", default=15
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cpts"], name="gp_policy_one_per_cpts"),
            models.CheckConstraint(
                condition=models.Q(keep_waiting_months__gte=1, keep_waiting_months__lte=60),
                name="gp_policy_keep_waiting_range",
            ),
            models.CheckConstraint(
                condition=models.Q(remind_after_days__lt=models.F("expire_after_days")),
                name="gp_policy_remind_before_expiry",
            ),
        ]

    def __str__(self):
        return f"Règles de la liste d'attente ({self.cpts_id})"


class NoGPReason(models.TextChoices):
    RETIREMENT = "retirement", "Mon médecin est parti à la retraite"
    MOVED = "moved", "J'ai déménagé"
    GP_LEFT = "gp_left", "Mon médecin a quitté le territoire ou cessé son activité"
    NEVER = "never", "Je n'ai jamais eu de médecin traitant"
    OTHER = "other", "Autre raison"


class RequestQuerySet(models.QuerySet):
    def open(self) -> RequestQuerySet:
        """Requests still looking: to confirm, waiting or proposed to a GP."""
        return self.filter(status__in=Request.OPEN)

    def queued(self) -> RequestQuerySet:
        """The waiting list: confirmed requests waiting or proposed to a GP."""
        return self.filter(status__in=Request.QUEUED)


class Request(TenantModel):
    """A person looking for a médecin traitant."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "À confirmer"
        WAITING = "waiting", "En attente"
        PROPOSED = "proposed", "Proposée à un médecin"
        PLACED = "placed", "Médecin traitant trouvé"
        WITHDRAWN = "withdrawn", "Retirée"
        MERGED = "merged", "Fusionnée avec une autre demande"

    class Source(models.TextChoices):
        PUBLIC = "public", "Formulaire public"
        MEMBER = "member", "Saisie par un professionnel"
        IMPORT = "import", "Import d'une liste"

    OPEN = (Status.UNCONFIRMED, Status.WAITING, Status.PROPOSED)
    QUEUED = (Status.WAITING, Status.PROPOSED)

    reference = models.CharField("référence", max_length=20, unique=True)
    status = models.CharField("état", max_length=12, choices=Status.choices, default=Status.UNCONFIRMED)
    source = models.CharField("origine", max_length=8, choices=Source.choices)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Identity and contact
    last_name = models.CharField("nom", max_length=100, blank=True)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    nir = models.CharField("numéro de sécurité sociale", max_length=15, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    address = models.CharField("adresse", max_length=200, blank=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Where the distance to a GP is measured from: the commune's centre unless a geocoded address is given.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Situation
    ald = models.BooleanField("affection de longue durée (ALD)", default=False)
    c2s = models.BooleanField("complémentaire santé solidaire (C2S)", default=False)
    ame = models.BooleanField("aide médicale de l'État (AME)", default=False)
    disability = models.BooleanField("situation de handicap", default=False)
    pregnancy = models.BooleanField("grossesse en cours", default=False)
    chronic = models.BooleanField("maladie chronique", default=False)
    home_visits = models.BooleanField("besoin de visites à domicile", default=False)
    reason = models.CharField(
        "pourquoi pas de médecin traitant", max_length=12, choices=NoGPReason.choices, blank=True
    )
    comment = models.CharField("précisions", max_length=500, blank=True)
    # Consent to the processing (public form) or the member's attestation that the patient agreed.
    consent_at = models.DateTimeField("consentement au traitement", null=True, blank=True)
    consent_text = models.CharField(max_length=40, blank=True)  # version of the text agreed to
    # Life
    created_at = models.DateTimeField(auto_now_add=True)
    waiting_since = models.DateField("en attente depuis")  # kept from the oldest of merged requests
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_token_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    placed_at = models.DateTimeField(null=True, blank=True)
    placed_with = models.ForeignKey(
        "directory.Professional", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Priority, as computed by gpmatching.priority at ``priority_on`` (refreshed daily and before a matching).
    priority = models.PositiveSmallIntegerField("priorité", default=0)
    priority_reasons = models.JSONField(default=list, blank=True)
    priority_on = models.DateField(null=True, blank=True)
    # Identity key for duplicate detection: normalised names + birth date (see gpmatching.requests).
    identity_key = models.CharField(max_length=120, blank=True, db_index=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "waiting_since", "pk"]
        indexes = [models.Index(fields=["cpts", "status", "-priority"], name="gp_request_queue")]

    def __str__(self):
        return f"Demande {self.reference}"

    @property
    def precarity(self) -> bool:
        return self.c2s or self.ame

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def display_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}".strip()


class RequestEvent(TenantModel):
    """The history of a request: every change of state, who made it, why."""

    class Kind(models.TextChoices):
        CREATED = "created", "Demande reçue"
        CONFIRMED = "confirmed", "Demande confirmée"
        MERGED = "merged", "Doublon fusionné"
        UPDATED = "updated", "Demande modifiée"
        PROPOSED = "proposed", "Proposée à un médecin"
        REMINDED = "reminded", "Relance du médecin"
        ACCEPTED = "accepted", "Acceptée par le médecin"
        DECLINED = "declined", "Refusée par le médecin"
        EXPIRED = "expired", "Proposition expirée"
        WITHDRAWN_PROPOSAL = "unproposed", "Proposition retirée"
        PATIENT_INFORMED = "informed", "Patient informé"
        WITHDRAWN = "withdrawn", "Demande retirée"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Capacity(TenantModel):
    """What a GP of the CPTS declares: new patients taken per month and the conditions."""

    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    place = models.ForeignKey(
        "directory.PracticePlace", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    per_month = models.PositiveSmallIntegerField("nouveaux patients par mois", default=0)
    max_distance_km = models.PositiveSmallIntegerField("distance maximale (km)", null=True, blank=True)
    communes = models.ManyToManyField(
        "territory.Commune", blank=True, related_name="+", verbose_name="communes acceptées"
    )
    min_age = models.PositiveSmallIntegerField("âge minimal", default=0)
    max_age = models.PositiveSmallIntegerField("âge maximal", null=True, blank=True)
    home_visits = models.BooleanField("fait des visites à domicile", default=False)
    paused_until = models.DateField("en pause jusqu'au", null=True, blank=True)
    retirement_on = models.DateField("départ en retraite prévu le", null=True, blank=True)
    patients = models.PositiveIntegerField("patients dont je suis le médecin traitant", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cpts", "professional"], name="gp_capacity_one_per_gp"),
            models.CheckConstraint(
                condition=models.Q(max_age__isnull=True) | models.Q(max_age__gte=models.F("min_age")),
                name="gp_capacity_age_range",
            ),
        ]

    def __str__(self):
        return f"Capacité {elide('de', self.professional)}"

    def paused_on(self, day: dt.date) -> bool:
        return self.paused_until is not None and self.paused_until >= day

    def retired_on(self, day: dt.date) -> bool:
        return self.retirement_on is not None and self.retirement_on <= day


class MatchingRun(TenantModel):
    """One "Proposer des attributions": the figures of the optimum and of the greedy baseline."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    requests = models.PositiveIntegerField(default=0)
    gps = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    placed = models.PositiveIntegerField(default=0)
    weighted = models.PositiveIntegerField(default=0)
    distance_m = models.BigIntegerField(default=0)
    greedy_placed = models.PositiveIntegerField(default=0)
    greedy_weighted = models.PositiveIntegerField(default=0)
    greedy_distance_m = models.BigIntegerField(default=0)
    optimal = models.BooleanField(default=False)  # the dual certificate matched (gpmatching.solver.certify)
    seconds = models.FloatField(default=0)
    unplaced = models.JSONField(default=dict, blank=True)  # request id -> why no GP could be proposed

    class Meta:
        ordering = ["-at"]


class ProposalQuerySet(models.QuerySet):
    def pending(self) -> ProposalQuerySet:
        """Proposals not answered yet: drafted by a run or sent to the GP (one per request at a time)."""
        return self.filter(status__in=Proposal.PENDING)


class Proposal(TenantModel):
    """A request proposed to a GP: drafted by a run, sent by the coordination, answered by the GP."""

    class Status(models.TextChoices):
        DRAFT = "draft", "À envoyer"
        SENT = "sent", "Envoyée, en attente de réponse"
        ACCEPTED = "accepted", "Acceptée"
        DECLINED = "declined", "Refusée"
        EXPIRED = "expired", "Expirée sans réponse"
        DISCARDED = "discarded", "Écartée"

    PENDING = (Status.DRAFT, Status.SENT)

    run = models.ForeignKey(
        MatchingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="proposals")
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    distance_m = models.PositiveIntegerField(default=0)
    remaining_capacity = models.PositiveSmallIntegerField(default=0)  # the GP's room left after this proposal
    explanation = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField("motif du refus", max_length=300, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            # A request is proposed to one GP at a time.
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status__in=["draft", "sent"]),
                name="gp_proposal_one_pending_per_request",
            ),
        ]


class Placement(TenantModel):
    """What the ACI indicators keep of a placement once the request's personal data are deleted: no
    identity."""

    placed_on = models.DateField()
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ald = models.BooleanField(default=False)
    age_70 = models.BooleanField(default=False)
    precarity = models.BooleanField(default=False)
    waited_days = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=8, choices=Request.Source.choices)
    request_reference = models.CharField(max_length=20)  # the trace back to the request while it exists

    class Meta:
        ordering = ["-placed_on"]
        indexes = [models.Index(fields=["cpts", "placed_on"], name="gp_placement_by_day")]


class ImportBatch(TenantModel):
    """A CSV list being imported: parsed and checked first (preview, per-line report), applied at once or not
    at all. The parsed rows are deleted once applied or cancelled."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Aperçu"
        APPLIED = "applied", "Importée"
        CANCELLED = "cancelled", "Annulée"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    filename = models.CharField(max_length=200)
    rows = models.JSONField(default=list, blank=True)  # the valid rows, cleaned
    issues = models.JSONField(default=list, blank=True)  # [{"line": n, "message": "..."}]
    total_lines = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
