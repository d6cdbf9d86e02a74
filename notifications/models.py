"""Notifications of one user, and how that user wants to be told by e-mail.

A ``Notification`` is neutral on purpose: its title names the kind of thing that happened and where
(the kind of group, a working group's or conversation's title, a news post's title), never a patient's
name, a message's text or a document's name. E-mails carry even less (see ``notifications.texts``).

Tenant-owned (``cpts``: the CPTS the event happened in) but read by its recipient only
(``notifications.access``), across the CPTS they belong to.
"""

import datetime as dt

from django.conf import settings
from django.db import models

from cpts.models import TenantModel
from opencpts.french import elide


class Category(models.TextChoices):
    """What a user chooses a delivery for, on /compte/notifications/."""

    MESSAGES = "messages", "Nouveaux messages et réponses"
    MENTIONS = "mentions", "Mentions (@vous)"
    INVITATIONS = "invitations", "Invitations à rejoindre un groupe"
    GROUPS = "groups", "Consentement et changements de groupe (retrait, clôture, réouverture)"
    DOCUMENTS = "documents", "Nouveaux documents"
    AGENDA = "agenda", "Agenda (rendez-vous créés, modifiés, annulés)"
    NEWS = "news", "Actualités de la CPTS (publications, commentaires sur vos actualités)"
    PROPOSALS = "proposals", "Médecin traitant : patients qui vous sont proposés, rappels"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Immédiatement"
    DIGEST = "digest", "Résumé quotidien"
    OFF = "off", "Désactivé"


class Kind(models.TextChoices):
    MESSAGE = "message", "Nouveau message"
    MENTION = "mention", "Mention"
    INVITATION = "invitation", "Invitation"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Retrait du consentement"
    GROUP_CLOSED = "group_closed", "Groupe clôturé"
    GROUP_REOPENED = "group_reopened", "Groupe rouvert"
    DOCUMENT = "document", "Nouveau document"
    EVENT_CREATED = "event_created", "Nouvel événement d'agenda"
    EVENT_CHANGED = "event_changed", "Événement d'agenda modifié"
    EVENT_CANCELLED = "event_cancelled", "Événement d'agenda annulé"
    NEWS_POST = "news_post", "Nouvelle actualité"
    NEWS_COMMENT = "news_comment", "Commentaire sur une de mes actualités"
    SNP_BOOKED = "snp_booked", "Créneau non programmé réservé"
    SNP_CANCELLED = "snp_cancelled", "Réservation de créneau annulée"
    GP_PROPOSAL = "gp_proposal", "Patient sans médecin traitant proposé"
    GP_REMINDER = "gp_reminder", "Rappel : patient proposé en attente de réponse"


class Priority(models.IntegerChoices):
    NORMAL = 0, "Normale"
    HIGH = 1, "Importante"


class EmailState(models.TextChoices):
    NONE = "none", "Pas d'e-mail"
    IMMEDIATE = "immediate", "E-mail à envoyer"
    DIGEST = "digest", "Dans le prochain résumé quotidien"
    SENT = "sent", "E-mail envoyé"
    FAILED = "failed", "Échec d'envoi (abandonné)"


class Notification(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    category = models.CharField(max_length=12, choices=Category.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    # What the notification is about, for grouping: "grp.<id>", "post.<id>", "news.<cpts id>".
    topic = models.CharField(max_length=40)
    # Deleted with its group (a purged care circle leaves no notification behind).
    group = models.ForeignKey(
        "coordination.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)  # the first message, post... notified
    count = models.PositiveIntegerField(default=1)  # events grouped in this unread notification
    title = models.CharField("titre", max_length=300)  # shown in the application, to the recipient only
    email_text = models.CharField(max_length=300)  # the e-mail line: no free text typed by anyone
    url = models.CharField(max_length=500)  # path of the page, whose own rules apply when followed
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()  # the last event grouped here
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail: state, not before (quiet hours, next digest, retry), claim of the sender that took it.
    email_state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.NONE)
    email_after = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # sent on its own (immediately or deferred)
    digest_at = models.DateTimeField(null=True, blank=True)  # sent in a daily digest

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # The header's unread count: one index-only count.
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["user", "updated_at"], name="notification_user_time"),
            # send_notifications: what is due.
            models.Index(
                fields=["email_state", "email_after"],
                condition=models.Q(email_state__in=["immediate", "digest"]),
                name="notification_email_due",
            ),
        ]
        constraints = [
            # A burst of events makes one unread notification per user, subject and kind ("3 nouveaux
            # messages").
            models.UniqueConstraint(
                fields=["user", "kind", "topic"],
                condition=models.Q(read_at__isnull=True),
                name="notification_one_unread_per_topic",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """One row per user who changed something; users without one get the field defaults below.

    Defaults: what needs an answer or changes what one may do is e-mailed at once (mentions, invitations,
    consent and group changes, agenda); the flow of messages and documents comes in a daily digest at 7 h;
    news is not e-mailed (the feed is there). Quiet hours 21 h – 7 h (Europe/Paris). In-app notifications
    are always kept: these settings govern e-mails only.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    messages = models.CharField(
        Category.MESSAGES.label, max_length=10, choices=Delivery.choices, default=Delivery.DIGEST
    )
    mentions = models.CharField(
        Category.MENTIONS.label, max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    invitations = models.CharField(
        Category.INVITATIONS.label, max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    groups = models.CharField(
        Category.GROUPS.label, max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    documents = models.CharField(
        Category.DOCUMENTS.label, max_length=10, choices=Delivery.choices, default=Delivery.DIGEST
    )
    agenda = models.CharField(
        Category.AGENDA.label, max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    news = models.CharField(
        Category.NEWS.label, max_length=10, choices=Delivery.choices, default=Delivery.OFF
    )
    proposals = models.CharField(
        Category.PROPOSALS.label, max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    # Quiet hours, local time (Europe/Paris); start after end crosses midnight. Both empty: none.
    quiet_start = models.TimeField("début des heures calmes", null=True, blank=True, default=dt.time(21, 0))
    quiet_end = models.TimeField("fin des heures calmes", null=True, blank=True, default=dt.time(7, 0))
    digest_hour = models.PositiveSmallIntegerField("heure du résumé quotidien", default=7)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_hour__lte=23), name="notificationpreference_digest_hour"
            ),
            models.CheckConstraint(
                condition=models.Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | models.Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="notificationpreference_quiet_both_or_none",
            ),
        ]

    def __str__(self):
        return f"Préférences de notification {elide('de', self.user)}"

    def delivery(self, category: str) -> str:
        return getattr(self, category)

    @property
    def has_quiet_hours(self) -> bool:
        return (
            self.quiet_start is not None and self.quiet_end is not None and self.quiet_start != self.quiet_end
        )


class PushSubscription(models.Model):
    """One browser (phone, computer) where a user turned Web Push notifications on: the address of the browser
    vendor's push service and the keys that encrypt what is sent there (RFC 8291). The browser of another
    account taking the same address takes the row over. Written only by ``notifications/push.py``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField("adresse du service de notification", max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    label = models.CharField("appareil", max_length=100, blank=True)
    created_at = models.DateTimeField("activé le")
    last_success_at = models.DateTimeField("dernier envoi réussi", null=True, blank=True)

    class Meta:
        verbose_name = "abonnement Web Push"
        verbose_name_plural = "abonnements Web Push"

    def __str__(self):
        return f"{self.label or 'Navigateur'} ({self.user})"
