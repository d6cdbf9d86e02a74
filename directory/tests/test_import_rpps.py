"""The RPPS extract import: idempotent, resumable, reports bad lines, and changes nothing on a bad file."""

import re
import zipfile

import pytest
from django.core.management import CommandError, call_command

from directory import generate, rpps_format, rpps_import
from directory.models import PracticePlace, Professional, RppsImportRun, RppsStagingRow

pytestmark = pytest.mark.django_db


def write_extract(path, rows, *, header=None, encoding="utf-8", trailing_newline=True):
    header = header if header is not None else rpps_format.header_line()
    lines = [header] + [rpps_format.format_line(r) if isinstance(r, dict) else r for r in rows]
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    path.write_bytes(text.encode(encoding))
    return path


def synthetic_rows(count, seed=1):
    return list(generate.rows(count, seed))


def snapshot():
    return (
        list(Professional.objects.order_by("idnat").values_list("idnat", "last_name", "active")),
        list(PracticePlace.objects.order_by("pk").values_list("pk", "address", "active")),
    )


def test_import_creates_professionals_and_geolocated_places(tmp_path):
    rows = synthetic_rows(200)
    report = rpps_import.import_extract(write_extract(tmp_path / "a.txt", rows))
    persons = {r["Identification nationale PP"] for r in rows}
    assert report.created == len(persons) and report.rejected == 0
    assert Professional.objects.filter(source="rpps", active=True).count() == len(persons)
    assert PracticePlace.objects.filter(source="rpps").count() == len(rows)
    place = PracticePlace.objects.filter(source="rpps").select_related("commune").first()
    assert place.geo_precision == "commune"
    assert (place.latitude, place.longitude) == (place.commune.latitude, place.commune.longitude)
    assert Professional.objects.filter(is_synthetic=True).count() == len(persons)
    assert not RppsStagingRow.objects.exists()  # staging emptied once applied


def test_reimport_of_the_same_file_changes_nothing(tmp_path):
    path = write_extract(tmp_path / "a.txt", synthetic_rows(100))
    rpps_import.import_extract(path)
    before = snapshot()
    report = rpps_import.import_extract(path)
    assert (report.created, report.updated, report.deactivated, report.places) == (0, 0, 0, 0)
    assert snapshot() == before


def test_reimport_updates_what_changed_and_deactivates_who_vanished_without_deleting(tmp_path):
    rows = synthetic_rows(60)
    rpps_import.import_extract(write_extract(tmp_path / "a.txt", rows))
    gone = rows[-1]["Identification nationale PP"]
    kept = [r for r in rows if r["Identification nationale PP"] != gone]
    kept[0] = dict(kept[0], **{"Nom d'exercice": "NOUVEAUNOM"})
    pro = Professional.objects.get(idnat=kept[0]["Identification nationale PP"])
    pro.accepts_new_patients = True  # what the professional declared on the platform
    pro.save()
    report = rpps_import.import_extract(write_extract(tmp_path / "b.txt", kept))
    assert report.deactivated == 1 and report.updated >= 1
    vanished = Professional.objects.get(idnat=gone)
    assert vanished.active is False
    assert not vanished.places.filter(active=True).exists()
    pro.refresh_from_db()
    assert pro.last_name == "NOUVEAUNOM" and pro.accepts_new_patients is True


def test_bad_lines_are_reported_with_their_number_and_reason(tmp_path):
    rows = synthetic_rows(10)
    rpps = rows[1]["Identifiant PP"]
    bad_key = dict(rows[1], **{"Identifiant PP": rpps[:-1] + str((int(rpps[-1]) + 1) % 10)})
    bad_key["Identification nationale PP"] = "8" + bad_key["Identifiant PP"]
    unknown_profession = dict(rows[2], **{"Code profession": "77"})
    unknown_commune = dict(
        rows[3], **{"Code commune (coord. structure)": "99999", "Code postal (coord. structure)": "00000"}
    )
    truncated = "|".join(rpps_format.format_line(rows[4]).split("|")[:12])
    lines = [rows[0], bad_key, unknown_profession, unknown_commune, truncated, rows[0], rows[5]]
    report = rpps_import.import_extract(write_extract(tmp_path / "bad.txt", lines))
    issues = {
        line: (severity, reason)
        for line, severity, reason in RppsImportRun.objects.get(pk=report.run_id).issues.values_list(
            "line_no", "severity", "reason"
        )
    }
    assert "Luhn" in issues[3][1] and issues[3][0] == "rejected"
    assert "profession" in issues[4][1]
    assert issues[5][0] == "warning" and "inconnu" in issues[5][1]
    assert "tronquée" in issues[6][1]
    assert "double" in issues[7][1]
    assert report.rejected == 4 and report.warnings == 1 and report.accepted == 3


def test_latin1_file_is_read(tmp_path):
    rows = synthetic_rows(5)
    rows[0]["Nom d'exercice"] = "LÉGER"
    report = rpps_import.import_extract(write_extract(tmp_path / "latin1.txt", rows, encoding="latin-1"))
    assert report.accepted == len(rows)
    assert Professional.objects.filter(last_name="LÉGER").exists()


def test_zip_archive_is_read(tmp_path):
    extract = write_extract(tmp_path / "PS_LibreAcces_Personne_activite_202611240000.txt", synthetic_rows(20))
    archive = tmp_path / "PS_LibreAcces_202611240000.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(extract, extract.name)
    report = rpps_import.import_extract(archive)
    assert report.accepted == len(synthetic_rows(20))


@pytest.mark.parametrize(
    "header, message",
    [
        (rpps_format.header_line().replace("Identifiant PP|", "Identifiant|", 1), "Identifiant PP"),
        (rpps_format.header_line().replace("|", ";"), "séparateur"),
    ],
)
def test_wrong_header_or_separator_changes_nothing(tmp_path, header, message):
    rpps_import.import_extract(write_extract(tmp_path / "ok.txt", synthetic_rows(30)))
    before = snapshot()
    with pytest.raises(rpps_import.ImportAborted, match=message):
        rpps_import.import_extract(
            write_extract(tmp_path / "bad.txt", synthetic_rows(30, seed=9), header=header)
        )
    assert snapshot() == before


def test_truncated_file_changes_nothing(tmp_path):
    rpps_import.import_extract(write_extract(tmp_path / "ok.txt", synthetic_rows(30)))
    before = snapshot()
    full = (
        rpps_format.header_line()
        + "\n"
        + "\n".join(rpps_format.format_line(r) for r in synthetic_rows(30, seed=4))
    )
    (tmp_path / "cut.txt").write_text(full[: len(full) - 40], encoding="utf-8")
    with pytest.raises(rpps_import.ImportAborted, match="tronqué"):
        rpps_import.import_extract(tmp_path / "cut.txt")
    assert snapshot() == before
    assert not RppsStagingRow.objects.exists()


def test_a_partial_file_that_would_deactivate_most_of_the_directory_is_refused(tmp_path):
    rows = synthetic_rows(100)
    rpps_import.import_extract(write_extract(tmp_path / "full.txt", rows))
    before = snapshot()
    with pytest.raises(rpps_import.ImportAborted, match="fichier partiel"):
        rpps_import.import_extract(write_extract(tmp_path / "part.txt", rows[:20]))
    assert snapshot() == before
    report = rpps_import.import_extract(write_extract(tmp_path / "part2.txt", rows[:20]), force=True)
    assert report.deactivated > 0


def test_an_interrupted_import_resumes_where_it_stopped(tmp_path, monkeypatch):
    rows = synthetic_rows(300)
    path = write_extract(tmp_path / "big.txt", rows)
    monkeypatch.setattr(rpps_import, "BATCH", 50)
    calls = {"n": 0}

    def crash_after_two_batches(done, total):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rpps_import.import_extract(path, progress=crash_after_two_batches)
    assert not Professional.objects.exists()  # nothing applied yet
    run = RppsImportRun.objects.get()
    assert run.status == "staging" and run.lines_read == 101  # header + two batches of 50
    report = rpps_import.import_extract(path)
    assert report.resumed_from_line == 101
    assert report.accepted == len(rows) and report.rejected == 0
    assert PracticePlace.objects.count() == len(rows)


def test_command_prints_counts_and_writes_the_report(tmp_path):
    rows = synthetic_rows(10)
    rows.append(dict(rows[0], **{"Nom d'exercice": ""}))
    out = tmp_path / "rapport.csv"
    call_command(
        "import_rpps", str(write_extract(tmp_path / "x.txt", rows)), "--no-progress", "--report", str(out)
    )
    text = out.read_text(encoding="utf-8")
    assert text.startswith("ligne;gravité;motif") and "nom d'exercice vide" in text


def test_command_reports_a_missing_file_in_french(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_rpps", str(tmp_path / "absent.txt"), "--no-progress")


def test_each_activity_keeps_the_national_id_of_its_structure(tmp_path):
    """FINESS site, else SIRET site, else the former structure id (RPPS rang): per activity, updated on
    re-import."""
    base = synthetic_rows(1)[0]
    rows = [
        dict(
            base,
            **{
                "Numéro FINESS site": "250000700",
                "Numéro SIRET site": "26250462400012",
                "Raison sociale site": "CH Pontarlier",
                "Ancien identifiant de la structure": "1250000700",
            },
        ),
        dict(
            base,
            **{
                "Numéro SIRET site": "35600000000048",
                "Raison sociale site": "Maison de santé",
                "Ancien identifiant de la structure": "335600000000048",
            },
        ),
        dict(
            base,
            **{"Raison sociale site": "Cabinet", "Ancien identifiant de la structure": "410100000275420"},
        ),
        dict(base, **{"Raison sociale site": "Sans identifiant", "Ancien identifiant de la structure": ""}),
    ]
    rpps_import.import_extract(write_extract(tmp_path / "a.txt", rows))
    by_name = dict(PracticePlace.objects.values_list("structure_name", "structure_idnst"))
    assert by_name == {
        "CH Pontarlier": "1250000700",
        "Maison de santé": "335600000000048",
        "Cabinet": "410100000275420",
        "Sans identifiant": "",
    }
    rows[3]["Ancien identifiant de la structure"] = "410100000275439"
    report = rpps_import.import_extract(write_extract(tmp_path / "b.txt", rows))
    assert report.places == 1
    assert PracticePlace.objects.get(structure_name="Sans identifiant").structure_idnst == "410100000275439"


def test_synthetic_cabinets_carry_an_rpps_rang():
    for row in synthetic_rows(50):
        assert re.fullmatch(r"4\d{14}", row["Ancien identifiant de la structure"])
        assert row["Ancien identifiant de la structure"][1:12] == row["Identifiant PP"]
