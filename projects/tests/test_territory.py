"""The checks of a project's territory: pure rules on plain data, then on the real communes."""

import json

import pytest

from cpts import actions as cpts_actions
from cpts import territory as cpts_territory
from projects import actions
from projects import territory as rules
from projects.tests.conftest import BELLEY, FOUESNANT_EPCI
from territory.models import EPCI, Commune


def square(x, y, size=1.0):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_touching_squares_are_one_group_and_a_far_one_is_separate():
    contours = {"A": square(0, 0), "B": square(1, 0), "C": square(2, 0), "Z": square(10, 10)}
    assert rules.contiguous_groups(contours) == [["A", "B", "C"], ["Z"]]


def test_a_sliver_narrower_than_the_tolerance_still_joins_neighbours():
    contours = {"A": square(0, 0), "B": square(1.001, 0)}
    assert rules.contiguous_groups(contours) == [["A", "B"]]
    assert rules.contiguous_groups(contours, tolerance=0.0001) == [["A"], ["B"]]


def test_a_commune_without_contour_is_a_group_of_its_own():
    assert rules.contiguous_groups({"A": square(0, 0), "B": ""}) == [["A"], ["B"]]


def test_group_names_are_french_and_bounded():
    assert rules.group_names(["Brens", "Belley"]) == "Belley et Brens"
    assert rules.group_names(["A"]) == "A"
    assert rules.group_names([f"C{i}" for i in range(9)]) == "C0, C1, C2, C3, C4, C5 et 3 autres"


def test_size_warning_under_the_order_of_magnitude_of_seed_004_only():
    assert "20\u202f000 habitants" in rules.size_warning(12_500)
    assert "12\u202f500 habitants" in rules.size_warning(12_500)
    assert rules.size_warning(20_000) == ""


def test_main_region_is_the_most_populated_and_says_so():
    one = rules.main_region({("53", "Bretagne"): 30_000})
    assert one.addressee == "ARS Bretagne" and one.note == ""
    two = rules.main_region({("53", "Bretagne"): 30_000, ("52", "Pays de la Loire"): 45_000})
    assert two.addressee == "ARS Pays de la Loire"
    assert "plusieurs régions" in two.note and "Bretagne (30\u202f000 habitants)" in two.note
    assert rules.main_region({}) is None


def test_check_of_a_real_epci_contiguous_with_population_vintage_tier_and_region(project, porteur):
    actions_epci = EPCI.objects.get(siren=FOUESNANT_EPCI)
    added = rules.add_epci(project, actions_epci, porteur)
    assert len(added) == 7
    result = rules.check(project)
    population = sum(c.population for c in Commune.objects.filter(epci_id=FOUESNANT_EPCI))
    assert result.summary.population == population > 20_000
    assert result.size_warning == ""
    assert result.groups == []
    assert result.summary.tier is not None and result.summary.tier.number == 1
    assert result.summary.vintage is not None
    assert result.region.addressee == "ARS Bretagne"
    assert result.warnings == [] and result.refused == []


def test_a_distant_commune_makes_two_named_groups_and_a_second_region(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes + [Commune.objects.get(insee=BELLEY)], porteur)
    result = rules.check(project)
    assert len(result.groups) == 2
    assert result.groups[1] == ["Belley"]
    assert "2 ensembles séparés" in result.contiguity_warning and "Belley" in result.contiguity_warning
    assert result.region.addressee == "ARS Bretagne"
    assert "Auvergne-Rhône-Alpes" in result.region.note


def test_a_small_territory_is_warned_not_refused(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes[:1], porteur)
    result = rules.check(project)
    assert result.size_warning and result.size_warning in result.warnings


def test_a_commune_of_an_existing_cpts_is_refused_naming_it(project, porteur):
    cpts = cpts_actions.create_cpts(name="CPTS Bugey Sud Test")
    cpts_territory.add_communes(cpts, [Commune.objects.get(insee=BELLEY)], porteur)
    with pytest.raises(rules.TerritoryError) as err:
        rules.add_communes(project, [Commune.objects.get(insee=BELLEY)], porteur)
    assert "CPTS Bugey Sud Test" in err.value.message and "Belley" in err.value.message
    assert not project.communes.exists()


def test_an_epci_with_one_commune_in_a_cpts_adds_nothing(project, porteur, fouesnant_communes):
    cpts = cpts_actions.create_cpts(name="CPTS Voisine")
    cpts_territory.add_communes(cpts, fouesnant_communes[:1], porteur)
    with pytest.raises(rules.TerritoryError) as err:
        rules.add_epci(project, EPCI.objects.get(siren=FOUESNANT_EPCI), porteur)
    assert "CPTS Voisine" in err.value.message
    assert project.communes.count() == 0


def test_a_commune_of_another_project_is_warned_naming_it(project, porteur, fouesnant_communes):
    other = actions.create_project(porteur, "Projet concurrent")
    rules.add_communes(other, fouesnant_communes[:2], porteur)
    rules.add_communes(project, fouesnant_communes, porteur)
    result = rules.check(project)
    assert result.refused == []
    (overlap,) = result.overlaps
    assert "« Projet concurrent »" in overlap
    assert fouesnant_communes[0].name in overlap and fouesnant_communes[1].name in overlap


def test_remove_commune(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes[:2], porteur)
    rules.remove_commune(project, fouesnant_communes[0].insee)
    assert [c.commune_id for c in project.communes.all()] == [fouesnant_communes[1].insee]
    with pytest.raises(rules.TerritoryError):
        rules.remove_commune(project, fouesnant_communes[0].insee)


def test_geojson_has_the_chosen_communes_and_their_neighbours(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes[:1], porteur)
    data = json.loads(rules.geojson_text(project))
    selected = [f["properties"]["insee"] for f in data["features"] if f["properties"]["selected"]]
    assert selected == [fouesnant_communes[0].insee]
    others = {f["properties"]["insee"] for f in data["features"] if not f["properties"]["selected"]}
    assert {c.insee for c in fouesnant_communes[1:]} <= others
