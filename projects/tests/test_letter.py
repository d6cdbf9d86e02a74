"""The lettre d'intention: pre-filled from the project (actors, territory, diagnostic, calendar), its missing
fields listed in French, sent once with its record and its stage, its document with the diagnostic chapter."""

import datetime as dt
import hashlib
import io

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from diagnostic.tests.helpers import gp
from opencpts.errors import ActionError
from projects import actions, letter, submission
from projects import territory as rules
from projects.models import LetterDossier, Stage, StageChange, Submission
from projects.tests.test_ami import _docx_text, complete_ami


def complete_letter(**changes) -> dict:
    today = timezone.localdate()
    data = {
        "acteurs": [
            {
                "nom": "Paule Porteuse",
                "qualite": "Médecin généraliste",
                "lieu": "Fouesnant",
                "role": "Porteuse",
            },
            {"nom": "Centre hospitalier de Quimper", "qualite": "Établissement de santé", "lieu": "Quimper"},
        ],
        "problematique": "Trois médecins partent en retraite : 2 000 patients sans médecin traitant.",
        "modalites": "Une réunion mensuelle entre la MSP et les infirmiers libéraux.",
        "moyens": "Des créneaux de soins non programmés partagés entre cabinets.",
        "objectif_patients": "Un médecin traitant pour chaque patient en ALD.",
        "objectif_acteurs": "Des sorties d'hospitalisation préparées ensemble.",
        "patients": "30 000",
        "territoire": "Les 7 communes du Pays Fouesnantais.",
        "construction": (today - dt.timedelta(days=60)).isoformat(),
        "depot": (today + dt.timedelta(days=200)).isoformat(),
        "mise_en_oeuvre": (today + dt.timedelta(days=400)).isoformat(),
        "pta_dac": "oui",
        "articulation": "Le DAC du Finistère siège au comité de pilotage.",
        "elements_diagnostic": "Une population âgée, des départs de médecins.",
        "partenaires": [
            {"nom": "Centre hospitalier de Quimper", "type": "Hôpital", "statut": "associe"},
            {"nom": "EHPAD de Bénodet", "type": "EHPAD", "statut": "a_associer"},
        ],
        "orientations": {"access": "Un médecin traitant pour tous.", "prevention": "Dépistage du cancer."},
    }
    data.update(changes)
    return data


def _gp(commune, n=1):
    for _ in range(n):
        gp(commune.insee)


@pytest.fixture
def territory(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes, porteur)
    return fouesnant_communes


def test_prefilled_from_porteurs_structures_territory_diagnostic_and_start(project, porteur, territory):
    actions.add_partner(project, porteur, name="DAC du Finistère", kind="dac")
    actions.add_partner(project, porteur, name="Centre hospitalier de Quimper", kind="hopital")
    data = letter.initial_letter(project)
    assert [a["nom"] for a in data["acteurs"]] == [
        "Paule Porteuse",
        "Centre hospitalier de Quimper",
        "DAC du Finistère",
    ]
    assert data["acteurs"][0]["role"] == "Porteur du projet"
    assert [(p["nom"], p["statut"]) for p in data["partenaires"]] == [
        ("Centre hospitalier de Quimper", "associe"),
        ("DAC du Finistère", "associe"),
    ]
    assert "7 communes" in data["territoire"] and "population municipale" in data["territoire"]
    population = sum(c.population for c in territory)
    assert data["patients"] == str(population)
    assert data["construction"] == timezone.localdate().isoformat()
    assert data["pta_dac"] == "oui" and "DAC du Finistère" in data["articulation"]
    assert data["elements_diagnostic"].startswith("Population : ")
    assert "Médecins généralistes pour 10 000 habitants" in data["elements_diagnostic"]
    assert "Finistère (29)" in data["elements_diagnostic"]


def test_key_figures_compare_with_the_departement_and_name_their_source(project, territory):
    _gp(territory[0], 7)
    figures = {row["libelle"]: row for row in letter.key_figures(letter.project_diagnostic(project))}
    assert figures["Population"]["valeur"].endswith("habitants")
    assert "INSEE" in figures["Population"]["source"]
    density = figures["Médecins généralistes pour 10 000 habitants"]
    assert density["comparaison"].startswith("Finistère (29) : ")
    assert "calculé par OpenCPTS" in density["source"]
    assert figures["Médecins généralistes"]["valeur"] == "7"


def test_clean_drops_blank_lines_unknown_choices_and_keeps_digits():
    data = letter.clean_letter(
        {
            "acteurs": [{"nom": ""}, {"nom": "A", "pirate": "x"}],
            "patients": "30 000 patients",
            "pta_dac": "peut-être",
            "partenaires": [{"nom": "B", "statut": "pirate"}],
            "orientations": {"access": "x", "pirate": "y"},
            "problematique": "x" * 9000,
        }
    )
    assert data["acteurs"] == [{"nom": "A", "qualite": "", "lieu": "", "role": ""}]
    assert data["patients"] == "30000" and data["pta_dac"] == ""
    assert data["partenaires"][0]["statut"] == "associe"
    assert data["orientations"] == {"access": "x"}
    assert len(data["problematique"]) == letter.TEXT_LIMIT


def test_missing_lists_every_item_of_the_checklist_in_french():
    gaps = letter.missing_letter(letter.clean_letter({}))
    for expected in (
        "Acteurs : indiquez au moins une personne",
        "Problématique",
        "Modalités de travail existantes",
        "Moyens d'action envisagés",
        "Objectif pour les patients",
        "Objectif pour les acteurs",
        "Nombre de patients",
        "Territoire",
        "Calendrier : indiquez le début de la phase de construction, la date prévue de dépôt",
        "Articulation : indiquez si une PTA",
        "Diagnostic",
        "Orientations",
    ):
        assert any(g.startswith(expected) for g in gaps), expected
    assert letter.missing_letter(letter.clean_letter(complete_letter())) == []


def test_missing_names_incomplete_lines_and_calendar_order():
    today = timezone.localdate()
    data = letter.clean_letter(
        complete_letter(
            acteurs=[{"nom": "Sans Qualité"}],
            depot=(today - dt.timedelta(days=1)).isoformat(),
            mise_en_oeuvre=(today - dt.timedelta(days=10)).isoformat(),
            construction=(today + dt.timedelta(days=5)).isoformat(),
            articulation="",
            orientations={"quality": "Seulement une mission complémentaire."},
        )
    )
    gaps = letter.missing_letter(data)
    assert "Acteur n° 1 (Sans Qualité) : indiquez la qualité." in gaps
    assert any("ne peut pas précéder le début de la construction" in g for g in gaps)
    assert any("ne peut pas commencer avant le dépôt" in g for g in gaps)
    assert any("dépôt du projet de santé est passée" in g for g in gaps)
    assert any("décrivez l'articulation" in g for g in gaps)
    assert any("mission socle" in g for g in gaps)


def test_sending_with_missing_fields_sends_nothing(project, porteur):
    actions.save_letter(project, {"problematique": ""}, porteur)
    with pytest.raises(submission.MissingFields) as err:
        submission.submit_letter(project, porteur)
    assert err.value.message.startswith("Le dossier n'a pas été envoyé. À compléter : ")
    assert any(g.startswith("Territoire : ajoutez au moins une commune") for g in err.value.gaps)
    assert any(g.startswith("Problématique") for g in err.value.gaps)
    assert not Submission.objects.exists()
    project.refresh_from_db()
    assert project.stage == Stage.INTENTION


def test_sending_without_ami_stores_the_pdf_and_moves_to_the_letter_stage(project, porteur, territory):
    actions.save_letter(project, complete_letter(), porteur)
    sent = submission.submit_letter(project, porteur)
    assert sent.kind == Submission.Kind.LETTER and sent.addressee == "ARS Bretagne"
    assert sent.filename.startswith("Lettre-intention-cpts-du-pays-fouesnantais-")
    data = submission.content(sent)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == sent.sha256
    assert sent.size == len(data) and b"Fouesnant" not in bytes(sent.ciphertext)
    project.refresh_from_db()
    assert project.stage == Stage.LETTER
    change = StageChange.objects.get(project=project, stage=Stage.LETTER)
    assert change.reached_on == timezone.localdate() and "ARS Bretagne" in change.note
    entry = AuditEntry.objects.filter(action="decision", object_type="projects.submission").get()
    assert entry.details["kind"] == "lettre" and entry.details["sha256"] == sent.sha256
    with pytest.raises(ActionError, match="La lettre d'intention a déjà été envoyée le"):
        submission.submit_letter(project, porteur)
    with pytest.raises(ActionError, match="ne se modifie plus"):
        actions.save_letter(project, complete_letter(problematique="Autre"), porteur)
    assert LetterDossier.objects.get().data["problematique"].startswith("Trois médecins")


def test_after_the_ami_the_letter_moves_the_stage_on(project, porteur, territory):
    actions.save_ami(project, complete_ami(), porteur)
    submission.submit_ami(project, porteur)
    actions.save_letter(project, complete_letter(), porteur)
    submission.submit_letter(project, porteur)
    project.refresh_from_db()
    assert project.stage == Stage.LETTER
    assert sorted(project.submissions.values_list("kind", flat=True)) == ["ami", "lettre"]


def test_a_commune_held_by_a_project_whose_letter_was_sent_refuses_the_other(project, porteur, territory):
    rival_user = User.objects.create_user("rival@projet.test", "x")
    rival = actions.create_project(rival_user, "Projet rival")
    rules.add_communes(rival, territory[:2], rival_user)
    actions.save_letter(rival, complete_letter(), rival_user)
    submission.submit_letter(rival, rival_user)
    actions.save_ami(project, complete_ami(), porteur)
    with pytest.raises(ActionError) as err:
        submission.submit_ami(project, porteur)
    assert err.value.conflict and "« Projet rival »" in err.value.message
    assert err.value.message.startswith("L'AMI n'a pas été envoyé.")
    assert not Submission.objects.filter(project=project).exists()


def test_the_letter_docx_shows_every_item_and_the_diagnostic_chapter(project, porteur, territory):
    _gp(territory[0], 7)
    actions.save_letter(project, complete_letter(), porteur)
    data, filename, content_type = submission.letter_draft_file(project, "docx")
    assert filename.endswith("-brouillon.docx") and content_type == submission.DOCX
    text = _docx_text(data)
    for expected in (
        "Lettre d'intention",
        "Destinataire : ARS Bretagne",
        "Centre hospitalier de Quimper",
        "Trois médecins partent en retraite",
        "Une réunion mensuelle",
        "Des créneaux de soins non programmés",
        "Un médecin traitant pour chaque patient en ALD.",
        "Des sorties d'hospitalisation",
        "30\u202f000 patients",
        "Les 7 communes du Pays Fouesnantais.",
        "Communes du projet : 7",
        "Dépôt du projet de santé : ",
        "Oui, une PTA ou un DAC existe",
        "Le DAC du Finistère siège",
        "EHPAD de Bénodet (EHPAD)",
        "Un médecin traitant pour tous.",
        "Réponse aux crises sanitaires graves",
        "Médecins généralistes pour 10 000 habitants",
        "Finistère (29) : ",
        "Annexe — Diagnostic territorial",
        "Carte : médecins généralistes pour 10 000 habitants",
        "Graphique : structure par âge",
        "Effectifs inférieurs à 6 masqués",
        "Paule Porteuse",
    ):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text
    from docx import Document

    assert len(Document(io.BytesIO(data)).inline_shapes) == 3  # two maps and the age chart
    assert not Submission.objects.exists()


def test_the_letter_pdf_holds_the_key_texts(project, porteur, territory):
    from pypdf import PdfReader

    actions.save_letter(project, complete_letter(), porteur)
    pdf, filename, content_type = submission.letter_draft_file(project, "pdf")
    assert pdf.startswith(b"%PDF") and content_type == "application/pdf" and filename.endswith(".pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    for expected in ("Lettre d'intention", "Trois médecins partent en retraite", "Diagnostic territorial"):
        assert expected in text, expected


def test_a_draft_without_communes_renders_without_the_chapter(project, porteur):
    actions.save_letter(project, complete_letter(), porteur)
    text = _docx_text(submission.letter_draft_file(project, "docx")[0])
    assert "Trois médecins" in text and "Annexe — Diagnostic territorial" not in text


def test_the_registered_template_renders_its_sample(db):
    from docgen import registry, render
    from docgen.validation import placeholder_png

    entry = registry.get(letter.LETTER_KEY)
    assert entry.images == ("map_gp_density", "map_share_65", "age_chart")
    images = {name: placeholder_png() for name in entry.images}
    text = _docx_text(render.render_docx(entry.key, entry.sample_context, images))
    assert "Dr Solène Le Gall" in text and "EHPAD de Bénodet" in text and "{{" not in text


def test_the_next_step_goes_from_the_ami_or_the_letter_to_the_stages(project, porteur, territory):
    from projects.selectors import next_step

    step = next_step(project, 7)
    assert step.url_name == "projects:ami" and step.also[0] == "projects:letter"
    actions.save_ami(project, complete_ami(), porteur)
    submission.submit_ami(project, porteur)
    project.refresh_from_db()
    assert next_step(project, 7).url_name == "projects:letter"
    actions.save_letter(project, complete_letter(), porteur)
    submission.submit_letter(project, porteur)
    project.refresh_from_db()
    step = next_step(project, 7)
    assert step.url_name == "projects:stage" and "projet de santé" in step.text
