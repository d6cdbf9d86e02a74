"""Importing a list of patients from a CSV file (gpmatching.csv_import): header and encoding checks, the
per-line report, and an apply that writes all of what was asked or nothing."""

import datetime as dt

import pytest

from cpts import territory as territory_rules
from gpmatching import csv_import
from gpmatching.models import ImportBatch, Request, RequestEvent
from gpmatching.tests.conftest import MAGNIEU
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db

HEADER = "nom;prenom;date_naissance;commune;telephone;ald;date_demande"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def parse(world, content: bytes, filename: str = "liste.csv"):
    return csv_import.parse(world.cpts, filename, content, world.cast.coordinator)


@pytest.mark.parametrize(
    "header, message",
    [
        (
            "nom;prenom;ville;telephone",
            "Colonnes obligatoires absentes : date_naissance, commune. Colonnes non reconnues : "
            f"ville. En-tête attendu : {csv_import.TEMPLATE_HEADER}",
        ),
        (
            "name;first name;birth;insee",
            "Colonnes obligatoires absentes : nom, prenom, date_naissance. Colonnes non "
            f"reconnues : name, first name, birth. En-tête attendu : {csv_import.TEMPLATE_HEADER}",
        ),
        (
            "nom;nom_de_naissance;prenom;naissance;commune",
            "Colonnes en double dans l'en-tête : nom, nom_de_naissance.",
        ),
    ],
)
def test_wrong_or_missing_columns_are_named(gp_world, header, message):
    with pytest.raises(ActionError) as refused:
        parse(gp_world, csv_bytes("Durand;Paul;10/05/1980;01034;0612345678", header=header))
    assert refused.value.message == message
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "Le fichier est vide."),
        (
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00nom;prenom",
            "Ce fichier n'est pas un fichier texte CSV (contenu binaire). "
            "Enregistrez la liste au format CSV depuis votre tableur.",
        ),
        (HEADER.encode() + b"\r\n\r\n;;;;;;\r\n", "Le fichier ne contient aucune ligne après l'en-tête."),
    ],
)
def test_empty_binary_or_header_only_files_are_refused(gp_world, content, message):
    with pytest.raises(ActionError) as refused:
        parse(gp_world, content)
    assert refused.value.message == message
    assert not ImportBatch.objects.exists()


def test_the_template_header_maps_every_column(gp_world):
    line = (
        "Durand;Paul;10/05/1980;;01034;06 12 34 56 78;paul@example.org;3 rue "
        "Haute;oui;non;non;non;non;oui;oui;01/02/2026"
    )
    bad = "Roux;Léa;01/01/1990;;01034;0612345678;;;non;non;non;bof;non;non;non;"
    batch = parse(gp_world, csv_bytes(line, bad, header=csv_import.TEMPLATE_HEADER))
    assert batch.issues == [{"line": 3, "message": "Valeur « bof » pour handicap : oui ou non attendu."}]
    (row,) = batch.rows
    assert {k: row[k] for k in ("ald", "c2s", "chronic", "home_visits", "email", "address", "phone")} == {
        "ald": True,
        "c2s": False,
        "chronic": True,
        "home_visits": True,
        "email": "paul@example.org",
        "address": "3 rue Haute",
        "phone": "0612345678",
    }
    assert row["waiting_since"] == "2026-02-01"


def test_windows_1252_file_with_accents_and_commas_is_read(gp_world):
    content = csv_bytes(
        "Lefèvre,Élodie,10/05/1980,01034,0612345678,Oui,",
        "Gérard,Noël,1975-12-24,01034,0698765432,,",
        header="Nom,Prénom,Date de naissance,Code INSEE,Téléphone,ALD,Date de la demande",
        encoding="cp1252",
    )
    assert content.decode("cp1252") and b"\xe8" in content  # really Latin-1, not UTF-8
    batch = parse(gp_world, content)
    assert batch.issues == [] and batch.total_lines == 2 and batch.status == ImportBatch.Status.PREVIEW
    assert [(r["last_name"], r["first_name"], r["birth_date"], r["ald"], r["line"]) for r in batch.rows] == [
        ("Lefèvre", "Élodie", "1980-05-10", True, 2),
        ("Gérard", "Noël", "1975-12-24", False, 3),
    ]


def test_utf8_with_bom_and_tabs_is_read(gp_world):
    content = "\ufeff" + "nom\tprénom\tnaissance\tcommune\ttel\nÉtienne\tZoé\t01.02.2003\t01034\t0612345678\n"
    batch = parse(gp_world, content.encode("utf-8"))
    assert batch.issues == []
    assert [(r["last_name"], r["first_name"], r["birth_date"]) for r in batch.rows] == [
        ("Étienne", "Zoé", "2003-02-01")
    ]


def report_file() -> bytes:
    return csv_bytes(
        "Durand;Paul;10/05/1980;01034;0612345678;non;",  # 2 valid
        "Martin;Luc;31/02/1980;01034;0612345678;non;",  # 3 impossible date
        "Bernard;Anne;10/05/1980;01004;0612345678;non;",  # 4 other CPTS's commune
        "",  # 5 blank: skipped
        "Petit;Zoé;01/01/1990;01034;0612345678;oui;15/03/2026",  # 6 valid
        "Roux;Jean;01/01/1990;01034;0612345678;peut-être;",  # 7 not a yes/no
        "Blanc;Léa;01/01/1990;01034",  # 8 missing columns
        "Noir;Max;01/01/1990;01034;;non;",  # 9 no contact
        "Vert;Ivy;01/01/1990;01034;0612345678;non;01/01/2099",  # 10 request date in the future
    )


def test_each_bad_line_is_reported_with_its_number_and_valid_rows_are_kept(gp_world):
    batch = parse(gp_world, report_file())
    assert batch.issues == [
        {"line": 3, "message": "Date « 31/02/1980 » illisible : JJ/MM/AAAA attendu."},
        {
            "line": 4,
            "message": "Ambérieu-en-Bugey n'est pas dans le territoire de la CPTS Test Bugey. Elle relève de "
            "la CPTS Test Voisine.",
        },
        {"line": 7, "message": "Valeur « peut-être » pour ald : oui ou non attendu."},
        {"line": 8, "message": "4 colonnes au lieu de 7 (séparateur dans une valeur ?)."},
        {
            "line": 9,
            "message": "Indiquez au moins un moyen de joindre le patient : téléphone, e-mail ou adresse.",
        },
        {"line": 10, "message": "La date de la demande est dans le futur."},
    ]
    assert [(r["line"], r["last_name"]) for r in batch.rows] == [(2, "Durand"), (6, "Petit")]
    assert batch.total_lines == 8
    assert batch.rows[1]["waiting_since"] == "2026-03-15" and batch.rows[1]["ald"] is True
    assert not Request.objects.exists()  # a preview writes no request


def test_apply_refuses_a_file_with_errors_unless_told_to_skip_them(gp_world):
    batch = parse(gp_world, report_file())
    with pytest.raises(ActionError) as refused:
        csv_import.apply(batch, gp_world.cast.coordinator)
    assert refused.value.message == (
        "6 lignes en erreur : corrigez le fichier, ou choisissez explicitement "
        "d'importer seulement les lignes valides."
    )
    assert not Request.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW and len(batch.rows) == 2

    done = csv_import.apply(batch, gp_world.cast.coordinator, skip_errors=True)
    assert (done.status, done.created, done.merged, done.rows) == (ImportBatch.Status.APPLIED, 2, 0, [])
    assert done.applied_at is not None
    batch.refresh_from_db()
    assert batch.rows == [] and batch.status == ImportBatch.Status.APPLIED
    made = {r.last_name: r for r in Request.objects.all()}
    assert set(made) == {"Durand", "Petit"}
    assert all(
        r.source == Request.Source.IMPORT and r.status == Request.Status.WAITING for r in made.values()
    )
    assert made["Petit"].waiting_since == dt.date(2026, 3, 15) and made["Petit"].ald
    assert made["Durand"].created_by == gp_world.cast.coordinator
    with pytest.raises(ActionError, match="déjà été traité"):
        csv_import.apply(batch, gp_world.cast.coordinator, skip_errors=True)
    assert Request.objects.count() == 2


def test_apply_merges_duplicates_within_the_file_and_with_existing_requests(gp_world):
    existing = gp_world.request(
        last_name="Durand",
        first_name="Paul",
        birth_date=dt.date(1980, 5, 10),
        waiting_since=dt.date(2026, 6, 1),
    )
    batch = parse(
        gp_world,
        csv_bytes(
            "DURAND;paul;10/05/1980;01034;0611111111;oui;01/01/2026",  # 2: the existing request
            "Morel;Inès;02/02/2002;01034;0622222222;non;",  # 3: new
            "Morel;Ines;02/02/2002;01034;0633333333;oui;",  # 4: same person as line 3
            "Faure;Léo;03/03/2003;01034;0644444444;non;",  # 5: new
        ),
    )
    assert (
        batch.issues == []
        and batch.rows[2]["duplicate_of_line"] == 3
        and "duplicate_of_line" not in batch.rows[1]
    )
    done = csv_import.apply(batch, gp_world.cast.coordinator)
    assert (done.created, done.merged) == (2, 2)
    assert Request.objects.count() == 3
    existing.refresh_from_db()
    assert existing.ald and existing.phone == "0611111111" and existing.waiting_since == dt.date(2026, 1, 1)
    assert existing.source == Request.Source.MEMBER
    morel = Request.objects.get(last_name="Morel")
    assert morel.ald and morel.phone == "0633333333" and morel.source == Request.Source.IMPORT
    assert morel.events.get(kind=RequestEvent.Kind.MERGED).detail.startswith(
        "Nouvelle inscription (import d'une liste)"
    )


def test_nothing_is_written_when_apply_fails_midway(gp_world):
    batch = parse(
        gp_world,
        csv_bytes(
            "Durand;Paul;10/05/1980;01034;0612345678;non;",
            "Morel;Inès;02/02/2002;01034;0622222222;non;",
            f"Faure;Léo;03/03/2003;{MAGNIEU};0644444444;non;",
        ),
    )
    assert batch.issues == [] and len(batch.rows) == 3
    territory_rules.remove_commune(gp_world.cpts, MAGNIEU)  # the territory changed after the preview
    with pytest.raises(ActionError) as refused:
        csv_import.apply(batch, gp_world.cast.coordinator)
    assert refused.value.message == (
        "Ligne 4 : Magnieu n'est pas dans le territoire de la CPTS Test Bugey. Rien n'a été importé."
    )
    assert Request.objects.count() == 0 and RequestEvent.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW and len(batch.rows) == 3 and batch.created == 0


def test_cancel_drops_the_rows(gp_world):
    batch = parse(gp_world, csv_bytes("Durand;Paul;10/05/1980;01034;0612345678;non;"))
    csv_import.cancel(batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED and batch.rows == []
    with pytest.raises(ActionError, match="déjà été traité"):
        csv_import.apply(batch, gp_world.cast.coordinator)
    assert not Request.objects.exists()


def test_a_code_insee_that_lost_its_leading_zero_in_a_spreadsheet_is_restored(gp_world):
    batch = parse(gp_world, csv_bytes("Durand;Paul;10/05/1980;1034;0612345678;non;"))
    assert batch.issues == []
    assert batch.rows[0]["commune"] == "01034"
