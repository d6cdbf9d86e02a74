"""Documents on an S3 object store (moto's server on 127.0.0.1, through boto3 and django-storages, nothing
patched): the bucket only ever holds ciphertext under opaque names, reading decrypts and checks, deletion
follows the commit, ``move_documents`` moves contents both ways and resumes, rotation writes new objects,
and no address of the store is ever handed out."""

import base64
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from audit.models import AuditEntry
from documents import actions, crypto, relocation, rotation, store
from documents.models import Document, DocumentBlob, DocumentVersion
from documents.purge import purge_group
from documents.tests import samples
from documents.tests.conftest import storage_options
from opencpts.errors import ActionError
from tests.cast import login

pytestmark = [pytest.mark.django_db, pytest.mark.once]
PATIENT = "DOCUMENT Denise"
MARKER = f"Compte rendu confidentiel {PATIENT}"
OPAQUE = re.compile(r"documents/[0-9a-f]{32}")
OLD = "old-2025:" + base64.b64encode(b"o" * 32).decode()
NEW = "new-2026:" + base64.b64encode(b"n" * 32).decode()


def add(circle, name="Compte rendu DOCUMENT Denise.pdf", data=None):
    return actions.add_document(
        circle.group, circle.cast.member, samples.upload(name, data or samples.pdf(MARKER))
    )


def blobs():
    return list(DocumentBlob.objects.select_related("version").order_by("pk"))


def download(circle, document, user, number=1):
    client = Client()
    login(client, user)
    return client.get(circle.url("documents:download", document_id=document.pk, number=number))


def test_an_upload_puts_only_ciphertext_in_the_bucket_under_an_opaque_name(circle, object_store):
    data = samples.pdf(MARKER)
    document = add(circle, data=data)
    blob = DocumentBlob.objects.select_related("version").get(version__document=document)
    assert blob.location == "s3" and bytes(blob.ciphertext) == b""  # the database keeps only the metadata
    assert OPAQUE.fullmatch(blob.object_key) and object_store.keys() == {blob.object_key}
    stored = object_store.get(blob.object_key)
    assert MARKER.encode("cp1252") not in stored and b"%PDF" not in stored and len(stored) == len(data) + 16
    assert crypto.decrypt(blob.key_id, blob.nonce, stored, blob.version.pk) == data
    head = object_store.client.head_object(Bucket=object_store.bucket, Key=blob.object_key)
    assert head["Metadata"] == {} and head["ContentType"] == "application/octet-stream"  # no clear name
    assert store.read_plaintext(blob.version) == data


def test_the_download_is_decrypted_by_the_application_after_its_access_check(circle, object_store):
    data = samples.pdf(MARKER)
    document = add(circle, data=data)
    response = download(circle, document, circle.cast.partner)
    assert response.status_code == 200 and response.content == data  # served, not redirected to the store
    for outsider in (circle.cast.referent, circle.cast.outsider):  # not in the circle
        refused = download(circle, document, outsider)
        assert refused.status_code in (403, 404) and data not in refused.content
    with pytest.raises(NotImplementedError):  # no address of the store, signed or not
        store.backend().url(DocumentBlob.objects.get().object_key)


def test_a_tampered_or_missing_object_is_never_served(circle, object_store):
    first, second = add(circle), add(circle, "autre.pdf")
    key = DocumentBlob.objects.get(version__document=first).object_key
    object_store.put(key, b"\x00" + object_store.get(key)[1:])
    response = download(circle, first, circle.cast.member)
    assert response.status_code == 500 and "contrôle d'intégrité" in response.content.decode()
    object_store.client.delete_object(
        Bucket=object_store.bucket, Key=DocumentBlob.objects.get(version__document=second).object_key
    )
    with pytest.raises(actions.ContentUnavailable, match="absent"):
        actions.open_version(second.versions.get(), circle.cast.member, inline=False)
    assert AuditEntry.objects.filter(details__decision="document_integrity_failure").count() == 2


def test_a_store_that_does_not_answer_refuses_the_upload_and_leaves_nothing(circle, object_store, settings):
    from botocore.config import Config

    settings.STORAGES = {
        **settings.STORAGES,
        "documents": storage_options(
            "http://127.0.0.1:9301",  # nothing listens there
            object_store.bucket,
            client_config=Config(retries={"max_attempts": 1}, connect_timeout=2),
        ),
    }
    before = Document.objects.count(), DocumentVersion.objects.count(), DocumentBlob.objects.count()
    with pytest.raises(ActionError, match="ne répond pas"):
        add(circle)
    assert (Document.objects.count(), DocumentVersion.objects.count(), DocumentBlob.objects.count()) == before


def test_a_purge_deletes_the_objects_only_once_committed(
    circle, object_store, django_capture_on_commit_callbacks
):
    document = add(circle)
    actions.add_version(document, circle.cast.member, samples.upload("v2.pdf", samples.pdf("v2")))
    add(circle, "photo.png", samples.png())
    assert len(object_store.keys()) == 3

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():  # a purge that fails: rows and objects as they were
        purge_group(circle.group)
        raise Abort
    assert DocumentBlob.objects.count() == 3 and len(object_store.keys()) == 3

    with django_capture_on_commit_callbacks() as callbacks:
        assert purge_group(circle.group) == {"documents": 2, "versions": 3, "blobs": 3}
        assert len(object_store.keys()) == 3  # rows gone, objects still there until the commit
    for callback in callbacks:
        callback()
    assert not DocumentBlob.objects.exists() and object_store.keys() == set()


def test_move_documents_to_the_store_and_back_resumes_after_an_interruption(
    circle, object_store, settings, django_capture_on_commit_callbacks
):
    settings.OPENCPTS_DOCUMENT_STORE = "database"
    contents = {
        add(circle, f"doc{i}.pdf", samples.pdf(f"{MARKER} {i}")).pk: samples.pdf(f"{MARKER} {i}")
        for i in range(5)
    }
    assert {b.location for b in blobs()} == {"database"} and object_store.keys() == set()

    def interrupt_after_first_batch(report):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        relocation.move("s3", batch_size=2, progress=interrupt_after_first_batch)
    assert [b.location for b in blobs()] == ["s3", "s3", "database", "database", "database"]
    assert len(object_store.keys()) == 2  # each moved content committed on its own, nothing half moved

    out = io.StringIO()
    call_command("move_documents", "--to", "s3", "--batch-size", "2", stdout=out)
    assert "  2/3\n  3/3\n" in out.getvalue() and "3 contenus déplacés" in out.getvalue()
    assert {b.location for b in blobs()} == {"s3"} and all(bytes(b.ciphertext) == b"" for b in blobs())
    assert object_store.keys() == {b.object_key for b in blobs()} and len(object_store.keys()) == 5
    for blob in blobs():
        assert store.read_plaintext(blob.version) == contents[blob.version.document_id]
    call_command("move_documents", "--to", "s3", stdout=(again := io.StringIO()))
    assert "Aucun contenu à déplacer" in again.getvalue()  # idempotent

    with django_capture_on_commit_callbacks(execute=True):
        call_command("move_documents", "--to", "database", stdout=io.StringIO())
    assert {(b.location, b.object_key) for b in blobs()} == {("database", "")}
    assert object_store.keys() == set()  # the objects deleted after each commit
    for blob in blobs():
        assert store.read_plaintext(blob.version) == contents[blob.version.document_id]


def test_a_content_that_fails_its_check_is_not_moved_and_leaves_no_object(circle, object_store, settings):
    settings.OPENCPTS_DOCUMENT_STORE = "database"
    good, bad = add(circle), add(circle, "abime.pdf")
    blob = DocumentBlob.objects.get(version__document=bad)
    DocumentBlob.objects.filter(pk=blob.pk).update(ciphertext=bytes(blob.ciphertext)[:-1] + b"\x00")
    with pytest.raises(CommandError, match="1 contenu en échec"):
        call_command("move_documents", "--to", "s3", stdout=io.StringIO(), stderr=io.StringIO())
    assert DocumentBlob.objects.get(version__document=bad).location == "database"
    assert object_store.keys() == {DocumentBlob.objects.get(version__document=good).object_key}


def test_rotation_reencrypts_store_contents_into_new_objects(
    circle, object_store, settings, django_capture_on_commit_callbacks
):
    settings.OPENCPTS_DOCUMENT_KEYS = [OLD]
    crypto._cache.clear()
    documents = [add(circle, f"doc{i}.pdf", samples.pdf(f"{MARKER} {i}")) for i in range(2)]
    before = {b.pk: (b.object_key, object_store.get(b.object_key)) for b in blobs()}
    settings.OPENCPTS_DOCUMENT_KEYS = [NEW, OLD]
    crypto._cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = rotation.rotate()
    assert report.rotated == 2 and not report.failed
    after = blobs()
    assert {b.key_id for b in after} == {"new-2026"} and {b.location for b in after} == {"s3"}
    assert object_store.keys() == {b.object_key for b in after}  # new objects, the old ones deleted
    assert not object_store.keys() & {key for key, _ in before.values()}
    settings.OPENCPTS_DOCUMENT_KEYS = [NEW]  # the old key removed: everything still reads
    crypto._cache.clear()
    assert rotation.verify() == []
    for i, document in enumerate(documents):
        assert store.read_plaintext(document.versions.get()) == samples.pdf(f"{MARKER} {i}")


def test_orphan_objects_are_listed_then_deleted_past_the_grace_period(circle, object_store):
    add(circle)
    orphan = store.put_object(b"ciphertext of an upload whose transaction rolled back")
    named = DocumentBlob.objects.get().object_key
    assert relocation.orphans() == []  # younger than 24 h: maybe an upload in progress
    out = io.StringIO()
    call_command("move_documents", "--orphans", "--older-than-hours", "0", stdout=out)
    assert orphan in out.getvalue() and named not in out.getvalue() and orphan in object_store.keys()
    call_command("move_documents", "--orphans", "--older-than-hours", "0", "--delete", stdout=io.StringIO())
    assert object_store.keys() == {named}


def test_move_documents_without_a_store_is_refused_and_moves_nothing(circle, settings):
    add(circle)
    settings.STORAGES = {k: v for k, v in settings.STORAGES.items() if k != "documents"}
    with pytest.raises(CommandError, match="non configuré : définissez AWS_STORAGE_BUCKET_NAME"):
        call_command("move_documents", "--to", "s3", stdout=io.StringIO())
    with pytest.raises(CommandError, match="soit --to"):
        call_command("move_documents", stdout=io.StringIO())
    assert DocumentBlob.objects.get().location == "database"
