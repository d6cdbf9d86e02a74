"""The demo's synthetic documents: tiny valid PDFs labelled as fictitious, a signed consent's scan among
them, added once."""

import pytest

from demo.documents import seed_documents
from documents import actions
from documents.models import Document

pytestmark = pytest.mark.django_db


def test_demo_documents_are_fictitious_pdfs_added_once(circle):
    cast = circle.cast
    assert seed_documents(cast.cpts, cast.member) == 2
    assert seed_documents(cast.cpts, cast.member) == 0  # idempotent
    report = Document.objects.get(kind=Document.Kind.FILE)
    scan = Document.objects.get(kind=Document.Kind.CONSENT_FORM)
    assert "fictif" in report.title and scan.consent.method == "signed_paper" and scan.consent.is_valid()
    for document in (report, scan):
        content = actions.open_version(document.versions.get(), cast.member, inline=True)
        assert content.startswith(b"%PDF-") and "FICTIF DE DÉMONSTRATION".encode("cp1252") in content
