"""Importing a dataset per commune: the line report, encodings and separators, all or nothing."""

import pytest

from accounts.models import User
from audit.models import AuditEntry
from diagnostic import imports
from diagnostic.imports import ImportRefused, Metadata, check_file, import_dataset
from diagnostic.models import ImportedDataset, ImportedValue
from directory.models import Professional

KNOWN = {"01034", "01138", "2A004"}
META = Metadata(
    indicator="Patients sans médecin traitant",
    source="CNAM, Rézone CPTS",
    vintage="2025",
    licence="Licence Ouverte 2.0",
    unit="%",
    aggregation="weighted",
)


def test_a_semicolon_file_in_utf8_with_a_header_and_decimal_commas():
    checked = check_file(b"code INSEE;valeur\n01034;12,5\n01138;7\n", KNOWN)
    assert (checked.encoding, checked.separator, checked.header) == ("UTF-8", ";", True)
    assert checked.rows == {"01034": 12.5, "01138": 7.0}
    assert not checked.errors


def test_bom_tab_and_windows_1252_are_detected():
    bom = check_file(b"\xef\xbb\xbfcode\tvaleur\n01034\t3.5\n", KNOWN)
    assert (bom.encoding, bom.separator_label, bom.rows) == ("UTF-8 avec BOM", "tabulation", {"01034": 3.5})
    latin = check_file("commune;valeur ajoutée\n2A004;1\n".encode("cp1252"), KNOWN)
    assert latin.encoding == "Windows-1252 (Latin-1)" and latin.rows == {"2A004": 1.0}
    comma = check_file(b"01034,4\n01138,5\n", KNOWN)
    assert comma.separator_label == "« , »" and comma.rows == {"01034": 4.0, "01138": 5.0}


def test_every_bad_line_is_reported_with_its_number():
    content = b"code;valeur\n99999;1\n01034;abc\n01138;2\n01138;3\n01034\n1034;4\n"
    checked = check_file(content, KNOWN)
    assert checked.errors == [
        "ligne 2 : code commune « 99999 » inconnu.",
        "ligne 3 : valeur « abc » non numérique pour la commune 01034.",
        "ligne 5 : commune 01138 déjà donnée ligne 4.",
        "ligne 6 : 1 colonnes au lieu de 2 (code INSEE, valeur) avec le séparateur « ; ».",
    ]
    assert checked.warnings == ["ligne 7 : code « 1034 » lu comme 01034 (zéro initial perdu)."]


def test_a_decimal_comma_with_a_comma_separator_is_explained():
    checked = check_file(b"01034,12,5\n", KNOWN)
    assert "une valeur décimale avec virgule" in checked.errors[0]


def test_no_separator_binary_and_empty_files_are_refused():
    with pytest.raises(ImportRefused, match="Séparateur introuvable"):
        check_file(b"01034 12\n", KNOWN)
    with pytest.raises(ImportRefused, match="binaire"):
        check_file(b"PK\x03\x04\x00\x00", KNOWN)
    with pytest.raises(ImportRefused, match="vide"):
        check_file(b"\n\n", KNOWN)


@pytest.fixture
def porteur(db):
    pro = Professional.objects.create(
        id_type="8",
        national_id="99000000016",
        idnat="899000000016",
        last_name="PORTEUR",
        profession_code="10",
    )
    # Proven holder of the entry (a Pro Santé Connect login linked it: accounts/psc.py).
    return User.objects.create_user("porteur@diag.test", "x", professional=pro, external_idnat=pro.idnat)


def test_an_import_writes_the_dataset_its_values_and_an_audit_entry(porteur):
    dataset = import_dataset(porteur, b"01034;12,5\n01138;7\n", "mt.csv", META)
    assert dataset.imported_by == porteur and dataset.rows == 2 and len(dataset.sha256) == 64
    assert dict(ImportedValue.objects.filter(dataset=dataset).values_list("commune_id", "value")) == {
        "01034": 12.5,
        "01138": 7.0,
    }
    assert dataset.provenance == "importé : CNAM, Rézone CPTS, millésime 2025, licence Licence Ouverte 2.0"
    assert AuditEntry.objects.filter(object_type="diagnostic.importeddataset", action="create").exists()


def test_a_file_with_one_error_imports_nothing(porteur):
    with pytest.raises(ImportRefused) as refused:
        import_dataset(porteur, b"01034;12\n01138;x\n", "mt.csv", META)
    assert refused.value.report == ["ligne 2 : valeur « x » non numérique pour la commune 01138."]
    assert "rien n'a été importé" in refused.value.message
    assert not ImportedDataset.objects.exists() and not ImportedValue.objects.exists()


def test_the_same_file_twice_is_refused(porteur):
    import_dataset(porteur, b"01034;1\n", "a.csv", META)
    with pytest.raises(imports.ActionError, match="déjà été importé"):
        import_dataset(porteur, b"01034;1\n", "b.csv", META)
    assert ImportedDataset.objects.count() == 1


def test_missing_metadata_is_refused_by_field(porteur):
    with pytest.raises(imports.ActionError) as refused:
        import_dataset(porteur, b"01034;1\n", "a.csv", Metadata("APL", "DREES", "", "LO 2.0"))
    assert refused.value.field == "vintage"


def test_only_an_administrator_or_a_proven_professional_may_import(db, porteur):
    nobody = User.objects.create_user("nobody@diag.test", "x")
    admin = User.objects.create_user("admin@diag.test", "x", is_staff=True)
    with pytest.raises(imports.ActionError, match="administrateur"):
        import_dataset(nobody, b"01034;1\n", "a.csv", META)
    # A directory entry the account declared itself is a claim: no import before a Pro Santé Connect login.
    other = Professional.objects.create(
        id_type="8",
        national_id="99000000024",
        idnat="899000000024",
        last_name="DÉCLARÉ",
        profession_code="10",
    )
    claimant = User.objects.create_user("claimant@diag.test", "x", professional=other)
    with pytest.raises(imports.ActionError, match="administrateur"):
        import_dataset(claimant, b"01034;1\n", "a.csv", META)
    assert not ImportedDataset.objects.exists()
    dataset = import_dataset(admin, b"01034;1\n", "a.csv", META)
    with pytest.raises(imports.ActionError):
        imports.delete_dataset(porteur, dataset)  # not the uploader
    imports.delete_dataset(admin, dataset)
    assert not ImportedValue.objects.exists()
