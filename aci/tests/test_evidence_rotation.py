"""The ACI justificatifs are encrypted under the documents' keys: the key rotation command re-encrypts them
too, and its integrity check covers them."""

import base64
import datetime as dt
import io

import pytest
from django.core.management import call_command

from aci import contracts
from aci import indicators as rules
from aci.models import Evidence
from documents.tests import samples

pytestmark = pytest.mark.django_db

OLD = "old-2025:" + base64.b64encode(b"o" * 32).decode()
NEW = "new-2026:" + base64.b64encode(b"n" * 32).decode()


def test_rotation_re_encrypts_the_justificatifs_and_they_still_read(cast, settings):
    settings.OPENCPTS_DOCUMENT_KEYS = [OLD]
    contract = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=dt.date(2025, 1, 15),
        missions=["access", "crisis", "pathways", "prevention"],
        population=34_086,
    )
    indicator = rules.define(
        contract, cast.coordinator, mission="prevention", name="Dépistage", unit="percent"
    )
    data = samples.pdf("Feuille d'émargement")
    evidence = rules.add_evidence(indicator, cast.coordinator, 1, "Émargement", "emargement.pdf", data)
    assert evidence.key_id == "old-2025"

    settings.OPENCPTS_DOCUMENT_KEYS = [NEW, OLD]
    out = io.StringIO()
    call_command("rotate_document_keys", stdout=out)
    assert "1 contenu re-chiffré" in out.getvalue()
    evidence = Evidence.objects.get(pk=evidence.pk)
    assert evidence.key_id == "new-2026"
    settings.OPENCPTS_DOCUMENT_KEYS = [NEW]  # the old key withdrawn: the justificatif still reads
    assert rules.evidence_content(evidence) == data

    Evidence.objects.filter(pk=evidence.pk).update(ciphertext=bytes(evidence.ciphertext)[:-1] + b"\x00")
    err = io.StringIO()
    with pytest.raises(Exception, match="1 contenu"):
        call_command("rotate_document_keys", "--verify", stdout=io.StringIO(), stderr=err)
    assert f"n° {evidence.pk}, justificatif ACI : " in err.getvalue()
