"""What the instance administrator needs to see of the background jobs: each failed attempt, with its error.

The queue itself is the engine's (``procrastinate_jobs`` on PostgreSQL; nothing on the inline engine, which
runs a job at once): this table only keeps the failures, so that none is lost silently."""

from django.conf import settings
from django.db import models


class JobFailure(models.Model):
    task_name = models.CharField(max_length=128)
    # The engine's job (procrastinate_jobs.id); empty for a job run inline.
    job_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    args = models.JSONField(default=dict)
    attempt = models.PositiveIntegerField(default=1)
    final = models.BooleanField(default=True, help_text="No retry follows this attempt.")
    error = models.TextField()
    failed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-failed_at", "-pk"]
        indexes = [models.Index(fields=["resolved_at", "final"], name="jobs_failure_open")]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.failed_at:%Y-%m-%d %H:%M})"
