"""PDF of the privacy pages (fpdf2, on the platform's PDF base: docgen/pdf.py): the registre des traitements,
the notices and the exports of a person's data. A document is a title and a list of blocks: ``("h1", text)``,
``("h2", text)``, ``("p", text)``, ``("li", text)``, ``("kv", label, value)``."""

from __future__ import annotations

from docgen.pdf import base_class

BLUE = (0, 60, 120)
GREY = (90, 90, 90)

LABELS = {
    "numero": "Numéro",
    "nom_de_naissance": "Nom de naissance",
    "nom_d_usage": "Nom d'usage",
    "prenoms": "Prénoms",
    "date_de_naissance": "Date de naissance",
    "code_postal": "Code postal",
    "telephone": "Téléphone",
    "nir": "NIR",
    "enregistre_le": "Enregistré le",
    "enregistre_par": "Enregistré par",
    "cercles_de_soins": "Cercles de soins",
    "traces_d_acces": "Traces d'accès (journal d'audit)",
    "genere_le": "Produit le",
    "role_dans_la_prise_en_charge": "Rôle dans la prise en charge",
    "invite_le": "Invité le",
    "entre_le": "Entré le",
    "sorti_le": "Sorti le",
    "recueilli_le": "Recueilli le",
    "recueilli_par": "Recueilli par",
    "modalite": "Modalité",
    "expire_le": "Expire le",
    "retire_le": "Retiré le",
    "portee": "Portée",
    "temoin": "Témoin",
    "ouvert_le": "Ouvert le",
    "cloture_le": "Clôturé le",
    "rendez_vous": "Rendez-vous",
    "reponse_a": "En réponse au message n°",
    "modifie_le": "Modifié le",
    "supprime_le": "Supprimé le",
    "ajoute_le": "Ajouté le",
    "ajoute_par": "Ajouté par",
    "taille_octets": "Taille (octets)",
    "deposee_le": "Déposée le",
    "debut": "Début",
    "annule_le": "Annulé le",
    "par": "Par",
}


def label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " ").capitalize())


def _pdf():
    class PrivacyPDF(base_class()):
        footer_color = GREY

    return PrivacyPDF


def _write(pdf, text: str, size: float = 10, style: str = "", color=None, indent: float = 0) -> None:
    from fpdf.enums import XPos, YPos

    pdf.set_font(pdf.family, style, size)
    if color:
        pdf.set_text_color(*color)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def render(title: str, blocks: list[tuple], *, author: str, footer: str) -> bytes:
    pdf = _pdf()(footer)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("OpenCPTS")
    pdf.set_lang("fr-FR")
    pdf.add_page()
    _write(pdf, title, 16, "B", BLUE)
    pdf.ln(3)
    for block in blocks:
        kind = block[0]
        if kind == "h1":
            pdf.ln(3)
            _write(pdf, block[1], 13, "B", BLUE)
            pdf.ln(1)
        elif kind == "h2":
            pdf.ln(2)
            _write(pdf, block[1], 11, "B")
        elif kind == "p":
            _write(pdf, block[1])
        elif kind == "li":
            _write(pdf, "• " + block[1], indent=3)
        elif kind == "kv":
            _write(pdf, f"{block[1]} : {block[2]}", indent=3)
    return bytes(pdf.output())


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "oui"
    if value is False:
        return "non"
    return str(value)


def data_blocks(data: dict, level: int = 1) -> list[tuple]:
    """A nested dict (the export) as blocks: scalars as label : value, lists of dicts as numbered "
    "sub-parts."""
    blocks: list[tuple] = []
    for key, value in data.items():
        if isinstance(value, dict):
            blocks.append(("h1" if level == 1 else "h2", label(key)))
            blocks += data_blocks(value, level + 1)
        elif isinstance(value, list):
            blocks.append(("h1" if level == 1 else "h2", f"{label(key)} ({len(value)})"))
            for n, item in enumerate(value, 1):
                if isinstance(item, dict):
                    blocks.append(("p", f"{label(key)} — {n}"))
                    blocks += data_blocks(item, level + 1)
                else:
                    blocks.append(("li", _value(item)))
            if not value:
                blocks.append(("p", "Aucun."))
        else:
            blocks.append(("kv", label(key), _value(value)))
    return blocks
