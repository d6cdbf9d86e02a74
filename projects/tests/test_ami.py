"""The AMI: pre-filled from the project, its missing fields listed in French, sent once with its record."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from cpts import actions as cpts_actions
from cpts import territory as cpts_territory
from documents import crypto
from opencpts.errors import ActionError
from projects import actions, dossiers, submission
from projects import territory as rules
from projects.models import Partner, Stage, StageChange, Submission


def complete_ami(**changes) -> dict:
    data = {
        "acteurs": [
            {"nom": "Paule Porteuse", "profession": "Médecin", "lieu": "MSP de Fouesnant", "msp_esp": "oui"},
            {"nom": "Ines Infirmière", "profession": "Infirmière", "lieu": "Bénodet", "msp_esp": "non"},
        ],
        "referents": [
            {
                "nom": "Paule Porteuse",
                "fonction": "Médecin",
                "email": "paule@example.org",
                "telephone": "0298000000",
            }
        ],
        "objectifs": ["reflexion", "initiative"],
        "contexte": "Départs en retraite de trois médecins, 2 000 patients sans médecin traitant.",
        "territoire": "",
        "rencontre": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }
    data.update(changes)
    return data


def test_prefilled_from_porteurs_structures_and_communes(project, porteur, fouesnant_communes):
    porteur.phone = "0298112233"
    porteur.save()
    actions.add_partner(project, porteur, name="Centre hospitalier de Quimper", kind="hopital")
    rules.add_communes(project, fouesnant_communes, porteur)
    data = dossiers.initial_ami(project)
    assert [a["nom"] for a in data["acteurs"]] == ["Paule Porteuse", "Centre hospitalier de Quimper"]
    (referent,) = data["referents"]
    assert referent == {
        "nom": "Paule Porteuse",
        "fonction": "Porteur du projet",
        "email": porteur.email,
        "telephone": "0298112233",
    }
    assert data["objectifs"] == ["initiative"]
    assert "7 communes" in data["territoire"] and "Fouesnant" in data["territoire"]


def test_clean_drops_blank_lines_unknown_objectives_and_bounds_text():
    data = dossiers.clean_ami(
        {
            "acteurs": [{"nom": "", "profession": ""}, {"nom": "A", "msp_esp": "peut-être"}],
            "objectifs": ["initiative", "pirate"],
            "contexte": "x" * 6000,
        }
    )
    assert data["acteurs"] == [{"nom": "A", "profession": "", "lieu": "", "msp_esp": "", "remarque": ""}]
    assert data["objectifs"] == ["initiative"]
    assert len(data["contexte"]) == dossiers.TEXT_LIMIT


def test_missing_lists_everything_in_french():
    empty = dossiers.clean_ami({})
    gaps = dossiers.missing(empty)
    assert any("au moins un acteur" in g for g in gaps)
    assert any("au moins un référent" in g for g in gaps)
    assert any("Objectifs attendus" in g for g in gaps)
    assert any("Contexte" in g for g in gaps)
    assert any("Calendrier" in g for g in gaps)
    assert dossiers.missing(dossiers.clean_ami(complete_ami())) == []


def test_missing_names_the_incomplete_lines_and_a_bad_email_and_a_past_date():
    data = dossiers.clean_ami(
        complete_ami(
            acteurs=[{"nom": "Sans Lieu", "profession": "Médecin"}],
            referents=[{"nom": "R", "fonction": "F", "email": "pas-une-adresse", "telephone": "01"}],
            rencontre="2020-01-01",
        )
    )
    gaps = dossiers.missing(data)
    assert "Acteur n° 1 (Sans Lieu) : indiquez le lieu d'exercice." in gaps
    assert any("« pas-une-adresse » n'est pas valide" in g for g in gaps)
    assert any("est passée" in g for g in gaps)


def test_ami_context_has_every_field(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes, porteur)
    context = dossiers.ami_context(project, complete_ami(), on=dt.date(2026, 12, 7))
    assert context["destinataire"] == "ARS Bretagne"
    assert context["date"] == "7 décembre 2026"
    assert context["acteurs"][0]["msp_esp_label"] == "Oui"
    assert context["referents"][0]["telephone"] == "02 98 00 00 00"
    assert [o["coche"] for o in context["objectifs"]] == [False, True, True]
    assert context["contexte"].startswith("Départs")
    assert context["territoire"] == "Non précisé."
    assert len(context["communes"]) == 7 and "habitants" in context["population"]
    assert context["millesime"].startswith("population municipale")


def test_sending_with_missing_fields_sends_nothing(project, porteur):
    actions.save_ami(project, {"contexte": ""}, porteur)
    with pytest.raises(submission.MissingFields) as err:
        submission.submit_ami(project, porteur)
    assert any("Territoire" in g for g in err.value.gaps)
    assert any("Contexte" in g for g in err.value.gaps)
    assert not Submission.objects.exists()
    project.refresh_from_db()
    assert project.stage == Stage.INTENTION


def test_sending_records_the_submission_encrypted_and_moves_the_stage(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes, porteur)
    actions.save_ami(project, complete_ami(), porteur)
    sent = submission.submit_ami(project, porteur)
    assert sent.addressee == "ARS Bretagne" and sent.region_id == "53"
    data = submission.content(sent)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == sent.sha256
    assert b"Fouesnant" not in bytes(sent.ciphertext)
    project.refresh_from_db()
    assert project.stage == Stage.AMI
    change = StageChange.objects.get(project=project, stage=Stage.AMI)
    assert change.reached_on == timezone.localdate() and "ARS Bretagne" in change.note
    entry = AuditEntry.objects.filter(action="decision", object_type="projects.submission").get()
    assert entry.chain == 0 and entry.details["sha256"] == sent.sha256
    with pytest.raises(ActionError, match="déjà été envoyé"):
        submission.submit_ami(project, porteur)


def test_altered_ciphertext_is_detected(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes, porteur)
    actions.save_ami(project, complete_ami(), porteur)
    sent = submission.submit_ami(project, porteur)
    Submission.objects.filter(pk=sent.pk).update(sha256="0" * 64)
    with pytest.raises(crypto.IntegrityFailure):
        submission.content(Submission.objects.get(pk=sent.pk))


def test_the_first_project_to_send_holds_the_commune(project, porteur, fouesnant_communes):
    rival_user = User.objects.create_user("rival@projet.test", "x")
    rival = actions.create_project(rival_user, "Projet rival")
    rules.add_communes(rival, fouesnant_communes[:3], rival_user)
    actions.save_ami(rival, complete_ami(), rival_user)
    submission.submit_ami(rival, rival_user)
    rules.add_communes(project, fouesnant_communes, porteur)
    actions.save_ami(project, complete_ami(), porteur)
    assert any("Projet rival" in w for w in rules.check(project).overlaps)
    with pytest.raises(ActionError) as err:
        submission.submit_ami(project, porteur)
    assert err.value.conflict and "« Projet rival »" in err.value.message
    assert not Submission.objects.filter(project=project).exists()


def test_a_commune_taken_by_a_cpts_meanwhile_refuses_the_submission(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes, porteur)
    actions.save_ami(project, complete_ami(), porteur)
    cpts = cpts_actions.create_cpts(name="CPTS Cornouaille Test")
    cpts_territory.add_communes(cpts, fouesnant_communes[:1], porteur)
    with pytest.raises(ActionError, match="CPTS Cornouaille Test"):
        submission.submit_ami(project, porteur)
    assert not Submission.objects.exists()


def test_partner_finess_is_checked(project, porteur):
    with pytest.raises(ActionError) as err:
        actions.add_partner(project, porteur, name="EHPAD", kind="ehpad", finess="123")
    assert err.value.field == "finess"
    assert not Partner.objects.exists()


def _docx_text(data: bytes) -> str:
    import io

    from docx import Document

    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_ami_docx_shows_every_field(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes, porteur)
    actions.save_ami(project, complete_ami(territoire="Le Pays Fouesnantais et ses 7 communes."), porteur)
    data, filename, content_type = submission.draft_file(project, "docx")
    assert filename.endswith("-brouillon.docx") and content_type == submission.DOCX
    text = _docx_text(data)
    for expected in (
        "CPTS du Pays Fouesnantais",
        "Destinataire : ARS Bretagne",
        "Ines Infirmière",
        "Bénodet",
        "paule@example.org",
        "02 98 00 00 00",
        "☐ Besoin d'informations sur ce qu'est une CPTS",
        "☒ Initiative engagée pour monter un projet de CPTS",
        "Départs en retraite",
        "Le Pays Fouesnantais et ses 7 communes.",
        "Communes du projet : 7",
    ):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text
    pdf, _, _ = submission.draft_file(project, "pdf")
    assert pdf.startswith(b"%PDF")
    assert not Submission.objects.exists()


def test_the_registered_template_renders_its_sample(db):
    from docgen import registry, render

    entry = registry.get(dossiers.AMI_KEY)
    text = _docx_text(render.render_docx(entry.key, entry.sample_context))
    assert "Dr Solène Le Gall" in text and "{{" not in text
