"""The annual activity report of a contract year: an HTML preview, the PDF and the XLSX workbook. Thin: the
content is ``aci.report.build``; each download is an audit entry (export)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from aci import indicators
from aci import report as report_rules
from aci.models import Contract
from aci.pages import contract_of
from audit.log import record
from cpts.decorators import cpts_view

PDF_CONTENT_TYPE = "application/pdf"


def _check_year(contract: Contract, year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise Http404("Année du contrat inconnue.") from None
    if not 1 <= year <= contract.years:
        raise Http404("Année du contrat inconnue.")
    return year


@require_GET
@cpts_view("cpts.view_contract")
def report(request, access):
    contract = contract_of(access)
    if contract is None:
        return redirect("aci:cockpit", access.cpts.slug)
    raw = request.GET.get("annee")
    year = _check_year(contract, raw) if raw not in (None, "") else indicators.current_year(contract)
    data = report_rules.build(contract, year, by=request.user)
    return render(
        request,
        "aci/report.html",
        {
            "cpts": access.cpts,
            "access": access,
            "contract": contract,
            "report": data,
            "years": range(1, contract.years + 1),
            "current_year": indicators.current_year(contract),
            "mission_bars": [
                (m, _share(m.earned, m.maximum)) for m in data.missions if m.maximum is not None
            ],
        },
    )


def _share(value, maximum) -> int:
    return int(min(1, value / maximum) * 100) if maximum else 0


def _download(request, access, year: int, kind: str) -> HttpResponse:
    contract = contract_of(access)
    if contract is None:
        return redirect("aci:cockpit", access.cpts.slug)
    year = _check_year(contract, year)
    data = report_rules.build(contract, year, by=request.user)
    if kind == "pdf":
        content, content_type = report_rules.to_pdf(data), PDF_CONTENT_TYPE
    else:
        content, content_type = report_rules.to_xlsx(data), report_rules.XLSX_CONTENT_TYPE
    record(
        "export",
        cpts_id=access.cpts.pk,
        object_type="aci.report",
        object_id=str(contract.pk),
        object_label=f"rapport d'activité ACI, année {year} ({kind.upper()})",
        details={"annee": year, "format": kind},
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{data.filename_stem}.{kind}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@cpts_view("cpts.view_contract")
def report_pdf(request, access, year):
    return _download(request, access, year, "pdf")


@require_GET
@cpts_view("cpts.view_contract")
def report_xlsx(request, access, year):
    return _download(request, access, year, "xlsx")
