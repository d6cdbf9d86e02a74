"""The type of a file comes from its content: accepted types pass their structural checks; executables,
SVG, HTML, zip bombs and the like are refused with a French reason, whatever their name."""

import pytest

from documents import filetypes
from documents.tests import samples


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (samples.pdf(), "pdf"),
        (samples.png(), "png"),
        (samples.png(40, 30), "png"),
        (samples.jpeg(), "jpeg"),
        (samples.webp_header_only(), "webp"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "gif"),
        (samples.docx(), "docx"),
        (samples.odt(), "odt"),
    ],
)
def test_accepted_types_are_recognised_from_their_content(data, key):
    assert filetypes.detect(data).key == key


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "vide"),
        (samples.pe_executable(), "exécutable"),
        (samples.elf_executable(), "exécutable"),
        (b"#!/bin/sh\nrm -rf /\n", "exécutable"),
        (samples.SVG_WITH_SCRIPT, "SVG"),
        (b"\xef\xbb\xbf  <svg><script>alert(1)</script></svg>", "SVG"),
        (samples.HTML, "HTML"),
        (b"<html><body onload=alert(1)>", "HTML"),
        (b"<?xml version='1.0'?><note/>", "XML"),
        (samples.PDF_WITH_JAVASCRIPT, "contenu actif (JavaScript"),
        (
            samples.pdf().replace(b"/Type /Catalog", b"/Type /Catalog /AA << /O << /S /J#61vaScript >> >>"),
            "JavaScript",
        ),
        (samples.pdf()[:-10], "tronqué"),
        (samples.png()[:-12], "PNG"),
        (samples.png() + b"<script>alert(1)</script>", "PNG"),
        (samples.jpeg()[:-2], "JPEG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "ancien format Office"),
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP corrompue"),
        (samples.docx({"word/vbaProject.bin": b"macro"}), "macros"),
        (
            samples.docx(
                content_types=samples.CONTENT_TYPES.replace(
                    "wordprocessingml.document.main+xml", "wordprocessingml.document.macroEnabled.main+xml"
                )
            ),
            "macros",
        ),
        (samples.zip_bomb_docx(), "bombe"),
        (samples.lying_docx(), "CRC"),
        (b"hello, plain text", "non pris en charge"),
    ],
)
def test_refused_content_says_why(data, reason):
    with pytest.raises(filetypes.FileRefused) as refused:
        filetypes.detect(data)
    assert reason in refused.value.message


def test_plain_zip_is_not_an_office_document():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("malware.exe", samples.pe_executable())
    with pytest.raises(filetypes.FileRefused, match="archive ZIP refusée"):
        filetypes.detect(out.getvalue())


def test_zip_limits_come_from_the_settings(settings):
    settings.OPENCPTS_DOCUMENT_ZIP_MAX_ENTRIES = 3
    with pytest.raises(filetypes.FileRefused, match="4 éléments"):
        filetypes.detect(samples.docx({"word/media/a.png": samples.png()}))
    settings.OPENCPTS_DOCUMENT_ZIP_MAX_ENTRIES = 2000
    settings.OPENCPTS_DOCUMENT_ZIP_MAX_UNCOMPRESSED = 1000
    with pytest.raises(filetypes.FileRefused, match="bombe"):
        filetypes.detect(samples.docx({"word/media/a.bin": bytes(range(256)) * 8}))


def test_huge_image_dimensions_are_refused():
    with pytest.raises(filetypes.FileRefused, match="100 mégapixels"):
        filetypes.detect(samples.png_claiming(65536, 65536))


@pytest.mark.parametrize(
    ("name", "key", "expected"),
    [
        ("compte-rendu.pdf", "pdf", "compte-rendu.pdf"),
        ("Compte Rendu.PDF", "pdf", "Compte Rendu.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\dr\\ordonnance.pdf", "pdf", "ordonnance.pdf"),
        ("programme.exe", "pdf", "programme.exe.pdf"),
        ("photo\u202egnp.exe", "png", "photo_gnp.exe.png"),
        ('a<b>:"c"|?*.jpg', "jpeg", "a_b___c____.jpg"),
        ("   ...   ", "docx", "document.docx"),
        ("", "pdf", "document.pdf"),
        ("x" * 400 + ".pdf", "pdf", "x" * 146 + ".pdf"),
    ],
)
def test_filenames_are_sanitised(name, key, expected):
    assert filetypes.safe_filename(name, filetypes.TYPES[key]) == expected
