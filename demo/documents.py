"""Synthetic documents of the demo (``seed_demo``): tiny PDFs clearly labelled as fictitious, in the demo
care circles — a discharge summary and the scan of a signed paper consent. Idempotent."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from coordination.access import visible_groups
from coordination.models import Consent, Group
from cpts.scoping import scoped
from documents import actions
from documents.models import Document
from documents.pdf import tiny_pdf

NOTICE = "DOCUMENT FICTIF DE DÉMONSTRATION — aucune donnée réelle."


def _pdf(name: str, lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, tiny_pdf([NOTICE, "", *lines, "", NOTICE], title=lines[0]), content_type="application/pdf"
    )


@transaction.atomic
def seed_documents(cpts, author) -> int:
    """Add the demo documents to the care circles ``author`` belongs to, unless the CPTS has documents."""
    if scoped(Document, cpts).exists():
        return 0
    circles = list(
        visible_groups(author, cpts)
        .filter(kind=Group.Kind.CARE_CIRCLE, status=Group.Status.OPEN)
        .select_related("patient")
        .order_by("pk")
    )
    if not circles:
        return 0
    first, last = circles[0], circles[-1]
    actions.add_document(
        first,
        author,
        _pdf(
            "compte-rendu-de-sortie-fictif.pdf",
            [
                "Compte rendu de sortie d'hospitalisation (fictif)",
                f"Patient fictif : {first.patient}",
                "Retour à domicile : passage infirmier quotidien, kinésithérapie 3 fois par semaine.",
                "Prochain rendez-vous de suivi avec le médecin traitant sous 15 jours.",
            ],
        ),
        title="Compte rendu de sortie (document fictif de démonstration)",
    )
    today = timezone.localdate()
    actions.record_consent(
        last,
        author,
        collected_on=today,
        method=Consent.Method.SIGNED_PAPER,
        scope="Partage des informations utiles à la prise en charge entre les membres du cercle de soins "
        "(formulaire papier signé, démonstration)",
        expires_on=today.replace(year=today.year + 1),
        document=_pdf(
            "consentement-signe-fictif.pdf",
            [
                "Formulaire de consentement au partage d'informations (fictif)",
                f"{last.patient} (personne fictive) accepte que les professionnels",
                "de son cercle de soins partagent les informations utiles à sa prise en charge.",
                "Signature : (fictive)",
            ],
        ),
    )
    return 2
