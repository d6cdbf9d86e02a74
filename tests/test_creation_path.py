"""The creation path of a CPTS end to end (issue 18's "Done when"), mostly through the pages with Django's
client, on the real communes of the Pays Fouesnantais (EPCI 242900660, Finistère, Bretagne):

a new account creates a project on real communes, sees its diagnostic with maps, fills and submits the AMI and
the lettre d'intention, writes a projet de santé with two fiches-actions, receives an ARS comment and
validation, generates the statuts, and becomes a CPTS whose ACI contract starts with those objectives.
"""

import datetime as dt
import io
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from accounts import twofactor
from accounts.models import User
from aci.models import Contract, Indicator
from association.models import College, FoundingMember, LegalEntity
from cpts.models import CPTS, Membership, TerritoryCommune
from cpts.roles import Role
from directory.models import Professional
from healthplan.models import ActionSheet, Chapter
from projects import actions, reviews
from projects.models import Project, Review, Stage, Submission
from projects.tests.test_ami import complete_ami
from projects.tests.test_letter import complete_letter
from tests.cast import PASSWORD, TOTP_KEY, login, make_user

FOUESNANT_EPCI = "242900660"  # CC du Pays Fouesnantais: 7 communes, about 30,000 inhabitants
RPPS = "10101010105"
SIRET = "73282932000074"  # a valid SIRET (Luhn)
NAME = "CPTS du Pays Fouesnantais"
TODAY = timezone.localdate


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _sheet_post(mission, title, indicator, unit, direction, baseline, target):
    return {
        "mission": mission,
        "title": title,
        "objective": f"Objectif de la fiche « {title} ».",
        "actions": "Repérer les patients avec la CPAM.\nLes orienter vers les professionnels.",
        "pilot": "Dr Paule Porteuse",
        "partners": "CPAM du Finistère",
        "schedule": "Dès la signature de l'ACI.",
        "means": "Coordinatrice à mi-temps.",
        "version": "",
        "ind-TOTAL_FORMS": "1",
        "ind-INITIAL_FORMS": "0",
        "ind-0-name": indicator,
        "ind-0-unit": unit,
        "ind-0-direction": direction,
        "ind-0-baseline": baseline,
        "ind-0-target": target,
        "ind-0-source_note": "CPAM du Finistère",
    }


def _statutes_post():
    return {
        "name": "Communauté Professionnelle Territoriale de Santé du Pays Fouesnantais",
        "short_name": NAME,
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
        "colleges-TOTAL_FORMS": "2",
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
        "colleges-1-dues": "120",
    }


def _register_and_log_in(client) -> User:
    """1. A new account registers with the RPPS number of its directory entry, then logs in (with a second
    factor enrolled, as the site asks of every account)."""
    entry = Professional.objects.create(
        id_type="8", national_id=RPPS, idnat="8" + RPPS, last_name="PORTEUSE", first_name="Paule",
        profession_code="10", source="rpps", is_synthetic=True,
    )  # fmt: skip
    registered = client.post(
        reverse("accounts:register"),
        {
            "first_name": "Paule",
            "last_name": "Porteuse",
            "email": "paule@parcours.test",
            "national_id": RPPS,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert registered.status_code == 302, registered.content[:500]
    paule = User.objects.get(email="paule@parcours.test")
    assert paule.professional == entry  # the account is linked to its directory entry
    client.logout()
    twofactor.enrol_with_key(paule, TOTP_KEY)
    login(client, paule)
    return paule


def _project_on_real_communes(client) -> Project:
    """2-3. The project on the 7 communes of the EPCI, and its diagnostic with maps and figures."""
    response = client.post(reverse("projects:create"), {"name": NAME, "national_id": RPPS})
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "projects:territory", args=[project.pk]
    )
    client.post(reverse("projects:territory_add", args=[project.pk]), {"epci": FOUESNANT_EPCI})
    assert project.communes.count() == 7
    diagnostic = client.get(reverse("projects:diagnostic", args=[project.pk]))
    page = diagnostic.content.decode()
    assert diagnostic.status_code == 200
    assert "data-choropleth=" in page and 'data-testid="diagnostic-summary"' in page
    assert "Fouesnant" in page and "Bénodet" in page and "habitants" in page
    return project


def _ami_and_letter(client, project, paule):
    """4. The AMI and the lettre d'intention, filled and sent: two records with their fingerprints."""
    actions.save_ami(project, complete_ami(), paule)
    assert client.post(reverse("projects:ami_send", args=[project.pk])).status_code == 302
    actions.save_letter(project, complete_letter(), paule)
    assert client.post(reverse("projects:letter_send", args=[project.pk])).status_code == 302
    submissions = list(Submission.objects.filter(project=project).order_by("kind"))
    assert [s.kind for s in submissions] == ["ami", "lettre"]
    assert all(len(s.sha256) == 64 for s in submissions)
    project.refresh_from_db()
    assert project.stage == Stage.LETTER
    detail = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert all(s.sha256 in detail for s in submissions)


def _health_plan(client, project):
    """5. The projet de santé: a chapter and two fiches-actions in two ACI core missions, each with one
    indicator; the overview and the DOCX document."""
    plan = lambda name, *args: reverse(f"healthplan:{name}", args=[project.pk, *args])  # noqa: E731
    text = "Sept communes littorales.\nTrois MSP.\nUne coopération ancienne.\n"
    client.post(plan("chapter", "contexte"), {"text": text, "version": "0"})
    assert Chapter.objects.get(plan__project=project, key="contexte").text.startswith(
        "Sept communes littorales."
    )
    first = client.post(
        plan("sheet_new"),
        _sheet_post(
            "access",
            "Un médecin traitant pour les patients en ALD",
            "Patients en ALD sans médecin traitant",
            "count",
            "lower",
            "220",
            "100",
        ),
        follow=True,
    )
    assert "Fiche-action « Un médecin traitant pour les patients en ALD » créée" in first.content.decode()
    client.post(
        plan("sheet_new"),
        _sheet_post(
            "prevention",
            "Dépistage du cancer colorectal",
            "Taux de participation au dépistage colorectal",
            "percent",
            "higher",
            "28,5",
            "35",
        ),
    )
    assert sorted(ActionSheet.objects.filter(plan__project=project).values_list("mission", flat=True)) == [
        "access",
        "prevention",
    ]
    overview = client.get(plan("overview"))
    page = overview.content.decode()
    assert overview.status_code == 200 and "Sept communes littorales." in page
    assert "Accès aux soins" in page and "Prévention" in page and "Dépistage du cancer colorectal" in page
    docx = client.get(plan("document"), {"format": "docx"})
    assert docx.status_code == 200 and "wordprocessingml" in docx["Content-Type"]
    text = _docx_text(docx.content)
    assert "Un médecin traitant pour les patients en ALD" in text and "Dépistage du cancer colorectal" in text


def _ars_comment_and_validation(project, paule, porteur_client):
    """6. The instance administrator grants an ARS Bretagne referent, who finds the project, comments and
    validates the projet de santé; the porteur sees both."""
    admin = make_user("admin@parcours.test", staff=True, first_name="Ada", last_name="Admin")
    rita = make_user("rita@ars-bretagne.test", first_name="Rita", last_name="Référente")
    reviews.grant_referent(admin, email=rita.email, body="ARS", code="53")
    ars = Client()
    login(ars, rita)
    home = ars.get(reverse("oversight:home"))
    assert home.status_code == 200 and NAME in home.content.decode()
    assert reverse("oversight:project", args=[project.pk]) in home.content.decode()
    commented = ars.post(
        reverse("oversight:comment", args=[project.pk]),
        {"commentaire-dossier": "sante", "commentaire-text": "Précisez les partenaires hospitaliers."},
    )
    assert commented.status_code == 302
    decided = ars.post(
        reverse("oversight:decide", args=[project.pk]),
        {"decision-dossier": "sante", "decision-outcome": "validated", "decision-text": "Projet validé."},
    )
    assert decided.status_code == 302
    assert sorted(Review.objects.filter(project=project).values_list("kind", "author__email")) == [
        ("comment", rita.email),
        ("decision", rita.email),
    ]
    project.refresh_from_db()
    assert project.stage == Stage.HEALTH_PROJECT
    detail = porteur_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "Précisez les partenaires hospitaliers." in detail and "ARS Bretagne" in detail
    assert "Validé" in detail
    overview = porteur_client.get(reverse("healthplan:overview", args=[project.pk])).content.decode()
    assert 'data-testid="plan-decision"><span class="chip ok">Validé</span>' in overview


def _association(client, project):
    """7. The association: statuts chosen and generated, founders, the constitutive AG convened and its
    minutes, then its legal identifiers."""
    asso = lambda name, **kw: reverse(f"association:{name}", kwargs={"project_id": project.pk, **kw})  # noqa: E731
    assert client.post(asso("statutes"), _statutes_post()).status_code == 302
    liberal = College.objects.get(statutes__project=project, name="Collège des libéraux")
    client.post(asso("founders_from_porteurs"))
    client.post(
        asso("founders"), {"name": "Inès Le Bihan", "profession": "Infirmière", "college": liberal.pk}
    )
    for founder in FoundingMember.objects.filter(project=project, college__isnull=True):
        client.post(asso("founders"), {"founder": founder.pk, "college": liberal.pk})
    founders = list(FoundingMember.objects.filter(project=project).order_by("name"))
    assert [f.name for f in founders] == ["Inès Le Bihan", "Paule Porteuse"]
    assert all(f.college_id == liberal.pk for f in founders)
    statuts = client.get(asso("document", kind="statuts"), {"format": "docx"})
    assert statuts.status_code == 200 and "wordprocessingml" in statuts["Content-Type"]
    assert NAME in _docx_text(statuts.content)

    held = TODAY() - dt.timedelta(days=7)
    convened = client.post(
        asso("convocation"),
        {
            "held_on": held.isoformat(),
            "held_at": "20:00",
            "place": "Mairie de Fouesnant",
            "agenda": "Statuts",
            "convened_on": (held - dt.timedelta(days=15)).isoformat(),
        },
    )
    assert convened.status_code == 302
    minutes = {
        "chaired_by": "Paule Porteuse",
        "secretary_name": "Inès Le Bihan",
        "votes_for": "2",
        "votes_against": "0",
        "abstentions": "0",
    }
    for founder in founders:
        minutes[f"att-{founder.pk}"] = "present"
        minutes[f"board-{founder.pk}"] = "on"
    minutes[f"role-{founders[1].pk}"] = "president"
    assert client.post(asso("minutes"), minutes).status_code == 302
    done = client.post(
        asso("identifiers"),
        {"rna": "W294001234", "siret": SIRET, "published_on": TODAY().isoformat()},
        follow=True,
    )
    assert "Association enregistrée : RNA W294001234, SIRET 73282932000074" in done.content.decode()
    assert LegalEntity.objects.get(project=project).siret == SIRET
    project.refresh_from_db()
    assert project.stage == Stage.ASSOCIATION


def _convert_and_sign(client, project, paule):
    """8-9. The project becomes the CPTS, whose ACI contract, signed through its page, starts with the
    fiches' indicators as its objectives."""
    converted = client.post(reverse("projects:convert", args=[project.pk]), {"name": NAME, "confirm": "on"})
    cpts = CPTS.objects.get()
    assert converted.status_code == 302 and converted["Location"] == reverse("cpts:home", args=[cpts.slug])
    held = sorted(TerritoryCommune.objects.filter(cpts=cpts).values_list("commune_id", flat=True))
    assert len(held) == 7 and held == sorted(project.communes.values_list("commune_id", flat=True))
    assert cpts.siret == SIRET
    assert Membership.objects.get(cpts=cpts, user=paule).role == Role.COORDINATOR

    signed = client.post(
        reverse("aci:sign", args=[cpts.slug]),
        {
            "signed_on": TODAY().isoformat(),
            "population": "30000",
            "population_on": "",
            "population_source": "INSEE",
        },
        follow=True,
    )
    assert "2 objectifs repris du projet de santé" in signed.content.decode()
    contract = Contract.objects.get(cpts=cpts)
    objectives = {
        i.name: (i.mission.mission.code, i.baseline) for i in Indicator.objects.filter(contract=contract)
    }
    assert objectives == {
        "Patients en ALD sans médecin traitant": ("access", Decimal("220")),
        "Taux de participation au dépistage colorectal": ("prevention", Decimal("28.5")),
    }


def test_a_new_account_goes_from_its_project_to_a_cpts_under_aci_contract(client, db):
    paule = _register_and_log_in(client)
    project = _project_on_real_communes(client)
    _ami_and_letter(client, project, paule)
    _health_plan(client, project)
    _ars_comment_and_validation(project, paule, client)
    _association(client, project)
    _convert_and_sign(client, project, paule)
