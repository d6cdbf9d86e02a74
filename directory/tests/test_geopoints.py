"""GeoPoint, the derived table the nearest search walks, must always equal a recount of the places."""

import pytest
from django.db.models import Count

from directory import geopoints
from directory.models import GeoPoint, PracticePlace, Professional
from territory.models import Commune

pytestmark = pytest.mark.django_db


def recount() -> set[tuple]:
    places = PracticePlace.objects.filter(active=True, latitude__isnull=False)
    per_profession = {
        (r["profession_code"], r["latitude"], r["longitude"], r["n"])
        for r in places.values("profession_code", "latitude", "longitude").annotate(n=Count("id"))
    }
    overall = {
        (GeoPoint.ALL, r["latitude"], r["longitude"], r["n"])
        for r in places.values("latitude", "longitude").annotate(n=Count("id"))
    }
    return per_profession | overall


def stored() -> set[tuple]:
    return set(GeoPoint.objects.values_list("profession_code", "latitude", "longitude", "places"))


def make_place(pro, insee):
    place = PracticePlace(professional=pro, commune=Commune.objects.get(insee=insee))
    place.locate()
    place.save()
    return place


@pytest.fixture
def pros():
    return [
        Professional.objects.create(
            id_type="8",
            national_id=f"9900000000{i}",
            idnat=f"89900000000{i}",
            last_name=f"P{i}",
            profession_code=code,
        )
        for i, code in enumerate(["60", "60", "10"])
    ]


def test_points_follow_place_creation_move_and_deletion(pros):
    a = make_place(pros[0], "01034")
    make_place(pros[1], "01034")
    make_place(pros[2], "01034")
    assert stored() == recount()
    assert GeoPoint.objects.get(profession_code="60").places == 2
    assert GeoPoint.objects.get(profession_code=GeoPoint.ALL).places == 3
    a.commune = Commune.objects.get(insee="01004")
    a.locate()
    a.save()
    assert stored() == recount()
    a.delete()
    assert stored() == recount()


def test_points_follow_a_professional_becoming_inactive_or_changing_profession(pros):
    make_place(pros[0], "01034")
    make_place(pros[1], "01034")
    pros[0].active = False
    pros[0].save()
    assert stored() == recount()
    assert GeoPoint.objects.get(profession_code="60").places == 1
    pros[1].profession_code = "70"
    pros[1].save()
    assert stored() == recount()
    assert not GeoPoint.objects.filter(profession_code="60").exists()


def test_rebuild_equals_a_recount(pros):
    for pro in pros:
        make_place(pro, "01034")
    GeoPoint.objects.all().delete()
    geopoints.rebuild()
    assert stored() == recount()
