"""Append-only, keyed hash-chained audit trail.

Entries are grouped in chains: one chain per CPTS (chain = CPTS id) plus chain 0 for instance-level
events (logins, CPTS creation, reference data). Each entry stores its position ``seq`` in its chain,
the hash of the previous entry and its own hash, so that ``verify_audit`` detects any edited,
deleted or reordered entry. A chain per tenant keeps writers of different CPTS from queueing on one
lock at national scale.

``version`` 2 (every new entry): ``hash`` is an HMAC-SHA256 under the audit key named by ``key_id``
(audit/keys.py), a key kept outside the database, so that rewriting an entry and the hashes after it
needs the key. ``version`` 1: the plain SHA-256 of the entries written before the key existed, still
verified, accepted only before the first keyed entry of their chain.
"""

from django.db import models


class AuditChainHead(models.Model):
    """The last position and hash of one chain; locked while appending."""

    chain = models.BigIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "Création"
        UPDATE = "update", "Modification"
        DELETE = "delete", "Suppression"
        VIEW = "view", "Consultation"
        LOGIN_OK = "login.success", "Connexion réussie"
        LOGIN_FAILED = "login.failure", "Échec de connexion"
        LOGIN_BLOCKED = "login.blocked", "Connexion bloquée"
        OTP_OK = "otp.success", "Second facteur validé"
        OTP_FAILED = "otp.failure", "Échec du second facteur"
        LOGOUT = "logout", "Déconnexion"
        EXPORT = "export", "Export"
        DECISION = "decision", "Décision"

    chain = models.BigIntegerField(db_index=True)
    seq = models.BigIntegerField()
    at = models.DateTimeField()
    action = models.CharField(max_length=32, choices=Action.choices)
    # Plain values, not foreign keys: an entry must outlive and never be rewritten by what it names.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)
    cpts_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    version = models.PositiveSmallIntegerField(default=2)  # 1: plain SHA-256 (before keys), 2: HMAC-SHA256
    key_id = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_unique_chain_seq")]
        indexes = [
            models.Index(fields=["cpts_id", "-at"], name="audit_cpts_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Le journal d'audit est en ajout seul : une entrée ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal d'audit est en ajout seul : une entrée ne se supprime pas.")
