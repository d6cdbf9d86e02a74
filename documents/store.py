"""The one path to the content of a document version: written encrypted, read decrypted and checked.

Every reader goes through ``read_plaintext(version)`` (the pages and downloads through
documents.actions.open_version, the export of a CPTS, the restore drill) and every writer through
``write_plaintext(version, data)``; the key rotation (documents/rotation.py) and the move between stores
(documents/relocation.py) use ``ciphertext_of`` / ``replace_ciphertext``. Nothing else touches
``DocumentBlob.ciphertext`` or the object store.

Where the ciphertext lives is recorded on each blob (``location``): in the database, or in the S3 object
store configured as ``STORAGES["documents"]`` (documents/objectstore.py) under an opaque random name
(``documents/<32 hex digits>``: nothing of the document, its group, its CPTS or its patient). New
contents go where ``OPENCPTS_DOCUMENT_STORE`` says; reading follows each blob's location, so both kinds
coexist while ``manage.py move_documents`` runs.

Consistency between the database and the store, which share no transaction:
- an object is written before the row that names it, and never overwritten (a new content, a rotation or
  a move writes a new object): a row never names a missing or half-written object;
- an object is deleted only after the commit that removed its row (``post_delete`` receiver below, so a
  purge, a cascade or a move back to the database alike): a failed transaction leaves rows and objects
  as they were;
- what fails in between (a rolled-back upload, a process killed after the commit, a store down at
  deletion) leaves an orphan object, never a dangling row: ``move_documents --orphans`` lists and deletes
  objects no row names, past a grace period.
"""

import hashlib
import logging
import secrets

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import InvalidStorageError, storages
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from documents import crypto
from documents.models import DocumentBlob, DocumentVersion

logger = logging.getLogger(__name__)
PREFIX = "documents/"
STORAGE_ALIAS = "documents"
DATABASE, S3 = DocumentBlob.Location.DATABASE, DocumentBlob.Location.S3


class ContentMissing(crypto.IntegrityFailure):
    """A blob names an object the store does not have (or the blob itself is missing)."""


class StoreUnavailable(Exception):
    """The object store did not answer (network, credentials, bucket): nothing was read or written."""


# --------------------------------------------------------------------------------------- the object store


def target() -> str:
    """Where new contents are written: ``database`` or ``s3`` (OPENCPTS_DOCUMENT_STORE)."""
    return getattr(settings, "OPENCPTS_DOCUMENT_STORE", DATABASE)


def backend():
    """The configured object store (``STORAGES["documents"]``)."""
    try:
        return storages[STORAGE_ALIAS]
    except InvalidStorageError as exc:
        raise ImproperlyConfigured(
            "No object store is configured for documents: set AWS_STORAGE_BUCKET_NAME "
            "(docs/OPERATIONS.md, « Documents on object storage »)."
        ) from exc


def new_object_key() -> str:
    return PREFIX + secrets.token_hex(16)


def put_object(ciphertext: bytes) -> str:
    """Store ``ciphertext`` under a new random name → that name."""
    name = new_object_key()
    try:
        saved = backend().save(name, ContentFile(ciphertext))
    except (BotoCoreError, ClientError) as exc:
        raise StoreUnavailable(f"écriture impossible dans le stockage objet ({type(exc).__name__})") from exc
    if saved != name:  # the backend renamed it: never expected with random names and overwrite off
        delete_objects([saved])
        raise StoreUnavailable(f"le stockage objet a renommé l'objet {name!r}")
    return name


def get_object(name: str) -> bytes:
    try:
        with backend().open(name, "rb") as f:
            return f.read()
    except FileNotFoundError as exc:
        raise ContentMissing(f"objet « {name} » absent du stockage") from exc
    except (BotoCoreError, ClientError) as exc:
        raise StoreUnavailable(f"lecture impossible dans le stockage objet ({type(exc).__name__})") from exc


def delete_objects(names) -> list[str]:
    """Delete objects (a missing one is not an error) → the names that could not be deleted (logged)."""
    failed = []
    for name in names:
        try:
            backend().delete(name)
        except (BotoCoreError, ClientError, ImproperlyConfigured) as exc:
            logger.error("document object %s not deleted (orphan until swept): %s", name, exc)
            failed.append(name)
    return failed


def delete_objects_on_commit(names) -> None:
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: delete_objects(names))


@receiver(post_delete, sender=DocumentBlob, dispatch_uid="documents.store.delete_object")
def _delete_object_after_commit(sender, instance: DocumentBlob, **kwargs) -> None:
    """Whatever deletes a blob row (a purge, a cascade), its object goes once the deletion is committed."""
    if instance.location == S3:
        delete_objects_on_commit([instance.object_key])


# ------------------------------------------------------------------------------------- ciphertext level


def ciphertext_of(blob) -> bytes:
    """The stored ciphertext of a blob, wherever it lives."""
    if blob.location == S3:
        return get_object(blob.object_key)
    return bytes(blob.ciphertext)


def replace_ciphertext(blob: DocumentBlob, key_id: str, nonce: bytes, ciphertext: bytes) -> list[str]:
    """Set a blob's new encryption (rotation), in the same location; the caller saves the returned fields
    inside its transaction. On the object store a new object is written and the old one deleted after the
    commit."""
    blob.key_id, blob.nonce = key_id, nonce
    if blob.location == S3:
        delete_objects_on_commit([blob.object_key])
        blob.object_key = put_object(ciphertext)
        return ["key_id", "nonce", "object_key"]
    blob.ciphertext = ciphertext
    return ["key_id", "nonce", "ciphertext"]


def decrypt_checked(blob, version: DocumentVersion, ring=None, ciphertext: bytes | None = None) -> bytes:
    """Decrypt a blob (GCM tag, bound to its version) and check the version's SHA-256."""
    if ciphertext is None:
        ciphertext = ciphertext_of(blob)
    data = crypto.decrypt(blob.key_id, blob.nonce, ciphertext, version.pk, ring)
    if hashlib.sha256(data).hexdigest() != version.sha256:
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    return data


# -------------------------------------------------------------------------------------- plaintext level


def write_plaintext(version: DocumentVersion, data: bytes) -> DocumentBlob:
    """Encrypt ``data`` as the content of ``version`` (just created, in the caller's transaction) and store
    it where OPENCPTS_DOCUMENT_STORE says. Raises StoreUnavailable when the object store fails (the caller's
    transaction then rolls back: no version without its content)."""
    key_id, nonce, ciphertext = crypto.encrypt(data, version.pk)
    blob = DocumentBlob(
        cpts_id=version.cpts_id, version=version, key_id=key_id, nonce=nonce, encrypted_at=timezone.now()
    )
    if target() == S3:
        blob.location, blob.object_key = S3, put_object(ciphertext)
        # If the caller's transaction rolls back, this object is an orphan: move_documents --orphans.
    else:
        blob.ciphertext = ciphertext
    try:
        blob.save(force_insert=True)
    except Exception:
        if blob.object_key:
            delete_objects([blob.object_key])
        raise
    return blob


def read_plaintext(version: DocumentVersion) -> bytes:
    """The decrypted content of a version, its GCM tag and SHA-256 checked. No access check: callers check
    who may read (documents.actions.open_version for users; administrators' commands for exports).

    Raises ``crypto.IntegrityFailure`` (altered, moved, key gone; ``ContentMissing`` when the content or
    its object is gone) or ``StoreUnavailable`` (the object store did not answer)."""
    blob = DocumentBlob.objects.filter(version=version).first()
    if blob is None:
        raise ContentMissing("contenu absent")
    return decrypt_checked(blob, version)
