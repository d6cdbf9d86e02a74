"""The directory answers "which nurse can come to this patient's home?": each filter alone and combined (home
visits, new patients, unscheduled care, a free slot within 24 h / 48 h, profession, distance from a commune or
an address), the grouping of the map's markers, and what each result offers and how to contact them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cpts.models import Membership
from cpts.roles import Role
from directory import pages
from directory.models import PracticePlace, Professional
from directory.query import Criteria, Row, group_by_point, resolve_point, run
from directory.tests.test_search import AIN, imported  # noqa: F401 - the shared imported extract
from territory.models import Commune
from tests.cast import login, make_user
from unscheduled.models import Slot

pytestmark = pytest.mark.django_db
BELLEY = "01034"


def _ids(page):
    return {r.professional.pk for r in page.rows}


def _all(**criteria):
    """Every result (one page big enough) around Belley within 60 km."""
    return run(Criteria(where=BELLEY, radius_km=60, **criteria), page_size=5000)


@pytest.fixture
def declared(imported):  # noqa: F811
    """Nurses: a third do home visits, a third accept new patients, a third take part in unscheduled care."""
    nurses = list(Professional.objects.filter(profession_code="60", active=True).order_by("pk"))
    for i, pro in enumerate(nurses):
        pro.home_visits = i % 3 == 0
        pro.accepts_new_patients = i % 3 == 1 or i % 6 == 0
        pro.takes_part_in_snp = i % 2 == 0
        pro.save()
    return nurses


def test_each_declared_filter_alone(declared):
    everyone = _ids(_all())
    assert _ids(_all(home_visits=True)) == {p.pk for p in declared if p.home_visits} & everyone
    assert (
        _ids(_all(accepts_new_patients=True)) == {p.pk for p in declared if p.accepts_new_patients} & everyone
    )
    assert _ids(_all(snp=True)) == {p.pk for p in declared if p.takes_part_in_snp} & everyone
    nurses = _ids(_all(profession="60"))
    assert nurses == {p.pk for p in declared} & everyone and nurses < everyone


def test_filters_combined(declared):
    found = _ids(_all(profession="60", home_visits=True, accepts_new_patients=True, snp=True))
    expected = {p.pk for p in declared if p.home_visits and p.accepts_new_patients and p.takes_part_in_snp}
    assert found == expected & _ids(_all()) and found
    near = run(Criteria(where=BELLEY, radius_km=5, profession="60", home_visits=True), page_size=5000)
    assert _ids(near) <= found | {p.pk for p in declared if p.home_visits}
    assert all(r.distance_km <= 5 for r in near.rows)
    assert [r.distance_km for r in near.rows] == sorted(r.distance_km for r in near.rows)


def test_professional_ids_passed_in_restrict_the_results(declared):
    chosen = frozenset(p.pk for p in declared[:4])
    assert _ids(run(Criteria(where=BELLEY, radius_km=60), page_size=5000, professional_ids=chosen)) <= chosen
    assert run(Criteria(where=BELLEY, radius_km=60), professional_ids=frozenset()).total == 0
    # Without a point: by name, the same restriction.
    assert _ids(run(Criteria(profession="60"), page_size=5000, professional_ids=chosen)) == chosen


def _slot(cast, pro, hours):
    start = timezone.now() + dt.timedelta(hours=hours)
    return Slot.objects.create(
        cpts=cast.cpts,
        professional=pro,
        place=pro.places.first(),
        start=start,
        end=start + dt.timedelta(minutes=20),
        created_by=cast.coordinator,
        show_cpts=True,
    )


def test_free_slot_within_24_or_48_hours(cast, declared):
    soon, later, far = declared[0], declared[1], declared[2]
    _slot(cast, soon, 3)
    _slot(cast, later, 30)
    _slot(cast, far, 24 * 5)
    booked = _slot(cast, declared[3], 2)
    booked.status = Slot.Status.BOOKED
    booked.save()
    assert pages.free_slot_professionals(cast.cpts, "") is None
    assert pages.free_slot_professionals(cast.cpts, "24h") == {soon.pk}
    assert pages.free_slot_professionals(cast.cpts, "48h") == {soon.pk, later.pk}
    assert pages.free_slot_professionals(cast.other, "48h") == frozenset()  # another CPTS's slots
    nexts = pages.next_free_slots(cast.cpts, [soon.pk, later.pk, far.pk, declared[3].pk])
    assert set(nexts) == {soon.pk, later.pk, far.pk}


def test_the_page_filters_on_free_slots_and_shows_the_next_one(client, cast, declared):
    _slot(cast, declared[0], 3)
    _slot(cast, declared[1], 30)
    login(client, cast.member)
    url = reverse("directory:search", args=[cast.cpts.slug])
    body = client.get(url, {"where": "Belley", "radius_km": "60", "free_within": "24h"}).content.decode()
    assert f'id="pro-{declared[0].pk}"' in body and f'id="pro-{declared[1].pk}"' not in body
    assert "Créneau libre" in body and "1 professionnel trouvé" in body
    body = client.get(url, {"where": "Belley", "radius_km": "60", "free_within": "48h"}).content.decode()
    assert f'id="pro-{declared[1].pk}"' in body and "2 professionnels trouvés" in body
    assert '<span class="dir-badge">1</span>' in body  # one active filter on the « Filtres » button


def test_an_address_is_located_at_its_commune(imported):  # noqa: F811
    belley = Commune.objects.get(insee=BELLEY)
    point = resolve_point("12 rue de la République 01300 Belley")
    assert (point.latitude, point.longitude, point.label) == (belley.latitude, belley.longitude, "Belley")
    assert resolve_point("Belley 01300").label == "Belley"


def _row(pro, lat, lon, commune=None):
    return Row(pro, PracticePlace(professional=pro, latitude=lat, longitude=lon, commune=commune), 0.0)


def test_results_at_one_point_make_one_marker_with_their_count():
    belley = Commune(insee=BELLEY, name="Belley")
    pros = [Professional(pk=i, last_name=f"P{i}") for i in range(5)]
    rows = [
        _row(pros[0], 45.75, 5.68, belley),
        _row(pros[1], 45.7500000001, 5.68, belley),  # the same point, rounded
        _row(pros[2], 45.75, 5.68, belley),
        _row(pros[3], 45.80, 5.70),
        Row(pros[4], None, None),  # not located: in the list, not on the map
    ]
    groups = group_by_point(rows)
    assert [(g.count, g.label) for g in groups] == [(3, "Belley"), (1, "")]
    assert [r.professional.pk for r in groups[0].rows] == [0, 1, 2]


def test_the_map_lists_each_group_with_its_count(client, cast, declared):
    login(client, cast.member)
    body = client.get(
        reverse("directory:search", args=[cast.cpts.slug]),
        {"where": "Belley", "radius_km": "60", "profession": "60"},
    ).content.decode()
    assert 'id="dir-groups"' in body and 'data-count="' in body
    assert 'role="img"' not in body and 'role="region" aria-label="Carte des résultats"' in body


def test_a_result_shows_its_offer_and_how_to_contact(client, cast, declared):
    nurse = declared[0]  # home visits, new patients, unscheduled care
    nurse.mssante = "ines.durand@demo.mssante.fr"
    nurse.salutation = "MME"
    nurse.save()
    place = nurse.places.first()
    place.phone = "0440924228"
    place.save()
    account = make_user("ines@cast.test", first_name="Inès", professional=nurse)
    Membership.objects.create(cpts=cast.cpts, user=account, role=Role.MEMBER)
    login(client, cast.member)
    url = reverse("directory:search", args=[cast.cpts.slug])
    body = client.get(
        url,
        {
            "where": "Belley",
            "radius_km": "60",
            "profession": "60",
            "home_visits": "on",
            "name": nurse.last_name,
        },
    )
    body = body.content.decode()
    card = body[body.index(f'id="pro-{nurse.pk}"') :]
    card = card[: card.index("</ol>")].split('data-testid="result"')[1]
    assert "Infirmière" in card
    for chip in ("Visites à domicile", "Nouveaux patients", "Soins non programmés"):
        assert chip in card
    assert 'href="tel:0440924228"' in card and "Appeler le 04 40 92 42 28" in card
    assert 'href="mailto:ines.durand@demo.mssante.fr"' in card
    write = reverse("coordination:new_conversation", args=[cast.cpts.slug]) + f"?avec={account.pk}"
    assert f'href="{write}"' in card
    # The professional page says the same.
    page = client.get(reverse("directory:professional", args=[cast.cpts.slug, nurse.pk])).content.decode()
    assert "Visites à domicile" in page and 'href="tel:0440924228"' in page and f'href="{write}"' in page


def test_no_write_link_for_a_non_member_or_a_referent(client, cast, declared):
    nurse = declared[0]
    make_user("nomember@cast.test", professional=nurse)  # an account, but not in this CPTS
    login(client, cast.member)
    body = client.get(reverse("directory:professional", args=[cast.cpts.slug, nurse.pk])).content.decode()
    assert 'data-testid="write"' not in body


def test_api_search_takes_the_new_filters(client, cast, declared):
    from accounts.models import APIToken

    _slot(cast, declared[0], 3)
    _, raw = APIToken.issue(cast.member)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = f"/api/cpts/{cast.cpts.slug}/directory/search"
    body = client.get(url, {"where": BELLEY, "radius_km": 60, "home_visits": True}, **auth).json()
    assert body["count"] > 0 and all(r["home_visits"] for r in body["results"])
    body = client.get(url, {"where": BELLEY, "radius_km": 60, "free_within": "24h"}, **auth).json()
    assert [r["id"] for r in body["results"]] == [declared[0].pk]
    assert client.get(url, {"where": BELLEY, "free_within": "3j"}, **auth).status_code in (400, 422)
