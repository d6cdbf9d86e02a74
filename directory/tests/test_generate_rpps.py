import csv

import pytest
from django.core.management import CommandError, call_command
from stdnum import luhn

from directory import rpps_format
from territory.models import Commune


def _read(path):
    with path.open(encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    return lines


@pytest.mark.django_db
def test_generated_extract_has_the_real_header_and_a_trailing_separator(tmp_path):
    out = tmp_path / "PS_LibreAcces_Personne_activite_202611240000.txt"
    call_command("generate_rpps", count=300, out=str(out), seed=7)
    lines = _read(out)
    assert lines[0] == "|".join(rpps_format.HEADER) + "|"
    assert all(line.endswith("|") for line in lines)
    assert all(line.count("|") == len(rpps_format.HEADER) for line in lines)
    assert len(lines) - 1 >= 300  # some persons have two activities


@pytest.mark.django_db
def test_generated_rows_have_valid_identifiers_real_codes_and_the_synthetic_marker(tmp_path):
    out = tmp_path / "extract.txt"
    call_command("generate_rpps", count=500, out=str(out), seed=3)
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="|"))
    professions = {"10", "21", "40", "50", "60", "70", "80", "91", "92", "95"}
    insee = set(Commune.objects.values_list("insee", flat=True))
    for row in rows:
        rpps = row["Identifiant PP"]
        assert len(rpps) == 11 and rpps.startswith("99") and luhn.is_valid(rpps)
        assert row["Identification nationale PP"] == "8" + rpps
        assert row["Code profession"] in professions
        assert row["Code commune (coord. structure)"] in insee
        assert row["Autorité d'enregistrement"] == rpps_format.SYNTHETIC_MARKER
        if row["Code savoir-faire"]:
            assert row["Code profession"] in {"10", "40"}
    nurses = sum(1 for r in rows if r["Code profession"] == "60") / len(rows)
    assert 0.4 < nurses < 0.6  # the national mix: about half are nurses


@pytest.mark.django_db
def test_generation_refuses_a_non_positive_count(tmp_path):
    with pytest.raises(CommandError, match="positif"):
        call_command("generate_rpps", count=0, out=str(tmp_path / "x.txt"))
