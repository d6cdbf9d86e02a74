"""Active content in PDF and Office files (issue 14, item 7): the crafted files of fixtures/bad/ are refused
with a French reason and leave nothing stored (documents and ACI justificatifs); the files of fixtures/good/,
the ACI report made by fpdf2 and the usual documents are still accepted. The fixtures are written by
fixtures/make_fixtures.py."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.test import override_settings
from pypdf import PdfWriter

from aci import contracts, indicators, report
from aci.models import Evidence
from audit.models import AuditEntry
from documents import filetypes, pdfcheck
from documents.models import Document, DocumentBlob, DocumentVersion
from documents.pdf import tiny_pdf
from documents.tests import samples
from documents.tests.test_pages import logged, upload_page
from opencpts.errors import ActionError

FIXTURES = Path(__file__).parent / "fixtures"
ACTIVE = "PDF contenant du contenu actif"
HTML = "contient une page HTML ou du script"
OFFICE_EMBEDDED = "objet incorporé"

BAD = {
    # The four PDFs of the issue.
    "pdf-js-objstm-name-escape.pdf": f"{ACTIVE} (JavaScript)",
    "pdf-js-asciihex.pdf": f"{ACTIVE} (JavaScript)",
    "pdf-xfa-script.pdf": f"{ACTIVE} (formulaire XFA)",
    "html-with-pdf-header.pdf": HTML,
    # Other ways of hiding or carrying active content in a PDF.
    "pdf-then-html.pdf": HTML,
    "pdf-js-earlier-revision.pdf": f"{ACTIVE} (JavaScript)",
    "pdf-launch.pdf": f"{ACTIVE} (lancement de programme)",
    "pdf-embedded-file.pdf": f"{ACTIVE} (fichier incorporé)",
    "pdf-page-aa-uri.pdf": f"{ACTIVE} (action automatique autre qu'un saut de page)",
    "pdf-password.pdf": "PDF protégé par mot de passe",
    "pdf-objstm-bomb.pdf": "trop volumineux une fois décompressé",
    # Office files.
    "docx-embedded-exe.docx": "programme exécutable incorporé",
    "docx-exe-renamed.docx": "programme exécutable incorporé",
    "docx-ole-object.docx": "objets incorporés (OLE, ActiveX)",
    "docm-vba.docm": "macros",
    "docx-hidden-vba.docx": "macros",
    "docx-external-template.docx": "ouvre un modèle, un objet ou un programme extérieur",
    "docx-link-to-program.docx": "ouvre un modèle, un objet ou un programme extérieur",
    "docx-embedded-xlsm.docx": OFFICE_EMBEDDED,
    "odt-ole-object.odt": OFFICE_EMBEDDED,
    "odt-event-script.odt": "macros",
}
GOOD = {
    "text.pdf": "pdf",
    "form-without-script.pdf": "pdf",
    "object-streams.pdf": "pdf",
    "scan.pdf": "pdf",
    "text-mentioning-javascript.pdf": "pdf",
    "encrypted-no-password.pdf": "pdf",
    "document.docx": "docx",
    "workbook.xlsx": "xlsx",
    "docx-chart-data.docx": "docx",
}
ISSUE_FILES = [
    "pdf-js-objstm-name-escape.pdf",
    "pdf-js-asciihex.pdf",
    "pdf-xfa-script.pdf",
    "html-with-pdf-header.pdf",
    "docx-embedded-exe.docx",
    "docx-ole-object.docx",
    "docm-vba.docm",
]


def fixture(folder: str, name: str) -> bytes:
    return (FIXTURES / folder / name).read_bytes()


def test_every_fixture_is_listed():
    assert {p.name for p in (FIXTURES / "bad").iterdir()} == set(BAD)
    assert {p.name for p in (FIXTURES / "good").iterdir()} == set(GOOD)


@pytest.mark.parametrize(("name", "reason"), BAD.items())
def test_crafted_files_are_refused_with_their_reason(name, reason):
    with pytest.raises(filetypes.FileRefused) as refused:
        filetypes.detect(fixture("bad", name))
    assert reason in refused.value.message


@pytest.mark.parametrize(("name", "key"), GOOD.items())
def test_legitimate_files_are_still_accepted(name, key):
    assert filetypes.detect(fixture("good", name)).key == key


def orphan_after(pdf: bytes, body: bytes) -> bytes:
    """``pdf`` followed by an object that no cross-reference table lists, then the same end."""
    start = pdf.rindex(b"startxref")
    return pdf + b"9 0 obj\n" + body + b"\nendobj\n" + pdf[start:]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # Nesting deeper than the parser's recursion: refused, not a crash.
        (
            tiny_pdf(["x"]).replace(b"/Type /Catalog", b"/Type /Catalog /Deep " + b"[" * 5000 + b"]" * 5000),
            "refusé",
        ),
        # The same nesting in an object no table reaches.
        (orphan_after(tiny_pdf(["x"]), b"[" * 5000 + b"]" * 5000), "imbrication trop profonde"),
        (b"%PDF-1.4\n" + b"\x00\xff" * 5000 + b"\n%%EOF\n", "PDF illisible ou mal formé"),
        (
            tiny_pdf(["x"]).replace(b"/Type /Catalog /Pages 2 0 R", b"/Type /Catalog /Pagez 2 0 R"),
            "catalogue ou pages absents",
        ),
        # JavaScript in an object no table lists (a viewer rebuilding the tables would find it).
        (orphan_after(tiny_pdf(["x"]), b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"), "JavaScript"),
        # An action chain: a harmless GoTo on opening, then JavaScript along /Next.
        (
            tiny_pdf(["x"]).replace(
                b"/Type /Catalog",
                b"/Type /Catalog /OpenAction << /S /GoTo /D [3 0 R /Fit] "
                b"/Next << /S /JavaScript /JS (1) >> >>",
            ),
            "JavaScript",
        ),
        # JavaScript in the names tree, the key written with escapes.
        (
            tiny_pdf(["x"]).replace(
                b"/Type /Catalog", b"/Type /Catalog /Names << /J#61va#53cript << /Names [] >> >>"
            ),
            "JavaScript",
        ),
        (
            tiny_pdf(["x"]).replace(
                b"/Type /Catalog",
                b"/Type /Catalog /OpenAction << /S /SubmitForm /F (https://example.invalid/) >>",
            ),
            "envoi de formulaire",
        ),
    ],
)
def test_malformed_or_hostile_pdfs_are_refused_in_french(data, reason):
    with pytest.raises(filetypes.FileRefused) as refused:
        filetypes.detect(data)
    assert reason in refused.value.message


@pytest.mark.parametrize("filler", [b"%d 0 obj <<>> endobj\n", b"%010d 00000 n \n"])
def test_too_many_objects_or_cross_reference_rows_are_refused_before_parsing(filler):
    data = b"%PDF-1.4\n" + b"".join(filler % i for i in range(pdfcheck.MAX_OBJECTS + 1)) + b"%%EOF\n"
    with pytest.raises(filetypes.FileRefused, match="trop d'objets"):
        filetypes.detect(data)


def test_an_open_action_going_to_a_page_is_accepted():
    actions = (
        b"/Type /Catalog /OpenAction << /S /GoTo /D [3 0 R /Fit] >> "
        b"/AA << /WC << /S /GoTo /D [3 0 R /XYZ 0 0 0] >> >>"
    )
    data = tiny_pdf(["x"]).replace(b"/Type /Catalog", actions)
    assert filetypes.detect(data).key == "pdf"


def test_a_pdf_rewritten_by_pypdf_with_object_streams_is_accepted():
    from pypdf import PdfReader

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(fixture("good", "form-without-script.pdf"))))
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    assert filetypes.detect(out.getvalue()).key == "pdf"


def test_a_parser_failure_is_a_refusal_never_an_exception(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("/Root")

    monkeypatch.setattr(pdfcheck, "PdfReader", broken)
    with pytest.raises(filetypes.FileRefused, match="PDF illisible ou mal formé"):
        filetypes.detect(samples.pdf())


@pytest.mark.parametrize("fallback", [False, True])
def test_the_aci_report_made_by_fpdf2_is_accepted(cast, fallback, tmp_path):
    contract = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=dt.date(2025, 1, 15),
        missions=["access", "crisis", "pathways", "prevention"],
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    data = report.build(contract, 1, by=cast.coordinator, today=dt.date(2026, 3, 1))
    if fallback:
        with override_settings(OPENCPTS_PDF_FONT_DIR=str(tmp_path)):
            content = report.to_pdf(data)
    else:
        content = report.to_pdf(data)
    assert filetypes.detect(content).key == "pdf"


def stored() -> tuple[int, int, int]:
    return Document.objects.count(), DocumentVersion.objects.count(), DocumentBlob.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ISSUE_FILES)
def test_the_issue_files_uploaded_through_the_page_store_nothing(circle, name):
    client = logged(circle.cast.member)
    before = AuditEntry.objects.count()
    response = upload_page(client, circle, name, fixture("bad", name))
    assert response.status_code == 200
    assert BAD[name] in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert stored() == (0, 0, 0)
    assert not AuditEntry.objects.filter(pk__gt=before, object_type__startswith="documents.").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ISSUE_FILES)
def test_the_issue_files_as_aci_justificatifs_store_nothing(cast, name):
    contract = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=dt.date(2025, 1, 15),
        missions=["access", "crisis", "pathways", "prevention"],
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    indicator = indicators.define(
        contract,
        cast.coordinator,
        mission="prevention",
        name="Dépistage",
        unit="percent",
        definition="Part des femmes dépistées.",
    )
    with pytest.raises(ActionError) as refused:
        indicators.add_evidence(indicator, cast.coordinator, 1, "Bilan", name, fixture("bad", name))
    assert BAD[name] in refused.value.message
    assert not Evidence.objects.exists()
    indicators.add_evidence(indicator, cast.coordinator, 1, "Bilan", "bilan.pdf", fixture("good", "scan.pdf"))
    assert Evidence.objects.count() == 1
