import pytest

from healthplan import actions
from projects import actions as project_actions
from projects import territory as rules
from projects.models import ProjectMember
from territory.models import Commune
from tests.cast import make_user

FOUESNANT_EPCI = "242900660"  # CC du Pays Fouesnantais: 7 communes, about 30,000 inhabitants (taille 1)


@pytest.fixture
def porteur(db):
    return make_user("paule@projet.test", first_name="Paule", last_name="Porteuse")


@pytest.fixture
def coporteur(project):
    user = make_user("cora@projet.test", first_name="Cora", last_name="Coporteuse")
    ProjectMember.objects.create(project=project, user=user, role=ProjectMember.Role.CO_PORTEUR)
    return user


@pytest.fixture
def project(porteur):
    project = project_actions.create_project(porteur, "CPTS du Pays Fouesnantais")
    communes = list(Commune.objects.filter(epci_id=FOUESNANT_EPCI, kind="COM").order_by("insee"))
    rules.add_communes(project, communes, porteur)
    return project


def sheet_data(**changes) -> dict:
    data = {
        "mission": "access",
        "title": "Un médecin traitant pour les patients en ALD",
        "objective": "Réduire le nombre de patients en ALD sans médecin traitant.",
        "actions": "Repérer les patients avec la CPAM.\nLes orienter vers les médecins qui ont de la place.",
        "pilot": "Dr Paule Porteuse",
        "partners": "CPAM du Finistère",
        "schedule": "Dès la signature de l'ACI.",
        "means": "Coordinatrice à mi-temps.",
        "indicators": [
            {
                "name": "Patients en ALD sans médecin traitant",
                "unit": "count",
                "direction": "lower",
                "baseline": "220",
                "target": "100",
                "source_note": "CPAM du Finistère",
            }
        ],
    }
    data.update(changes)
    return data


def two_sheets(project, by):
    first = actions.create_sheet(project, by, sheet_data())
    second = actions.create_sheet(
        project,
        by,
        sheet_data(
            mission="prevention",
            title="Dépistage du cancer colorectal",
            objective="Augmenter la participation au dépistage.",
            indicators=[
                {
                    "name": "Taux de participation au dépistage colorectal",
                    "unit": "percent",
                    "direction": "higher",
                    "baseline": "28,5",
                    "target": "35",
                    "source_note": "Rézone CPTS",
                }
            ],
        ),
    )
    return first, second
