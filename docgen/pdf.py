"""The PDF base of the platform (fpdf2): the Unicode font, the Latin-1 fallback and a footer with page
numbers, shared by the documents of docgen (docgen/docx_pdf.py), the ACI annual report (aci/report/pdf.py)
and the privacy pages (privacy/pdf.py).

French text needs a Unicode font: DejaVu Sans from ``OPENCPTS_PDF_FONT_DIR`` (a setting or an environment
variable; /usr/share/fonts/truetype/dejavu by default, Debian package fonts-dejavu-core). Without it the core
Helvetica font is used and the text is transliterated to Latin-1 (€ → EUR, œ → oe...), so a PDF is always
produced.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from django.conf import settings

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
FONT_FAMILY = "DejaVu"
GREY = (110, 110, 110)

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
    """The DejaVu Sans files (regular required; bold, italic and bold italic when present, else the closest),
    None when absent."""
    folder = getattr(settings, "OPENCPTS_PDF_FONT_DIR", None) or DEFAULT_FONT_DIR
    base = Path(folder)
    regular = base / FONT_FILES[""]
    if not regular.is_file():
        return None
    found = {"": regular}
    for style in ("B", "I", "BI"):
        path = base / FONT_FILES[style]
        found[style] = path if path.is_file() else found.get(style[0], regular)
    return found


def base_class():
    """``BasePDF(footer_text)``: A4 portrait, 15 mm margins, the Unicode font when found (``pdf.family``,
    ``pdf.unicode``), a footer with ``footer_text`` and « Page n / N ». fpdf2 is imported here only, when a
    PDF is made."""
    from fpdf import FPDF

    class BasePDF(FPDF):
        footer_color = GREY

        def __init__(self, footer_text: str = ""):
            super().__init__(orientation="P", unit="mm", format="A4")
            self.footer_text = footer_text
            self.font_paths = font_files() or {}
            self.unicode = bool(self.font_paths)
            self.family = FONT_FAMILY if self.unicode else "helvetica"
            self.set_margins(15, 15, 15)
            self.set_auto_page_break(True, margin=18)

        def load_style(self, style: str = "") -> None:
            """Loads the Unicode font's ``style`` (B, I, BI...; U needs no file) unless already loaded: each
            file takes a moment to read, so only the styles a document uses are."""
            key = "".join(c for c in "BI" if c in style.upper())
            if self.unicode and f"{FONT_FAMILY.lower()}{key}" not in self.fonts:
                self.add_font(FONT_FAMILY, key, str(self.font_paths[key]))

        def set_font(self, family=None, style="", size=0):
            if (family or self.font_family or "").lower() == FONT_FAMILY.lower():
                self.load_style(style if isinstance(style, str) else style.style)
            super().set_font(family, style, size)

        def normalize_text(self, text: str) -> str:
            return super().normalize_text(text if self.unicode else latin1(text))

        def footer(self):
            self.set_y(-13)
            self.set_font(self.family, "", 8)
            self.set_text_color(*self.footer_color)
            self.cell(self.epw * 0.75, 6, self.footer_text, align="L")
            self.cell(self.epw * 0.25, 6, f"Page {self.page_no()} / {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    return BasePDF
