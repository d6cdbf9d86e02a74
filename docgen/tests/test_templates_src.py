"""The committed default templates are what their sources make (``make doc-templates``), byte for byte."""

import io

import pytest
from django.core.management import call_command

from docgen.builder import to_bytes
from docgen.doc_templates_src import build_test_letter
from docgen.management.commands.build_doc_templates import build, sources
from docgen.tests import letter


@pytest.mark.once
def test_the_committed_templates_are_up_to_date():
    out = io.StringIO()
    call_command("build_doc_templates", check=True, stdout=out)
    assert "Les modèles sont à jour." in out.getvalue()
    assert ("test_letter.docx", build_test_letter) in [(name, build) for _, name, build in sources()]
    assert to_bytes(build_test_letter()) == to_bytes(build_test_letter()) == letter.PATH.read_bytes()


@pytest.mark.once
def test_a_stale_template_is_reported_then_written(tmp_path):
    stale = tmp_path / "doc_templates" / "test_letter.docx"
    stale.parent.mkdir()
    stale.write_bytes(b"ancien")
    found = [(tmp_path, "test_letter.docx", build_test_letter), (tmp_path, "neuf.docx", build_test_letter)]

    assert build(found, check=True) == [stale, tmp_path / "doc_templates" / "neuf.docx"]
    assert stale.read_bytes() == b"ancien"
    written = []
    build(found, write=written.append)
    assert stale.read_bytes() == letter.PATH.read_bytes() and len(written) == 2
    assert build(found, check=True) == []
