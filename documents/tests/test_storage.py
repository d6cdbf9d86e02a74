"""Encryption at rest: the database holds only AES-256-GCM ciphertext, decryption checks the tag, an altered
or moved blob is never served, and key rotation re-encrypts every blob so that the old key can go."""

import base64
import hashlib
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEntry
from documents import actions, crypto, rotation
from documents.models import Document, DocumentBlob, DocumentVersion
from documents.tests import samples

pytestmark = pytest.mark.django_db
OLD = "old-2025:" + base64.b64encode(b"o" * 32).decode()
NEW = "new-2026:" + base64.b64encode(b"n" * 32).decode()
MARKER = "Compte rendu confidentiel DOCUMENT Denise"


def add(circle, data=None, name="compte-rendu.pdf"):
    return actions.add_document(
        circle.group, circle.cast.member, samples.upload(name, data or samples.pdf(MARKER))
    )


def content(document, number=1, user=None):
    version = document.versions.get(number=number)
    return actions.open_version(version, user or document.created_by, inline=False)


def test_the_stored_blob_holds_no_plaintext_and_decrypts_back(circle):
    data = samples.pdf(MARKER)
    document = add(circle, data)
    version = document.versions.get()
    blob = DocumentBlob.objects.get(version=version)
    stored = bytes(blob.ciphertext)
    assert MARKER.encode("cp1252") not in stored and b"%PDF" not in stored
    assert len(stored) == len(data) + 16 and len(bytes(blob.nonce)) == 12  # GCM: ciphertext + 128-bit tag
    assert blob.key_id == crypto.keyring().current_id
    assert version.sha256 == hashlib.sha256(data).hexdigest() and version.size == len(data)
    assert version.sha1_base64 == base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324 - FHIR hash
    assert content(document) == data


def test_each_version_gets_its_own_nonce(circle):
    data = samples.pdf(MARKER)
    document = add(circle, data)
    actions.add_version(document, circle.cast.member, samples.upload("v2.pdf", data))
    first, second = DocumentBlob.objects.filter(version__document=document).order_by("pk")
    assert bytes(first.nonce) != bytes(second.nonce) and bytes(first.ciphertext) != bytes(second.ciphertext)


def test_a_tampered_blob_is_detected_and_never_served(circle):
    document = add(circle)
    blob = DocumentBlob.objects.get(version__document=document)
    altered = bytearray(bytes(blob.ciphertext))
    altered[10] ^= 0x01
    DocumentBlob.objects.filter(pk=blob.pk).update(ciphertext=bytes(altered))
    with pytest.raises(actions.ContentUnavailable, match="intégrité"):
        content(document)
    entry = AuditEntry.objects.filter(action="decision", object_type="documents.documentversion").last()
    assert entry.details["decision"] == "document_integrity_failure"


def test_a_blob_moved_to_another_version_fails_its_check(circle):
    first, second = add(circle, samples.pdf("premier")), add(circle, samples.pdf("second"))
    moved = DocumentBlob.objects.get(version__document=first)
    DocumentBlob.objects.filter(version__document=second).update(
        key_id=moved.key_id, nonce=moved.nonce, ciphertext=moved.ciphertext
    )
    with pytest.raises(actions.ContentUnavailable):
        content(second)


def test_rotation_reencrypts_every_blob_and_the_old_key_can_then_go(circle, settings):
    settings.OPENCPTS_DOCUMENT_KEYS = [OLD]
    documents = [add(circle, samples.pdf(f"doc {i}")) for i in range(3)]
    assert set(DocumentBlob.objects.values_list("key_id", flat=True)) == {"old-2025"}

    settings.OPENCPTS_DOCUMENT_KEYS = [NEW, OLD]  # the new key first: it encrypts, both decrypt
    before = {b.pk: bytes(b.ciphertext) for b in DocumentBlob.objects.all()}
    out = io.StringIO()
    call_command("rotate_document_keys", "--dry-run", stdout=out)
    assert "3 contenus à re-chiffrer" in out.getvalue()
    call_command("rotate_document_keys", stdout=out)
    assert "3/3" in out.getvalue() and "3 contenus re-chiffrés" in out.getvalue()
    blobs = list(DocumentBlob.objects.all())
    assert {b.key_id for b in blobs} == {"new-2026"}
    assert all(bytes(b.ciphertext) != before[b.pk] for b in blobs)

    settings.OPENCPTS_DOCUMENT_KEYS = [NEW]  # old key removed
    assert [content(d) for d in documents] == [samples.pdf(f"doc {i}") for i in range(3)]
    call_command("rotate_document_keys", "--verify", stdout=out)
    assert "intègres" in out.getvalue()


def test_without_the_old_key_old_blobs_are_refused_not_garbled(circle, settings):
    settings.OPENCPTS_DOCUMENT_KEYS = [OLD]
    document = add(circle)
    settings.OPENCPTS_DOCUMENT_KEYS = [NEW]
    with pytest.raises(actions.ContentUnavailable, match="old-2025"):
        content(document)
    with pytest.raises(CommandError, match="1 contenu"):
        call_command("rotate_document_keys", stdout=io.StringIO(), stderr=io.StringIO())
    assert DocumentBlob.objects.get().key_id == "old-2025"  # left as it was


def test_rotation_resumes_after_an_interruption(circle, settings):
    settings.OPENCPTS_DOCUMENT_KEYS = [OLD]
    for i in range(4):
        add(circle, samples.pdf(f"doc {i}"))
    settings.OPENCPTS_DOCUMENT_KEYS = [NEW, OLD]

    def stop_after_two(report):
        if report.rotated == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotation.rotate(progress=stop_after_two)
    assert DocumentBlob.objects.filter(key_id="new-2026").count() == 2  # each blob committed on its own
    report = rotation.rotate()
    assert (report.to_do, report.rotated, report.failed) == (2, 2, [])
    assert rotation.verify() == []


def test_a_tampered_blob_is_reported_by_rotation_and_left_untouched(circle, settings):
    settings.OPENCPTS_DOCUMENT_KEYS = [OLD]
    good, bad = add(circle, samples.pdf("bon")), add(circle, samples.pdf("abîmé"))
    blob = DocumentBlob.objects.get(version__document=bad)
    DocumentBlob.objects.filter(pk=blob.pk).update(ciphertext=bytes(blob.ciphertext)[:-1] + b"\x00")
    settings.OPENCPTS_DOCUMENT_KEYS = [NEW, OLD]
    report = rotation.rotate()
    assert report.rotated == 1 and [v for v, _ in report.failed] == [blob.pk]
    assert DocumentBlob.objects.get(version__document=good).key_id == "new-2026"
    assert DocumentBlob.objects.get(version__document=bad).key_id == "old-2025"


def test_keys_are_checked_loudly(settings):
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        crypto.parse_keys(["k1:" + base64.b64encode(b"short").decode()])
    with pytest.raises(ImproperlyConfigured, match="base64"):
        crypto.parse_keys(["k1:not base64!"])
    with pytest.raises(ImproperlyConfigured, match="twice"):
        crypto.parse_keys([NEW, NEW])
    with pytest.raises(ImproperlyConfigured, match="keyid:base64key"):
        crypto.parse_keys(["sans-separateur"])
    settings.OPENCPTS_DOCUMENT_KEYS = []
    settings.DEV = False
    with pytest.raises(ImproperlyConfigured, match="must be set outside development"):
        crypto.keyring()


def test_development_key_is_generated_once_under_var(settings, tmp_path):
    settings.OPENCPTS_DOCUMENT_KEYS = []
    settings.VAR_DIR = tmp_path
    first = crypto.keyring()
    assert (tmp_path / "document_keys").read_text().startswith(first.current_id + ":")
    assert (tmp_path / "document_keys").stat().st_mode & 0o077 == 0
    crypto._cache.clear()
    assert crypto.keyring() == first


def test_new_key_command_prints_a_usable_entry():
    out = io.StringIO()
    call_command("rotate_document_keys", "--new-key", "k2027", stdout=out)
    ring = crypto.parse_keys([out.getvalue().strip()])
    assert ring.current_id == "k2027" and len(ring.keys["k2027"]) == 32


def test_purge_removes_documents_versions_and_contents(circle):
    from documents.purge import purge_group

    document = add(circle)
    actions.add_version(document, circle.cast.member, samples.upload("v2.pdf", samples.pdf("v2")))
    add(circle, samples.png(), "photo.png")
    assert purge_group(circle.group) == {"documents": 2, "versions": 3, "blobs": 3}
    assert (
        not Document.objects.exists()
        and not DocumentVersion.objects.exists()
        and not DocumentBlob.objects.exists()
    )


def test_the_retention_purge_of_a_closed_circle_takes_its_documents(circle):
    """documents.apps registers purge_group with coordination.retention (documents → coordination)."""
    import datetime as dt

    from django.utils import timezone

    from coordination import actions as coordination
    from coordination import retention

    add(circle)
    coordination.close_group(circle.group, circle.cast.member)
    purged = retention.purge_circle(circle.group.pk, now=timezone.now() + dt.timedelta(days=400))
    assert purged is not None
    assert purged.counts["documents"] == 1 and purged.counts["documents_versions"] == 1
    assert not Document.objects.exists() and not DocumentBlob.objects.exists()
    entry = AuditEntry.objects.get(action="purge", object_id=str(circle.group.pk))
    assert entry.details["counts"]["documents_blobs"] == 1
