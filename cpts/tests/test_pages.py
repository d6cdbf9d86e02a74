"""Pages of a CPTS, through the real login (password + TOTP): territory, home, joining, structures."""

import html
import json

import pytest
from django.urls import reverse

from cpts.models import Membership, MembershipRequest, PartnerStructure, TerritoryCommune
from cpts.roles import Role
from directory.models import Structure
from territory.models import Commune
from tests.cast import login

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def url(name, cpts, *args):
    return reverse(f"cpts:{name}", args=[cpts.slug, *args])


# --- territory ------------------------------------------------------------------------------------


def test_coordinator_adds_a_commune_from_the_territory_page(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("territory_add", cast.cpts), {"insee": "01138"}, follow=True)
    assert response.status_code == 200
    assert "Culoz-Béon ajoutée au territoire." in text(response)
    assert TerritoryCommune.objects.get(commune_id="01138").cpts == cast.cpts


def test_coordinator_adds_a_whole_epci_from_the_territory_page(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("territory_add", cast.cpts), {"epci": "200040350"}, follow=True)
    assert "40 communes de l'EPCI Communauté de communes Bugey Sud ajoutées au territoire." in text(response)
    assert TerritoryCommune.objects.filter(cpts=cast.cpts).count() == 41


def test_adding_a_commune_of_the_other_cpts_shows_the_french_error_naming_it(client, cast):
    login(client, cast.coordinator)
    before = set(TerritoryCommune.objects.values_list("cpts_id", "commune_id"))
    response = client.post(url("territory_add", cast.cpts), {"insee": "01004"}, follow=True)
    page = text(response)
    assert (
        "La commune Ambérieu-en-Bugey (01004) appartient déjà au territoire de la CPTS Test Voisine." in page
    )
    assert "msg-error" in page
    assert set(TerritoryCommune.objects.values_list("cpts_id", "commune_id")) == before


def test_adding_an_unknown_insee_shows_a_french_error(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("territory_add", cast.cpts), {"insee": "99999"}, follow=True)
    assert "Commune inconnue : « 99999 »" in text(response)
    assert TerritoryCommune.objects.filter(cpts=cast.cpts).count() == 1


def test_a_member_cannot_add_a_commune(client, cast):
    login(client, cast.member)
    response = client.post(url("territory_add", cast.cpts), {"insee": "01138"})
    assert response.status_code == 403
    assert not TerritoryCommune.objects.filter(commune_id="01138").exists()


def test_coordinator_removes_a_commune_from_the_territory_page(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("territory_remove", cast.cpts, "01034"), follow=True)
    assert "Commune retirée du territoire." in text(response)
    assert not TerritoryCommune.objects.filter(cpts=cast.cpts).exists()


def test_htmx_search_returns_matching_communes_with_an_add_button(client, cast):
    login(client, cast.coordinator)
    response = client.get(url("territory_search", cast.cpts), {"q": "culoz beon"}, HTTP_HX_REQUEST="true")
    page = text(response)
    assert response.status_code == 200
    assert "Culoz-Béon" in page
    assert 'name="insee" value="01138"' in page
    assert "<html" not in page  # a fragment for HTMX, not a whole page


@pytest.mark.parametrize("query", ["La Burbanche", "Burbanche"])
def test_htmx_search_finds_a_commune_with_or_without_its_article(client, cast, query):
    login(client, cast.coordinator)
    response = client.get(url("territory_search", cast.cpts), {"q": query}, HTTP_HX_REQUEST="true")
    page = text(response)
    assert "La Burbanche" in page
    assert 'name="insee" value="01066"' in page


def test_htmx_search_marks_a_commune_held_by_the_other_cpts(client, cast):
    login(client, cast.coordinator)
    response = client.get(url("territory_search", cast.cpts), {"q": "01004"})
    page = text(response)
    assert "Ambérieu-en-Bugey" in page
    assert "CPTS Test Voisine" in page
    assert 'value="01004"' in page and "Ajouter Ambérieu" not in page


def test_htmx_search_lists_an_epci_by_name(client, cast):
    login(client, cast.coordinator)
    response = client.get(url("territory_search", cast.cpts), {"q": "bugey sud"})
    assert 'name="epci" value="200040350"' in text(response)


def test_territory_geojson_is_a_feature_collection_of_the_communes(client, cast):
    login(client, cast.member)
    response = client.get(url("territory_geojson", cast.cpts))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["insee"] for f in data["features"]] == ["01034"]


def test_territory_geojson_of_another_cpts_is_forbidden(client, cast):
    login(client, cast.coordinator)
    assert client.get(url("territory_geojson", cast.other)).status_code == 403


def test_territory_page_shows_population_and_tier_and_the_home_leads_there(client, cast):
    login(client, cast.coordinator)
    response = client.get(url("territory", cast.cpts))
    page = text(response)
    belley = Commune.objects.get(insee="01034").population
    assert response.status_code == 200
    assert "Taille 1" in page
    assert f"{belley:,}".replace(",", "\u202f") in page or f"{belley:,}".replace(",", "\xa0") in page
    assert "Adhérents par profession" in page  # moved from the home with the territory facts
    # The home is « Aujourd'hui »: the territory facts moved off it, a link leads to them.
    home = text(client.get(url("home", cast.cpts)))
    assert 'data-testid="population"' not in home and url("territory", cast.cpts) in home


def test_territory_page_states_the_vintage_of_the_population_and_tier(client, cast):
    login(client, cast.coordinator)
    page = text(client.get(url("territory", cast.cpts)))
    label = "population municipale 2023, en vigueur au 1er janvier 2026"
    assert f'data-testid="population-vintage">{label}<' in page
    assert f"», {label}</small>" in page  # beside the tier
    assert "Source : @etalab/decoupage-administratif 6.0.0 (npm ; INSEE, population municipale 2023" in page


def test_territory_page_shows_the_population_after_adding_communes(client, cast):
    login(client, cast.coordinator)
    client.post(url("territory_add", cast.cpts), {"epci": "200040350"})
    response = client.get(url("territory", cast.cpts))
    total = sum(Commune.objects.filter(epci_id="200040350").values_list("population", flat=True))
    page = text(response).replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    assert str(total) in page
    assert "Taille1" in page


# --- joining --------------------------------------------------------------------------------------


def test_an_outsider_asks_to_join_and_gets_a_confirmation(client, cast):
    login(client, cast.outsider)
    response = client.post(url("join", cast.cpts), {"message": "Infirmière à Belley"}, follow=True)
    assert "Votre demande d'adhésion à la CPTS Test Bugey a été transmise au coordinateur." in text(response)
    req = MembershipRequest.objects.get(user=cast.outsider)
    assert (req.cpts, req.status, req.message) == (cast.cpts, "pending", "Infirmière à Belley")


def test_a_join_message_over_2000_characters_is_refused(client, cast):
    login(client, cast.outsider)
    response = client.post(url("join", cast.cpts), {"message": "x" * 2001})
    assert response.status_code == 200
    assert "2000" in text(response)
    assert 'class="error"' in text(response)
    assert not MembershipRequest.objects.filter(user=cast.outsider).exists()


def test_a_second_join_request_shows_the_pending_error(client, cast):
    login(client, cast.outsider)
    client.post(url("join", cast.cpts), {"message": ""})
    response = client.post(url("join", cast.cpts), {"message": ""})
    assert "Vous avez déjà une demande d'adhésion en attente pour cette CPTS." in text(response)
    assert MembershipRequest.objects.filter(user=cast.outsider).count() == 1


def test_coordinator_sees_and_accepts_a_request_on_the_requests_page(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider, message="Bonjour")
    login(client, cast.coordinator)
    listing = text(client.get(url("requests", cast.cpts)))
    assert "Otto Outsider" in listing and "Bonjour" in listing
    response = client.post(url("request_accept", cast.cpts, req.pk), {"role": "member"}, follow=True)
    assert "Otto Outsider est désormais membre" in text(response)
    assert Membership.objects.get(cpts=cast.cpts, user=cast.outsider).role == Role.MEMBER
    req.refresh_from_db()
    assert req.status == MembershipRequest.Status.ACCEPTED


def test_refusing_a_request_without_a_reason_shows_an_error_and_keeps_it_pending(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    login(client, cast.coordinator)
    response = client.post(url("request_refuse", cast.cpts, req.pk), {"reason": ""}, follow=True)
    assert "Indiquez le motif du refus" in text(response)
    req.refresh_from_db()
    assert req.status == MembershipRequest.Status.PENDING


def test_refusing_a_request_with_a_reason_records_it(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    login(client, cast.coordinator)
    response = client.post(
        url("request_refuse", cast.cpts, req.pk), {"reason": "Hors territoire"}, follow=True
    )
    assert "Demande refusée" in text(response)
    req.refresh_from_db()
    assert (req.status, req.reason) == (MembershipRequest.Status.REFUSED, "Hors territoire")


def test_a_member_cannot_accept_a_request(client, cast):
    req = MembershipRequest.objects.create(cpts=cast.cpts, user=cast.outsider)
    login(client, cast.member)
    assert client.post(url("request_accept", cast.cpts, req.pk), {"role": "coordinator"}).status_code == 403
    assert not Membership.objects.filter(user=cast.outsider).exists()


# --- structures -----------------------------------------------------------------------------------


def _structure(**overrides):
    data = {
        "name": "MSP du Bugey",
        "kind": "msp",
        "finess": "",
        "siret": "",
        "address": "",
        "postal_code": "",
        "phone": "",
        "email": "",
        "commune_insee": "01034",
        "agreement": "",
    }
    data.update(overrides)
    return data


def test_coordinator_adds_a_partner_structure(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("structures", cast.cpts), _structure(), follow=True)
    assert "MSP du Bugey ajoutée aux structures partenaires." in text(response)
    link = PartnerStructure.objects.get(cpts=cast.cpts, structure__name="MSP du Bugey")
    assert link.structure.commune_id == "01034"


def test_a_malformed_finess_is_shown_beside_the_field_and_nothing_is_saved(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("structures", cast.cpts), _structure(finess="12345"))
    page = text(response)
    assert response.status_code == 400
    assert "Le numéro FINESS doit comporter 9 caractères" in page
    field = page[page.index('name="finess"') :]
    assert field.index("Le numéro FINESS doit comporter 9 caractères") < field.index('name="siret"')
    assert not Structure.objects.filter(name="MSP du Bugey").exists()
    assert not PartnerStructure.objects.filter(cpts=cast.cpts).exists()


def test_a_finess_with_a_wrong_key_is_refused(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("structures", cast.cpts), _structure(finess="010780055"))
    assert "Le numéro FINESS est invalide : sa clé de contrôle ne correspond pas." in text(response)
    assert not Structure.objects.filter(name="MSP du Bugey").exists()


def test_a_malformed_siret_is_shown_beside_the_field_and_nothing_is_saved(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("structures", cast.cpts), _structure(siret="7328293200007"))
    page = text(response)
    assert response.status_code == 400
    assert "Le numéro SIRET doit comporter exactement 14 chiffres." in page
    field = page[page.index('name="siret"') :]
    assert field.index("Le numéro SIRET doit comporter exactement 14 chiffres.") < field.index(
        'name="address"'
    )
    assert not Structure.objects.filter(name="MSP du Bugey").exists()


def test_a_structure_with_an_unknown_commune_is_refused(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("structures", cast.cpts), _structure(commune_insee="99999"))
    assert "Commune inconnue : « 99999 »." in text(response)
    assert not Structure.objects.filter(name="MSP du Bugey").exists()
