"""Unscheduled-care slots of the demo CPTS (cpts/demo.py): weekly availabilities for a few member professionals
who have a located place of practice — the demo GP and nurse accounts first — so that "Soins non programmés"
shows free slots today and in the coming days. Idempotent: nothing is added once the CPTS has a pattern."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cpts.models import CPTS, Membership
from cpts.roles import Role
from cpts.scoping import scoped
from directory.models import PracticePlace
from unscheduled import slots
from unscheduled.models import AvailabilityPattern, Modality

# (weekdays, from, to, minutes, modality, motifs, visibility) for the 1st, 2nd, 3rd professional.
PLANS = [
    ([0, 1, 2, 3, 4], dt.time(12), dt.time(13), 15, Modality.CABINET, "Fièvre, douleur aiguë, infection urinaire",
     ["PRO", "SNP", "CPTS"]),
    ([0, 1, 2, 3, 4, 5], dt.time(17, 30), dt.time(19), 20, Modality.HOME, "Pansement, injection, surveillance",
     ["SNP", "CPTS"]),
    ([1, 3, 5], dt.time(9), dt.time(11), 20, Modality.CABINET, "Petite traumatologie, plaie", ["PRO", "CPTS"]),
]


@transaction.atomic
def seed_unscheduled(cpts: CPTS) -> bool:
    """Returns True when patterns were created, False when the CPTS had some already (or nobody fits)."""
    if scoped(AvailabilityPattern, cpts).exists():
        return False
    coordinator = (scoped(Membership, cpts).filter(role=Role.COORDINATOR, active=True).select_related("user")
                   .order_by("pk").first())
    if coordinator is None:
        return False
    members = (scoped(Membership, cpts).filter(active=True, user__professional__isnull=False)
               .select_related("user__professional"))
    demo_first = sorted(members, key=lambda m: (not m.user.email.startswith(("medecin@", "bureau@")), m.pk))
    today = timezone.localdate()
    created = 0
    for membership in demo_first:
        if created == len(PLANS):
            break
        pro = membership.user.professional
        place = (PracticePlace.objects.filter(professional=pro, active=True, latitude__isnull=False)
                 .order_by("-is_primary", "pk").first())
        if place is None:
            continue
        weekdays, start, end, minutes, modality, motifs, visibility = PLANS[created]
        slots.create_pattern(cpts, coordinator.user, pro, place=place, weekdays=weekdays, start_time=start,
                             end_time=end, slot_minutes=minutes, valid_from=today,
                             valid_until=today + dt.timedelta(days=180), modality=modality, motifs=motifs,
                             visibility=visibility)
        created += 1
    return created > 0
