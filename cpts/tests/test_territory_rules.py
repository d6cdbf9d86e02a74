"""Rules of a CPTS territory (cpts/territory.py): search, adding communes and EPCI, conflicts, summary."""

import pytest

from accounts.models import User
from aci.tiers import territory_summary, tier_for
from cpts import actions
from cpts import territory as rules
from cpts.models import TerritoryCommune
from territory.models import EPCI, Commune

pytestmark = pytest.mark.django_db

BUGEY_SUD = "200040350"


@pytest.fixture
def user():
    return User.objects.create_user("coord@rules.test", "x")


@pytest.fixture
def cpts(user):
    return actions.create_cpts(name="CPTS du Bugey", coordinator=user)


@pytest.fixture
def other(user):
    return actions.create_cpts(name="CPTS des Voisins")


def _insees(result):
    return [c.insee for c in result.communes]


# --- search ---------------------------------------------------------------------------------------


def test_search_by_name_ignores_accents_hyphens_and_case():
    assert "01138" in _insees(rules.search("culoz beon"))
    assert "01138" in _insees(rules.search("CULOZ-BÉON"))


def test_search_by_name_finds_a_word_inside_the_name():
    assert "01138" in _insees(rules.search("beon"))


@pytest.mark.parametrize("query", ["Le Havre", "Havre", "le havre", "LE HAVRE", "havre"])
def test_search_finds_le_havre_with_or_without_its_article(query):
    result = rules.search(query)
    assert _insees(result)[0] == "76351"
    assert result.communes[0].name == "Le Havre"


@pytest.mark.parametrize(
    "query", ["L'Abergement-Clémenciat", "Abergement-Clémenciat", "l abergement clemenciat", "abergement"]
)
def test_search_finds_l_abergement_clemenciat_with_or_without_its_article(query):
    assert "01001" in _insees(rules.search(query))


def test_search_by_postal_code_returns_the_communes_of_that_code():
    assert "01034" in _insees(rules.search("01300"))


def test_search_by_postal_code_prefix_returns_matching_communes():
    result = rules.search("0130")
    assert "01034" in _insees(result)


def test_search_by_insee_code_returns_that_commune():
    assert _insees(rules.search("01034")) == ["01034"]


def test_search_by_insee_code_of_corsica_is_case_insensitive():
    assert "2A004" in _insees(rules.search("2a004"))


def test_search_by_epci_name_returns_the_epci():
    result = rules.search("bugey sud")
    assert BUGEY_SUD in [e.siren for e in result.epcis]


def test_search_by_epci_siren_returns_only_that_epci():
    result = rules.search(BUGEY_SUD)
    assert [e.siren for e in result.epcis] == [BUGEY_SUD]
    assert result.communes == []


def test_search_with_fewer_than_two_characters_returns_nothing():
    result = rules.search("b")
    assert result.communes == [] and result.epcis == []


# --- adding communes and EPCI ---------------------------------------------------------------------


def test_add_communes_links_the_commune_to_the_cpts(cpts, user):
    created = rules.add_communes(cpts, [Commune.objects.get(insee="01034")], user)
    assert [link.commune_id for link in created] == ["01034"]
    assert TerritoryCommune.objects.get(commune_id="01034").cpts == cpts
    assert TerritoryCommune.objects.get(commune_id="01034").added_by == user


def test_adding_a_commune_already_in_the_same_territory_is_a_no_op(cpts, user):
    belley = Commune.objects.get(insee="01034")
    rules.add_communes(cpts, [belley], user)
    assert rules.add_communes(cpts, [belley], user) == []
    assert TerritoryCommune.objects.filter(commune=belley).count() == 1


def test_add_communes_with_an_empty_list_is_refused(cpts, user):
    with pytest.raises(rules.TerritoryError, match="Aucune commune"):
        rules.add_communes(cpts, [], user)


def test_add_epci_adds_all_its_communes(cpts, user):
    created = rules.add_epci(cpts, EPCI.objects.get(siren=BUGEY_SUD), user)
    assert len(created) == 41
    assert TerritoryCommune.objects.filter(cpts=cpts).count() == 41
    expected = set(Commune.objects.filter(epci_id=BUGEY_SUD).values_list("insee", flat=True))
    assert set(TerritoryCommune.objects.filter(cpts=cpts).values_list("commune_id", flat=True)) == expected


def test_add_epci_adds_only_the_missing_communes_when_some_are_already_in(cpts, user):
    rules.add_communes(cpts, [Commune.objects.get(insee="01034")], user)
    created = rules.add_epci(cpts, EPCI.objects.get(siren=BUGEY_SUD), user)
    assert len(created) == 40
    assert TerritoryCommune.objects.filter(cpts=cpts).count() == 41


def test_summary_population_is_the_sum_of_the_communes(cpts, user):
    rules.add_epci(cpts, EPCI.objects.get(siren=BUGEY_SUD), user)
    expected = sum(Commune.objects.filter(epci_id=BUGEY_SUD).values_list("population", flat=True))
    s = territory_summary(cpts)
    assert s.communes == 41
    assert s.population == expected


def test_summary_tier_is_the_one_given_by_the_aci_grid(cpts, user):
    rules.add_communes(cpts, [Commune.objects.get(insee="01034")], user)
    s = territory_summary(cpts)
    assert s.tier == tier_for(s.population)
    assert s.tier.number == 1


def test_summary_tier_grows_with_a_large_population(cpts, user):
    rules.add_communes(cpts, [Commune.objects.get(insee="75113")], user)  # Paris 13e, > 175 000
    s = territory_summary(cpts)
    assert s.population > 175_000
    assert s.tier.number == 4


def test_summary_of_an_empty_territory_is_zero_and_tier_1(cpts):
    s = territory_summary(cpts)
    assert (s.communes, s.population, s.tier.number) == (0, 0, 1)


# --- one commune, one CPTS ------------------------------------------------------------------------


def test_a_commune_of_another_cpts_is_refused_with_a_french_message_naming_it(cpts, other, user):
    belley = Commune.objects.get(insee="01034")
    rules.add_communes(other, [belley], user)
    with pytest.raises(rules.TerritoryError) as exc:
        rules.add_communes(cpts, [belley], user)
    assert "appartient déjà au territoire de la CPTS des Voisins" in exc.value.message
    assert "Belley" in exc.value.message
    assert not TerritoryCommune.objects.filter(cpts=cpts).exists()
    assert TerritoryCommune.objects.get(commune=belley).cpts == other


def test_a_refused_commune_makes_the_whole_batch_fail(cpts, other, user):
    rules.add_communes(other, [Commune.objects.get(insee="01138")], user)
    batch = list(Commune.objects.filter(insee__in=["01034", "01138", "01453"]).order_by("insee"))
    with pytest.raises(rules.TerritoryError):
        rules.add_communes(cpts, batch, user)
    assert not TerritoryCommune.objects.filter(cpts=cpts).exists()


def test_adding_an_epci_with_one_commune_taken_adds_nothing(cpts, other, user):
    rules.add_communes(other, [Commune.objects.get(insee="01138")], user)  # Culoz-Béon, in Bugey Sud
    with pytest.raises(rules.TerritoryError) as exc:
        rules.add_epci(cpts, EPCI.objects.get(siren=BUGEY_SUD), user)
    assert "CPTS des Voisins" in exc.value.message
    assert "Culoz-Béon" in exc.value.message
    assert TerritoryCommune.objects.filter(cpts=cpts).count() == 0
    assert TerritoryCommune.objects.filter(cpts=other).count() == 1


def test_an_arrondissement_is_refused_when_paris_belongs_to_another_cpts(cpts, other, user):
    rules.add_communes(other, [Commune.objects.get(insee="75056")], user)
    with pytest.raises(rules.TerritoryError) as exc:
        rules.add_communes(cpts, [Commune.objects.get(insee="75113")], user)
    assert "chevauche Paris (75056)" in exc.value.message
    assert "CPTS des Voisins" in exc.value.message
    assert not TerritoryCommune.objects.filter(cpts=cpts).exists()


def test_paris_is_refused_when_one_of_its_arrondissements_belongs_to_another_cpts(cpts, other, user):
    rules.add_communes(other, [Commune.objects.get(insee="75113")], user)
    with pytest.raises(rules.TerritoryError) as exc:
        rules.add_communes(cpts, [Commune.objects.get(insee="75056")], user)
    assert "75113" in exc.value.message
    assert "CPTS des Voisins" in exc.value.message
    assert not TerritoryCommune.objects.filter(cpts=cpts).exists()


def test_two_arrondissements_of_paris_can_belong_to_two_cpts(cpts, other, user):
    rules.add_communes(other, [Commune.objects.get(insee="75113")], user)
    rules.add_communes(cpts, [Commune.objects.get(insee="75114")], user)
    assert TerritoryCommune.objects.get(commune_id="75114").cpts == cpts


# --- removing and resolving -----------------------------------------------------------------------


def test_remove_commune_takes_it_out_of_the_territory(cpts, user):
    rules.add_communes(cpts, [Commune.objects.get(insee="01034")], user)
    rules.remove_commune(cpts, "01034")
    assert not TerritoryCommune.objects.filter(commune_id="01034").exists()
    assert territory_summary(cpts).population == 0


def test_remove_commune_of_another_cpts_is_refused_and_keeps_it(cpts, other, user):
    rules.add_communes(other, [Commune.objects.get(insee="01034")], user)
    with pytest.raises(rules.TerritoryError, match="ne fait pas partie du territoire"):
        rules.remove_commune(cpts, "01034")
    assert TerritoryCommune.objects.get(commune_id="01034").cpts == other


def test_a_removed_commune_can_be_added_by_another_cpts(cpts, other, user):
    belley = Commune.objects.get(insee="01034")
    rules.add_communes(cpts, [belley], user)
    rules.remove_commune(cpts, "01034")
    rules.add_communes(other, [belley], user)
    assert TerritoryCommune.objects.get(commune=belley).cpts == other


def test_resolve_commune_with_an_unknown_insee_gives_a_french_message():
    with pytest.raises(rules.TerritoryError) as exc:
        rules.resolve_commune("99999")
    assert exc.value.message.startswith("Commune inconnue : « 99999 »")


def test_resolve_commune_accepts_lowercase_corsican_codes():
    assert rules.resolve_commune(" 2a004 ").insee == "2A004"


def test_resolve_epci_with_an_unknown_siren_gives_a_french_message():
    with pytest.raises(rules.TerritoryError) as exc:
        rules.resolve_epci("123456789")
    assert exc.value.message.startswith("EPCI inconnu : « 123456789 »")


def test_geojson_text_is_a_feature_collection_of_the_territory(cpts, user):
    import json

    rules.add_communes(cpts, [Commune.objects.get(insee="01034")], user)
    data = json.loads(rules.geojson_text(cpts))
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["insee"] for f in data["features"]] == ["01034"]
    assert data["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
