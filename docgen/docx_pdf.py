"""A direct PDF of a rendered DOCX, with fpdf2, where LibreOffice is not installed (docgen/render.py).

It walks the document's body in order with python-docx and draws what a generated document holds: headings
(styles Title, Subtitle, Heading 1-9, as PDF bookmarks too), paragraphs with their bold, italic and underlined
runs, alignment, bulleted and numbered lists (numbering part or List styles), line and page breaks, tables
(merged cells as spans, a header row when marked or bold) and inline pictures (at their size in the document,
within the page width, with their description as alternative text). Left out, said here: the DOCX's own
headers, footers, fonts, colours and floating shapes; the PDF has the platform's font (docgen/pdf.py) and a
footer with the title and the page numbers. Good enough to read, print and send; LibreOffice gives the exact
layout.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from docgen.pdf import base_class

EMU_PER_MM = 36000
BODY_SIZE = 10.5
HEADING_SIZES = {0: 18.0, 1: 15.0, 2: 13.0, 3: 11.5}
HEADING_COLOR = (31, 73, 125)
LIST_INDENT = 6.0  # mm per level
CREATOR = "OpenCPTS docgen (fpdf2)"

_HEADING = re.compile(r"^Heading (\d)$")
_ALIGN = {"CENTER": "C", "RIGHT": "R", "JUSTIFY": "J", "DISTRIBUTE": "J"}


@dataclass
class Piece:
    kind: str  # "text", "image", "page"
    text: str = ""
    style: str = ""  # fpdf2 emphasis: "", "B", "I", "U" and their combinations
    image: bytes = b""
    width_mm: float = 0.0
    alt: str = ""


@dataclass
class _Numbering:
    """Formats and counters of the document's numbered and bulleted lists."""

    formats: dict[tuple[str, int], str] = field(default_factory=dict)
    counters: dict[tuple[str, int], int] = field(default_factory=dict)

    @classmethod
    def of(cls, doc) -> _Numbering:
        numbering = cls()
        try:
            root = doc.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return numbering
        abstract = {}
        for node in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in node.findall(qn("w:lvl")):
                fmt = lvl.find(qn("w:numFmt"))
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                    fmt.get(qn("w:val")) if fmt is not None else "bullet"
                )
            abstract[node.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            levels = abstract.get(ref.get(qn("w:val")) if ref is not None else None, {})
            for level, fmt in levels.items():
                numbering.formats[(num.get(qn("w:numId")), level)] = fmt
        return numbering

    def marker(self, num_id: str, level: int, fallback: str) -> str:
        fmt = self.formats.get((num_id, level), fallback)
        if fmt in ("bullet", "none"):
            return "•" if fmt == "bullet" else ""
        key = (num_id, level)
        self.counters[key] = self.counters.get(key, 0) + 1
        for other in [k for k in self.counters if k[0] == num_id and k[1] > level]:
            del self.counters[other]  # a deeper list starts again under the next item
        n = self.counters[key]
        if fmt in ("lowerLetter", "upperLetter"):
            letter = chr(ord("a") + (n - 1) % 26)
            return f"{letter.upper() if fmt == 'upperLetter' else letter})"
        return f"{n}."


def _style_chain(paragraph: Paragraph):
    style = paragraph.style
    while style is not None:
        yield style
        style = style.base_style


def heading_level(paragraph: Paragraph) -> int | None:
    """0 for Title, 1-9 for Heading n, 2 for Subtitle, None for body text."""
    for style in _style_chain(paragraph):
        name = style.name or ""
        if name == "Title":
            return 0
        if name == "Subtitle":
            return 2
        match = _HEADING.match(name)
        if match:
            return int(match.group(1))
    return None


def _list_info(paragraph: Paragraph) -> tuple[str, int, str] | None:
    """(numbering id, level, fallback format) when the paragraph is a list item."""
    ppr = paragraph._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is not None and num.numId is not None and num.numId.val != 0:
        level = num.ilvl.val if num.ilvl is not None else 0
        return str(num.numId.val), level, "bullet"
    for style in _style_chain(paragraph):
        name = style.name or ""
        if name.startswith("List Bullet") or name.startswith("List Number"):
            digits = name.rsplit(" ", 1)[-1]
            level = int(digits) - 1 if digits.isdigit() else 0
            return f"style:{name}", level, "bullet" if "Bullet" in name else "decimal"
    return None


def _alignment(paragraph: Paragraph) -> str:
    value = paragraph.paragraph_format.alignment
    if value is None:
        for style in _style_chain(paragraph):
            value = style.paragraph_format.alignment
            if value is not None:
                break
    return _ALIGN.get(value.name, "L") if value is not None else "L"


def _flag(run, name: str, chain: list) -> bool:
    """Whether ``run`` is bold, italic or underlined: its own format, else its character style's, else its
    paragraph's styles' (``chain``)."""
    value = getattr(run.font, name)
    if value is None and run._r.style is not None:  # no style id: the default style, bold by no one
        value = getattr(run.style.font, name)
    for style in chain:
        if value is not None:
            break
        value = getattr(style.font, name)
    return bool(value)


def _emphasis(run, chain: list) -> str:
    return (
        ("B" if _flag(run, "bold", chain) else "")
        + ("I" if _flag(run, "italic", chain) else "")
        + ("U" if _flag(run, "underline", chain) else "")
    )


def _picture(drawing, part) -> Piece | None:
    ids = drawing.xpath(".//a:blip/@r:embed")
    if not ids or ids[0] not in part.related_parts:
        return None
    extent = drawing.xpath(".//wp:extent")
    width = int(extent[0].get("cx", "0")) / EMU_PER_MM if extent else 0.0
    described = drawing.xpath(".//wp:docPr")
    alt = (described[0].get("descr") or described[0].get("title") or "") if described else ""
    return Piece("image", image=part.related_parts[ids[0]].blob, width_mm=width, alt=alt)


def _run_pieces(run, paragraph: Paragraph, chain: list) -> list[Piece]:
    style = _emphasis(run, chain)
    pieces: list[Piece] = []
    for child in run._r:
        tag = child.tag
        if tag == qn("w:t"):
            pieces.append(Piece("text", child.text or "", style))
        elif tag == qn("w:tab"):
            pieces.append(Piece("text", "    ", style))
        elif tag in (qn("w:br"), qn("w:cr")):
            page = child.get(qn("w:type")) == "page"
            pieces.append(Piece("page") if page else Piece("text", "\n", style))
        elif tag == qn("w:drawing"):
            picture = _picture(child, paragraph.part)
            if picture is not None:
                pieces.append(picture)
    return pieces


def pieces(paragraph: Paragraph) -> list[Piece]:
    """The paragraph's content in order: text with its emphasis, pictures, page breaks (runs inside
    hyperlinks included)."""
    out: list[Piece] = []
    chain = list(_style_chain(paragraph))
    for item in paragraph.iter_inner_content():
        runs = item.runs if hasattr(item, "runs") else [item]
        for run in runs:
            out += _run_pieces(run, paragraph, chain)
    return out


class _Writer:
    def __init__(self, pdf, doc):
        self.pdf = pdf
        self.doc = doc
        self.numbering = _Numbering.of(doc)

    def font(self, style: str = "", size: float = BODY_SIZE) -> None:
        self.pdf.set_font(self.pdf.family, style, size)

    def block(self, block) -> None:
        if isinstance(block, Table):
            self.table(block)
        else:
            self.paragraph(block)

    def paragraph(self, paragraph: Paragraph) -> None:
        content = pieces(paragraph)
        level = heading_level(paragraph)
        if level is not None:
            self.heading(paragraph, content, level)
            return
        listed = _list_info(paragraph)
        marker, indent = "", 0.0
        if listed is not None:
            num_id, list_level, fallback = listed
            marker = self.numbering.marker(num_id, list_level, fallback)
            indent = LIST_INDENT * (list_level + 1)
        self.body(content, _alignment(paragraph), marker, indent)

    def heading(self, paragraph: Paragraph, content: list[Piece], level: int) -> None:
        from fpdf.enums import XPos, YPos

        text = "".join(p.text for p in content if p.kind == "text").strip()
        pdf = self.pdf
        if text:
            if pdf.get_y() + 25 > pdf.page_break_trigger:
                pdf.add_page()
            pdf.ln(3 if level <= 1 else 2)
            pdf.start_section(text, level=max(level - 1, 0))
            size = HEADING_SIZES.get(level, BODY_SIZE + 0.5)
            self.font("B", size)
            pdf.set_text_color(*HEADING_COLOR)
            align = _alignment(paragraph)
            pdf.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_text_color(0, 0, 0)
            pdf.ln(1)
        for piece in content:
            if piece.kind != "text":
                self.special(piece, "L")

    def body(self, content: list[Piece], align: str, marker: str, indent: float) -> None:
        pdf = self.pdf
        margin = pdf.l_margin
        line = BODY_SIZE * 0.5
        if indent:
            pdf.set_left_margin(margin + indent)
        pdf.set_x(pdf.l_margin)
        if marker:
            self.font()
            pdf.set_x(pdf.l_margin - LIST_INDENT + 1)
            pdf.cell(LIST_INDENT - 1, line, marker)
        texts = [p for p in content if p.kind == "text"]
        uniform = len({p.style for p in texts}) <= 1 and len(texts) == len(content)
        if uniform and texts and (align != "L" or not marker):
            self.cell_text("".join(p.text for p in texts), texts[0].style, align)
        else:
            for piece in content:
                if piece.kind == "text":
                    self.font(piece.style)
                    pdf.write(line, piece.text)
                else:
                    self.special(piece, align)
            pdf.ln(line)
        if not content:
            pdf.ln(line * 0.6)
        pdf.set_left_margin(margin)
        pdf.set_x(margin)
        pdf.ln(1.2)

    def cell_text(self, text: str, style: str, align: str) -> None:
        from fpdf.enums import XPos, YPos

        self.font(style)
        self.pdf.multi_cell(0, BODY_SIZE * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def special(self, piece: Piece, align: str) -> None:
        pdf = self.pdf
        if piece.kind == "page":
            pdf.add_page()
            return
        if pdf.get_x() > pdf.l_margin + 0.5:
            pdf.ln(BODY_SIZE * 0.5)
        width = min(piece.width_mm or pdf.epw, pdf.epw)
        x = {"C": "C", "R": "R"}.get(align, pdf.l_margin)
        pdf.image(io.BytesIO(piece.image), x=x, w=width, alt_text=piece.alt or None)
        pdf.set_x(pdf.l_margin)

    def table(self, table: Table) -> None:
        rows = _table_rows(table)
        if not rows:
            return
        columns = max(sum(span for _, span in row) for row in rows)
        for row in rows:
            missing = columns - sum(span for _, span in row)
            if missing:
                row.append(("", missing))
        widths = _column_widths(table, columns)
        pdf = self.pdf
        from fpdf.fonts import FontFace

        self.font("", BODY_SIZE - 1)
        pdf.load_style("B")  # the header row's
        pdf.ln(1)
        with pdf.table(
            col_widths=widths,
            first_row_as_headings=_header_row(table),
            headings_style=FontFace(emphasis="BOLD", fill_color=(231, 236, 245)),
            line_height=(BODY_SIZE - 1) * 0.5,
            text_align="LEFT",
        ) as out:
            for row in rows:
                cells = out.row()
                for text, span in row:
                    cells.cell(text, colspan=span)
        pdf.ln(2)


def _table_rows(table: Table) -> list[list[tuple[str, int]]]:
    """Each row's cells as (text, column span); a cell merged down is written once, in its first row."""
    seen = set()
    rows = []
    for row in table.rows:
        out: list[tuple[str, int]] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:
                text, span = out[-1]
                out[-1] = (text, span + 1)
                continue
            previous = cell._tc
            text = "" if cell._tc in seen else cell.text.strip()
            seen.add(cell._tc)
            out.append((text, 1))
        if out:
            rows.append(out)
    return rows


def _column_widths(table: Table, columns: int) -> tuple[float, ...] | None:
    try:
        widths = [c.width for c in table.columns]
    except (IndexError, ValueError):
        return None
    if len(widths) != columns or not all(widths):
        return None
    return tuple(float(w) for w in widths)


def _header_row(table: Table) -> bool:
    if not table.rows:
        return False
    first = table.rows[0]
    trpr = first._tr.trPr
    if trpr is not None and trpr.find(qn("w:tblHeader")) is not None:
        return True
    runs = [(run, p) for cell in first.cells for p in cell.paragraphs for run in p.runs if run.text.strip()]
    bold = all(_flag(run, "bold", list(_style_chain(p))) for run, p in runs)
    return bool(runs) and bold and len(table.rows) > 1


def docx_to_pdf(data: bytes, *, title: str = "", author: str = "OpenCPTS") -> bytes:
    """The PDF of the DOCX ``data``; ``title`` goes in the PDF's metadata and footer."""
    from fpdf import FPDF_VERSION

    doc = Document(io.BytesIO(data))
    title = title or doc.core_properties.title or ""
    pdf = base_class()(title)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator(CREATOR)
    pdf.set_producer(f"fpdf2 {FPDF_VERSION}")  # the engine, as LibreOffice writes its own
    pdf.set_lang("fr-FR")
    pdf.add_page()
    writer = _Writer(pdf, doc)
    for block in doc.iter_inner_content():
        writer.block(block)
    return bytes(pdf.output())
