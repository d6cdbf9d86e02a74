"""A professional's profession or activity copied to their places of practice in bulk (no model signal) is in
the audit trail (ids and field names, never values)."""

import pytest

from audit.models import AuditEntry
from directory.models import PracticePlace
from territory.models import Commune

pytestmark = pytest.mark.django_db


def test_a_professionals_change_copied_to_their_places_is_recorded(cast):
    pro = cast.member.professional
    belley = Commune.objects.get(insee="01034")
    place = PracticePlace.objects.create(
        professional=pro,
        address="1 rue",
        postal_code="01300",
        commune=belley,
        latitude=belley.latitude,
        longitude=belley.longitude,
    )
    pro.active = False

    pro.save()

    (entry,) = AuditEntry.objects.filter(
        object_type="directory.practiceplace", action="update", details__bulk=True
    )
    assert entry.details == {
        "bulk": True,
        "count": 1,
        "ids": [str(place.pk)],
        "fields": ["active", "profession_code"],
        "professional_id": pro.pk,
    }
