"""The annual activity report of a contract year (rapport d'activité, dialogue de gestion with the CPAM and
ARS).

``build`` gathers, from the rule modules and nothing else, what the report says about one contract year: the
contract and its missions (deadlines, start and deployment), each mission's indicators with their steps,
result, step reached and amount earned against the grid's variable part, the activity figures of the year
computed from the platform (``aci.sources``), the money (expected, received, planned and spent) and the list
of justificatifs (their names, never their content). ``to_pdf`` and ``to_xlsx`` render the same ``Report``;
the HTML preview (``aci/views_report.py``) shows it too, so the three always agree.

The PDF is written with fpdf2. French text needs a Unicode font: DejaVu Sans from ``OPENCPTS_PDF_FONT_DIR`` (a
setting or an environment variable; /usr/share/fonts/truetype/dejavu by default). Without it the core
Helvetica font is used and the text is transliterated to Latin-1 (€ → EUR, œ → oe...), so a report is always
produced.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from aci import budget, contracts, indicators, sources
from aci.models import Contract, Evidence, Indicator
from aci.tiers import territory_summary

ZERO = Decimal(0)
CENT = Decimal("0.01")
NNBSP = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"

# --- French formatting (shared by the PDF, the HTML preview and the workbook's text cells) ------------------


def number(value: Decimal | int | float | None, cents: bool = False) -> str:
    """12 500 / 72,4 / 1 234,56 (narrow no-break space between thousands, no useless decimals; with ``cents``,
    two decimals unless the amount is whole: 1 234,50)."""
    if value is None:
        return "—"
    q = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    text = f"{q:,.2f}".replace(",", NNBSP).replace(".", ",")
    if text.endswith(",00"):
        return text[:-3]
    return text[:-1] if text.endswith("0") and not cents else text


def euros(value: Decimal | None) -> str:
    return "—" if value is None else f"{number(value, cents=True)}{NBSP}€"


def percent(share: Decimal | float | None) -> str:
    """A share (0..1) as « 72,4 % »."""
    if share is None:
        return "—"
    return f"{number(Decimal(str(share)) * 100)}{NBSP}%"


def measure(value: Decimal | None, unit: str) -> str:
    """A value in the indicator's unit."""
    if value is None:
        return "—"
    if unit == Indicator.Unit.PERCENT:
        return f"{number(value)}{NBSP}%"
    if unit == Indicator.Unit.DAYS:
        return f"{number(value)}{NBSP}j"
    if unit == Indicator.Unit.HOURS:
        return f"{number(value)}{NBSP}h"
    if unit == Indicator.Unit.EUROS:
        return euros(value)
    if unit == Indicator.Unit.DONE:
        return "réalisé" if value >= 1 else "non réalisé"
    return number(value)


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y}"
    return f"{value:%d/%m/%Y}"


def size(n: int) -> str:
    if n < 1024:
        return f"{n}{NBSP}o"
    if n < 1024 * 1024:
        return f"{number(Decimal(n) / 1024)}{NBSP}Ko"
    return f"{number(Decimal(n) / 1024 / 1024)}{NBSP}Mo"


ORIGINS = {
    "arrêté": "calculé, arrêté à la clôture de l'année",
    "calculé": "calculé en direct (année non arrêtée)",
    "saisi": "saisi",
    "": "pas encore de résultat",
}
DEADLINE_STATES = {
    "fait": "fait",
    "à venir": "à venir",
    "bientôt": "bientôt",
    "en retard": "en retard",
    "libre": "au choix",
}


# --- The report ---------------------------------------------------------------------------------------------


@dataclass
class Step:
    label: str
    threshold: Decimal
    amount: Decimal
    text: str  # « Socle : ≥ 69,7 % → 1 000 € »


@dataclass
class IndicatorLine:
    name: str
    definition: str
    unit: str  # Indicator.Unit value
    unit_label: str
    direction: str
    source_label: str  # « calculé par la plateforme (…) » or « saisie »
    steps: list[Step]
    value: Decimal | None
    origin: str  # "arrêté", "calculé", "saisi", ""
    rows_counted: int | None
    step_label: str  # the step reached, "" when none
    earned: Decimal
    promised: Decimal  # the most the steps can earn
    evidence: int

    @property
    def origin_label(self) -> str:
        return ORIGINS.get(self.origin, self.origin)

    @property
    def result_text(self) -> str:
        return measure(self.value, self.unit)

    @property
    def steps_text(self) -> str:
        return "\n".join(s.text for s in self.steps) or "aucun palier pour cette année"


@dataclass
class MissionLine:
    code: str
    label: str
    optional: bool
    from_on: dt.date
    started_on: dt.date | None
    deployed_on: dt.date | None
    start_due: dt.date | None
    start_state: str
    deploy_due: dt.date | None
    deploy_state: str
    indicators: list[IndicatorLine]
    maximum: (
        Decimal | None
    )  # the grid's variable part for the year (None: none, or crisis-only without a crisis)
    earned: Decimal
    note: str = ""

    @property
    def attainment(self) -> Decimal | None:
        if not self.maximum:
            return None
        return min(Decimal(1), self.earned / self.maximum)

    @property
    def start_text(self) -> str:
        return _deadline_text(self.start_due, self.started_on, self.start_state)

    @property
    def deploy_text(self) -> str:
        return _deadline_text(self.deploy_due, self.deployed_on, self.deploy_state)


def _deadline_text(due: dt.date | None, done: dt.date | None, state: str) -> str:
    parts = [f"échéance {day(due)}" if due else "échéance libre"]
    if done:
        parts.append(f"réalisé le {day(done)}" + (" (en retard)" if due and done > due else ""))
    else:
        parts.append(DEADLINE_STATES.get(state, state))
    return " — ".join(parts)


@dataclass
class ActivityFigure:
    key: str
    label: str
    value: Decimal | None
    unit: str
    note: str
    rows_counted: int
    as_of: dt.date | None

    @property
    def value_text(self) -> str:
        return measure(self.value, self.unit)

    @property
    def detail(self) -> str:
        parts = [self.note] if self.note else []
        if self.as_of:
            parts.append(f"état au {day(self.as_of)}")
        return " ; ".join(parts)


@dataclass
class ActivityGroup:
    title: str
    figures: list[ActivityFigure]


@dataclass
class BudgetRow:
    label: str
    planned: Decimal
    spent: Decimal

    @property
    def gap(self) -> Decimal:
        return self.planned - self.spent

    @property
    def consumed(self) -> Decimal | None:
        return (self.spent / self.planned) if self.planned else None


@dataclass
class EvidenceLine:
    indicator: str
    mission: str
    title: str
    filename: str
    content_type: str
    size: int
    added_at: dt.datetime
    added_by: str

    @property
    def size_text(self) -> str:
        return size(self.size)


@dataclass
class Report:
    cpts_name: str
    cpts_slug: str
    year: int
    years: int
    first: dt.date
    last: dt.date
    counted_to: dt.date | None  # activity counted up to that day (None: the year has not started)
    signed_on: dt.date
    grid: str
    tier: int
    tier_label: str
    population: int
    population_on: dt.date | None
    population_source: str
    communes: int
    territory_population: int
    territory_population_label: str
    crisis_declared: bool
    missions: list[MissionLine]
    activity: list[ActivityGroup]
    expected: Decimal
    received: Decimal
    planned: Decimal
    spent: Decimal
    by_category: list[BudgetRow]
    by_mission: list[BudgetRow]
    evidence: list[EvidenceLine]
    generated_at: dt.datetime
    generated_by: str
    amendments: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return (
            f"Rapport d'activité — année {self.year} du contrat ACI (du {day(self.first)} au "
            f"{day(self.last)})"
        )

    @property
    def running(self) -> bool:
        return self.counted_to is not None and self.counted_to < self.last

    @property
    def earned(self) -> Decimal:
        return sum((m.earned for m in self.missions), ZERO)

    @property
    def maximum(self) -> Decimal:
        return sum((m.maximum or ZERO for m in self.missions), ZERO)

    @property
    def attainment(self) -> Decimal | None:
        return min(Decimal(1), self.earned / self.maximum) if self.maximum else None

    @property
    def gap(self) -> Decimal:
        """Received minus expected over the year: negative when payments are missing."""
        return self.received - self.expected

    @property
    def balance(self) -> Decimal:
        return self.received - self.spent

    @property
    def indicator_count(self) -> int:
        return sum(len(m.indicators) for m in self.missions)

    @property
    def filename_stem(self) -> str:
        return f"rapport-aci-{self.cpts_slug}-annee-{self.year}"


# The activity figures of the year, from aci.sources (the same computation as the indicators).
ACTIVITY = (
    (
        "Accès à un médecin traitant",
        ("gp_placed", "gp_placed_ald", "gp_placed_70", "gp_placed_precarity", "gp_median_waited"),
    ),
    (
        "Soins non programmés",
        ("snp_offered", "snp_booked", "snp_honoured", "snp_fill_rate", "snp_professionals"),
    ),
    ("Coordination et parcours", ("care_circles",)),
    ("Vie de la CPTS", ("members",)),
)


def source_label(indicator: Indicator) -> str:
    if indicator.computed:
        known = sources.SOURCES.get(indicator.source)
        return f"calculé par la plateforme ({known.label if known else indicator.source})"
    return f"saisie ({indicator.source_note})" if indicator.source_note else "saisie"


def _steps(indicator: Indicator, steps) -> list[Step]:
    sign = "≤" if indicator.direction == Indicator.Direction.LOWER else "≥"
    ordered = sorted(steps, key=lambda s: s.amount)
    return [
        Step(
            s.label,
            s.threshold,
            s.amount,
            f"{s.label} : {sign} {measure(s.threshold, indicator.unit)} → {euros(s.amount)}",
        )
        for s in ordered
    ]


def _activity(contract: Contract, first: dt.date, counted_to: dt.date | None) -> list[ActivityGroup]:
    groups = []
    for title, keys in ACTIVITY:
        figures = []
        for key in keys:
            source = sources.SOURCES[key]
            if counted_to is None:
                fig = sources.Figure(None, note="année du contrat pas encore commencée")
            else:
                fig = sources.compute(key, contract.cpts, first, counted_to)
            figures.append(
                ActivityFigure(
                    key, source.label, fig.value, source.unit, fig.note, fig.rows_counted, fig.as_of
                )
            )
        groups.append(ActivityGroup(title, figures))
    return groups


def build(contract: Contract, year: int, by=None, today: dt.date | None = None) -> Report:
    """Everything the report of contract year ``year`` says (raises ActionError for a year outside the
    contract)."""
    today = today or timezone.localdate()
    first, last = contracts.year_bounds(contract, year)
    counted_to = min(last, today) if first <= today else None
    status = {m.code: m for m in indicators.year_status(contract, year)}
    due = {(d.mission, d.kind): d for d in contracts.deadlines(contract, today)}
    missions = []
    for cm in contract.missions.select_related("mission"):
        code = cm.mission.code
        ms = status.get(code)
        lines = []
        for st in ms.indicators if ms else []:
            ind = st.indicator
            lines.append(
                IndicatorLine(
                    ind.name,
                    ind.definition,
                    ind.unit,
                    ind.get_unit_display(),
                    ind.direction,
                    source_label(ind),
                    _steps(ind, st.steps),
                    st.value,
                    st.origin,
                    st.rows_counted,
                    st.step.label if st.step else "",
                    st.earned,
                    st.promised,
                    st.evidence,
                )
            )
        start, deploy = due.get((code, "démarrage")), due.get((code, "déploiement"))
        maximum, earned, note = (ms.maximum, ms.earned, "") if ms else (None, ZERO, "")
        if ms and ms.conditional:
            # As in the payment schedule (aci.contracts.plan): no variable part without a declared crisis.
            maximum, earned = None, ZERO
            note = "part variable due seulement si une crise sanitaire grave est déclarée"
        missions.append(
            MissionLine(
                code,
                cm.mission.label,
                cm.mission.optional,
                cm.from_on,
                cm.started_on,
                cm.deployed_on,
                start.due_on if start else None,
                start.state if start else "",
                deploy.due_on if deploy else None,
                deploy.state if deploy else "",
                lines,
                maximum,
                earned,
                note,
            )
        )
    money = budget.year_money(contract, year)
    evidence = [
        EvidenceLine(
            e.indicator.name,
            e.indicator.mission.mission.label,
            e.title,
            e.filename,
            e.content_type,
            e.size,
            e.added_at,
            str(e.added_by) if e.added_by else "—",
        )
        for e in (
            Evidence.objects.filter(indicator__contract=contract, contract_year=year)
            .select_related("indicator__mission__mission", "added_by")
            .defer("ciphertext", "nonce")
            .order_by("indicator__mission__mission__order", "indicator__order", "added_at", "pk")
        )
    ]
    grid = contract.grid
    tier = grid.tiers.filter(number=contract.tier).first()
    territory = territory_summary(contract.cpts)
    amendments = [f"{day(a.signed_on)} — {a.detail}" for a in contract.amendments.filter(signed_on__lte=last)]
    return Report(
        cpts_name=contract.cpts.name,
        cpts_slug=contract.cpts.slug,
        year=year,
        years=contract.years,
        first=first,
        last=last,
        counted_to=counted_to,
        signed_on=contract.signed_on,
        grid=grid.name,
        tier=contract.tier,
        tier_label=tier.label if tier else f"Taille {contract.tier}",
        population=contract.population,
        population_on=contract.population_on,
        population_source=contract.population_source,
        communes=territory.communes,
        territory_population=territory.population,
        territory_population_label=territory.population_label,
        crisis_declared=year in (contract.crisis_declared_years or []),
        missions=missions,
        activity=_activity(contract, first, counted_to),
        expected=money.expected,
        received=money.received,
        planned=money.planned,
        spent=money.spent,
        by_category=[BudgetRow(label, p, s) for label, p, s in money.by_category],
        by_mission=[BudgetRow(label, p, s) for label, p, s in money.by_mission],
        evidence=evidence,
        generated_at=timezone.now(),
        generated_by=(str(by) if by is not None else ""),
        amendments=amendments,
    )


# --- PDF (fpdf2) --------------------------------------------------------------------------------------------

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}

# Latin-1 stand-ins for the core font (Helvetica), when no Unicode font is available.
LATIN1 = str.maketrans(
    {
        "€": "EUR",
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "—": "-",
        "–": "-",
        "…": "...",
        "≥": ">=",
        "≤": "<=",
        "→": "->",
        "•": "-",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
        "\u2060": "",
        "\u200b": "",
        "×": "x",
    }
)


def latin1(text: str) -> str:
    text = text.translate(LATIN1)
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 256 and not unicodedata.combining(c)
        )
        out.append(plain or "?")
    return "".join(out)


def font_files() -> dict[str, Path] | None:
    """The DejaVu Sans files (regular required; bold and italic when present), None when absent."""
    folder = getattr(settings, "OPENCPTS_PDF_FONT_DIR", None) or DEFAULT_FONT_DIR
    base = Path(folder)
    regular = base / FONT_FILES[""]
    if not regular.is_file():
        return None
    found = {"": regular}
    for style in ("B", "I"):
        path = base / FONT_FILES[style]
        found[style] = path if path.is_file() else regular
    return found


BLUE = (37, 84, 160)
LIGHT = (222, 228, 238)
GREY = (110, 110, 110)
HEAD_FILL = (231, 236, 245)
ORANGE = (214, 120, 34)


def _pdf_class():
    from fpdf import FPDF

    class ReportPDF(FPDF):
        def __init__(self, report: Report):
            super().__init__(orientation="P", unit="mm", format="A4")
            self.report = report
            self.unicode = False
            files = font_files()
            if files:
                for style, path in files.items():
                    self.add_font("DejaVu", style, str(path))
                self.family = "DejaVu"
                self.unicode = True
            else:
                self.family = "helvetica"
            self.set_margins(15, 15, 15)
            self.set_auto_page_break(True, margin=18)

        def normalize_text(self, text: str) -> str:
            return super().normalize_text(text if self.unicode else latin1(text))

        def footer(self):
            self.set_y(-13)
            self.set_font(self.family, "", 8)
            self.set_text_color(*GREY)
            self.cell(
                self.epw * 0.75,
                6,
                f"{self.report.cpts_name} — rapport d'activité ACI, année {self.report.year}",
                align="L",
            )
            self.cell(self.epw * 0.25, 6, f"Page {self.page_no()} / {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

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

    # Title block
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
            f"Année en cours : l'activité est comptée jusqu'au {day(report.counted_to)}, les résultats ne "
            "sont pas définitifs.",
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

    # 1. Contract and missions
    _heading(pdf, "1. Contrat et missions")
    origin = ", ".join(
        p
        for p in (f"au {day(report.population_on)}" if report.population_on else "", report.population_source)
        if p
    )
    lines = [
        f"Contrat ACI signé le {day(report.signed_on)} pour {report.years} ans, grille « {report.grid} ».",
        (
            f"{report.tier_label} ; population couverte retenue au contrat : "
            f"{number(report.population)} habitants"
        )
        + (f" ({origin})." if origin else "."),
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

    # 2. Indicators and results
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
            continue
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
    _text(pdf, f"Total de la part variable : {euros(report.earned)} sur {euros(report.maximum)}.", 10, "B", 6)

    # 3. Activity
    _heading(pdf, "3. Activité de l'année")
    if report.counted_to is None:
        _text(pdf, "Année pas encore commencée.", 9.5, "I", 5)
    else:
        _text(
            pdf,
            f"Chiffres calculés par la plateforme du {day(report.first)} au {day(report.counted_to)}, à "
            "partir de l'activité enregistrée (le détail ligne à ligne est consultable dans OpenCPTS).",
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

    # 4. Money
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

    # 5. Evidence
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
    return bytes(pdf.output())


# --- XLSX (openpyxl) ----------------------------------------------------------------------------------------

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
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.title = f"{report.cpts_name} — rapport d'activité ACI, année {report.year}"
    wb.properties.creator = report.cpts_name
    wb.properties.subject = report.title

    # Synthèse
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

    # Indicateurs
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

    # Activité
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

    # Budget
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

    # Justificatifs
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

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
