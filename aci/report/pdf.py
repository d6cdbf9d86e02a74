"""The annual report as a PDF (fpdf2): a title block, then five sections (contract and missions, indicators
and results, activity, money, justificatifs), with tables and bar charts drawn from the ``Report`` dataclass.

The font (DejaVu Sans, or Helvetica with the text in Latin-1 when it is missing), the margins and the footer
with the page numbers are the platform's PDF base (docgen/pdf.py).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from aci.report.data import MissionLine, Report
from aci.report.formats import ZERO, day, euros, number, percent
from docgen.pdf import base_class, font_files, latin1  # noqa: F401 - font_files, latin1: aci.report's API

BLUE = (37, 84, 160)
LIGHT = (222, 228, 238)
GREY = (110, 110, 110)
HEAD_FILL = (231, 236, 245)
ORANGE = (214, 120, 34)


def _pdf_class():
    class ReportPDF(base_class()):
        def __init__(self, report: Report):
            super().__init__(f"{report.cpts_name} — rapport d'activité ACI, année {report.year}")
            self.report = report

    return ReportPDF


def _text(pdf, text: str, size: float = 10, style: str = "", height: float | None = None, color=None):
    from fpdf.enums import XPos, YPos

    pdf.set_font(pdf.family, style, size)
    if color:
        pdf.set_text_color(*color)
    pdf.multi_cell(0, height or size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def _room(pdf, needed: float) -> None:
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()


def _heading(pdf, text: str, level: int = 1) -> None:
    _room(pdf, 35 if level == 1 else 25)
    pdf.ln(4 if level == 1 else 2)
    if level == 1:
        pdf.start_section(text, level=0)
        _text(pdf, text, 14, "B", 8, BLUE)
        pdf.set_draw_color(*BLUE)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(2)
    else:
        pdf.start_section(text, level=1)
        _text(pdf, text, 11, "B", 6)
        pdf.ln(1)


def _table(
    pdf, headings: list[str], rows: list[list[str]], widths: tuple, align: tuple, size: float = 8.5
) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font(pdf.family, "", size)
    # A row must fit on one page: cut a cell's text at about 40 lines of its column.
    total = sum(widths)
    limits = [max(60, int((pdf.epw * w / total - 2.4) / (size * 0.2) * 40)) for w in widths]
    rows = [[_clip(v, limit) for v, limit in zip(values, limits, strict=False)] for values in rows]
    with pdf.table(
        col_widths=widths,
        text_align=align,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        line_height=size * 0.5,
        padding=1.2,
        repeat_headings=1,
        width=pdf.epw,
    ) as table:
        head = table.row()
        for h in headings:
            head.cell(h)
        for values in rows:
            row = table.row()
            for v in values:
                row.cell(v)
    pdf.ln(3)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bars(
    pdf, title: str, rows: list[tuple[str, Decimal, Decimal]], first_label: str, second_label: str
) -> None:
    """Horizontal bars drawn with rectangles: for each row the reference (light) and the actual value
    (blue)."""
    if not rows:
        return
    row_h, label_w, value_w = 11.0, 58.0, 30.0
    _room(pdf, 18 + row_h * len(rows))
    _text(pdf, title, 10, "B", 6)
    top = pdf.get_y() + 1
    x0 = pdf.l_margin + label_w
    span = pdf.epw - label_w - value_w
    top_value = max([max(a, b) for _, a, b in rows] + [Decimal(1)])
    for i, (label, actual, reference) in enumerate(rows):
        y = top + i * row_h
        pdf.set_font(pdf.family, "", 8)
        pdf.set_xy(pdf.l_margin, y)
        pdf.multi_cell(label_w - 2, 3.6, _fit(pdf, label, label_w - 2, 2), align="R", max_line_height=3.6)
        ref_w = float(reference / top_value) * span
        act_w = float(actual / top_value) * span
        pdf.set_fill_color(*LIGHT)
        pdf.rect(x0, y, max(ref_w, 0.2), 3.6, style="F")
        pdf.set_fill_color(*BLUE)
        pdf.rect(x0, y + 4.2, max(act_w, 0.2), 3.6, style="F")
        pdf.set_font(pdf.family, "", 7.5)
        pdf.set_xy(x0 + max(ref_w, 0.2) + 1.5, y)
        pdf.cell(value_w, 3.6, euros(reference))
        pdf.set_xy(x0 + max(act_w, 0.2) + 1.5, y + 4.2)
        pdf.cell(value_w, 3.6, euros(actual))
    y = top + len(rows) * row_h + 1
    pdf.set_font(pdf.family, "", 8)
    for color, text, x in ((LIGHT, first_label, x0), (BLUE, second_label, x0 + span / 2)):
        pdf.set_fill_color(*color)
        pdf.rect(x, y + 0.6, 4, 3, style="F")
        pdf.set_xy(x + 5.5, y)
        pdf.cell(span / 2 - 6, 4.2, text)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, y + 8)


def _fit(pdf, text: str, width: float, lines: int) -> str:
    """Shorten a label so that it holds in ``lines`` lines of ``width``."""
    if pdf.get_string_width(text) <= width * lines * 0.92:
        return text
    while text and pdf.get_string_width(text + "…") > width * lines * 0.92:
        text = text[:-1]
    return text.rstrip() + "…"


def to_pdf(report: Report) -> bytes:
    """The report as PDF bytes (A4, sections in the PDF outline, page numbers in the footer)."""
    pdf = _pdf_class()(report)
    title = f"Rapport d'activité ACI — année {report.year}"
    pdf.set_title(f"{report.cpts_name} — {title}")
    pdf.set_author(report.cpts_name)
    pdf.set_subject(report.title)
    pdf.set_creator("OpenCPTS")
    pdf.set_keywords("ACI CPTS rapport d'activité dialogue de gestion")
    pdf.set_lang("fr-FR")
    pdf.set_creation_date(report.generated_at)
    pdf.add_page()
    _title_block(pdf, report)
    _contract_section(pdf, report)
    _indicators_section(pdf, report)
    _activity_section(pdf, report)
    _money_section(pdf, report)
    _evidence_section(pdf, report)
    return bytes(pdf.output())


def _title_block(pdf, report: Report) -> None:
    """The CPTS, the year, who generated it and when, and the four headline amounts."""
    _text(pdf, report.cpts_name, 20, "B", 10, BLUE)
    _text(pdf, report.title, 13, "B", 7)
    generated = f"Généré le {timezone.localtime(report.generated_at):%d/%m/%Y à %H:%M}"
    if report.generated_by:
        generated += f" par {report.generated_by}"
    _text(pdf, generated + " avec OpenCPTS.", 9, "", 5, GREY)
    if report.counted_to is None:
        _text(
            pdf, "Cette année du contrat n'a pas encore commencé : aucune activité n'est comptée.", 9, "I", 5
        )
    elif report.running:
        _text(
            pdf,
            f"Année en cours : l'activité est comptée jusqu'au {day(report.counted_to)}, "
            "les résultats ne sont pas définitifs.",
            9,
            "I",
            5,
        )
    pdf.ln(3)
    _table(
        pdf,
        ["Part variable gagnée", "Versements attendus", "Versements reçus", "Dépenses"],
        [
            [
                f"{euros(report.earned)} sur {euros(report.maximum)} ({percent(report.attainment)})",
                euros(report.expected),
                euros(report.received),
                euros(report.spent),
            ]
        ],
        (34, 22, 22, 22),
        ("CENTER",) * 4,
        9,
    )


def _contract_section(pdf, report: Report) -> None:
    """1. The contract, its territory and its missions with their deadlines."""
    _heading(pdf, "1. Contrat et missions")
    origin = ", ".join(
        p
        for p in (f"au {day(report.population_on)}" if report.population_on else "", report.population_source)
        if p
    )
    lines = [
        f"Contrat ACI signé le {day(report.signed_on)} pour {report.years} ans, grille « {report.grid} ».",
        f"{report.tier_label} ; population couverte retenue au contrat : "
        f"{number(report.population)} habitants" + (f" ({origin})." if origin else "."),
        f"Territoire : {report.communes} commune{'s' if report.communes > 1 else ''} "
        f"({number(report.territory_population)} habitants, {report.territory_population_label}).",
        "Crise sanitaire grave déclarée pour cette année."
        if report.crisis_declared
        else "Pas de crise sanitaire grave déclarée pour cette année.",
    ]
    for line in lines:
        _text(pdf, line, 9.5, "", 5)
    if report.amendments:
        _text(pdf, "Avenants : " + " ; ".join(report.amendments), 9, "", 5)
    pdf.ln(2)
    _table(
        pdf,
        ["Mission", "Au contrat depuis", "Démarrage", "Déploiement", "Part variable maximale"],
        [
            [
                m.label + (" (optionnelle)" if m.optional else " (socle)"),
                day(m.from_on),
                m.start_text,
                m.deploy_text,
                euros(m.maximum) if m.maximum is not None else (m.note or "aucune"),
            ]
            for m in report.missions
        ],
        (34, 13, 22, 22, 15),
        ("LEFT", "CENTER", "LEFT", "LEFT", "RIGHT"),
    )


def _indicators_section(pdf, report: Report) -> None:
    """2. The variable part earned, mission by mission, with each indicator's steps and result."""
    _heading(pdf, "2. Indicateurs et résultats")
    _text(
        pdf,
        f"Part variable gagnée : {euros(report.earned)} sur un maximum de {euros(report.maximum)} "
        f"({percent(report.attainment)}). Le meilleur palier atteint par chaque indicateur compte ; la part "
        "d'une mission ne dépasse pas le maximum de la grille.",
        9.5,
        "",
        5,
    )
    pdf.ln(2)
    _bars(
        pdf,
        "Part variable par mission : maximum de la grille et montant gagné",
        [(m.label, m.earned, m.maximum or ZERO) for m in report.missions if m.maximum is not None],
        "Maximum de la grille",
        "Gagné",
    )
    for m in report.missions:
        _mission_results(pdf, m)
    _text(pdf, f"Total de la part variable : {euros(report.earned)} sur {euros(report.maximum)}.", 10, "B", 6)


def _mission_results(pdf, m: MissionLine) -> None:
    _heading(pdf, m.label, 2)
    maximum = euros(m.maximum) if m.maximum is not None else (m.note or "pas de part variable")
    _text(
        pdf,
        f"Gagné : {euros(m.earned)} — maximum : {maximum}"
        + (f" — atteinte : {percent(m.attainment)}" if m.attainment is not None else ""),
        9,
        "",
        5,
    )
    if not m.indicators:
        _text(pdf, "Aucun indicateur défini pour cette mission.", 9, "I", 5)
        pdf.ln(2)
        return
    rows = []
    for ind in m.indicators:
        name = ind.name
        if ind.definition:
            name += f"\n{ind.definition}"
        name += f"\nSource : {ind.source_label}"
        result = ind.result_text + (f"\n({ind.origin_label})" if ind.value is not None else "")
        rows.append([name, ind.steps_text, result, ind.step_label or "aucun", euros(ind.earned)])
    rows.append(["Total de la mission", "", "", "", euros(m.earned)])
    _table(
        pdf,
        ["Indicateur", "Paliers (objectifs)", "Résultat", "Palier atteint", "Montant"],
        rows,
        (36, 30, 16, 12, 12),
        ("LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT"),
    )


def _activity_section(pdf, report: Report) -> None:
    """3. The activity figures of the year, computed by the platform."""
    _heading(pdf, "3. Activité de l'année")
    if report.counted_to is None:
        _text(pdf, "Année pas encore commencée.", 9.5, "I", 5)
    else:
        _text(
            pdf,
            f"Chiffres calculés par la plateforme du {day(report.first)} au {day(report.counted_to)}, "
            "à partir de l'activité enregistrée (le détail ligne à ligne est consultable dans OpenCPTS).",
            9.5,
            "",
            5,
        )
        pdf.ln(2)
    for group in report.activity:
        _heading(pdf, group.title, 2)
        _table(
            pdf,
            ["Indicateur d'activité", "Valeur", "Précision"],
            [[f.label, f.value_text, f.detail] for f in group.figures],
            (50, 14, 36),
            ("LEFT", "RIGHT", "LEFT"),
        )


def _money_section(pdf, report: Report) -> None:
    """4. Payments expected and received, budget and expenses by category and by mission."""
    _heading(pdf, "4. Financement et budget")
    _table(
        pdf,
        ["", "Montant"],
        [
            ["Versements attendus pour l'année (échéancier en vigueur)", euros(report.expected)],
            [f"Versements reçus du {day(report.first)} au {day(report.last)}", euros(report.received)],
            ["Écart reçu − attendu", euros(report.gap)],
            ["Budget prévu", euros(report.planned)],
            ["Dépenses de l'année", euros(report.spent)],
            ["Solde reçu − dépensé", euros(report.balance)],
        ],
        (70, 30),
        ("LEFT", "RIGHT"),
        9,
    )
    _heading(pdf, "Dépenses par catégorie", 2)
    if report.by_category:
        _table(
            pdf,
            ["Catégorie", "Prévu", "Dépensé", "Écart", "Consommé"],
            [
                [r.label, euros(r.planned), euros(r.spent), euros(r.gap), percent(r.consumed)]
                for r in report.by_category
            ]
            + [
                [
                    "Total",
                    euros(report.planned),
                    euros(report.spent),
                    euros(report.planned - report.spent),
                    percent(report.spent / report.planned if report.planned else None),
                ]
            ],
            (40, 15, 15, 15, 15),
            ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )
        _bars(
            pdf,
            "Budget prévu et dépenses par catégorie",
            [(r.label, r.spent, r.planned) for r in report.by_category],
            "Prévu",
            "Dépensé",
        )
    else:
        _text(pdf, "Ni budget prévu ni dépense enregistrée pour cette année.", 9, "I", 5)
    if report.by_mission:
        _heading(pdf, "Dépenses par mission", 2)
        _table(
            pdf,
            ["Mission", "Prévu", "Dépensé", "Écart", "Consommé"],
            [
                [r.label, euros(r.planned), euros(r.spent), euros(r.gap), percent(r.consumed)]
                for r in report.by_mission
            ],
            (40, 15, 15, 15, 15),
            ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )


def _evidence_section(pdf, report: Report) -> None:
    """5. The justificatifs of the year: names and sizes, never their content."""
    _heading(pdf, "5. Justificatifs")
    if report.evidence:
        _text(
            pdf,
            f"{len(report.evidence)} justificatif{'s' if len(report.evidence) > 1 else ''} déposé"
            f"{'s' if len(report.evidence) > 1 else ''} dans OpenCPTS pour cette année (fichiers chiffrés, "
            "disponibles sur demande).",
            9.5,
            "",
            5,
        )
        pdf.ln(1)
        _table(
            pdf,
            ["Indicateur", "Intitulé", "Fichier", "Taille", "Ajouté le, par"],
            [
                [e.indicator, e.title, e.filename, e.size_text, f"{day(e.added_at)}, {e.added_by}"]
                for e in report.evidence
            ],
            (28, 26, 24, 9, 17),
            ("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"),
        )
    else:
        _text(pdf, "Aucun justificatif déposé pour cette année.", 9.5, "I", 5)
