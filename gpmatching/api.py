"""JSON API of the médecin traitant mission: the indicators (no identity), as the ACI cockpit and the
dashboard compute them (gpmatching.indicators)."""

import datetime as dt

from django.utils import timezone
from ninja import Router, Schema, Status

from cpts.scoping import access_cpts
from gpmatching import access as rules
from gpmatching import indicators

router = Router(tags=["médecin traitant"])


class GpError(Schema):  # its own name: one schema per name in the OpenAPI document
    detail: str
    field: str | None = None


class MonthOut(Schema):
    month: str
    placed: int
    ald: int
    age_70: int
    precarity: int


class IndicatorsOut(Schema):
    first: dt.date
    last: dt.date
    placed: int
    placed_ald: int
    placed_70: int
    placed_precarity: int
    median_waited_days: int | None
    waiting: int
    waiting_ald: int
    waiting_70: int
    waiting_precarity: int
    median_wait_days: int | None
    gps_with_capacity: int
    months: list[MonthOut]


@router.get(
    "/{slug}/gp/indicators",
    response={200: IndicatorsOut, 400: GpError},
    summary="Indicateurs médecin traitant : patients placés (dont ALD, 70 ans et plus, précarité), liste "
    "d'attente",
)
def gp_indicators(request, slug: str, first: dt.date | None = None, last: dt.date | None = None):
    access = access_cpts(request.user, slug, rules.REPORTS)
    today = timezone.localdate()
    last = last or today
    first = first or last.replace(month=1, day=1)
    if first > last:
        return Status(400, {"detail": "La date de début doit précéder la date de fin.", "field": "first"})
    if (last - first).days > 3 * 366:
        return Status(400, {"detail": "Trois ans au plus.", "field": "first"})
    summary = indicators.summary(access.cpts, first, last, today)
    months = [m.__dict__ for m in indicators.placements_by_month(access.cpts, first, last)]
    return {"first": first, "last": last, **summary, "months": months}
