"""The médecin traitant world of the rule tests: the cast (tests/cast.py) whose CPTS covers Belley (INSEE
01034) and three neighbours, three member GPs with a place of practice each (real coordinates of their
commune), and helpers to declare capacities and enter requests through the real rules
(``gpmatching.capacity``, ``gpmatching.intake``)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from accounts.models import User
from cpts import territory as territory_rules
from cpts.models import Membership
from cpts.roles import Role
from directory.models import PracticePlace, Professional
from gpmatching import capacity as capacity_rules
from gpmatching import intake
from gpmatching.models import Capacity, Request
from territory.models import Commune
from tests.cast import PASSWORD, Cast

# Communes of the cast's CPTS territory in these tests (Belley is already in it, tests/cast.py).
BELLEY, BRENS, VIRIGNIN, MAGNIEU = "01034", "01061", "01454", "01227"
AMBERIEU = "01004"  # the other CPTS's territory
ARTEMARE = "01022"  # in no CPTS's territory


@dataclass
class GPWorld:
    cast: Cast
    communes: dict[str, Commune]
    gps: list[Professional]  # gps[0] is the cast member's professional (Dr Marie MEMBRE)
    users: list[User]  # the GPs' accounts, same order
    places: list[PracticePlace]
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def cpts(self):
        return self.cast.cpts

    def declare(self, k: int, by=None, **data) -> Capacity:
        """GP number ``k`` declares (by default themself) ``data`` as capacity."""
        return capacity_rules.declare(self.cpts, self.gps[k], by or self.users[k], data)

    def patient(self, **overrides) -> dict:
        """The data of a valid request of a new person (unique names), ``overrides`` applied."""
        n = next(self._names)
        data = {
            "last_name": f"Patient{n}",
            "first_name": "Jean",
            "birth_date": dt.date(1980, 5, 10),
            "phone": "06 12 34 56 78",
            "commune": BELLEY,
            "consent": True,
        }
        data.update(overrides)
        return data

    def request(self, by=None, now=None, **overrides) -> Request:
        """A request entered by the coordination (confirmed at once, status WAITING)."""
        result = intake.submit_for_patient(
            self.cpts, self.patient(**overrides), by or self.cast.coordinator, now=now
        )
        assert not result.merged
        return result.request


def _gp(cast: Cast, k: int, last_name: str, commune: Commune) -> tuple[Professional, User, PracticePlace]:
    if k == 0:
        user = cast.member
        pro = user.professional
    else:
        pro = Professional.objects.create(
            id_type="8",
            national_id=f"1000000010{k}",
            idnat=f"81000000010{k}",
            last_name=last_name,
            first_name="Paul",
            profession_code="10",
            specialty_code="SM54",
        )
        user = User.objects.create_user(
            f"gp{k}@cast.test", PASSWORD, first_name="Paul", last_name=last_name.title(), professional=pro
        )
        Membership.objects.create(cpts=cast.cpts, user=user, role=Role.MEMBER)
    place = PracticePlace.objects.create(
        professional=pro,
        label=f"Cabinet {last_name}",
        address=f"{k + 1} rue Centrale",
        postal_code="01300",
        commune=commune,
        latitude=commune.latitude,
        longitude=commune.longitude,
        phone=f"047900000{k}",
        is_primary=True,
    )
    return pro, user, place


def make_gp_world(cast: Cast) -> GPWorld:
    communes = {
        c.insee: c
        for c in Commune.objects.filter(insee__in=[BELLEY, BRENS, VIRIGNIN, MAGNIEU, AMBERIEU, ARTEMARE])
    }
    territory_rules.add_communes(
        cast.cpts, [communes[BRENS], communes[VIRIGNIN], communes[MAGNIEU]], cast.admin
    )
    made = [
        _gp(cast, 0, "MEMBRE", communes[BELLEY]),
        _gp(cast, 1, "BRENSARD", communes[BRENS]),
        _gp(cast, 2, "VIRIGNAC", communes[VIRIGNIN]),
    ]
    return GPWorld(cast, communes, [m[0] for m in made], [m[1] for m in made], [m[2] for m in made])


@pytest.fixture
def gp_world(cast) -> GPWorld:
    return make_gp_world(cast)


@pytest.fixture
def messages_outbox(settings):
    """Patient messages kept in memory (unscheduled.patient_messages.MemoryBackend)."""
    from unscheduled.patient_messages import MemoryBackend

    settings.OPENCPTS_PATIENT_MESSAGES_BACKEND = "unscheduled.patient_messages.MemoryBackend"
    MemoryBackend.outbox.clear()
    yield MemoryBackend.outbox
    MemoryBackend.outbox.clear()


@pytest.fixture
def today():
    return timezone.localdate()
