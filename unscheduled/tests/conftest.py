"""A member GP with a place of practice in Belley (real commune, INSEE 01034), a nurse member in
Ambérieu-en-Bugey's neighbour Artemare, and the cast of tests/cast.py."""

from dataclasses import dataclass

import pytest

from directory.models import PracticePlace, Professional
from territory.models import Commune
from tests.cast import Cast


@dataclass
class World:
    cast: Cast
    gp: Professional
    gp_place: PracticePlace
    nurse: Professional
    nurse_place: PracticePlace


def make_world(cast) -> World:
    belley = Commune.objects.get(insee="01034")
    artemare = Commune.objects.get(insee="01022")
    gp = cast.member.professional
    gp_place = PracticePlace.objects.create(
        professional=gp,
        label="Cabinet du Dr Membre",
        address="1 rue de la Paix",
        postal_code="01300",
        commune=belley,
        latitude=belley.latitude,
        longitude=belley.longitude,
        phone="0479000001",
    )
    nurse = Professional.objects.create(
        id_type="8",
        national_id="10000000017",
        idnat="810000000017",
        last_name="INFIRMIERE",
        first_name="Inès",
        profession_code="60",
    )
    nurse_place = PracticePlace.objects.create(
        professional=nurse,
        label="Cabinet infirmier",
        address="2 place",
        postal_code="01510",
        commune=artemare,
        latitude=artemare.latitude,
        longitude=artemare.longitude,
    )
    cast.bureau.professional = nurse
    cast.bureau.save()
    return World(cast, gp, gp_place, nurse, nurse_place)


@pytest.fixture
def world(cast) -> World:
    return make_world(cast)
