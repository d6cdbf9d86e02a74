"""export_cpts → import_cpts: the same content comes back (counts per model, message bodies, document bytes),
under new keys, re-encrypted, audited in the target's chain; and every refusal leaves nothing behind."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEntry
from audit.verify import verify_report
from coordination.models import Message
from cpts.models import CPTS
from documents.models import DocumentVersion
from opencpts.errors import ActionError
from portability import catalogue, contents
from portability.actions import import_cpts
from portability.export import export_cpts

PASSPHRASE = "correct horse battery staple"


def snapshot(cpts: CPTS) -> dict:
    """What must survive the trip, without primary keys."""
    from documents.models import DocumentBlob

    store = contents.store_for(DocumentBlob)
    blobs = catalogue.rows_of("documents.DocumentBlob", cpts).select_related("version")
    return {
        "counts": {label: catalogue.rows_of(label, cpts).count() for label in catalogue.EXPORTED},
        "messages": sorted(
            (m.author.email, m.body, m.created_at.isoformat(), m.parent.body if m.parent else None)
            for m in catalogue.rows_of("coordination.Message", cpts).select_related("author", "parent")
        ),
        "documents": sorted(
            (b.version.number, b.version.filename, contents.read_plaintext(store, b)) for b in blobs
        ),
        "members": sorted(catalogue.rows_of("cpts.Membership", cpts).values_list("user__email", "role")),
        "communes": sorted(
            catalogue.rows_of("cpts.TerritoryCommune", cpts).values_list("commune_id", flat=True)
        ),
        "capacity_communes": sorted(
            catalogue.rows_of("gpmatching.Capacity", cpts).values_list("communes__insee", flat=True)
        ),
    }


def export_bytes(cpts, by) -> bytes:
    out = io.BytesIO()
    export_cpts(cpts, out, PASSPHRASE, by=by)
    return out.getvalue()


def delete_cpts(cpts: CPTS) -> None:
    # Rows that protect their links to other tenant rows go first (bookings, documents' versions...)
    for label in reversed(catalogue.exported_order()):
        catalogue.rows_of(label, cpts).delete()


@pytest.mark.django_db
def test_a_cpts_comes_back_with_the_same_content_under_new_keys(filled):
    cast, source = filled.cast, filled.cpts
    before = snapshot(source)
    assert before["counts"]["coordination.Message"] == 2 and len(before["documents"]) == 2
    assert before["documents"][0][2] == filled.files["v1"] and before["documents"][1][2] == filled.files["v2"]
    old_ids = set(catalogue.rows_of("coordination.Message", source).values_list("pk", flat=True))
    data = export_bytes(source, cast.admin)
    assert b"Compte rendu de sortie" not in data and b"PORTABLE" not in data  # encrypted
    assert AuditEntry.objects.filter(chain=source.pk, action="export", object_type="cpts.cpts").exists()
    delete_cpts(source)

    report = import_cpts(io.BytesIO(data), PASSPHRASE, by=cast.admin)

    imported = CPTS.objects.get(slug=source.slug)
    assert imported.pk != source.pk and report.cpts == imported
    assert snapshot(imported) == before
    assert not old_ids & set(catalogue.rows_of("coordination.Message", imported).values_list("pk", flat=True))
    reply = catalogue.rows_of("coordination.Message", imported).get(parent__isnull=False)
    assert reply.parent.cpts_id == imported.pk  # the self-link remapped
    version = DocumentVersion.objects.filter(cpts=imported).latest("number")
    assert version.blob.nonce != b"" and bytes(version.blob.ciphertext) != filled.files["v2"]
    # the import is in the new CPTS's chain (bulk entries and the decision), the source's history is not
    chain = AuditEntry.objects.filter(chain=imported.pk)
    assert chain.filter(details__decision="cpts_imported").exists()
    assert chain.filter(object_type="coordination.message", details__bulk=True, details__count=2).exists()
    assert report.history > 0 and not chain.filter(action="export").exists()
    assert verify_report().problems == []


@pytest.mark.django_db
def test_an_import_over_an_existing_cpts_or_its_communes_is_refused_and_writes_nothing(filled):
    cast, source = filled.cast, filled.cpts
    data = export_bytes(source, cast.admin)
    rows_before = AuditEntry.objects.count()
    with pytest.raises(ActionError, match="une CPTS d'identifiant « .* » existe déjà"):
        import_cpts(io.BytesIO(data), PASSPHRASE, by=cast.admin)
    CPTS.objects.filter(pk=source.pk).update(slug="renommee", name="CPTS renommée")
    with pytest.raises(ActionError, match=r"La commune Belley \(01034\) appartient déjà au territoire"):
        import_cpts(io.BytesIO(data), PASSPHRASE, by=cast.admin)
    assert CPTS.objects.count() == 2 and Message.objects.count() == 2
    assert AuditEntry.objects.count() == rows_before


@pytest.mark.django_db
def test_a_wrong_passphrase_a_tampered_or_cut_archive_is_refused_and_writes_nothing(filled):
    cast, source = filled.cast, filled.cpts
    data = export_bytes(source, cast.admin)
    delete_cpts(source)
    count = AuditEntry.objects.count()
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0x01
    cases = [
        (data, "pas la bonne phrase de passe", "Phrase de passe incorrecte"),
        (bytes(tampered), PASSPHRASE, "L'archive a été altérée"),
        (data[: len(data) - 40], PASSPHRASE, "incomplète|altérée"),
        (b"PK\x03\x04 not an archive", PASSPHRASE, "n'est pas une archive"),
    ]
    for blob, passphrase, message in cases:
        with pytest.raises(ActionError, match=message):
            import_cpts(io.BytesIO(blob), passphrase, by=cast.admin)
    assert not CPTS.objects.filter(slug=source.slug).exists()
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
def test_only_an_instance_administrator_exports_or_imports(filled):
    cast = filled.cast
    for user in (cast.coordinator, cast.member):
        with pytest.raises(ActionError, match="Seul un administrateur de l'instance"):
            export_cpts(filled.cpts, io.BytesIO(), PASSPHRASE, by=user)
        with pytest.raises(ActionError, match="Seul un administrateur de l'instance"):
            import_cpts(io.BytesIO(b""), PASSPHRASE, by=user)
    with pytest.raises(ActionError, match="au moins 12 caractères"):
        export_cpts(filled.cpts, io.BytesIO(), "court", by=cast.admin)


@pytest.mark.django_db
def test_the_commands_write_and_load_an_archive(filled, tmp_path, monkeypatch):
    cast, source = filled.cast, filled.cpts
    monkeypatch.setenv("ARCHIVE_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "bugey.opencpts"
    with pytest.raises(CommandError, match="Seul un administrateur"):
        call_command(
            "export_cpts",
            source.slug,
            "--output",
            str(path),
            "--as",
            cast.coordinator.email,
            "--passphrase-env",
            "ARCHIVE_PASSPHRASE",
        )
    assert not path.exists() and not list(tmp_path.iterdir())
    out = io.StringIO()
    call_command(
        "export_cpts",
        source.slug,
        "--output",
        str(path),
        "--as",
        cast.admin.email,
        "--passphrase-env",
        "ARCHIVE_PASSPHRASE",
        stdout=out,
    )
    assert "Archive écrite" in out.getvalue() and path.stat().st_size > 0
    counts = snapshot(source)["counts"]
    delete_cpts(source)
    out = io.StringIO()
    call_command(
        "import_cpts",
        str(path),
        "--as",
        cast.admin.email,
        "--passphrase-env",
        "ARCHIVE_PASSPHRASE",
        "--history",
        str(tmp_path / "history.jsonl"),
        stdout=out,
    )
    assert f"CPTS « {source.slug} » importée" in out.getvalue()
    assert "coordination.Message : 2 / 2" in out.getvalue()  # progress, per table
    assert snapshot(CPTS.objects.get(slug=source.slug))["counts"] == counts
    assert (tmp_path / "history.jsonl").read_text().count("\n") > 0
