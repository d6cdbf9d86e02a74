"""The instance administrator's replacements of the registered document templates (docgen/registry.py).

Instance-wide, not tenant-owned: one template of a key serves every CPTS and project of the instance. The
uploaded DOCX is kept in the database (at most ``MAX_BYTES``); a replacement stays as history once another
replaces it or the default is restored (``active`` false, ``ended_at``/``ended_by`` said)."""

from django.conf import settings
from django.db import models

MAX_BYTES = 2 * 1024 * 1024


class TemplateOverride(models.Model):
    key = models.CharField(max_length=100, db_index=True)
    content = models.BinaryField()
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(active=True), name="docgen_one_active_override"
            ),
            models.CheckConstraint(condition=models.Q(size__lte=MAX_BYTES), name="docgen_override_size"),
        ]
        verbose_name = "modèle de document remplacé"
        verbose_name_plural = "modèles de documents remplacés"

    def __str__(self):
        return f"{self.key} ({self.uploaded_at:%Y-%m-%d %H:%M})"
