"""The projet de santé as a DOCX: chapters in order, the computed diagnostic with its images, the fiches by
mission with their indicators, the objectives, the budget."""

import io
import zipfile

from docx import Document

from healthplan import actions, document
from healthplan.tests.conftest import two_sheets


def _text(data: bytes) -> str:
    """The paragraphs in order, then the tables' cells."""
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_document_holds_every_chapter_the_diagnostic_the_fiches_and_the_budget(project, porteur):
    two_sheets(project, porteur)
    actions.save_chapter(project, "contexte", "Sept communes.\nTrois MSP.", 0, porteur)
    actions.save_chapter(project, "diagnostic", "Trois départs en retraite.", 0, porteur)
    actions.save_chapter(project, "gouvernance", "Association en trois collèges.", 0, porteur)
    actions.add_expense(
        project, porteur, label="Salaire de la coordinatrice", category="staff", mission="", amount="40000"
    )
    data, filename, _ = document.file(project, "docx")
    assert filename == "Projet-de-sante-cpts-du-pays-fouesnantais.docx"
    text = _text(data)
    order = [
        "1. Contexte local",
        "Sept communes.",
        "2. Diagnostic territorial",
        "Trois départs en retraite.",
        "3. Fiches-actions",
        "Fiche-action : Un médecin traitant pour les patients en ALD",
        "Fiche-action : Dépistage du cancer colorectal",
        "Tableau des objectifs",
        "4. Gouvernance",
        "Association en trois collèges.",
        "5. Évaluation",
        "6. Budget prévisionnel",
        "Salaire de la coordinatrice",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert "Population et structure par âge" in text and "Offre de soins" in text
    assert "Taux de participation au dépistage colorectal" in text and "28,5" in text and "35" in text
    assert "Taille 1" in text and "Pas encore rédigé." in text  # évaluation, not written
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pictures = [n for n in archive.namelist() if n.startswith("word/media/")]
    assert len(pictures) == 3  # two maps and the age chart


def test_the_document_as_pdf(project, porteur):
    two_sheets(project, porteur)
    data, filename, content_type = document.file(project, "pdf")
    assert data.startswith(b"%PDF") and filename.endswith(".pdf") and content_type == "application/pdf"
