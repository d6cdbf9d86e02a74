"""Helpers to write the default DOCX templates as Python (python-docx), so that they are reproducible: each
app that ships templates has a ``doc_templates_src.py`` whose ``TEMPLATES`` maps a file name of its
``doc_templates/`` folder to a function returning the ``Document``; ``make doc-templates`` (``manage.py
build_doc_templates``) writes them, byte for byte the same on every run (fixed dates), and
docgen/tests/test_templates_src.py checks that the committed files are what the sources make.

Jinja tags are plain text in the paragraphs: ``{{ projet.nom }}``; a paragraph holding only ``{%p ... %}`` is
removed by docxtpl and repeats or hides the paragraphs between it and its ``{%p end... %}``; in a table, a row
holding ``{%tr for ... %}`` repeats the rows up to ``{%tr endfor %}``. An image is ``{{ name }}`` alone in its
paragraph.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

FIXED = datetime(2026, 1, 1, tzinfo=UTC)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def new_document(title: str, *, font_size: float = 10.5):
    """An A4 document with 2 cm margins, its title in the properties, fixed dates."""
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "OpenCPTS", "OpenCPTS"
    props.created = props.modified = FIXED
    props.revision = 1
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin = section.bottom_margin = Mm(20)
    doc.styles["Normal"].font.size = Pt(font_size)
    return doc


def paragraph(doc, *parts, style: str | None = None, align: str = ""):
    """A paragraph of ``parts``: strings, or (text, "b"/"i"/"bi") for emphasis."""
    p = doc.add_paragraph(style=style)
    for part in parts:
        text, emphasis = (part, "") if isinstance(part, str) else part
        run = p.add_run(text)
        run.bold = "b" in emphasis or None
        run.italic = "i" in emphasis or None
    if align:
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    return p


def table(doc, header: list[str], rows: list[list[str]], style: str = "Table Grid"):
    """A table with a bold header row repeated on each page, then ``rows`` (tags allowed in cells)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    t = doc.add_table(rows=1 + len(rows), cols=len(header))
    t.style = style
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    marker = OxmlElement("w:tblHeader")
    t.rows[0]._tr.get_or_add_trPr().append(marker)
    marker.set(qn("w:val"), "true")
    for row, texts in zip(t.rows[1:], rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.paragraphs[0].add_run(text)
    return t


def to_bytes(doc) -> bytes:
    """The DOCX, its zip entries dated ``ZIP_TIME`` so that the same source gives the same bytes."""
    raw = io.BytesIO()
    doc.save(raw)
    source = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
