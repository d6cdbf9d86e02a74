"""Documents from the registered DOCX templates (docgen/registry.py): the API the other apps call.

``render_docx(key, context, images)`` fills the template in force for ``key`` (the instance's uploaded
replacement, else the app's default file) with docxtpl: Jinja tags in the Word text (``{{ projet.nom }}``,
``{%p for c in communes %}``, ``{%tr ... %}`` for table rows), values escaped, run in Jinja's sandbox (a
template is uploaded by the instance administrator, never trusted to reach Python objects). ``images`` maps
context names to PNG or JPEG bytes, inserted where the template says ``{{ name }}`` at their size, never wider
than the page's text.

``render_pdf(key, context, images)`` makes the same DOCX and converts it: with LibreOffice headless when
``soffice`` (or ``libreoffice``) is on the PATH, in a temporary directory with its own profile and a timeout;
otherwise, or if LibreOffice fails, directly with fpdf2 (docgen/docx_pdf.py). Which engine made it is in
``render_pdf_info(...).engine`` and in the PDF's metadata (Producer « LibreOffice ... » or « fpdf2 ... », and
Creator « OpenCPTS docgen (fpdf2) » for the direct path).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from docgen import selectors, syntax
from docgen.docx_pdf import docx_to_pdf
from docgen.errors import TemplateError

logger = logging.getLogger(__name__)

AUTO, LIBREOFFICE, FPDF2 = "auto", "libreoffice", "fpdf2"
LIBREOFFICE_TIMEOUT = 120  # seconds for one conversion, the profile's first creation included


def environment(undefined=None):
    """The Jinja environment of every rendering: sandboxed, values escaped for the DOCX's XML."""
    from jinja2 import Undefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=True, undefined=undefined or Undefined)


def _text_width(tpl) -> int:
    section = tpl.docx.sections[0]
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    return width if width > 0 else 6_000_000  # EMU, about 16.7 cm


def _inline_images(tpl, images: Mapping[str, bytes]) -> dict:
    from docx.image.exceptions import UnrecognizedImageError
    from docx.image.image import Image
    from docx.shared import Emu
    from docxtpl import InlineImage

    limit = _text_width(tpl)
    out = {}
    for name, data in images.items():
        try:
            natural = Image.from_blob(bytes(data)).width
        except (UnrecognizedImageError, ValueError, IndexError) as exc:
            raise TemplateError(f"L'image « {name} » n'est pas une image PNG ou JPEG lisible.") from exc
        out[name] = InlineImage(tpl, io.BytesIO(bytes(data)), width=Emu(min(int(natural), limit)))
    return out


def fill(template: bytes, context: Mapping, images: Mapping[str, bytes] | None = None, *, env=None) -> bytes:
    """The DOCX ``template`` filled with ``context`` and ``images``. A tag that does not parse raises
    ``TemplateError`` naming it (docgen/syntax.py)."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError

    images = images or {}
    clash = set(images) & set(context)
    if clash:
        raise ValueError(f"Both an image and a context entry: {sorted(clash)}")
    tpl = DocxTemplate(io.BytesIO(template))
    tpl.init_docx()
    values = {**context, **_inline_images(tpl, images)}
    try:
        tpl.render(values, jinja_env=env or environment(), autoescape=True)
    except TemplateSyntaxError as exc:
        raise TemplateError(syntax.describe(template, exc)) from exc
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def render_docx(key: str, context: Mapping, images: Mapping[str, bytes] | None = None) -> bytes:
    """The DOCX of the template in force for ``key`` filled with ``context`` (and ``images``: name -> PNG)."""
    return fill(selectors.template_bytes(key), context, images)


@dataclass(frozen=True)
class RenderedPDF:
    data: bytes
    engine: str  # "libreoffice" or "fpdf2"
    note: str = ""  # why the direct path was taken when LibreOffice was there


def libreoffice() -> str | None:
    """The LibreOffice executable on the PATH, None when not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _run_libreoffice(soffice: str, docx: bytes, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="opencpts-docgen-") as folder:
        base = Path(folder)
        source = base / "document.docx"
        source.write_bytes(docx)
        command = [
            soffice,
            f"-env:UserInstallation={(base / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(base),
            str(source),
        ]
        process = subprocess.Popen(  # noqa: S603 - a fixed command on our own temporary file
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, ended whole on a timeout
            env={**os.environ, "HOME": folder},
        )
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RuntimeError(f"LibreOffice did not finish in {timeout} s") from None
        result = base / "document.pdf"
        if process.returncode != 0 or not result.is_file():
            raise RuntimeError(
                f"LibreOffice failed ({process.returncode}): {err.decode(errors='replace')[:500]}"
            )
        return result.read_bytes()


def convert(docx: bytes, *, title: str = "", engine: str = AUTO, timeout: float = LIBREOFFICE_TIMEOUT):
    """The PDF of a DOCX as a ``RenderedPDF``. ``engine``: ``auto`` (LibreOffice when installed, else or on
    its failure fpdf2), ``libreoffice`` (refused when not installed, its failure raised), ``fpdf2``."""
    if engine not in (AUTO, LIBREOFFICE, FPDF2):
        raise ValueError(f"Unknown PDF engine {engine!r}")
    soffice = libreoffice() if engine != FPDF2 else None
    if engine == LIBREOFFICE and soffice is None:
        raise TemplateError("LibreOffice n'est pas installé sur ce serveur : PDF impossible par ce moyen.")
    note = ""
    if soffice is not None:
        try:
            return RenderedPDF(_run_libreoffice(soffice, docx, timeout), LIBREOFFICE)
        except (RuntimeError, OSError) as exc:
            if engine == LIBREOFFICE:
                raise
            note = f"LibreOffice a échoué ({exc}) : PDF produit directement."
            logger.warning("docgen: LibreOffice failed, PDF made with fpdf2: %s", exc)
    return RenderedPDF(docx_to_pdf(docx, title=title), FPDF2, note)


def render_pdf_info(
    key: str, context: Mapping, images: Mapping[str, bytes] | None = None, *, engine: str = AUTO
) -> RenderedPDF:
    """``render_pdf`` with the engine that made the PDF."""
    template = selectors.entry(key)
    return convert(render_docx(key, context, images), title=template.title, engine=engine)


def render_pdf(
    key: str, context: Mapping, images: Mapping[str, bytes] | None = None, *, engine: str = AUTO
) -> bytes:
    """The PDF of ``render_docx(key, context, images)`` (LibreOffice when installed, else fpdf2)."""
    return render_pdf_info(key, context, images, engine=engine).data
