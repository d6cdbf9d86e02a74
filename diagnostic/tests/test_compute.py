"""diagnose(): figures from the real communes and age structure, a small directory, and a CPTS's members."""

import pytest

from accounts.models import User
from cpts import actions as cpts_actions
from cpts.models import Membership
from cpts.roles import Role
from diagnostic import compute
from diagnostic.compute import GP, Figure, Source, diagnose
from diagnostic.models import AgeStructure, ImportedDataset, ImportedValue
from diagnostic.tests.helpers import ARTEMARE, BELLEY, CULOZ, gp, professional
from directory.search import haversine_km
from territory.models import Commune

SRC = Source("t", "test", "2026")


# --- pure functions ---


def test_a_count_under_six_is_hidden_in_public_mode_only():
    assert compute.count_figure(3, SRC, public=True).display == "< 6"
    assert compute.count_figure(3, SRC, public=False).display == "3"
    assert compute.count_figure(6, SRC, public=True).display == "6"
    assert compute.count_figure(0, SRC, public=True).display == "0"


def test_a_ratio_from_a_secret_count_is_hidden_too():
    assert compute.ratio_figure(4, 10_000, 10_000, SRC, public=True).hidden
    shown = compute.ratio_figure(12, 8_000, 10_000, SRC, public=True, decimals=1)
    assert shown.display == "15,0"


def test_numbers_are_written_the_french_way():
    assert compute.fr_number(1843319) == "1\u202f843\u202f319"
    assert compute.fr_number(12.345, 1) == "12,3"
    assert Figure(3.25, SRC, unit="km", decimals=1).display in ("3,2 km", "3,3 km")
    assert Figure(None, SRC).display == "—"


def test_imported_values_aggregate_by_their_rule():
    values = [(10.0, 1000), (20.0, 3000)]
    assert compute.aggregate_values(values, ImportedDataset.Aggregation.SUM) == 30.0
    assert compute.aggregate_values(values, ImportedDataset.Aggregation.WEIGHTED) == pytest.approx(17.5)
    assert compute.aggregate_values(values, ImportedDataset.Aggregation.NONE) is None
    assert compute.aggregate_values([], ImportedDataset.Aggregation.SUM) is None


def test_nearest_distances_are_great_circle_and_defer_beyond_the_margin():
    lyon, paris = (45.7549, 4.8364), (48.8566, 2.3522)
    found = compute.nearest_distances([lyon, paris], [paris], [1000.0, 1000.0])
    assert found[0] == pytest.approx(haversine_km(*lyon, *paris), rel=1e-6)
    assert found[1] == pytest.approx(0.0, abs=1e-6)
    # The nearest point read is farther than the margin to the box's edge: unknown, searched by the caller.
    assert compute.nearest_distances([lyon], [paris], [50.0]) == [None]
    assert compute.nearest_distances([lyon], [], [50.0]) == [None]


def test_age_shares_add_up_to_a_hundred():
    bands = compute.age_bands({"population": 200, "age_0_19": 50, "age_20_64": 100, "age_65_plus": 50}, SRC)
    assert bands.share_0_19.value == 25.0
    assert bands.share_65_plus.display == "25,0 %"
    assert compute.age_bands({"population": 0}, SRC) is None


# --- on the real database ---


@pytest.fixture
def offer(db):
    """Belley: 3 GPs (one a member), 7 nurses, 1 cardiologist; Culoz-Béon: 1 pharmacist and a GP who also
    practises in Belley; an inactive GP in Culoz-Béon that counts nowhere."""
    coordinator = User.objects.create_user("coord@diag.test", "x")
    cpts = cpts_actions.create_cpts(name="CPTS Diagnostic Test", coordinator=coordinator)
    member_gp = gp(BELLEY)
    user = User.objects.create_user("gp@diag.test", "x", professional=member_gp)
    Membership.objects.create(cpts=cpts, user=user, role=Role.MEMBER)
    gp(BELLEY)
    for _ in range(7):
        professional("60", BELLEY)
    professional("10", BELLEY, specialty="SM04")
    professional("21", CULOZ)
    both = gp(CULOZ, BELLEY)
    gp(CULOZ, active=False)
    return {"cpts": cpts, "both": both}


def test_professionals_are_counted_per_profession_commune_and_territory(offer):
    d = diagnose([BELLEY, CULOZ])
    belley = next(c for c in d.communes if c.insee == BELLEY)
    culoz = next(c for c in d.communes if c.insee == CULOZ)
    assert belley.profession(GP).count.value == 3  # the GP practising in both communes counts in each
    assert culoz.profession(GP).count.value == 1  # the inactive one counts nowhere
    assert d.territory.profession(GP).count.value == 3  # and once in the territory
    assert d.territory.profession("60").count.value == 7
    assert d.territory.profession(compute.OTHER_PHYSICIANS).count.value == 1
    assert d.profession_keys[0] == (GP, "Médecin généraliste")
    population = Commune.objects.get(insee=BELLEY).population + Commune.objects.get(insee=CULOZ).population
    assert d.territory.population.value == population
    assert d.territory.profession("60").per_10000.value == pytest.approx(7 / population * 10_000)
    assert "population municipale" in d.territory.population.source.label


def test_members_of_the_cpts_are_counted_with_their_share(offer):
    d = diagnose([BELLEY, CULOZ], members_of_cpts=offer["cpts"])
    assert d.members_counted
    gps = d.territory.profession(GP)
    assert gps.members.value == 1
    assert gps.member_share.value == pytest.approx(100 / 3)
    assert diagnose([BELLEY]).territory.profession(GP).members is None


def test_public_mode_hides_counts_under_six(offer):
    d = diagnose([BELLEY, CULOZ], public=True, members_of_cpts=offer["cpts"])
    gps = d.territory.profession(GP)
    assert gps.count.display == "< 6" and gps.per_10000.hidden and gps.members.hidden
    assert d.territory.profession("60").count.display == "7"
    assert d.public


def test_the_age_structure_comes_from_the_census_by_iris(offer):
    d = diagnose([BELLEY])
    row = AgeStructure.objects.get(commune_id=BELLEY)
    ages = d.territory.ages
    assert ages.population.value == row.population
    assert ages.share_65_plus.value == pytest.approx(row.age_65_plus / row.population * 100)
    assert "recensement 2021" in ages.share_65_plus.source.vintage
    assert "IRIS" in ages.share_65_plus.source.label


def test_comparisons_are_the_departement_the_region_and_france(offer):
    d = diagnose([BELLEY, CULOZ])
    assert [(a.kind, a.code) for a in d.comparisons] == [
        ("departement", "01"),
        ("region", "84"),
        ("france", "FR"),
    ]
    ain = d.comparisons[0]
    assert ain.profession(GP).count.value == 3
    assert ain.population.value == sum(
        Commune.objects.filter(departement_id="01", kind="COM").values_list("population", flat=True)
    )
    france = d.comparisons[-1]
    assert france.ages.population.value > 60_000_000
    assert 15 < france.ages.share_65_plus.value < 30


def test_distances_from_each_centre_are_great_circle(offer):
    d = diagnose([BELLEY, CULOZ, ARTEMARE])
    belley, culoz, artemare = (Commune.objects.get(insee=c) for c in (BELLEY, CULOZ, ARTEMARE))
    rows = {c.insee: c for c in d.communes}
    assert rows[BELLEY].distance("gp").km.value == pytest.approx(0.0, abs=1e-6)
    assert rows[ARTEMARE].distance("nurse").km.value == pytest.approx(
        haversine_km(artemare.latitude, artemare.longitude, belley.latitude, belley.longitude), rel=1e-6
    )
    assert rows[BELLEY].distance("pharmacy").km.value == pytest.approx(
        haversine_km(belley.latitude, belley.longitude, culoz.latitude, culoz.longitude), rel=1e-6
    )
    source = rows[BELLEY].distance("gp").km.source
    assert "vol d'oiseau" in source.label and "pas un temps d'accès" in source.label


def test_a_nearest_place_outside_the_box_is_found_by_the_directory_search(db):
    far = gp(
        "69381"
    )  # Lyon 1er, about 65 km from Artemare: beyond the box read around a one-commune territory
    d = diagnose([ARTEMARE])
    lyon1 = Commune.objects.get(insee="69381")
    artemare = Commune.objects.get(insee=ARTEMARE)
    assert far.places.count() == 1
    assert d.communes[0].distance("gp").km.value == pytest.approx(
        haversine_km(artemare.latitude, artemare.longitude, lyon1.latitude, lyon1.longitude), rel=1e-6
    )
    assert d.communes[0].distance("nurse").km.value is None  # none within 200 km: « — »


def test_a_city_chosen_whole_counts_the_places_of_its_arrondissements(db):
    gp("69381")
    gp("69382")
    d = diagnose(["69123", "69381", "nope"])
    assert d.commune_codes == ["69123"]  # the arrondissement is inside the city chosen
    assert d.unknown_codes == ["nope"]
    assert d.communes[0].profession(GP).count.value == 2
    assert d.territory.population.value == Commune.objects.get(insee="69123").population


def test_imported_figures_are_shown_with_their_provenance(offer):
    dataset = ImportedDataset.objects.create(
        indicator="APL médecins généralistes",
        unit="consultations/an/hab.",
        source="DREES",
        vintage="2023",
        licence="Licence Ouverte 2.0",
        aggregation=ImportedDataset.Aggregation.WEIGHTED,
        file_name="apl.csv",
        sha256="0" * 64,
        encoding="utf-8",
        separator=";",
        rows=2,
    )
    ImportedValue.objects.create(dataset=dataset, commune_id=BELLEY, value=3.0)
    ImportedValue.objects.create(dataset=dataset, commune_id=CULOZ, value=2.0)
    d = diagnose([BELLEY, CULOZ])
    (figures,) = d.imported
    assert figures.provenance == "importé : DREES, millésime 2023, licence Licence Ouverte 2.0"
    pb, pc = (Commune.objects.get(insee=c).population for c in (BELLEY, CULOZ))
    assert figures.territory.value == pytest.approx((3 * pb + 2 * pc) / (pb + pc))
    assert figures.comparisons[0][1].value == pytest.approx((3 * pb + 2 * pc) / (pb + pc))  # only these in 01
    assert next(c for c in d.communes if c.insee == CULOZ).imported[dataset.pk].value == 2.0
    assert figures.source in d.sources


def test_an_empty_territory_gives_an_empty_diagnostic(db):
    d = diagnose([])
    assert d.population == 0 and d.communes == [] and d.comparisons == [] and d.imported == []
    assert d.territory.ages is None
    assert d.territory.profession(GP).count.value == 0
