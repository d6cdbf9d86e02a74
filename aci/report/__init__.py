"""The annual activity report of a contract year (rapport d'activité, dialogue de gestion with the CPAM and
ARS). One rule per module:

- ``aci.report.data``: ``build`` gathers what the report says about one contract year into a plain
  ``Report`` dataclass, from the rule modules (``aci.contracts``, ``aci.indicators``, ``aci.sources``,
  ``aci.budget``) and nothing else;
- ``aci.report.pdf``: ``to_pdf`` renders a ``Report`` with fpdf2 (DejaVu Sans, or Helvetica and Latin-1);
- ``aci.report.xlsx``: ``to_xlsx`` renders the same ``Report`` as a workbook with openpyxl;
- ``aci.report.formats``: the French formatting of figures shared by the PDF, the HTML preview
  (``aci/views_report.py``) and the workbook's text cells.

The renderers read the dataclass only, so the HTML preview, the PDF and the workbook always agree.
"""

from aci.report.data import (
    ACTIVITY,
    ActivityFigure,
    ActivityGroup,
    BudgetRow,
    EvidenceLine,
    IndicatorLine,
    MissionLine,
    Report,
    Step,
    build,
    source_label,
)
from aci.report.formats import day, euros, measure, number, percent, size
from aci.report.pdf import font_files, latin1, to_pdf
from aci.report.xlsx import EUR_FORMAT, PCT_FORMAT, XLSX_CONTENT_TYPE, to_xlsx

__all__ = [
    "ACTIVITY",
    "EUR_FORMAT",
    "PCT_FORMAT",
    "XLSX_CONTENT_TYPE",
    "ActivityFigure",
    "ActivityGroup",
    "BudgetRow",
    "EvidenceLine",
    "IndicatorLine",
    "MissionLine",
    "Report",
    "Step",
    "build",
    "day",
    "euros",
    "font_files",
    "latin1",
    "measure",
    "number",
    "percent",
    "size",
    "source_label",
    "to_pdf",
    "to_xlsx",
]
