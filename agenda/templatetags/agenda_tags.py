"""The next events of a group, on its Informations tab (templates/coordination/tab_informations.html):
``{% agenda_section %}``."""

from django import template
from django.utils import timezone

from agenda import access
from agenda.models import Event
from cpts.scoping import scoped

register = template.Library()

UPCOMING = 5


@register.inclusion_tag("agenda/_group_section.html", takes_context=True)
def agenda_section(context):
    """The next events of the group the page shows. The group page has already checked that the reader is an
    active member (coordination.access.group_to_read); checked again here, so the tag never leaks."""
    group, user = context["group"], context["user"]
    readable = access.can_read(user, group)
    upcoming = (
        (
            scoped(Event, group.cpts)
            .filter(group=group, cancelled_at__isnull=True, ends_at__gt=timezone.now())
            .order_by("starts_at", "pk")[:UPCOMING]
        )
        if readable
        else []
    )
    return {
        "cpts": context.get("cpts") or group.cpts,
        "group": group,
        "upcoming": list(upcoming),
        "is_open": group.status == "open",
        "can_schedule": readable and access.can_schedule(user, group),
    }
