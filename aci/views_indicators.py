"""Pages of the objectives and indicators of the ACI contract: the year's indicators by mission with the
variable part earned, one indicator (steps per year, result, justificatifs, « d'où vient ce chiffre ? »), the
forms that define an indicator, set its steps, enter a result, add or remove a justificatif, and close a year.

Thin: the rules are in aci.indicators (which raise French ``ActionError``s shown on the page, nothing saved)
and the computed figures in aci.sources. Reading the contract needs ``cpts.view_contract``; every change needs
``cpts.manage_contract`` (the URL rules of cpts.roles.PAGE_ACCESS). Showing the rows behind a computed figure
records a ``view`` in the audit trail; every download (justificatif, CSV of the rows) an ``export``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aci import indicators as rules
from aci.contracts import year_bounds
from aci.forms_indicators import STEP_ROWS, EvidenceForm, IndicatorForm
from aci.models import Contract, Evidence, Indicator, IndicatorResult
from aci.pages import MANAGE, VIEW, contract_of, contract_view, no_contract
from aci.sources import SOURCES, visible_columns
from audit.log import record
from cpts.decorators import cpts_view
from documents import crypto, filetypes
from opencpts.errors import ActionError
from opencpts.forms import show_action_error

logger = logging.getLogger(__name__)

SHOWN_ROWS = 50
ORIGINS = {"arrêté": "arrêté", "calculé": "calculé en direct", "saisi": "saisi", "": "aucun résultat"}
# A justificatif is served as a download only: never rendered in our origin, never sniffed into another type.
CONTENT_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


# --- Helpers ------------------------------------------------------------------------------------------------


def _indicator(contract: Contract, pk: int) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("mission__mission", "contract__cpts"), pk=pk, contract=contract
    )


def _year(raw, contract: Contract) -> int:
    """The contract year asked for in the query string; the running year when absent or out of range."""
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return rules.current_year(contract)
    return year if 1 <= year <= contract.years else rules.current_year(contract)


def _posted_year(request) -> int:
    """The year of a form (checked by the rules: a wrong one is refused in French)."""
    try:
        return int(request.POST.get("annee", ""))
    except ValueError:
        return 0


def _years(contract: Contract) -> list[dict]:
    out = []
    for k in range(1, contract.years + 1):
        first, last = year_bounds(contract, k)
        out.append({"number": k, "first": first, "last": last})
    return out


def _source_label(indicator: Indicator) -> str:
    source = SOURCES.get(indicator.source)
    return f"calculé par la plateforme : {source.label}" if source else "saisie manuelle"


def _cell(value) -> str:
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%d/%m/%Y %H:%M")
        )
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return _plain(value)
    return "" if value is None else str(value)


def _plain(value: Decimal | None) -> str:
    """A decimal as typed in French: 69,7 ; 1000 (for form inputs and CSV cells)."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _indicator_url(access, indicator: Indicator, year: int, anchor: str = "") -> str:
    url = reverse("aci:indicator", args=[access.cpts.slug, indicator.pk]) + f"?annee={year}"
    return url + (f"#{anchor}" if anchor else "")


# --- Objectives of the year ---------------------------------------------------------------------------------


@dataclass
class Row:
    status: rules.Status
    source_label: str

    @property
    def progress_pct(self) -> int | None:
        progress = self.status.progress
        return None if progress is None else round(progress * 100)

    @property
    def origin(self) -> str:
        return ORIGINS.get(self.status.origin, self.status.origin)


@dataclass
class MissionBlock:
    mission: rules.MissionYear
    rows: list[Row]

    @property
    def conditional(self) -> bool:
        return self.mission.conditional

    @property
    def counted_earned(self) -> Decimal:
        return self.mission.payable

    @property
    def counted_maximum(self) -> Decimal:
        return self.mission.payable_maximum

    @property
    def promised(self) -> Decimal:
        return sum((r.status.promised for r in self.rows), Decimal(0))


@contract_view(VIEW)
@require_GET
def indicators(request, access, contract):
    year = _year(request.GET.get("annee"), contract)
    blocks = [
        MissionBlock(m, [Row(s, _source_label(s.indicator)) for s in m.indicators])
        for m in rules.year_status(contract, year)
    ]
    first, last = year_bounds(contract, year)
    earned = sum((b.counted_earned for b in blocks), Decimal(0))
    maximum = sum((b.counted_maximum for b in blocks), Decimal(0))
    charted = [b for b in blocks if (b.mission.maximum and not b.conditional) or b.rows]
    return render(
        request,
        "aci/indicators.html",
        {
            "cpts": access.cpts,
            "contract": contract,
            "year": year,
            "years": _years(contract),
            "first": first,
            "last": last,
            "ended": last < timezone.localdate(),
            "blocks": blocks,
            "earned": earned,
            "maximum": maximum,
            "attainment": earned / maximum if maximum else None,
            "count": sum(len(b.rows) for b in blocks),
            "computed_count": sum(1 for b in blocks for r in b.rows if r.status.indicator.computed),
            "closed": IndicatorResult.objects.filter(
                indicator__contract=contract, contract_year=year, computed=True
            ).exists(),
            "chart_labels": "|".join(b.mission.label.replace("|", " ") for b in charted),
            "chart_earned": "|".join(_chart_number(b.counted_earned) for b in charted),
            "chart_promised": "|".join(_chart_number(b.promised) for b in charted),
            "can_manage": access.can(MANAGE),
        },
    )


def _chart_number(value: Decimal) -> str:
    return f"{value:.2f}"


@contract_view(MANAGE)
@require_POST
def close_year(request, access, contract):
    year = _posted_year(request)
    try:
        stored = rules.close_year(contract, request.user, year)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("aci:indicators", slug=access.cpts.slug)
    count = len(stored)
    messages.success(
        request,
        f"Résultats de l'année {year} arrêtés : {count} indicateur{'s' if count > 1 else ''} "
        f"calculé{'s' if count > 1 else ''} enregistré{'s' if count > 1 else ''}. Recalculez "
        "l'échéancier pour que la part variable en tienne compte.",
    )
    return redirect(reverse("aci:indicators", args=[access.cpts.slug]) + f"?annee={year}")


# --- Defining an indicator ----------------------------------------------------------------------------------


def _define(request, access, pk: int | None):
    contract = contract_of(access)
    if contract is None:
        return no_contract(request, access)
    indicator = _indicator(contract, pk) if pk is not None else None
    initial = IndicatorForm.initial_for(indicator) if indicator else {}
    if indicator is None and request.GET.get("mission"):
        initial["mission"] = request.GET["mission"]
    form = IndicatorForm(contract, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = rules.define(contract, request.user, indicator=indicator, **form.data_for_rules())
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request,
                f"Indicateur « {saved.name} » {'modifié' if indicator else 'créé'}."
                + ("" if indicator else " Fixez maintenant ses paliers pour chaque année."),
            )
            return redirect("aci:indicator", slug=access.cpts.slug, pk=saved.pk)
    return render(
        request,
        "aci/indicator_form.html",
        {
            "cpts": access.cpts,
            "contract": contract,
            "form": form,
            "indicator": indicator,
            "sources": [
                {
                    "key": s.key,
                    "label": s.label,
                    "unit": Indicator.Unit(s.unit).label,
                    "direction": Indicator.Direction(s.direction).label,
                }
                for s in SOURCES.values()
            ],
        },
    )


@cpts_view(MANAGE)
@require_http_methods(["GET", "POST"])
def indicator_new(request, access):
    return _define(request, access, None)


@cpts_view(MANAGE)
@require_http_methods(["GET", "POST"])
def indicator_edit(request, access, pk):
    return _define(request, access, pk)


# --- One indicator ------------------------------------------------------------------------------------------


def _step_rows(steps) -> list[dict]:
    rows = [{"label": s.label, "threshold": _plain(s.threshold), "amount": _plain(s.amount)} for s in steps]
    rows += [{"label": "", "threshold": "", "amount": ""} for _ in range(max(0, STEP_ROWS - len(rows)))]
    return rows


def _posted_steps(request) -> list[dict]:
    rows = []
    for i in range(STEP_ROWS):
        rows.append(
            {key: request.POST.get(f"{key}_{i}", "").strip() for key in ("label", "threshold", "amount")}
        )
    return rows


def _indicator_page(
    request, access, contract: Contract, indicator: Indicator, year: int, *, status: int = 200, **extra
):
    if not 1 <= year <= contract.years:
        year = rules.current_year(contract)
    steps = list(indicator.steps.all())
    results = {r.contract_year: r for r in indicator.results.all()}
    evidence = list(indicator.evidence.all())
    history = []
    for y in _years(contract):
        year_steps = [s for s in steps if s.contract_year == y["number"]]
        result = results.get(y["number"])
        history.append(
            {
                **y,
                "steps": year_steps,
                "result": result,
                "step": rules.reached(indicator, year_steps, result.value if result else None),
                "evidence": sum(1 for e in evidence if e.contract_year == y["number"]),
            }
        )
    current = next(h for h in history if h["number"] == year)
    first, last = current["first"], current["last"]
    figure = rules.figure(indicator, year) if indicator.computed else None
    result = current["result"]
    value, origin = (result.value, "arrêté" if result.computed else "saisi") if result else (None, "")
    if result is None and figure is not None and figure.value is not None:
        value, origin = figure.value, "calculé"
    step = rules.reached(indicator, current["steps"], value)
    maximum = rules.variable_maximum(contract, indicator.mission.mission.code, year)
    others = Decimal(0)
    for other in indicator.mission.indicators.exclude(pk=indicator.pk).prefetch_related("steps"):
        others += max((s.amount for s in other.steps.all() if s.contract_year == year), default=Decimal(0))
    shown_rows, columns = [], []
    if figure is not None:
        keep = visible_columns(figure, access)
        columns = [figure.columns[i] for i in keep]
        shown_rows = [[_cell(row[i]) for i in keep] for row in figure.head(SHOWN_ROWS)]
        if figure.rows_counted:
            record(
                "view",
                cpts_id=access.cpts.pk,
                object_type="aci.indicator",
                object_id=str(indicator.pk),
                object_label=indicator.name[:255],
                details={
                    "annee": year,
                    "source": indicator.source,
                    "lignes": figure.rows_counted,
                    "lignes_affichees": len(shown_rows),
                },
            )
    manual = result if result and not result.computed else None
    context = {
        "cpts": access.cpts,
        "contract": contract,
        "indicator": indicator,
        "source": SOURCES.get(indicator.source),
        "source_label": _source_label(indicator),
        "year": year,
        "years": history,
        "first": first,
        "last": last,
        "today": timezone.localdate(),
        "can_manage": access.can(MANAGE),
        # The selected year: result, step reached, amount earned.
        "steps": current["steps"],
        "value": value,
        "origin": ORIGINS.get(origin, origin),
        "step": step,
        "earned": step.amount if step else Decimal(0),
        "promised": max((s.amount for s in current["steps"]), default=Decimal(0)),
        "result": result,
        # Where a computed figure comes from.
        "figure": figure,
        "shown_rows": shown_rows,
        "columns": columns,
        # The steps editor: the mission's budget for the year.
        "maximum": maximum,
        "others": others,
        "step_rows": _step_rows(current["steps"]),
        "steps_error": "",
        "conditional": indicator.mission.mission.code in rules.crisis_only_missions(contract, year),
        # The result form and the justificatifs.
        "result_error": "",
        "result_value": _plain(manual.value) if manual else "",
        "result_note": manual.note if manual else "",
        "evidence": [e for e in evidence if e.contract_year == year],
        "evidence_error": "",
        "evidence_form": EvidenceForm(auto_id="evidence_%s"),
    }
    context.update(extra)
    return render(request, "aci/indicator.html", context, status=status)


@contract_view(VIEW)
@require_GET
def indicator(request, access, contract, pk):
    item = _indicator(contract, pk)
    return _indicator_page(request, access, contract, item, _year(request.GET.get("annee"), contract))


@contract_view(MANAGE)
@require_POST
def indicator_steps(request, access, contract, pk):
    item = _indicator(contract, pk)
    year = _posted_year(request)
    posted = _posted_steps(request)
    steps = [
        rules.StepInput(r["label"], r["threshold"], r["amount"])
        for r in posted
        if r["threshold"] or r["amount"] or r["label"]
    ]
    try:
        saved = rules.set_steps(item, request.user, year, steps)
    except ActionError as exc:
        return _indicator_page(
            request, access, contract, item, year, steps_error=exc.message, step_rows=posted
        )
    count = len(saved)
    messages.success(
        request,
        f"Paliers de l'année {year} enregistrés ({count} palier{'s' if count > 1 else ''})."
        if count
        else f"Paliers de l'année {year} supprimés.",
    )
    return redirect(_indicator_url(access, item, year, "paliers"))


@contract_view(MANAGE)
@require_POST
def indicator_result(request, access, contract, pk):
    item = _indicator(contract, pk)
    year = _posted_year(request)
    value, note = request.POST.get("value", ""), request.POST.get("note", "")
    try:
        rules.record_result(item, request.user, year, value, note)
    except ActionError as exc:
        return _indicator_page(
            request,
            access,
            contract,
            item,
            year,
            result_error=exc.message,
            result_value=value,
            result_note=note,
        )
    messages.success(request, f"Résultat de l'année {year} enregistré.")
    return redirect(_indicator_url(access, item, year, "resultat"))


@contract_view(VIEW)
@require_GET
def indicator_rows(request, access, contract, pk):
    item = _indicator(contract, pk)
    if not item.computed:
        raise Http404("Un indicateur saisi n'a pas de lignes calculées.")
    year = _year(request.GET.get("annee"), contract)
    figure = rules.figure(item, year)
    record(
        "export",
        cpts_id=access.cpts.pk,
        object_type="aci.indicator",
        object_id=str(item.pk),
        object_label=item.name[:255],
        details={"annee": year, "source": item.source, "lignes": figure.rows_counted, "format": "csv"},
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    keep = visible_columns(figure, access)
    writer.writerow([figure.columns[i] for i in keep])
    for full in figure.rows:
        row = [full[i] for i in keep]
        writer.writerow([_cell(c) for c in row])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"indicateur-{item.pk}-{item.source}-annee-{year}.csv"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Justificatifs ------------------------------------------------------------------------------------------


def _evidence(contract: Contract, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related("indicator__contract__cpts", "indicator__mission__mission"),
        pk=pk,
        indicator__contract=contract,
    )


@contract_view(MANAGE)
@require_POST
def evidence_add(request, access, contract, pk):
    item = _indicator(contract, pk)
    year = _posted_year(request)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ActionError("Choisissez un fichier à joindre.", "file")
        if getattr(upload, "oversized", False) or upload.size > filetypes.max_bytes():
            raise ActionError(
                f"Le fichier dépasse la taille autorisée ({filetypes.megabytes(upload.size)}, "
                f"{filetypes.megabytes(filetypes.max_bytes())} au plus).",
                "file",
            )
        upload.seek(0)
        saved = rules.add_evidence(
            item, request.user, year, request.POST.get("title", ""), upload.name or "", upload.read()
        )
    except ActionError as exc:
        form = EvidenceForm(request.POST, auto_id="evidence_%s")
        return _indicator_page(
            request, access, contract, item, year, evidence_error=exc.message, evidence_form=form
        )
    messages.success(request, f"Justificatif « {saved.title} » ajouté (stocké chiffré).")
    return redirect(_indicator_url(access, item, saved.contract_year, "justificatifs"))


@contract_view(MANAGE)
@require_POST
def evidence_delete(request, access, contract, pk):
    evidence = _evidence(contract, pk)
    item, year, title = evidence.indicator, evidence.contract_year, evidence.title
    rules.remove_evidence(evidence)  # the deletion is audited like every change of an aci row
    messages.success(request, f"Justificatif « {title} » supprimé.")
    return redirect(_indicator_url(access, item, year, "justificatifs"))


@contract_view(VIEW)
@require_GET
def evidence_download(request, access, contract, pk):
    evidence = _evidence(contract, pk)
    details = {
        "indicator_id": evidence.indicator_id,
        "annee": evidence.contract_year,
        "filename": evidence.filename,
    }
    try:
        data = rules.evidence_content(evidence)
    except crypto.IntegrityFailure as exc:
        logger.error("aci evidence %s: %s", evidence.pk, exc)
        record(
            "decision",
            obj=evidence,
            cpts_id=access.cpts.pk,
            object_label=evidence.title[:255],
            details={**details, "decision": "evidence_integrity_failure", "reason": str(exc)},
        )
        return _indicator_page(
            request,
            access,
            contract,
            evidence.indicator,
            evidence.contract_year,
            status=500,
            evidence_error=(
                f"Le justificatif « {evidence.title} » ne passe pas le contrôle d'intégrité : il n'est pas "
                "servi. L'incident est enregistré dans le journal d'audit ; déposez de nouveau le fichier "
                "d'origine."
            ),
        )
    record("export", obj=evidence, cpts_id=access.cpts.pk, object_label=evidence.title[:255], details=details)
    response = HttpResponse(data, content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(True, evidence.filename)
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CONTENT_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
