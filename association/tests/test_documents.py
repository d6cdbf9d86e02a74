"""The generated documents: nothing when a required choice is missing (the French list instead), and the
chosen values in the DOCX read back with python-docx; the PDF from the same DOCX."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from association import actions, documents
from association.tests.test_actions import MINUTES, _convene, _rows


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_nothing_is_generated_without_the_statuts(project):
    with pytest.raises(documents.MissingFields) as exc:
        documents.generate(project, "statuts")
    assert exc.value.gaps == [
        "Statuts : enregistrez d'abord leurs choix (dénomination, siège, collèges, bureau)."
    ]
    assert "Le document n'a pas été généré" in exc.value.message


def test_missing_choices_are_listed_in_french(project, porteur):
    data = actions.initial_statutes(project)
    colleges = data.pop("colleges")
    colleges[1]["members_desc"] = ""
    actions.save_statutes(project, {**data, "seat_address": "", "short_name": ""}, colleges, porteur)
    actions.add_founder(project, porteur, name="Seule", profession="Médecin")
    gaps = documents.gaps(project, "statuts")
    assert gaps == [
        "Statuts : indiquez le sigle.",
        "Statuts : indiquez l'adresse du siège.",
        "Collège « Collège des établissements, structures et associations » : indiquez qui en est membre.",
        "Membres fondateurs : une association réunit au moins deux personnes.",
        "Membre fondateur Seule : choisissez son collège.",
    ]
    assert documents.gaps(project, "reglement") == ["Règlement intérieur : écrivez au moins un article."]
    assert documents.gaps(project, "convocation")[0].startswith(
        "AG constitutive : indiquez sa date, son heure"
    )
    assert "PV : enregistrez le déroulement de l'AG (présences, votes, élections)." in documents.gaps(
        project, "pv"
    )


def test_statuts_contain_the_choices_and_the_founders(project, porteur, statutes, founders):
    data = actions.initial_statutes(project)
    colleges = [
        {**c, "id": pk}
        for c, pk in zip(data.pop("colleges"), statutes.colleges.values_list("pk", flat=True), strict=True)
    ]
    colleges[0]["dues"] = "42,50"
    colleges[1].update(voting="consultative", board_seats=2)
    data.update(seat_address="2 rue de la Mairie, 29170 Fouesnant", duration_years=99, ag_quorum_percent=30)
    actions.save_statutes(project, data, colleges, porteur)
    content, filename, content_type = documents.generate(project, "statuts")
    assert filename == "statuts-cpts-du-pays-fouesnantais.docx" and "wordprocessingml" in content_type
    text = text_of(content)
    assert "« Communauté Professionnelle Territoriale de Santé du Pays Fouesnantais »" in text
    assert "L. 1434-12" in text and "crises sanitaires graves" in text
    assert "2 rue de la Mairie, 29170 Fouesnant" in text
    assert "une durée de 99 ans" in text
    assert "42,50 €" in text and "100 €" in text
    assert "conseil d'administration de 11 membres, dont 9 à voix délibérative" in text
    assert "voix consultative : Collège des établissements, structures et associations" in text
    assert "30 % au moins des membres" in text
    assert "transmis aux financeurs" in text and "présenter ses explications devant le conseil" in text
    for name in ("Paule Porteuse", "Inès Le Bihan", "EHPAD de Bénodet"):
        assert name in text
    assert "{{" not in text and "{%" not in text


def test_reglement_convocation_and_pv(project, porteur, statutes, founders):
    actions.save_rules(project, [{"title": "Confidentialité", "text": "Secret professionnel."}], porteur)
    text = text_of(documents.generate(project, "reglement")[0])
    assert "Article 1 — Confidentialité" in text and "Secret professionnel." in text
    held = timezone.localdate() - dt.timedelta(days=30)
    _convene(project, porteur, held_on=held)
    text = text_of(documents.generate(project, "convocation")[0])
    assert "20 h" in text and "Salle du Celtique, Fouesnant" in text
    assert "1. Adoption des statuts" in text and "EHPAD de Bénodet" in text
    assert documents.gaps(project, "pv")
    rows = _rows(
        founders, f0={"bureau_role": "president"}, f2={"attendance": "represente", "elected_to_board": False}
    )
    actions.save_minutes(project, {**MINUTES, "votes_for": 2, "abstentions": 1}, rows, porteur)
    text = text_of(documents.generate(project, "pv")[0])
    assert "2 membres fondateurs présents, 1 représenté, aucun absent, sur 3." in text
    assert "2 voix pour, aucune voix contre, 1 abstention." in text and "Les statuts sont adoptés." in text
    assert "Président\nPaule Porteuse" in text
    assert "Cotisations fixées." in text


def test_pdf_from_the_same_template(project, porteur, statutes, founders):
    content, filename, content_type = documents.generate(project, "statuts", "pdf")
    assert content.startswith(b"%PDF") and filename.endswith(".pdf") and content_type == "application/pdf"


@pytest.mark.parametrize("kind", sorted(documents.KINDS))
def test_each_default_template_passes_the_upload_checks_with_its_sample(kind):
    from docgen import registry, validation

    template = registry.get(documents.KINDS[kind].key)
    validation.check_upload(template, template.default_bytes())  # raises TemplateError naming what is wrong


def test_the_samples_name_what_the_contexts_give(project, porteur, statutes, founders):
    actions.save_rules(project, [{"title": "Adhésion", "text": "Au bureau."}], porteur)
    _convene(project, porteur)
    rows = _rows(founders, f0={"bureau_role": "president"})
    actions.save_minutes(project, MINUTES, rows, porteur)
    for kind, context in documents.CONTEXTS.items():
        assert set(context(project)) == set(documents.SAMPLES[kind]), kind
