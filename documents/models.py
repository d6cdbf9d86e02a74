"""Documents of the coordination network: files shared in a group (care circle or working group), each
with its versions, every version's content encrypted at rest (AES-256-GCM, documents/crypto.py).

Tenant-owned (``cpts``) and attached to a ``coordination.Group``: read through ``documents.access``, which
applies the group's rules (coordination.access). A document may be attached to a message, or be the scan
of a signed paper consent. Deletion is soft: the versions and their content stay for the audit.
"""

from django.conf import settings
from django.db import models

from coordination.models import Consent, Group, Message
from cpts.models import TenantModel


class Document(TenantModel):
    class Kind(models.TextChoices):
        FILE = "file", "Document"
        CONSENT_FORM = "consent_form", "Consentement signé (scan)"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("nature", max_length=20, choices=Kind.choices, default=Kind.FILE)
    title = models.CharField("titre", max_length=200)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    consent = models.ForeignKey(
        Consent, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["group", "created_at"], name="document_group_time")]

    def __str__(self):
        return self.title

    @property
    def latest(self) -> "DocumentVersion | None":
        """The current version (from ``versions``, prefetched newest first by documents.access)."""
        versions = list(self.versions.all())
        return max(versions, key=lambda v: v.number) if versions else None


class DocumentVersion(TenantModel):
    """One uploaded file. Its content is in ``DocumentBlob`` (encrypted, in the database or the object
    store), never in this row."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    filename = models.CharField("nom du fichier", max_length=255)
    content_type = models.CharField("type", max_length=100)
    size = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField("SHA-256 du contenu", max_length=64)
    sha1_base64 = models.CharField("SHA-1 du contenu (base64, FHIR Attachment.hash)", max_length=28)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documentversion_unique_number")
        ]

    def __str__(self):
        return f"{self.filename} (version {self.number})"

    @property
    def type_label(self) -> str:
        from documents.filetypes import label_for

        return label_for(self.content_type)

    @property
    def previewable(self) -> bool:
        from documents.filetypes import previewable

        return previewable(self.content_type)


class DocumentBlob(TenantModel):
    """The encrypted content of one version: AES-256-GCM under the key ``key_id`` of
    OPENCPTS_DOCUMENT_KEYS, a random 96-bit nonce, the version's id as associated data (a blob moved to
    another version fails its integrity check).

    The ciphertext (with its GCM tag) is either in ``ciphertext`` (``location`` database) or in the object
    store under ``object_key`` (``location`` s3, ``ciphertext`` empty): an opaque random name that says
    nothing of the document, its group or its patient. The key id, the nonce and the version's hashes
    stay in the database. Read and written only through documents/store.py."""

    class Location(models.TextChoices):
        DATABASE = "database", "base de données"
        S3 = "s3", "stockage objet (S3)"

    version = models.OneToOneField(
        DocumentVersion, on_delete=models.CASCADE, primary_key=True, related_name="blob"
    )
    key_id = models.CharField("identifiant de la clé", max_length=64, db_index=True)
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField(blank=True, default=b"")
    location = models.CharField(
        "emplacement du contenu", max_length=10, choices=Location.choices, default=Location.DATABASE
    )
    object_key = models.CharField("nom de l'objet", max_length=100, blank=True, default="")
    encrypted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(location="database", object_key=""))
                | (models.Q(location="s3") & ~models.Q(object_key="")),
                name="documentblob_location_has_key",
            ),
            models.UniqueConstraint(
                fields=["object_key"],
                condition=~models.Q(object_key=""),
                name="documentblob_unique_object_key",
            ),
        ]

    def __str__(self):
        return f"Contenu chiffré de la version {self.version_id} (clé {self.key_id})"
