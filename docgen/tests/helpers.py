"""Files for the docgen tests: the test letter with one paragraph rewritten, archives that are not DOCX, PNGs,
and the text of a PDF."""

import io
import zipfile

from docx import Document

from docgen.tests import letter


def letter_with(replacements: dict[str, str]) -> bytes:
    """The test letter where each paragraph (table cells too) whose text is a key of ``replacements`` gets
    the value instead."""
    doc = Document(str(letter.PATH))
    cells = [p for t in doc.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    for paragraph in doc.paragraphs + cells:
        if paragraph.text in replacements:
            new = replacements[paragraph.text]
            for run in paragraph.runs[1:]:
                run._r.getparent().remove(run._r)
            paragraph.runs[0].text = new
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def zip_of(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def with_content_type(content: bytes, old: str, new: str) -> bytes:
    """``content`` (a DOCX) whose [Content_Types].xml says ``new`` instead of ``old``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    files = {i.filename: source.read(i.filename) for i in source.infolist()}
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(old.encode(), new.encode())
    return zip_of(files)


def texts(docx: bytes) -> list[str]:
    """Every paragraph's text of a DOCX, tables' cells included, in order."""
    from docx.oxml.ns import qn

    doc = Document(io.BytesIO(docx))
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in doc.element.body.iter(qn("w:p"))]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_info(data: bytes) -> dict:
    from pypdf import PdfReader

    return dict(PdfReader(io.BytesIO(data)).metadata or {})


def pdf_image_count(data: bytes) -> int:
    from pypdf import PdfReader

    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)
