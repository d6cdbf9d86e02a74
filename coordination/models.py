"""The coordination network of a CPTS: patients, care circles around one patient, thematic working
groups, their members, the patient's consent, and messages by subject with replies.

Tenant-owned (``cpts``); read through ``coordination.access`` only, which applies the rules: a patient's
data only to the members of their care circle, clinical content only under a valid consent.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cpts.models import TenantModel


class Patient(TenantModel):
    class Sex(models.TextChoices):
        FEMALE = "F", "Femme"
        MALE = "M", "Homme"
        OTHER = "U", "Autre / non renseigné"

    family_name = models.CharField("nom de naissance", max_length=100)
    used_name = models.CharField("nom d'usage", max_length=100, blank=True)
    given_names = models.CharField("prénoms", max_length=150)
    birth_date = models.DateField("date de naissance")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, default=Sex.OTHER)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    phone = models.CharField("téléphone", max_length=20, blank=True)
    # INS / NIR (matricule INS): optional, checked with its key; stored only when given.
    nir = models.CharField("NIR (matricule INS)", max_length=15, blank=True)
    is_synthetic = models.BooleanField("patient fictif (démonstration)", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_names"]

    def __str__(self):
        return f"{self.given_names} {self.used_name or self.family_name}".strip()

    def age(self, on=None) -> int:
        on = on or timezone.localdate()
        return (
            on.year
            - self.birth_date.year
            - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))
        )


class Relative(TenantModel):
    """Aidant, personne de confiance, responsable légal (TRE_R260 codes)."""

    class Kind(models.TextChoices):
        CAREGIVER = "CAREGIVER", "Aidant"
        TRUSTED = "NOK", "Personne de confiance"
        GUARDIAN = "GUARD", "Responsable légal"
        EMERGENCY = "ECON", "Personne à prévenir en cas d'urgence"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="relatives")
    kind = models.CharField("lien", max_length=10, choices=Kind.choices)
    family_name = models.CharField("nom", max_length=100)
    given_names = models.CharField("prénom", max_length=100, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)

    def __str__(self):
        return f"{self.given_names} {self.family_name} ({self.get_kind_display()})"


class Group(TenantModel):
    class Kind(models.TextChoices):
        CARE_CIRCLE = "care_circle", "Concertation autour du patient"
        WORKING_GROUP = "working_group", "Groupe de travail"
        # Direct messages between a few professionals of the CPTS (CONVERSATION_MAX_MEMBERS at most), no
        # patient.
        CONVERSATION = "conversation", "Conversation (messages directs)"

    class Status(models.TextChoices):
        OPEN = "open", "Ouvert"
        CLOSED = "closed", "Clôturé (archive en lecture seule)"

    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    title = models.CharField("titre", max_length=200)
    description = models.TextField("description", max_length=4000, blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="groups"
    )
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One active care circle per patient in a CPTS (Cercle de soins guide).
            models.UniqueConstraint(
                fields=["cpts", "patient"],
                condition=models.Q(kind="care_circle", status="open"),
                name="group_one_open_circle_per_patient",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="care_circle", patient__isnull=False)
                    | models.Q(kind__in=["working_group", "conversation"], patient__isnull=True)
                ),
                name="group_patient_iff_circle",
            ),
        ]

    def __str__(self):
        return self.title


class GroupMember(TenantModel):
    class Status(models.TextChoices):
        INVITED = "invited", "Invité"
        ACTIVE = "active", "Membre"
        DECLINED = "declined", "A décliné"
        LEFT = "left", "A quitté le groupe"
        REMOVED = "removed", "Retiré du groupe"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    function = models.CharField("rôle dans la prise en charge", max_length=100, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="groupmember_unique")]

    def __str__(self):
        return f"{self.user} — {self.group} ({self.get_status_display()})"


class Consent(TenantModel):
    class Method(models.TextChoices):
        SIGNED_PAPER = "signed_paper", "Document papier signé (scanné)"
        ON_SCREEN = "on_screen", "Signature à l'écran"
        ORAL_WITNESS = "oral_witness", "Consentement oral devant témoin"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="consents")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    collected_on = models.DateField("recueilli le")
    method = models.CharField("modalité", max_length=20, choices=Method.choices)
    witness = models.CharField("témoin", max_length=200, blank=True)
    scope = models.TextField("portée du consentement", max_length=2000)
    expires_on = models.DateField("expire le", null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-collected_on", "-created_at"]

    def __str__(self):
        return f"Consentement de {self.patient} ({self.collected_on:%d/%m/%Y})"

    def is_valid(self, on=None) -> bool:
        on = on or timezone.localdate()
        return (
            self.withdrawn_at is None
            and self.collected_on <= on
            and (self.expires_on is None or on <= self.expires_on)
        )


class Message(TenantModel):
    """A message: a subject (``parent`` empty, with a ``subject`` title) or a reply to one.

    ``client_token`` is the composer's idempotency token (one per message typed): the same token posted
    twice by its author (a double tap, a retry after a lost connection) gives the first message back instead
    of a second one. Unique per author, enforced by the database so two concurrent posts cannot both win."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="messages")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    subject = models.CharField("sujet", max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("message", max_length=20000)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    client_token = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["group", "created_at"], name="message_group_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"],
                condition=~models.Q(client_token=""),
                name="message_one_per_client_token",
            )
        ]

    def __str__(self):
        return self.subject or f"Réponse de {self.author}"


class MessageRevision(TenantModel):
    """The previous text of an edited message ("Modifié le ...")."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(max_length=20000)
    subject = models.CharField(max_length=200, blank=True)
    replaced_at = models.DateTimeField(auto_now_add=True)


class ReadReceipt(TenantModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="readreceipt_unique")]


# A conversation (direct messages) gathers at most this many professionals, its initiator included.
CONVERSATION_MAX_MEMBERS = 10


class MessageMention(TenantModel):
    """A member named with "@Prénom Nom" (or "@Nom") in a message; told through ``message.mentioned``."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="messagemention_unique")]


class EmailInvitation(TenantModel):
    """An invitation to a group sent by e-mail to a professional who is not a member of the CPTS.

    Only the SHA-256 of the link's token is stored; the link works once, until ``expires_at``. When an account
    already exists for the address, ``user`` names it and the invitation waits in that account's invitations.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        ACCEPTED = "accepted", "Acceptée"
        DECLINED = "declined", "Déclinée"
        CANCELLED = "cancelled", "Annulée"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="email_invitations")
    email = models.EmailField("adresse e-mail", max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    function = models.CharField("rôle dans la prise en charge", max_length=100, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coordination_email_invitations",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One pending invitation per address and group: a second one would leave two live links.
            models.UniqueConstraint(
                fields=["group", "email"],
                condition=models.Q(status="pending"),
                name="emailinvitation_one_pending",
            ),
        ]

    def __str__(self):
        return f"Invitation par e-mail n° {self.pk}"

    def is_usable(self, now=None) -> bool:
        return self.status == self.Status.PENDING and (now or timezone.now()) < self.expires_at


class CoordinationSettings(TenantModel):
    """Coordination settings of one CPTS (one row at most, created with the defaults on first use)."""

    # Default: one year after closure. The purge: coordination/retention.py.
    DEFAULT_RETENTION_DAYS = 365
    MIN_RETENTION_DAYS = 30
    MAX_RETENTION_DAYS = 7300

    closed_circle_retention_days = models.PositiveIntegerField(
        "durée de conservation des cercles clôturés (jours)", default=DEFAULT_RETENTION_DAYS
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cpts"], name="coordinationsettings_one_per_cpts")]
        verbose_name = "réglages de la coordination"

    def __str__(self):
        return "Réglages de la coordination"
