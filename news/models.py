"""The news feed of a CPTS: posts (announcements, events, information) and their comments.

Tenant-owned (``cpts``); read through ``news.access`` only. News is not clinical: every active member of
the CPTS reads it, whatever their role; it must never carry patient data (the pages say so, and
``news.actions`` refuses a text that holds a NIR). Nothing is ever erased: an edit keeps the previous
version (``PostRevision``, ``CommentRevision``), a deletion is a trace (``deleted_at``, ``deleted_by``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cpts.models import TenantModel
from opencpts.french import elide

TITLE_MAX = 200
BODY_MAX = 10000
PLACE_MAX = 255
COMMENT_MAX = 4000


class Post(TenantModel):
    class Kind(models.TextChoices):
        ANNOUNCEMENT = "annonce", "Annonce"
        EVENT = "evenement", "Événement"
        INFORMATION = "information", "Information"

    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    title = models.CharField("titre", max_length=TITLE_MAX)
    body = models.TextField("texte", max_length=BODY_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("publié le", default=timezone.now)
    edited_at = models.DateTimeField("modifié le", null=True, blank=True)
    pinned = models.BooleanField("épinglé", default=False)
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Events only: when and where.
    event_date = models.DateField("date", null=True, blank=True)
    event_time = models.TimeField("heure", null=True, blank=True)
    place = models.CharField("lieu", max_length=PLACE_MAX, blank=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-pinned", "-published_at", "-pk"]
        verbose_name = "actualité"
        indexes = [
            models.Index(fields=["cpts", "pinned", "published_at"], name="news_post_feed"),
            models.Index(fields=["cpts", "kind", "event_date"], name="news_post_events"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="evenement", event_date__isnull=False, event_time__isnull=False)
                    | (
                        ~models.Q(kind="evenement")
                        & models.Q(event_date__isnull=True, event_time__isnull=True)
                    )
                ),
                name="news_post_event_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_event(self) -> bool:
        return self.kind == self.Kind.EVENT


class PostRevision(TenantModel):
    """A previous version of an edited post ("Modifié le ...")."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=12, choices=Post.Kind.choices)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=BODY_MAX)
    event_date = models.DateField(null=True, blank=True)
    event_time = models.TimeField(null=True, blank=True)
    place = models.CharField(max_length=PLACE_MAX, blank=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self):
        return f"Version de « {self.title} » remplacée le {self.replaced_at:%d/%m/%Y %H:%M}"


class Comment(TenantModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("commentaire", max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["post", "created_at"], name="news_comment_post_time")]

    def __str__(self):
        return f"Commentaire {elide('de', self.author)} sur « {self.post} »"

    @property
    def moderated(self) -> bool:
        """Removed by a coordinator rather than by its author."""
        return self.deleted_at is not None and self.deleted_by_id != self.author_id


class CommentRevision(TenantModel):
    """A previous text of an edited comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(max_length=COMMENT_MAX)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-replaced_at", "-pk"]
