"""The AMI as a PDF built directly with fpdf2 (the fonts of the ACI report: ``aci.report.pdf.font_files``),
from ``projects.dossiers.ami_context``: used when no DOCX template engine renders it."""

from aci.report.pdf import font_files, latin1

BLUE = (0, 60, 120)


def _document(title: str):
    from fpdf import FPDF

    class AmiPDF(FPDF):
        def __init__(self):
            super().__init__(orientation="P", unit="mm", format="A4")
            files = font_files()
            self.unicode = bool(files)
            if files:
                for style, path in files.items():
                    self.add_font("DejaVu", style, str(path))
                self.family = "DejaVu"
            else:
                self.family = "helvetica"
            self.set_margins(18, 16, 18)
            self.set_auto_page_break(True, margin=18)

        def normalize_text(self, text: str) -> str:
            return super().normalize_text(text if self.unicode else latin1(text))

        def footer(self):
            self.set_y(-13)
            self.set_font(self.family, "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"{title} — page {self.page_no()}/{{nb}}", align="C")

    pdf = AmiPDF()
    pdf.set_title(title)
    pdf.set_creator("OpenCPTS")
    pdf.set_lang("fr-FR")
    return pdf


def _write(pdf, text: str, size: float = 10, style: str = "", color=None, indent: float = 0) -> None:
    from fpdf.enums import XPos, YPos

    pdf.set_font(pdf.family, style, size)
    if color:
        pdf.set_text_color(*color)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def _heading(pdf, text: str) -> None:
    pdf.ln(3)
    _write(pdf, text, 12.5, "B", BLUE)
    pdf.ln(1)


def render_ami(context: dict) -> bytes:
    pdf = _document(f"AMI CPTS — {context['projet']}")
    pdf.add_page()
    _write(pdf, context["titre"], 15, "B", BLUE)
    pdf.ln(2)
    _write(pdf, f"Projet : {context['projet']}", 11, "B")
    _write(pdf, f"Destinataire : {context['destinataire']} — le {context['date']}")
    if context["note_region"]:
        _write(pdf, context["note_region"], 9)
    _heading(pdf, "1. Professionnels / structures")
    _write(pdf, "Acteurs intéressés par l'AMI", 11, "B")
    for i, a in enumerate(context["acteurs"], 1):
        _write(pdf, f"{i}. {a['nom']} — {a['profession']}", indent=2)
        _write(
            pdf,
            f"Lieu d'exercice : {a['lieu'] or '—'} ; exercice en MSP/ESP : {a['msp_esp_label']}",
            9,
            indent=6,
        )
        if a["remarque"]:
            _write(pdf, f"Remarque : {a['remarque']}", 9, indent=6)
    pdf.ln(1)
    _write(pdf, "Référents", 11, "B")
    for i, r in enumerate(context["referents"], 1):
        _write(pdf, f"{i}. {r['nom']}, {r['fonction']}", indent=2)
        _write(pdf, f"E-mail : {r['email']} ; téléphone : {r['telephone']}", 9, indent=6)
    _heading(pdf, "2. Objectifs attendus")
    for o in context["objectifs"]:
        _write(pdf, f"[{'X' if o['coche'] else ' '}] {o['libelle']}", indent=2)
    _heading(pdf, "3. Contexte")
    _write(pdf, context["contexte"])
    _heading(pdf, "4. Territoire de projet")
    _write(pdf, context["territoire"])
    _heading(pdf, "5. Calendrier")
    _write(pdf, f"Échéance souhaitée pour un temps d'échange avec l'ARS : {context['rencontre']}")
    return bytes(pdf.output())
