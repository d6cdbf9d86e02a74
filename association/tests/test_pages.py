"""The association pages with Django's client: a porteur chooses the statuts, adds the founders, generates the
documents, records the AG and the identifiers; a bad input is refused in French with nothing saved; a referent
reads without changing; anyone else gets 404."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from association.models import College, ConstitutiveAssembly, FoundingMember, LegalEntity, Statutes
from association.tests.conftest import FOUESNANT_EPCI, SIRET
from projects import actions as project_actions
from projects import territory as project_territory
from projects.models import Stage
from territory.models import Commune
from tests.cast import login, make_user

TODAY = timezone.localdate


@pytest.fixture
def paule(db):
    return make_user("paule@asso.test", first_name="Paule", last_name="Porteuse")


@pytest.fixture
def project(paule):
    project = project_actions.create_project(
        paule, "CPTS du Pays Fouesnantais", on=TODAY() - dt.timedelta(days=90)
    )
    communes = list(Commune.objects.filter(epci_id=FOUESNANT_EPCI, kind="COM"))
    project_territory.add_communes(project, communes, paule)
    return project


def url(name, project, **kwargs):
    return reverse(f"association:{name}", kwargs={"project_id": project.pk, **kwargs})


def statutes_post(**changes):
    data = {
        "name": "Communauté Professionnelle Territoriale de Santé du Pays Fouesnantais",
        "short_name": "CPTS du Pays Fouesnantais",
        "seat_address": "2 rue de la Mairie, 29170 Fouesnant",
        "purpose": "Objet de la CPTS (L. 1434-12).",
        "duration_years": "",
        "territory": "Les 7 communes du Pays Fouesnantais.",
        "board_mandate_years": "3",
        "bureau_roles": ["president", "tresorier", "secretaire"],
        "ag_quorum_percent": "25",
        "ag_majority": "simple",
        "extraordinary_majority": "deux_tiers",
        "proxies_per_member": "2",
        "resources": "Cotisations, ACI, FIR.",
        "dissolution_beneficiary": "une association de même objet",
        "colleges-TOTAL_FORMS": "3",
        "colleges-INITIAL_FORMS": "0",
        "colleges-0-name": "Collège des libéraux",
        "colleges-0-kind": "liberal",
        "colleges-0-members_desc": "Professionnels libéraux",
        "colleges-0-voting": "deliberative",
        "colleges-0-board_seats": "7",
        "colleges-0-dues": "35",
        "colleges-1-name": "Collège des établissements",
        "colleges-1-kind": "etablissement",
        "colleges-1-members_desc": "Hôpitaux, EHPAD",
        "colleges-1-voting": "consultative",
        "colleges-1-board_seats": "3",
        "colleges-1-dues": "120,50",
    }
    data.update(changes)
    return data


def test_statutes_page_prefilled_then_saved(client, paule, project):
    login(client, paule)
    page = client.get(url("statutes", project)).content.decode()
    assert "Communauté Professionnelle Territoriale de Santé du Pays Fouesnantais" in page
    assert "L. 1434-12" in page and "Collège des professionnels de santé libéraux" in page
    response = client.post(url("statutes", project), statutes_post(), follow=True)
    assert response.redirect_chain[-1][0] == url("overview", project)
    assert (
        "Statuts enregistrés : 2 collèges, conseil d&#x27;administration de 10 sièges."
        in response.content.decode()
    )
    statutes = Statutes.objects.get(project=project)
    assert statutes.seat_address == "2 rue de la Mairie, 29170 Fouesnant" and statutes.duration_years is None
    assert list(statutes.colleges.values_list("name", "dues")) == [
        ("Collège des libéraux", 35),
        ("Collège des établissements", 120.5),
    ]


def test_libéraux_minority_is_warned_on_the_page(client, paule, project):
    login(client, paule)
    response = client.post(
        url("statutes", project), statutes_post(**{"colleges-0-board_seats": "3"}), follow=True
    )
    assert (
        "n&#x27;ont pas la majorité du conseil d&#x27;administration (3 sièges sur 6)"
        in response.content.decode()
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"colleges-0-dues": "1000000000000"}, "n&#x27;est pas une cotisation plausible"),
        (
            {
                "colleges-0-board_seats": "0",
                "colleges-1-board_seats": "0",
                "colleges-0-voting": "consultative",
            },
            "0 siège : entre 3 et 60 sièges sont attendus",
        ),
        ({"ag_quorum_percent": "250"}, "Quorum : un nombre entre 0 et 100 est attendu"),
        ({"bureau_roles": ["secretaire"]}, "Le bureau comprend au moins un président et un trésorier"),
    ],
)
def test_absurd_statutes_are_refused_in_french_and_nothing_saved(client, paule, project, change, message):
    login(client, paule)
    response = client.post(url("statutes", project), statutes_post(**change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Statutes.objects.exists() and not College.objects.exists()


def test_founders_documents_assembly_and_identifiers(client, paule, project):
    login(client, paule)
    client.post(url("statutes", project), statutes_post())
    liberal = College.objects.get(name="Collège des libéraux")
    client.post(url("founders_from_porteurs", project))
    response = client.post(
        url("founders", project), {"name": "Inès Le Bihan", "profession": "Infirmière", "college": liberal.pk}
    )
    assert response.status_code == 302
    assert list(FoundingMember.objects.values_list("name", flat=True)) == ["Inès Le Bihan", "Paule Porteuse"]
    # Paule has no directory entry: no collège chosen for her yet, so no statuts
    documents = client.get(url("documents", project)).content.decode()
    assert "Membre fondateur Paule Porteuse : choisissez son collège." in documents
    gaps = client.get(url("document", project, kind="statuts"))
    assert gaps.status_code == 200 and "Document non généré" in gaps.content.decode()
    paule_founder = FoundingMember.objects.get(name="Paule Porteuse")
    client.post(url("founders", project), {"founder": paule_founder.pk, "college": liberal.pk})
    paule_founder.refresh_from_db()
    assert paule_founder.college == liberal
    docx = client.get(url("document", project, kind="statuts"), {"format": "docx"})
    assert docx.status_code == 200 and "wordprocessingml" in docx["Content-Type"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "2 rue de la Mairie, 29170 Fouesnant" in text and "Cotisations, ACI, FIR." in text
    assert client.get(url("document", project, kind="inconnu")).status_code == 404

    held = TODAY() - dt.timedelta(days=7)
    client.post(
        url("convocation", project),
        {
            "held_on": held.isoformat(),
            "held_at": "20:00",
            "place": "Mairie de Fouesnant",
            "agenda": "Statuts",
            "convened_on": (held - dt.timedelta(days=15)).isoformat(),
        },
    )
    assert ConstitutiveAssembly.objects.get().place == "Mairie de Fouesnant"
    founders = list(FoundingMember.objects.all())
    minutes = {
        "chaired_by": "Paule Porteuse",
        "secretary_name": "Inès Le Bihan",
        "votes_for": "3",
        "votes_against": "0",
        "abstentions": "0",
    }
    for f in founders:
        minutes[f"att-{f.pk}"] = "present"
        minutes[f"board-{f.pk}"] = "on"
    minutes[f"role-{founders[1].pk}"] = "president"
    refused = client.post(url("minutes", project), minutes)
    assert "3 voix exprimées ou abstentions pour 2 fondateurs" in refused.content.decode()
    assert ConstitutiveAssembly.objects.get().minutes_recorded_at is None
    minutes["votes_for"] = "2"
    assert client.post(url("minutes", project), minutes).status_code == 302
    pv = client.get(url("document", project, kind="pv"), {"format": "docx"})
    assert pv.status_code == 200

    bad = client.post(
        url("identifiers", project), {"rna": "294001234", "siret": SIRET, "published_on": TODAY().isoformat()}
    )
    assert "W suivi de 9 chiffres" in bad.content.decode() and not LegalEntity.objects.exists()
    done = client.post(
        url("identifiers", project),
        {"rna": "W294001234", "siret": SIRET, "published_on": TODAY().isoformat()},
        follow=True,
    )
    page = done.content.decode()
    assert "Association enregistrée : RNA W294001234, SIRET 73282932000074" in page
    assert "Le projet passe à l&#x27;étape « Association créée »." in page
    project.refresh_from_db()
    assert project.stage == Stage.ASSOCIATION


def test_the_project_page_links_to_the_association(client, paule, project):
    login(client, paule)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert url("overview", project) in page
    overview = client.get(url("overview", project)).content.decode()
    assert "Choix des statuts" in overview and "Identifiants de l&#x27;association" in overview


def test_outsiders_get_404_and_referents_read_only(client, project, monkeypatch):
    outsider = make_user("autre@asso.test", first_name="Otto", last_name="Autre")
    login(client, outsider)
    assert client.get(url("overview", project)).status_code == 404
    assert client.post(url("founders", project), {"name": "X", "profession": "Y"}).status_code == 404
    monkeypatch.setattr("projects.access.is_reviewer", lambda user, project: user == outsider)
    page = client.get(url("statutes", project))
    assert page.status_code == 200 and "Lecture seule" in page.content.decode()
    assert "Enregistrer les statuts" not in page.content.decode()
    assert client.post(url("statutes", project), statutes_post()).status_code == 404
    assert not Statutes.objects.exists() and not FoundingMember.objects.exists()
