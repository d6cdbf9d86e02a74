"""The annual report as an XLSX workbook (openpyxl): one sheet each for the summary, the indicators, the
activity, the budget and the justificatifs, with numbers as numbers (amounts in euros, shares as percentages)
and typed text that never turns into a formula. Reads the ``Report`` dataclass only."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone

from aci.models import Indicator
from aci.report.data import Report
from aci.report.formats import ZERO, day

EUR_FORMAT = '#,##0.00 "€"'
PCT_FORMAT = "0.0%"
DATE_FORMAT = "DD/MM/YYYY"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(wb, title: str, headings: list[str], widths: list[int], first: bool = False):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(headings)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E7ECF5")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[_column(i)].width = width
    return ws


def _column(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _row(
    ws, values: list, formats: dict[int, str] | None = None, bold: bool = False, wrap: bool = True
) -> int:
    from openpyxl.styles import Alignment, Font

    ws.append([float(v) if isinstance(v, Decimal) else v for v in values])
    r = ws.max_row
    for i, cell in enumerate(ws[r], start=1):
        if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
            cell.data_type = "s"  # typed text (an indicator's name...), never a formula
        if formats and i in formats and cell.value is not None:
            cell.number_format = formats[i]
        elif isinstance(cell.value, dt.date):
            cell.number_format = DATE_FORMAT
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True)
    return r


def _cell_value(value: Decimal | None, unit: str):
    """A result as a number for the workbook: percentages as shares (with a % format)."""
    if value is None:
        return None, None
    if unit == Indicator.Unit.PERCENT:
        return float(value) / 100, "0.00%"
    if unit == Indicator.Unit.EUROS:
        return float(value), EUR_FORMAT
    if unit == Indicator.Unit.COUNT and value == value.to_integral_value():
        return int(value), "#,##0"
    return float(value), "#,##0.00"


def _naive(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def to_xlsx(report: Report) -> bytes:
    """The report as XLSX bytes."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.title = f"{report.cpts_name} — rapport d'activité ACI, année {report.year}"
    wb.properties.creator = report.cpts_name
    wb.properties.subject = report.title

    _summary_sheet(wb, report)
    _indicators_sheet(wb, report)
    _activity_sheet(wb, report)
    _budget_sheet(wb, report)
    _evidence_sheet(wb, report)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _summary_sheet(wb, report: Report) -> None:
    """Synthèse: the year's key figures, then the variable part per mission with its bar chart."""
    from openpyxl.chart import BarChart, Reference

    ws = _sheet(wb, "Synthèse", ["Rubrique", "Valeur"], [44, 22, 22, 16], first=True)
    eur, pct = {2: EUR_FORMAT}, {2: PCT_FORMAT}
    _row(ws, ["CPTS", report.cpts_name])
    _row(ws, ["Rapport", report.title])
    _row(ws, ["Année du contrat", report.year])
    _row(ws, ["Du", report.first])
    _row(ws, ["Au", report.last])
    _row(ws, ["Activité comptée jusqu'au", report.counted_to])
    _row(ws, ["Contrat signé le", report.signed_on])
    _row(ws, ["Grille", report.grid])
    _row(ws, ["Taille", report.tier_label])
    _row(ws, ["Population couverte (contrat)", report.population], {2: "#,##0"})
    _row(ws, ["Communes du territoire", report.communes])
    _row(ws, ["Crise sanitaire déclarée", "oui" if report.crisis_declared else "non"])
    _row(ws, ["Part variable gagnée", report.earned], eur)
    _row(ws, ["Part variable maximale", report.maximum], eur)
    _row(ws, ["Taux d'atteinte", float(report.attainment) if report.attainment is not None else None], pct)
    _row(ws, ["Versements attendus pour l'année", report.expected], eur)
    _row(ws, ["Versements reçus sur l'année", report.received], eur)
    _row(ws, ["Budget prévu", report.planned], eur)
    _row(ws, ["Dépenses", report.spent], eur)
    _row(ws, ["Solde reçu − dépensé", report.balance], eur)
    _row(ws, ["Justificatifs", len(report.evidence)])
    _row(ws, ["Généré le", _naive(report.generated_at)], {2: "DD/MM/YYYY HH:MM"})
    _row(ws, ["Généré par", report.generated_by or "—"])
    ws.append([])
    head = _row(
        ws, ["Mission", "Part variable maximale", "Part variable gagnée", "Taux d'atteinte"], bold=True
    )
    for m in report.missions:
        _row(
            ws,
            [m.label, m.maximum or ZERO, m.earned, float(m.attainment) if m.attainment is not None else None],
            {2: EUR_FORMAT, 3: EUR_FORMAT, 4: PCT_FORMAT},
        )
    last = ws.max_row
    if last > head:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Part variable par mission"
        chart.y_axis.title = "€"
        chart.y_axis.numFmt = "#,##0"
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=head, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
        chart.height, chart.width = 9, 18
        ws.add_chart(chart, "F2")


def _indicators_sheet(wb, report: Report) -> None:
    """Indicateurs: one row per indicator, then the total of its mission."""
    ws = _sheet(
        wb,
        "Indicateurs",
        [
            "Mission",
            "Indicateur",
            "Définition",
            "Unité",
            "Source",
            "Paliers (objectifs)",
            "Résultat",
            "Origine du résultat",
            "Palier atteint",
            "Montant gagné",
            "Maximum des paliers",
            "Justificatifs",
        ],
        [28, 36, 40, 16, 34, 40, 12, 24, 16, 14, 14, 12],
    )
    for m in report.missions:
        for ind in m.indicators:
            value, fmt = _cell_value(ind.value, ind.unit)
            r = _row(
                ws,
                [
                    m.label,
                    ind.name,
                    ind.definition,
                    ind.unit_label,
                    ind.source_label,
                    ind.steps_text,
                    value,
                    ind.origin_label,
                    ind.step_label or "aucun",
                    ind.earned,
                    ind.promised,
                    ind.evidence,
                ],
                {10: EUR_FORMAT, 11: EUR_FORMAT},
            )
            if fmt:
                ws.cell(r, 7).number_format = fmt
        if m.indicators:
            _row(
                ws,
                [
                    m.label,
                    "Total de la mission",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    m.earned,
                    m.maximum,
                    None,
                ],
                {10: EUR_FORMAT, 11: EUR_FORMAT},
                bold=True,
            )


def _activity_sheet(wb, report: Report) -> None:
    """Activité: the activity figures of the year, with the rows counted."""
    ws = _sheet(
        wb,
        "Activité",
        ["Rubrique", "Indicateur d'activité", "Valeur", "Unité", "Lignes comptées", "Précision"],
        [28, 50, 12, 16, 14, 50],
    )
    units = dict(Indicator.Unit.choices)
    for group in report.activity:
        for f in group.figures:
            value, fmt = _cell_value(f.value, f.unit)
            r = _row(ws, [group.title, f.label, value, units.get(f.unit, f.unit), f.rows_counted, f.detail])
            if fmt:
                ws.cell(r, 3).number_format = fmt


def _budget_sheet(wb, report: Report) -> None:
    """Budget: planned and spent by category and by mission, the total, the payments and a bar chart."""
    from openpyxl.chart import BarChart, Reference

    ws = _sheet(
        wb,
        "Budget",
        ["Regroupement", "Libellé", "Prévu", "Dépensé", "Écart (prévu − dépensé)", "Consommé"],
        [16, 44, 14, 14, 16, 12],
    )
    money = {3: EUR_FORMAT, 4: EUR_FORMAT, 5: EUR_FORMAT, 6: PCT_FORMAT}
    for kind, rows in (("Catégorie", report.by_category), ("Mission", report.by_mission)):
        for b in rows:
            _row(
                ws,
                [
                    kind,
                    b.label,
                    b.planned,
                    b.spent,
                    b.gap,
                    float(b.consumed) if b.consumed is not None else None,
                ],
                money,
            )
    _row(
        ws,
        [
            "Total",
            "Toutes dépenses de l'année",
            report.planned,
            report.spent,
            report.planned - report.spent,
            float(report.spent / report.planned) if report.planned else None,
        ],
        money,
        bold=True,
    )
    ws.append([])
    _row(ws, ["Versements", "", "Attendus", "Reçus", "Écart (reçu − attendu)"], bold=True)
    _row(
        ws,
        [
            "Versements",
            f"du {day(report.first)} au {day(report.last)}",
            report.expected,
            report.received,
            report.gap,
        ],
        money,
    )
    if report.by_category:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Budget prévu et dépenses par catégorie"
        chart.add_data(
            Reference(ws, min_col=3, max_col=4, min_row=1, max_row=1 + len(report.by_category)),
            titles_from_data=True,
        )
        chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=1 + len(report.by_category)))
        chart.height, chart.width = 9, 18
        ws.add_chart(chart, "H2")


def _evidence_sheet(wb, report: Report) -> None:
    """Justificatifs: names, types and sizes of the year's files, never their content."""
    from openpyxl.styles import Font

    ws = _sheet(
        wb,
        "Justificatifs",
        [
            "Mission",
            "Indicateur",
            "Intitulé",
            "Fichier",
            "Type",
            "Taille (octets)",
            "Ajouté le",
            "Ajouté par",
        ],
        [28, 36, 36, 30, 22, 14, 18, 24],
    )
    for e in report.evidence:
        _row(
            ws,
            [
                e.mission,
                e.indicator,
                e.title,
                e.filename,
                e.content_type,
                e.size,
                _naive(e.added_at),
                e.added_by,
            ],
            {6: "#,##0", 7: "DD/MM/YYYY HH:MM"},
        )
    if not report.evidence:
        ws.append(["Aucun justificatif pour cette année."])
        ws.cell(ws.max_row, 1).font = Font(italic=True)
