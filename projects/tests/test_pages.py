"""The project pages end to end with the test client: a new account creates a project, builds its territory,
fills and sends the AMI, and the project becomes the CPTS; members only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cpts.models import CPTS
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
    response = client.post(reverse("projects:create"), {"name": "CPTS du Pays Fouesnantais"})
    project = Project.objects.get()
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
