"""The « Aujourd'hui » page, the home of a CPTS (``cpts:home``, /c/<slug>/): what needs the person today,
by role. Thin: the blocks come from ``today.selectors``; what shows a patient's data is traced in the audit
trail, as on the pages it leads to."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.log import record, record_view
from cpts.decorators import cpts_view
from today import selectors


def _trace(access, page: selectors.Today) -> None:
    """One entry per group whose messages or events are previewed, one for the bookings and one for the
    proposed patients shown (their identities are on the page)."""
    cpts_id = access.cpts.pk
    groups = {}
    for key in ("unread", "events"):
        block = page.block(key)
        for item in block.data.items if block else []:
            groups[item.group.pk] = item.group
    for group in groups.values():
        record_view(group, cpts_id=cpts_id, details={"page": "aujourd'hui"})
    block = page.block("bookings")
    booking_ids = [b.pk for day in (block.data.items if block else []) for b in day.bookings]
    if booking_ids:
        record(
            "view",
            cpts_id=cpts_id,
            object_type="unscheduled.booking",
            object_label="rendez-vous du jour et du lendemain",
            details={"page": "aujourd'hui", "booking_ids": booking_ids},
        )
    block = page.block("proposals")
    if block and block.data.items:
        record(
            "view",
            cpts_id=cpts_id,
            object_type="gpmatching.request",
            object_label="patients proposés au médecin",
            details={"page": "aujourd'hui", "ids": [p.request_id for p in block.data.items]},
        )


@cpts_view("cpts.view_home")
@require_GET
def home(request, access):
    page = selectors.today_for(request.user, access)
    _trace(access, page)
    return render(request, "today/home.html", {"cpts": access.cpts, "today": page})
