"""The RPPS import writes the civility (« Code civilité » → ``salutation``) and never touches what the
professional declares (``home_visits``); run on SQLite and on PostgreSQL (DATABASE_URL), whose apply paths
differ (COPY, IS DISTINCT FROM)."""

import pytest

from directory import generate, rpps_import
from directory.models import Professional
from directory.tests.test_import_rpps import write_extract

pytestmark = pytest.mark.django_db


def _nurse_rows(count=40):
    rows = list(generate.rows(count, seed=7))
    nurse = next(r for r in rows if r["Code profession"] == "60")
    return rows, nurse


def test_salutation_is_imported_and_gives_the_feminine(tmp_path):
    rows, nurse = _nurse_rows()
    nurse_id = nurse["Identification nationale PP"]
    rows = [
        dict(r, **{"Code civilité": "MME"}) if r["Identification nationale PP"] == nurse_id else r
        for r in rows
    ]
    rpps_import.import_extract(write_extract(tmp_path / "a.txt", rows))
    pro = Professional.objects.get(idnat=nurse_id)
    assert pro.salutation == "MME"
    assert pro.profession_title == "Infirmière"
    men = {r["Identification nationale PP"] for r in rows if r["Code civilité"] == "M"}
    assert set(Professional.objects.filter(salutation="M").values_list("idnat", flat=True)) == men


def test_a_changed_salutation_is_updated_by_a_reimport(tmp_path):
    rows, nurse = _nurse_rows()
    nurse_id = nurse["Identification nationale PP"]
    rpps_import.import_extract(write_extract(tmp_path / "a.txt", rows))
    before = Professional.objects.get(idnat=nurse_id).salutation
    after, title = ("M", "Infirmier") if before == "MME" else ("MME", "Infirmière")
    changed = [
        dict(r, **{"Code civilité": after}) if r["Identification nationale PP"] == nurse_id else r
        for r in rows
    ]
    report = rpps_import.import_extract(write_extract(tmp_path / "b.txt", changed))
    assert report.updated == 1
    pro = Professional.objects.get(idnat=nurse_id)
    assert pro.salutation == after and pro.profession_title == title


def test_an_unknown_civility_code_is_left_empty(tmp_path):
    rows, nurse = _nurse_rows()
    nurse_id = nurse["Identification nationale PP"]
    rows = [
        dict(r, **{"Code civilité": "X"}) if r["Identification nationale PP"] == nurse_id else r for r in rows
    ]
    rpps_import.import_extract(write_extract(tmp_path / "a.txt", rows))
    assert Professional.objects.get(idnat=nurse_id).salutation == ""


def test_home_visits_survive_a_reimport(tmp_path):
    rows, nurse = _nurse_rows()
    nurse_id = nurse["Identification nationale PP"]
    rpps_import.import_extract(write_extract(tmp_path / "a.txt", rows))
    pro = Professional.objects.get(idnat=nurse_id)
    assert pro.home_visits is None  # not declared
    pro.home_visits = True
    pro.save()
    other = Professional.objects.exclude(pk=pro.pk).first()
    other.home_visits = False
    other.save()
    # The next extract changes the nurse's name: the row is updated, the declaration stays.
    renamed = [
        dict(r, **{"Nom d'exercice": "NOUVEAUNOM"}) if r["Identification nationale PP"] == nurse_id else r
        for r in rows
    ]
    rpps_import.import_extract(write_extract(tmp_path / "b.txt", renamed))
    pro.refresh_from_db()
    other.refresh_from_db()
    assert pro.last_name == "NOUVEAUNOM" and pro.home_visits is True
    assert other.home_visits is False
