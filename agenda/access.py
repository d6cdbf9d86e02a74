"""Who sees and schedules what in the calendar. The group's rules apply (coordination.access):

- a group's events are read by its *active* members holding a patient-data role, and by nobody else (not the
  coordinator as such, not a member who left or was removed, not another CPTS);
- a member schedules, changes or cancels an event of an open group; in a care circle, scheduling and
  changing need the patient's valid consent (an event's title, place and description are shared content);
- a closed group's calendar is a read-only archive.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from agenda.models import Event
from coordination import access as group_rules
from coordination.models import Group
from cpts.models import CPTS
from cpts.scoping import scoped


def can_read(user, group: Group) -> bool:
    return group_rules.can_read(user, group)


def can_schedule(user, group: Group) -> bool:
    """May add or change events now (the page shows the form only then; actions check again)."""
    return can_read(user, group) and group_rules.can_share_clinical(group)


def can_cancel(user, group: Group) -> bool:
    """Cancelling shares nothing new: an open group is enough, even once the consent is withdrawn."""
    return can_read(user, group) and group.status == Group.Status.OPEN


def visible_events(user, cpts: CPTS) -> QuerySet:
    """Events of every group of ``cpts`` the user may read (their "Mon agenda")."""
    return scoped(Event, cpts).filter(group__in=group_rules.visible_groups(user, cpts))


def readable_group_ids(user) -> set[int]:
    """Groups the user may read now, over every CPTS (coordination.access.readable_group_ids), for the
    iCalendar feed: a token outliving its deactivated account reads nothing."""
    if user is None or not user.is_active:
        return set()
    return set(group_rules.readable_group_ids(user))


def event_to_read(user, cpts: CPTS, group: Group, event_id: int) -> Event:
    """An event of ``group`` (already checked readable by the caller through group_to_read)."""
    event = (
        scoped(Event, cpts)
        .filter(group=group, pk=event_id)
        .select_related("group", "created_by", "cancelled_by")
        .first()
    )
    if event is None:
        raise Http404("Événement introuvable.")
    if not can_read(user, event.group):
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    return event
