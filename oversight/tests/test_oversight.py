"""ARS and CPAM referents: their scope (région or département), read-only reading of a project, comments and
decisions audited and shown to the porteurs, the map's data, and their designation by the instance
administrator."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cpts import territory as cpts_territory
from cpts.models import CPTS
from opencpts.errors import ActionError
from projects import access, actions, reviews
from projects import territory as project_territory
from projects.models import Referent, Review, Stage, StageChange
from territory.models import Commune
from tests.cast import login, make_user

FOUESNANT_EPCI = "242900660"  # Finistère (29), Bretagne (53)
BELLEY = "01034"  # Ain (01), Auvergne-Rhône-Alpes (84)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return make_user("admin@suivi.test", staff=True, first_name="Ada", last_name="Admin")


@pytest.fixture
def porteur():
    return make_user("porteuse@suivi.test", first_name="Paule", last_name="Porteuse")


@pytest.fixture
def fouesnant(porteur):
    project = actions.create_project(porteur, "CPTS du Pays Fouesnantais")
    communes = list(Commune.objects.filter(epci_id=FOUESNANT_EPCI, kind="COM"))
    project_territory.add_communes(project, communes, porteur)
    return project


@pytest.fixture
def belley():
    owner = make_user("porteur.ain@suivi.test", first_name="Pierre", last_name="Porteur")
    project = actions.create_project(owner, "Projet du Bugey")
    project_territory.add_communes(project, [Commune.objects.get(insee=BELLEY)], owner)
    return project


def _referent(staff, email, body, code):
    make_user(email, first_name="Rita", last_name="Référente")
    return reviews.grant_referent(staff, email=email, body=body, code=code).user


@pytest.fixture
def ars_bretagne(staff):
    return _referent(staff, "ars-bretagne@suivi.test", "ARS", "53")


@pytest.fixture
def cpam_29(staff):
    return _referent(staff, "cpam-29@suivi.test", "CPAM", "29")


@pytest.fixture
def ars_aura(staff):
    return _referent(staff, "ars-aura@suivi.test", "ARS", "84")


# --- Scope --------------------------------------------------------------------------------------------------


def test_a_referent_reads_the_projects_of_their_region_or_departement_only(
    fouesnant, belley, ars_bretagne, cpam_29, ars_aura, porteur
):
    assert list(access.projects_for_reviewer(ars_bretagne)) == [fouesnant]
    assert list(access.projects_for_reviewer(cpam_29)) == [fouesnant]
    assert list(access.projects_for_reviewer(ars_aura)) == [belley]
    assert access.is_reviewer(ars_bretagne, fouesnant) and not access.is_reviewer(ars_bretagne, belley)
    assert access.read_project(ars_bretagne, fouesnant.pk) == (fouesnant, None)
    assert not access.is_reviewer(porteur, fouesnant)
    assert list(access.projects_for_reviewer(porteur)) == []


def test_a_referent_of_bretagne_never_opens_a_project_of_auvergne_rhone_alpes(
    client, fouesnant, belley, ars_bretagne
):
    login(client, ars_bretagne)
    assert client.get(reverse("oversight:project", args=[fouesnant.pk])).status_code == 200
    assert client.get(reverse("oversight:project", args=[belley.pk])).status_code == 404
    assert client.get(reverse("oversight:project_diagnostic", args=[belley.pk])).status_code == 404
    home = client.get(reverse("oversight:home")).content.decode()
    assert "CPTS du Pays Fouesnantais" in home and "Projet du Bugey" not in home
    response = client.post(
        reverse("oversight:comment", args=[belley.pk]),
        {"commentaire-dossier": "ami", "commentaire-text": "Hors de mon territoire"},
    )
    assert response.status_code == 404 and not Review.objects.exists()


def test_a_revoked_referent_reads_nothing_any_more(client, staff, fouesnant, ars_bretagne):
    role = Referent.objects.get(user=ars_bretagne)
    reviews.revoke_referent(staff, role.pk)
    assert not access.is_reviewer(ars_bretagne, fouesnant)
    login(client, ars_bretagne)
    assert client.get(reverse("oversight:home")).status_code == 404
    assert client.get(reverse("oversight:project", args=[fouesnant.pk])).status_code == 404


def test_an_account_that_is_no_referent_gets_404_on_the_referents_pages(client, fouesnant, porteur):
    login(client, porteur)
    assert client.get(reverse("oversight:home")).status_code == 404
    assert client.get(reverse("oversight:map")).status_code == 404
    assert client.get(reverse("oversight:project", args=[fouesnant.pk])).status_code == 404


# --- Read-only ----------------------------------------------------------------------------------------------


def test_a_referent_cannot_open_the_porteurs_pages_of_the_project(client, fouesnant, ars_bretagne):
    login(client, ars_bretagne)
    for name in ("projects:detail", "projects:territory", "projects:ami", "projects:porteurs"):
        assert client.get(reverse(name, args=[fouesnant.pk])).status_code == 404, name
    response = client.post(
        reverse("projects:stage", args=[fouesnant.pk]),
        {"stage": "lettre", "reached_on": timezone.localdate().isoformat(), "note": ""},
    )
    assert response.status_code == 404
    fouesnant.refresh_from_db()
    assert fouesnant.stage == Stage.INTENTION


def test_the_dossier_page_shows_the_territory_the_porteurs_and_the_forms(client, fouesnant, ars_bretagne):
    login(client, ars_bretagne)
    page = client.get(reverse("oversight:project", args=[fouesnant.pk])).content.decode()
    assert "Fouesnant" in page and "Paule Porteuse" in page and "ARS Bretagne" in page
    assert reverse("oversight:comment", args=[fouesnant.pk]) in page
    assert reverse("oversight:project_diagnostic", args=[fouesnant.pk]) in page
    assert reverse("projects:territory", args=[fouesnant.pk]) not in page  # no way to edit


# --- Comments and decisions ---------------------------------------------------------------------------------


def test_a_comment_is_audited_and_shown_to_the_porteurs(client, fouesnant, ars_bretagne, porteur):
    login(client, ars_bretagne)
    response = client.post(
        reverse("oversight:comment", args=[fouesnant.pk]),
        {"commentaire-dossier": "ami", "commentaire-text": "Merci : précisez les partenaires hospitaliers."},
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.kind, review.dossier, review.body, review.scope, review.author) == (
        "comment",
        "ami",
        "ARS",
        "ARS Bretagne",
        ars_bretagne,
    )
    entry = AuditEntry.objects.get(action="decision", object_type="projects.review")
    assert entry.details["decision"] == "review_comment" and entry.details["project_id"] == fouesnant.pk
    assert entry.actor_id == ars_bretagne.pk
    client.logout()
    login(client, porteur)
    page = client.get(reverse("projects:detail", args=[fouesnant.pk])).content.decode()
    assert "précisez les partenaires hospitaliers" in page and "ARS Bretagne" in page
    assert "Expression d&#x27;intérêt (AMI)" in page


def test_changes_requested_needs_a_text_and_nothing_is_saved_without_it(client, fouesnant, cpam_29):
    login(client, cpam_29)
    response = client.post(
        reverse("oversight:decide", args=[fouesnant.pk]),
        {"decision-dossier": "lettre", "decision-outcome": "changes_requested", "decision-text": "  "},
    )
    assert response.status_code == 200
    assert "Indiquez les modifications demandées aux porteurs." in response.content.decode()
    assert not Review.objects.exists()
    assert not AuditEntry.objects.filter(object_type="projects.review").exists()
    with pytest.raises(ActionError):
        reviews.decide(cpam_29, fouesnant, "lettre", "changes_requested", "")


def test_the_ars_validating_the_projet_de_sante_moves_the_project_to_that_stage(
    client, fouesnant, ars_bretagne, porteur
):
    login(client, ars_bretagne)
    response = client.post(
        reverse("oversight:decide", args=[fouesnant.pk]),
        {"decision-dossier": "sante", "decision-outcome": "validated", "decision-text": "Projet validé."},
    )
    assert response.status_code == 302
    fouesnant.refresh_from_db()
    assert fouesnant.stage == Stage.HEALTH_PROJECT
    change = StageChange.objects.get(project=fouesnant, stage=Stage.HEALTH_PROJECT)
    assert change.reached_on == timezone.localdate() and change.recorded_by == ars_bretagne
    assert "ARS Bretagne" in change.note
    decision = reviews.latest_decision(fouesnant, "sante")
    assert decision.outcome == "validated"
    assert AuditEntry.objects.filter(details__decision="review_decision", object_id=str(decision.pk)).exists()
    # A second validation keeps the stage (no second change).
    reviews.decide(ars_bretagne, fouesnant, "sante", "validated")
    assert StageChange.objects.filter(project=fouesnant, stage=Stage.HEALTH_PROJECT).count() == 1


def test_a_cpam_decision_on_the_projet_de_sante_leaves_the_stage(fouesnant, cpam_29):
    reviews.decide(cpam_29, fouesnant, "sante", "validated")
    fouesnant.refresh_from_db()
    assert fouesnant.stage == Stage.INTENTION


def test_an_account_that_is_no_referent_cannot_comment_or_decide(fouesnant, porteur, ars_aura):
    for user in (porteur, ars_aura):
        with pytest.raises(ActionError):
            reviews.comment(user, fouesnant, "ami", "Bonjour")
        with pytest.raises(ActionError):
            reviews.decide(user, fouesnant, "ami", "validated")
    assert not Review.objects.exists()


def test_reviews_of_are_newest_first(fouesnant, ars_bretagne):
    first = reviews.comment(ars_bretagne, fouesnant, "ami", "Un", now=timezone.now() - dt.timedelta(days=1))
    second = reviews.comment(ars_bretagne, fouesnant, "ami", "Deux")
    assert list(reviews.reviews_of(fouesnant, "ami")) == [second, first]
    assert reviews.latest_decision(fouesnant, "ami") is None


# --- The map and the table ----------------------------------------------------------------------------------


@pytest.fixture
def cpts_ain(staff):
    cpts = CPTS.objects.create(name="CPTS de l'Ain (suivi)", slug="cpts-ain-suivi", stage=CPTS.Stage.LETTER)
    cpts_territory.add_communes(cpts, [Commune.objects.get(insee="01053")], staff)
    return cpts


def test_the_map_holds_the_projects_and_cpts_of_the_scope_coloured_by_stage(
    client, fouesnant, belley, cpts_ain, ars_bretagne, ars_aura
):
    login(client, ars_bretagne)
    response = client.get(reverse("oversight:map"))
    assert response["Content-Type"] == "application/geo+json"
    features = json.loads(response.content)["features"]
    assert {f["properties"]["name"] for f in features} == {"CPTS du Pays Fouesnantais"}
    with_contour = Commune.objects.filter(epci_id=FOUESNANT_EPCI, kind="COM").exclude(contour="").count()
    assert len(features) == with_contour > 0
    props = features[0]["properties"]
    assert props["kind"] == "projet" and props["stage"] == "intention" and props["colour"].startswith("#")
    assert props["url"] == reverse("oversight:project", args=[fouesnant.pk])
    client.logout()
    login(client, ars_aura)
    features = json.loads(client.get(reverse("oversight:map")).content)["features"]
    assert {(f["properties"]["kind"], f["properties"]["name"]) for f in features} == {
        ("projet", "Projet du Bugey"),
        ("cpts", "CPTS de l'Ain (suivi)"),
    }
    cpts_feature = next(f for f in features if f["properties"]["kind"] == "cpts")
    assert cpts_feature["properties"]["stage"] == "lettre"
    assert cpts_feature["properties"]["url"] == reverse("oversight:cpts", args=[cpts_ain.slug])
    only_cpts = json.loads(client.get(reverse("oversight:map"), {"etape": "lettre"}).content)["features"]
    assert {f["properties"]["kind"] for f in only_cpts} == {"cpts"}


def test_the_table_lists_stage_population_and_contract_and_filters_by_stage(
    client, fouesnant, belley, cpts_ain, ars_aura, ars_bretagne
):
    login(client, ars_aura)
    page = client.get(reverse("oversight:home")).content.decode()
    assert "Projet du Bugey" in page and "CPTS de l&#x27;Ain (suivi)" in page
    assert "Lettre d&#x27;intention / pré-projet" in page and "Non signé" in page and "millésime" in page
    filtered = client.get(reverse("oversight:home"), {"etape": "lettre"}).content.decode()
    assert "CPTS de l&#x27;Ain (suivi)" in filtered and "Projet du Bugey" not in filtered
    cpts_page = client.get(reverse("oversight:cpts", args=[cpts_ain.slug]))
    assert cpts_page.status_code == 200 and "Aucun contrat ACI signé" in cpts_page.content.decode()
    client.logout()
    login(client, ars_bretagne)
    assert client.get(reverse("oversight:cpts", args=[cpts_ain.slug])).status_code == 404


def test_the_menu_of_a_referent_leads_to_the_follow_up(client, ars_bretagne, porteur):
    login(client, ars_bretagne)
    page = client.get(reverse("projects:list")).content.decode()
    assert reverse("oversight:home") in page and "Suivi ARS / CPAM" in page
    client.logout()
    login(client, porteur)
    assert "Suivi ARS / CPAM" not in client.get(reverse("projects:list")).content.decode()


# --- Designation by the instance administrator --------------------------------------------------------------


def test_the_instance_administrator_designates_and_revokes_a_referent(client, staff):
    user = make_user("cpam@suivi.test", first_name="Cécile", last_name="Cpam")
    login(client, staff)
    response = client.post(
        reverse("oversight:referents"),
        {"email": "cpam@suivi.test", "body": "CPAM", "region": "", "departement": "29"},
    )
    assert response.status_code == 302
    role = Referent.objects.get(user=user, active=True)
    assert (role.body, role.departement_id, role.region_id, role.granted_by) == ("CPAM", "29", None, staff)
    assert AuditEntry.objects.filter(details__decision="referent_granted", object_id=str(role.pk)).exists()
    page = client.get(reverse("oversight:referents")).content.decode()
    assert "cpam@suivi.test" in page and "CPAM Finistère (29)" in page
    again = client.post(
        reverse("oversight:referents"),
        {"email": "cpam@suivi.test", "body": "CPAM", "region": "", "departement": "29"},
    )
    assert "est déjà référent CPAM Finistère (29)" in again.content.decode()
    assert Referent.objects.filter(user=user).count() == 1
    missing = client.post(reverse("oversight:referents"), {"email": "cpam@suivi.test", "body": "ARS"})
    assert "Choisissez la région de l&#x27;ARS." in missing.content.decode()
    client.post(reverse("oversight:revoke", args=[role.pk]))
    role.refresh_from_db()
    assert not role.active and role.revoked_at is not None
    assert AuditEntry.objects.filter(details__decision="referent_revoked", object_id=str(role.pk)).exists()


def test_only_the_instance_administrator_designates_referents(client, porteur):
    login(client, porteur)
    assert client.get(reverse("oversight:referents")).status_code == 403
    response = client.post(
        reverse("oversight:referents"),
        {"email": porteur.email, "body": "ARS", "region": "53", "departement": ""},
    )
    assert response.status_code == 403 and not Referent.objects.exists()
    with pytest.raises(ActionError):
        reviews.grant_referent(porteur, email=porteur.email, body="ARS", code="53")
