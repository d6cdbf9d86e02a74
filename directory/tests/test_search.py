"""Geographic search: exact against brute force, filters, paging, and the page and API around it."""

import random

import pytest
from django.urls import reverse

from accounts.models import APIToken
from cpts.models import Membership
from directory import generate, geopoints, rpps_format, rpps_import, search
from directory.models import PracticePlace, Professional
from directory.query import Criteria, resolve_point, run
from territory.models import Commune
from tests.cast import login

pytestmark = pytest.mark.django_db
AIN = ["01034", "01138", "01004", "01283", "01053", "01173", "01033", "01269", "01185", "01403"]


@pytest.fixture
def imported(tmp_path):
    rows = list(generate.rows(600, seed=11, insee=AIN))
    path = tmp_path / "extract.txt"
    path.write_text(
        "\n".join([rpps_format.header_line()] + [rpps_format.format_line(r) for r in rows]) + "\n",
        encoding="utf-8",
    )
    rpps_import.import_extract(path)
    # Spread places around their commune centroid so that distances differ (as with geocoded addresses).
    rng = random.Random(3)
    places = list(PracticePlace.objects.order_by("pk"))
    for place in places:
        place.latitude += rng.uniform(-0.05, 0.05)
        place.longitude += rng.uniform(-0.05, 0.05)
        place.geo_precision = "address"
    PracticePlace.objects.bulk_update(places, ["latitude", "longitude", "geo_precision"], batch_size=500)
    geopoints.rebuild()  # as after a bulk import
    return rows


def brute_force(lat, lon, radius, profession):
    best = {}
    for place in PracticePlace.objects.filter(active=True, profession_code=profession):
        d = search.haversine_km(lat, lon, place.latitude, place.longitude)
        if d <= radius and (place.professional_id not in best or d < best[place.professional_id]):
            best[place.professional_id] = d
    return sorted(best.items(), key=lambda item: (item[1], item[0]))


@pytest.mark.parametrize("profession, radius", [("60", 5), ("60", 20), ("10", 20), ("50", 60), ("21", 2)])
def test_nearest_equals_the_brute_force_answer(imported, profession, radius):
    rng = random.Random(profession + str(radius))
    for _ in range(15):
        lat, lon = 45.95 + rng.uniform(-0.25, 0.25), 5.45 + rng.uniform(-0.25, 0.25)
        hits = search.nearest(lat, lon, 20, radius, search.Filters(profession_code=profession))
        expected = brute_force(lat, lon, radius, profession)[:20]
        assert [h.professional_id for h in hits] == [pid for pid, _ in expected]
        assert [round(h.distance_km, 9) for h in hits] == [round(d, 9) for _, d in expected]


def test_impossible_radius_and_coordinates_are_refused_in_french():
    with pytest.raises(search.SearchError, match="Rayon impossible"):
        search.nearest(45.0, 5.0, 20, 500)
    with pytest.raises(search.SearchError, match="Coordonnées impossibles"):
        search.nearest(95.0, 5.0, 20, 5)


def test_place_resolution():
    assert resolve_point("Belley").label == "Belley"
    assert resolve_point("01300").label in {"Belley", "Brens", "Virignin"}
    assert resolve_point("01034").label == "Belley"
    assert resolve_point("45,75; 5,68").latitude == 45.75
    with pytest.raises(search.SearchError, match="Lieu inconnu"):
        resolve_point("Nullepart-sur-Rien")


@pytest.mark.parametrize("where", ["Le Havre", "Havre", "le havre"])
def test_place_resolution_matches_a_commune_with_or_without_its_article(where):
    assert resolve_point(where).label == "Le Havre"


def test_filters_restrict_results(imported, cast):
    belley = Commune.objects.get(insee="01034")
    nearest_gp = brute_force(belley.latitude, belley.longitude, 60, "10")[0][0]  # a GP within the radius
    gp = Professional.objects.get(pk=nearest_gp)
    gp.accepts_new_patients = True
    gp.takes_part_in_snp = True
    gp.save()
    page = run(Criteria(where="01034", radius_km=60, profession="10", accepts_new_patients=True, snp=True))
    assert page.total == 1 and page.rows[0].professional == gp
    cast.member.professional = gp
    cast.member.save()
    members = run(Criteria(where="01034", radius_km=60, members_only=True), cpts_id=cast.cpts.pk)
    assert [r.professional for r in members.rows] == [gp]


def test_run_pages_and_counts_professionals_sorted_by_distance(imported):
    page = run(Criteria(where="01034", radius_km=30, page=1), page_size=20)
    assert page.total > 20 and page.pages == -(-page.total // 20)
    distances = [r.distance_km for r in page.rows]
    assert distances == sorted(distances)
    second = run(Criteria(where="01034", radius_km=30, page=2), page_size=20)
    assert second.rows[0].distance_km >= distances[-1]
    assert not {r.professional.pk for r in page.rows} & {r.professional.pk for r in second.rows}


def test_unknown_profession_gives_a_message_not_an_error(imported):
    page = run(Criteria(where="01034", profession="77"))
    assert page.errors == {"profession": "Profession inconnue : « 77 »."}


def test_search_page_shows_count_distance_and_map(client, cast, imported):
    login(client, cast.member)
    response = client.get(
        reverse("directory:search", args=[cast.cpts.slug]),
        {"where": "Belley", "radius_km": "10", "profession": "60"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "professionnels trouvés" in body and "à " in body and 'data-grouped="dir-groups"' in body
    assert 'data-radius-km="10.000000"' in body


def test_search_page_explains_bad_input(client, cast, imported):
    login(client, cast.member)
    url = reverse("directory:search", args=[cast.cpts.slug])
    response = client.get(url, {"where": "Zzzz", "radius_km": "5"})
    assert response.status_code == 400 and "Lieu inconnu" in response.content.decode()
    response = client.get(url, {"where": "Belley", "radius_km": "500"})
    assert response.status_code == 400 and "inférieure ou égale à 200" in response.content.decode()


def test_professional_page_lists_places(client, cast, imported):
    login(client, cast.member)
    pro = Professional.objects.filter(places__isnull=False).first()
    response = client.get(reverse("directory:professional", args=[cast.cpts.slug, pro.pk]))
    assert response.status_code == 200 and pro.last_name in response.content.decode()


def test_api_search_and_nearest(client, cast, imported):
    _, raw = APIToken.issue(cast.member)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = client.get(
        f"/api/cpts/{cast.cpts.slug}/directory/search", {"where": "01034", "radius_km": 15}, **auth
    ).json()
    assert body["count"] > 0 and body["results"][0]["distance_label"].startswith("à ")
    near = client.get(
        f"/api/cpts/{cast.cpts.slug}/directory/nearest",
        {"lat": 45.76, "lon": 5.69, "profession": "60", "radius_km": 20},
        **auth,
    )
    assert near.status_code == 200
    expected = brute_force(45.76, 5.69, 20, "60")[:20]
    assert [r["professional_id"] for r in near.json()] == [pid for pid, _ in expected]
    for row in near.json()[:5]:
        place = PracticePlace.objects.select_related("professional", "commune").get(pk=row["place_id"])
        assert (row["last_name"], row["first_name"], row["profession_code"], row["commune"]) == (
            place.professional.last_name,
            place.professional.first_name,
            place.professional.profession_code,
            place.commune.name if place.commune_id else "",
        )
    bad = client.get(
        f"/api/cpts/{cast.cpts.slug}/directory/nearest", {"lat": 45.76, "lon": 5.69, "radius_km": 900}, **auth
    )
    assert bad.status_code == 400 and "Rayon impossible" in bad.json()["detail"]


def test_offer_page_shows_membership_rate(client, cast, imported):
    belley_pro = Professional.objects.filter(places__commune_id="01034").first()
    cast.member.professional = belley_pro
    cast.member.save()
    login(client, cast.coordinator)
    response = client.get(reverse("directory:offer", args=[cast.cpts.slug]))
    body = response.content.decode()
    total = Professional.objects.filter(places__commune_id="01034", active=True).distinct().count()
    assert response.status_code == 200 and f">{total}<" in body
    assert Membership.objects.filter(cpts=cast.cpts, user__professional=belley_pro).exists()


def test_distance_label_says_when_the_place_is_only_known_at_the_commune_centre(imported):
    from directory.query import Row

    place = PracticePlace.objects.select_related("commune", "professional").first()
    place.geo_precision = "commune"
    assert Row(place.professional, place, 0.0).distance_label == f"dans la commune ({place.commune.name})"
    assert Row(place.professional, place, 1.42).distance_label == "à 1,4 km (centre de la commune)"
    place.geo_precision = "address"
    assert Row(place.professional, place, 1.42).distance_label == "à 1,4 km"


def test_membership_rates_count_adherents_not_invited_guests_partners_or_referents(cast, imported):
    from cpts.offer import membership_rates

    pros = list(Professional.objects.filter(places__commune_id="01034", active=True).distinct()[:4])
    people = (cast.member, cast.guest, cast.partner, cast.referent)
    for user, pro in zip(people, pros, strict=True):
        user.professional = pro
        user.save()
    rates = membership_rates(cast.cpts)
    belley = Professional.objects.filter(places__commune_id="01034", active=True).distinct().count()
    # The member counts; the guest invited into one group by e-mail, the partner structure's staff and the ARS
    # referent are not adhérents.
    assert rates.total.members == 1, rates.total
    assert rates.total.professionals >= belley
