"""The indicators page of unscheduled care (coordination, bureau and institutional referents:
cpts.view_reports): a period and a grouping, a chart, a table, and the same table as CSV. Figures from
unscheduled.indicators."""

import csv
import datetime as dt
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.log import record
from cpts.decorators import cpts_view
from unscheduled import indicators

MAX_DAYS = 731


def _period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    default = (today - dt.timedelta(days=83), today + dt.timedelta(days=2))
    try:
        first = dt.date.fromisoformat(request.GET["du"]) if request.GET.get("du") else default[0]
        last = dt.date.fromisoformat(request.GET["au"]) if request.GET.get("au") else default[1]
    except ValueError:
        messages.warning(
            request, "Dates invalides (format AAAA-MM-JJ) : affichage des 12 dernières semaines."
        )
        return default
    if last < first:
        messages.warning(
            request, "La date de fin précède la date de début : affichage des 12 dernières semaines."
        )
        return default
    if (last - first).days > MAX_DAYS:
        messages.warning(request, "Deux ans au plus : la période a été raccourcie.")
        first = last - dt.timedelta(days=MAX_DAYS)
    return first, last


@cpts_view("cpts.view_reports")
def indicators_page(request, access):
    first, last = _period(request)
    grouping = request.GET.get("par", "semaine")
    if grouping not in indicators.GROUPINGS:
        grouping = "semaine"
    rows = indicators.table(access.cpts, first, last, grouping)
    total = indicators.summary(access.cpts, first, last)
    if request.GET.get("format") == "csv":
        record(
            "export",
            cpts_id=access.cpts.pk,
            object_type="unscheduled.indicators",
            object_label="indicateurs soins non programmés (CSV)",
            details={"du": first.isoformat(), "au": last.isoformat(), "par": grouping},
        )
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            [
                indicators.GROUPINGS[grouping],
                "créneaux proposés",
                "créneaux réservés",
                "taux de remplissage",
                "honorés",
                "patients absents",
                "délai médian réservation → consultation (h)",
            ]
        )
        for r in [*rows, total]:
            writer.writerow(
                [
                    r.label,
                    r.offered,
                    r.booked,
                    f"{r.fill_rate:.3f}".replace(".", ","),
                    r.honoured,
                    r.no_show,
                    "" if r.median_delay_hours is None else str(r.median_delay_hours).replace(".", ","),
                ]
            )
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="snp-{access.cpts.slug}-{grouping}-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
        )
        return response
    return render(
        request,
        "unscheduled/indicators.html",
        {
            "cpts": access.cpts,
            "rows": rows,
            "total": total,
            "first": first,
            "last": last,
            "grouping": grouping,
            "groupings": indicators.GROUPINGS.items(),
            "query": request.GET.urlencode(),
        },
    )
