"""Rendering: the test letter (docgen/doc_templates/test_letter.docx) filled as DOCX, then as PDF by fpdf2
always and by LibreOffice when installed; the template in force is the uploaded replacement until reset."""

import io
import os
import shutil
import stat
import time
from pathlib import Path

import pytest
from docx import Document

from docgen import registry, render
from docgen.actions import reset_template, upload_template
from docgen.errors import TemplateError
from docgen.tests import letter
from docgen.tests.helpers import letter_with, pdf_image_count, pdf_info, pdf_text, texts
from docgen.validation import placeholder_png

CONTEXT = {
    **letter.SAMPLE,
    "objet": "Constitution <d'une> CPTS & « projet » — 2027",
    "communes": [
        {"nom": "Belley", "insee": "01034", "population": "9 127"},
        {"nom": "Virignin", "insee": "01454", "population": "1 203"},
        {"nom": "Brens", "insee": "01058", "population": "1 180"},
    ],
}


@pytest.fixture(autouse=True)
def registered():
    yield letter.register()
    registry.unregister(letter.KEY)


@pytest.mark.django_db
def test_render_docx_fills_the_context_escaped_with_the_table_rows_and_the_list():
    out = render.render_docx(letter.KEY, CONTEXT, {"carte": placeholder_png(200, 100)})

    lines = texts(out)
    assert lines[0] == "CPTS du Bugey Sud"
    assert "Objet : Constitution <d'une> CPTS & « projet » — 2027" in lines
    assert "Le territoire compte 3 communes et 32 000 habitants :" in lines
    doc = Document(io.BytesIO(out))
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert rows == [
        ["Commune", "Code INSEE", "Population"],
        ["Belley", "01034", "9 127"],
        ["Virignin", "01454", "1 203"],
        ["Brens", "01058", "1 180"],
    ]
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["Accès à un médecin traitant", "Soins non programmés"]
    assert not any("{" in line for line in lines)  # every tag consumed


@pytest.mark.django_db
def test_images_are_inserted_at_their_size_never_wider_than_the_text():
    small = render.render_docx(letter.KEY, CONTEXT, {"carte": placeholder_png(96, 48)})
    wide = render.render_docx(letter.KEY, CONTEXT, {"carte": placeholder_png(3000, 1000)})

    (picture,) = Document(io.BytesIO(small)).inline_shapes
    assert picture.width == 96 * 914400 // 72  # 96 px at python-docx's default 72 dpi (no pHYs chunk)
    doc = Document(io.BytesIO(wide))
    section = doc.sections[0]
    (picture,) = doc.inline_shapes
    assert picture.width == section.page_width - section.left_margin - section.right_margin
    assert "Carte du territoire" in texts(wide)


@pytest.mark.django_db
def test_without_the_image_its_section_is_left_out_and_a_bad_image_is_refused():
    out = render.render_docx(letter.KEY, CONTEXT)
    assert "Carte du territoire" not in texts(out)
    assert not Document(io.BytesIO(out)).inline_shapes

    with pytest.raises(TemplateError, match="L'image « carte » n'est pas une image PNG ou JPEG lisible"):
        render.render_docx(letter.KEY, CONTEXT, {"carte": b"pas une image du tout"})
    with pytest.raises(ValueError, match="Both an image and a context entry"):
        render.render_docx(letter.KEY, {**CONTEXT, "carte": "x"}, {"carte": placeholder_png()})


@pytest.mark.django_db
def test_an_unknown_key_is_refused_in_french():
    with pytest.raises(TemplateError, match="Aucun modèle de document n'est enregistré sous la clé « x.y »"):
        render.render_docx("x.y", {})


@pytest.mark.django_db
def test_the_direct_pdf_holds_the_filled_values_the_picture_and_says_its_engine():
    result = render.render_pdf_info(letter.KEY, CONTEXT, {"carte": placeholder_png(300, 200)}, engine="fpdf2")

    assert result.engine == "fpdf2" and result.note == ""
    assert result.data.startswith(b"%PDF")
    text = pdf_text(result.data)
    for value in ("CPTS du Bugey Sud", "Constitution <d'une> CPTS & « projet » — 2027", "Virignin", "01058"):
        assert value in text
    assert "• Accès à un médecin traitant" in text
    assert "Lettre de la CPTS (essai)" in text  # the footer: the registered title
    assert "Page 1 / 1" in text
    info = pdf_info(result.data)
    assert info["/Creator"] == "OpenCPTS docgen (fpdf2)" and info["/Producer"].startswith("fpdf2 ")
    assert pdf_image_count(result.data) == 1
    assert render.render_pdf(letter.KEY, CONTEXT, engine="fpdf2").startswith(b"%PDF")


@pytest.mark.django_db
def test_without_the_unicode_font_the_pdf_is_made_in_latin1(settings, tmp_path):
    settings.OPENCPTS_PDF_FONT_DIR = str(tmp_path)  # no DejaVu there

    text = pdf_text(render.render_pdf(letter.KEY, CONTEXT, engine="fpdf2"))

    assert "Constitution <d'une> CPTS & « projet » - 2027" in text  # the dash transliterated


def _fake_soffice(folder, body: str) -> None:
    path = folder / "soffice"
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.django_db
def test_auto_takes_the_direct_path_without_libreoffice_and_when_it_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing installed
    assert render.libreoffice() is None
    assert render.render_pdf_info(letter.KEY, CONTEXT).engine == "fpdf2"
    with pytest.raises(TemplateError, match="LibreOffice n'est pas installé"):
        render.render_pdf_info(letter.KEY, CONTEXT, engine="libreoffice")

    _fake_soffice(tmp_path, "echo 'conversion impossible' >&2; exit 3")  # a LibreOffice that fails
    result = render.render_pdf_info(letter.KEY, CONTEXT)
    assert (
        result.engine == "fpdf2"
        and "LibreOffice a échoué" in result.note
        and "conversion impossible" in result.note
    )
    assert "Virignin" in pdf_text(result.data)
    with pytest.raises(RuntimeError, match="LibreOffice failed"):
        render.render_pdf_info(letter.KEY, CONTEXT, engine="libreoffice")


@pytest.mark.once
def test_a_libreoffice_that_hangs_is_ended_with_its_children(tmp_path, monkeypatch):
    marker = tmp_path / "child.pid"
    _fake_soffice(tmp_path, f"{shutil.which('sleep')} 60 & echo $! > {marker}; wait")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(RuntimeError, match="did not finish in 1 s"):
        render.convert(b"docx", engine="libreoffice", timeout=1)

    assert _ended(int(marker.read_text()))  # the whole process group was ended, not only the shell


def _ended(pid: int) -> bool:
    """The process is gone, or a zombie waiting for its new parent to reap it."""
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
                return True
        except (FileNotFoundError, IndexError):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db
@pytest.mark.skipif(render.libreoffice() is None, reason="LibreOffice (soffice) is not installed here")
def test_libreoffice_converts_the_same_document():
    result = render.render_pdf_info(
        letter.KEY, CONTEXT, {"carte": placeholder_png(300, 200)}, engine="libreoffice"
    )

    assert result.engine == "libreoffice" and result.data.startswith(b"%PDF")
    assert "LibreOffice" in pdf_info(result.data).get("/Producer", "")
    assert "Virignin" in pdf_text(result.data)


@pytest.mark.django_db
def test_the_uploaded_replacement_is_used_until_the_default_is_restored(cast):
    replacement = letter_with({"Madame, Monsieur,": "Chère équipe de l'ARS, {{ destinataire.nom }},"})
    upload_template(cast.admin, letter.KEY, replacement, "lettre-ars.docx")

    assert "Chère équipe de l'ARS, Agence régionale de santé Auvergne-Rhône-Alpes," in texts(
        render.render_docx(letter.KEY, CONTEXT)
    )
    assert "Chère équipe de l'ARS" in pdf_text(render.render_pdf(letter.KEY, CONTEXT, engine="fpdf2"))

    reset_template(cast.admin, letter.KEY)
    lines = texts(render.render_docx(letter.KEY, CONTEXT))
    assert "Madame, Monsieur," in lines and not any("Chère équipe" in line for line in lines)


def test_registering_checks_the_key_and_the_file_and_lists_the_variables(tmp_path):
    with pytest.raises(ValueError, match="Invalid template key"):
        registry.register("Sans-Point", "x", letter.PATH, {})
    with pytest.raises(ValueError, match="not found"):
        registry.register("docgen.absent", "x", tmp_path / "absent.docx", {})
    other = tmp_path / "autre.docx"
    other.write_bytes(letter.PATH.read_bytes())
    with pytest.raises(ValueError, match="already registered"):
        registry.register(letter.KEY, "x", other, {})
    with pytest.raises(ValueError, match="both images and context entries"):
        registry.register("docgen.clash", "x", other, {"carte": 1}, images=("carte",))
    assert registry.get("docgen.clash") is None

    names = registry.variables(letter.SAMPLE, ("carte",))
    assert names[:3] == ["cpts.nom", "cpts.adresse", "destinataire.nom"]
    assert "communes[].insee" in names and "engagements" in names and names[-1] == "carte (image)"
    # Other apps register theirs at start-up (projects.ami): docgen's own test template is among them.
    assert letter.KEY in [t.key for t in registry.entries()]
