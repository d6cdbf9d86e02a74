"""The project pages end to end with the test client: a new account creates a project, builds its territory,
fills and sends the AMI, and the project becomes the CPTS; members only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cpts.models import CPTS
from directory.models import Professional
from projects.models import AmiDossier, Project, Submission
from projects.tests.conftest import FOUESNANT_EPCI
from tests.cast import login, make_user


@pytest.fixture
def paule(db):
    return make_user("paule@projet.test", first_name="Paule", last_name="Porteuse", phone="0298112233")


def _ami_post(**extra):
    data = {
        "acteurs-TOTAL_FORMS": "2",
        "acteurs-INITIAL_FORMS": "0",
        "acteurs-0-nom": "Paule Porteuse",
        "acteurs-0-profession": "Médecin",
        "acteurs-0-lieu": "Fouesnant",
        "acteurs-0-msp_esp": "oui",
        "referents-TOTAL_FORMS": "1",
        "referents-INITIAL_FORMS": "0",
        "referents-0-nom": "Paule Porteuse",
        "referents-0-fonction": "Médecin généraliste",
        "referents-0-email": "paule@projet.test",
        "referents-0-telephone": "02 98 11 22 33",
        "objectifs": ["initiative"],
        "contexte": "Trois départs en retraite.",
        "territoire": "",
        "rencontre": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
    }
    data.update(extra)
    return data


def test_from_account_to_cpts(client, paule):
    login(client, paule)
    home = client.get(reverse("cpts:list"))
    assert reverse("projects:create") in home.content.decode()
    Professional.objects.create(
        id_type="8", national_id="10101010105", idnat="810101010105", last_name="PORTEUSE",
        first_name="Paule", profession_code="10", source="rpps", is_synthetic=True,
    )  # fmt: skip
    refused = client.post(reverse("projects:create"), {"name": "CPTS du Pays Fouesnantais"})
    assert refused.status_code == 200 and "Indiquez votre numéro RPPS" in refused.content.decode()
    unknown = client.post(
        reverse("projects:create"), {"name": "CPTS du Pays Fouesnantais", "national_id": "10101010113"}
    )
    assert "n&#x27;est pas dans l&#x27;annuaire" in unknown.content.decode() and not Project.objects.exists()
    response = client.post(
        reverse("projects:create"), {"name": "CPTS du Pays Fouesnantais", "national_id": "10101010105"}
    )
    project = Project.objects.get()
    assert User.objects.get(pk=paule.pk).professional.idnat == "810101010105"
    assert response.status_code == 302 and response["Location"] == reverse(
        "projects:territory", args=[project.pk]
    )
    page = client.get(reverse("projects:territory_search", args=[project.pk]), {"q": "Pays Fouesnantais"})
    assert FOUESNANT_EPCI in page.content.decode()
    client.post(reverse("projects:territory_add", args=[project.pk]), {"epci": FOUESNANT_EPCI})
    assert project.communes.count() == 7
    territory = client.get(reverse("projects:territory", args=[project.pk])).content.decode()
    assert "Taille 1" in territory and "ARS Bretagne" in territory and "Vérifié" in territory
    geo = client.get(reverse("projects:territory_geojson", args=[project.pk]))
    assert geo["Content-Type"] == "application/geo+json"

    form = client.get(reverse("projects:ami", args=[project.pk])).content.decode()
    assert 'value="Paule Porteuse"' in form and "7 communes" in form
    empty = client.post(reverse("projects:ami", args=[project.pk]), _ami_post(contexte=""))
    assert empty.status_code == 302
    send_page = client.get(reverse("projects:ami_send", args=[project.pk])).content.decode()
    assert "Contexte : décrivez" in send_page and "Rien n'a été envoyé" in send_page
    refused = client.post(reverse("projects:ami_send", args=[project.pk]))
    assert refused.status_code == 200 and not Submission.objects.exists()
    client.post(reverse("projects:ami", args=[project.pk]), _ami_post())
    assert AmiDossier.objects.get().data["referents"][0]["telephone"] == "02 98 11 22 33"
    sent = client.post(reverse("projects:ami_send", args=[project.pk]))
    assert sent.status_code == 302
    submission = Submission.objects.get()
    detail = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert submission.sha256 in detail and "ARS Bretagne" in detail
    download = client.get(reverse("projects:submission_file", args=[project.pk, submission.pk]))
    assert download.content.startswith(b"%PDF")

    converted = client.post(
        reverse("projects:convert", args=[project.pk]), {"name": "CPTS du Pays Fouesnantais", "confirm": "on"}
    )
    cpts = CPTS.objects.get()
    assert converted["Location"] == reverse("cpts:home", args=[cpts.slug])
    assert cpts.stage == CPTS.Stage.AMI


def test_a_project_answers_its_members_only(client, paule):
    from projects import actions

    project = actions.create_project(paule, "Projet privé")
    stranger = make_user("stranger@projet.test", staff=True)
    login(client, stranger)
    for name in ("projects:detail", "projects:territory", "projects:ami", "projects:porteurs"):
        assert client.get(reverse(name, args=[project.pk])).status_code == 404
    assert (
        client.post(
            reverse("projects:territory_add", args=[project.pk]), {"epci": FOUESNANT_EPCI}
        ).status_code
        == 404
    )
    assert project.communes.count() == 0


def test_a_co_porteur_cannot_convert(client, paule):
    from projects import actions

    project = actions.create_project(paule, "Projet partagé")
    colin = make_user("colin@projet.test")
    invitation = actions.invite(project, paule, email=colin.email)
    login(client, colin)
    assert "Projet partagé" in client.get(reverse("projects:list")).content.decode()
    client.post(reverse("projects:answer_invitation", args=[invitation.pk]), {"answer": "accept"})
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 200
    assert client.get(reverse("projects:convert", args=[project.pk])).status_code == 403


def _letter_post(**extra):
    today = timezone.localdate()
    data = {
        "acteurs-TOTAL_FORMS": "3",
        "acteurs-INITIAL_FORMS": "0",
        "acteurs-0-nom": "Paule Porteuse",
        "acteurs-0-qualite": "Médecin généraliste",
        "acteurs-0-lieu": "Fouesnant",
        "acteurs-0-role": "Porteuse",
        "partenaires-TOTAL_FORMS": "2",
        "partenaires-INITIAL_FORMS": "0",
        "partenaires-0-nom": "EHPAD de Bénodet",
        "partenaires-0-type": "EHPAD",
        "partenaires-0-statut": "a_associer",
        "partenaires-1-statut": "",
        "problematique": "Trois départs en retraite.",
        "modalites": "Réunions mensuelles.",
        "moyens": "Soins non programmés partagés.",
        "objectif_patients": "Un médecin traitant pour tous.",
        "objectif_acteurs": "Travailler ensemble.",
        "patients": "30 000",
        "territoire": "Pays Fouesnantais.",
        "construction": (today - dt.timedelta(days=30)).isoformat(),
        "depot": (today + dt.timedelta(days=200)).isoformat(),
        "mise_en_oeuvre": (today + dt.timedelta(days=300)).isoformat(),
        "pta_dac": "non",
        "articulation": "",
        "elements_diagnostic": "Population âgée.",
        "orientation_access": "Accès à un médecin traitant.",
    }
    data.update(extra)
    return data


def test_the_letter_from_prefilled_form_to_sent(client, paule):
    from projects import actions
    from projects import territory as rules
    from projects.models import LetterDossier, Stage
    from territory.models import Commune

    project = actions.create_project(paule, "CPTS du Pays Fouesnantais")
    login(client, paule)
    detail = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:letter", args=[project.pk]) in detail  # in the tabs
    rules.add_communes(project, list(Commune.objects.filter(epci_id=FOUESNANT_EPCI, kind="COM")), paule)
    detail = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "Passer directement à la lettre" in detail

    form = client.get(reverse("projects:letter", args=[project.pk])).content.decode()
    assert 'value="Paule Porteuse"' in form and "7 communes" in form
    assert "Médecins généralistes pour 10 000 habitants" in form  # the diagnostic's key figures
    assert 'name="orientation_access"' in form and 'name="partenaires-0-statut"' in form

    # Bad input: what is missing is listed, nothing is sent.
    client.post(reverse("projects:letter", args=[project.pk]), _letter_post(problematique="", depot=""))
    page = client.get(reverse("projects:letter_send", args=[project.pk])).content.decode()
    assert "Problématique : décrivez" in page and "Rien n'a été envoyé" in page
    assert "la date prévue de dépôt du projet de santé" in page
    refused = client.post(reverse("projects:letter_send", args=[project.pk]))
    assert refused.status_code == 200 and "Problématique : décrivez" in refused.content.decode()
    assert not Submission.objects.exists()

    saved = client.post(reverse("projects:letter", args=[project.pk]), _letter_post())
    assert saved["Location"] == reverse("projects:letter_send", args=[project.pk])
    data = LetterDossier.objects.get().data
    assert data["patients"] == "30000" and [p["nom"] for p in data["partenaires"]] == ["EHPAD de Bénodet"]
    assert [a["nom"] for a in data["acteurs"]] == ["Paule Porteuse"]
    docx = client.get(reverse("projects:letter_document", args=[project.pk]), {"format": "docx"})
    assert docx["Content-Disposition"].endswith('-brouillon.docx"') and docx.content.startswith(b"PK")
    pdf = client.get(reverse("projects:letter_document", args=[project.pk]), {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")

    sent = client.post(reverse("projects:letter_send", args=[project.pk]), follow=True)
    submission = Submission.objects.get(kind="lettre")
    page = sent.content.decode()
    assert "Lettre d&#x27;intention envoyée à ARS Bretagne" in page and submission.sha256 in page
    project.refresh_from_db()
    assert project.stage == Stage.LETTER
    again = client.post(reverse("projects:letter", args=[project.pk]), _letter_post(problematique="Autre"))
    assert again.status_code == 200 and "ne se modifie plus" in again.content.decode()
    assert LetterDossier.objects.get().data["problematique"] == "Trois départs en retraite."


def test_the_project_diagnostic_page_reads_the_project_s_communes(client, paule):
    from projects import actions
    from projects import territory as rules
    from territory.models import Commune

    project = actions.create_project(paule, "CPTS du Pays Fouesnantais")
    login(client, paule)
    empty = client.get(reverse("projects:diagnostic", args=[project.pk])).content.decode()
    assert "aucune n'est encore choisie" in empty
    rules.add_communes(project, list(Commune.objects.filter(epci_id=FOUESNANT_EPCI, kind="COM")), paule)
    page = client.get(reverse("projects:diagnostic", args=[project.pk])).content.decode()
    assert 'data-testid="diagnostic-summary"' in page and "Fouesnant" in page and "Finistère (29)" in page
    assert 'data-choropleth="gp_density"' in page and 'aria-current="page">Diagnostic' in page
    public = client.get(reverse("projects:diagnostic", args=[project.pk]), {"version": "publique"})
    assert 'data-testid="secret-note"' in public.content.decode()
    stranger = make_user("stranger@projet.test")
    login(client, stranger)
    assert client.get(reverse("projects:diagnostic", args=[project.pk])).status_code == 404
