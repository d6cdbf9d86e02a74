"""The demo's unscheduled-care availabilities: created once, for member professionals with a located place."""

import pytest

from demo.unscheduled import seed_unscheduled
from unscheduled.models import AvailabilityPattern, Slot

pytestmark = pytest.mark.django_db


def test_seed_unscheduled_publishes_patterns_once(world):
    cpts = world.cast.cpts
    assert seed_unscheduled(cpts) is True
    patterns = AvailabilityPattern.objects.filter(cpts=cpts)
    assert {p.professional_id for p in patterns} == {world.gp.pk, world.nurse.pk}
    assert Slot.objects.filter(cpts=cpts, status=Slot.Status.FREE).exists()
    count = Slot.objects.count()
    assert seed_unscheduled(cpts) is False and Slot.objects.count() == count
