"""Administrators uploading replacements of one template at the same moment (real threads, one connection
each): one template in force at the end, every stored replacement audited, the others told to reload."""

import pytest

from audit.models import AuditEntry
from docgen import registry
from docgen.actions import CONCURRENT, upload_template
from docgen.errors import TemplateError
from docgen.models import TemplateOverride
from docgen.tests import letter
from docgen.tests.helpers import letter_with
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def registered():
    yield letter.register()
    registry.unregister(letter.KEY)


def test_simultaneous_uploads_leave_one_template_in_force(communes_loaded, cast, registered):
    files = [letter_with({"Madame, Monsieur,": f"Version {n}"}) for n in range(4)]

    def attempt(n):
        try:
            upload_template(cast.admin, letter.KEY, files[n], f"v{n}.docx")
        except TemplateError as exc:
            return exc.message
        return "ok"

    outcomes = run_together(list(range(4)), attempt)

    stored = [o for o in outcomes if o == "ok"]
    assert stored and all(o == CONCURRENT for o in outcomes if o != "ok"), outcomes
    assert TemplateOverride.objects.filter(key=letter.KEY, active=True).count() == 1
    assert TemplateOverride.objects.count() == len(stored)
    assert AuditEntry.objects.filter(action="docgen.template_uploaded").count() == len(stored)
