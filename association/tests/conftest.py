import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from association import actions
from projects import actions as project_actions
from projects import territory as project_territory
from territory.models import Commune

FOUESNANT_EPCI = "242900660"  # CC du Pays Fouesnantais: 7 communes, in no CPTS
SIRET = "73282932000074"  # a valid SIRET (Luhn)
OTHER_SIRET = "44306184100047"  # another valid one


@pytest.fixture
def porteur(db):
    return User.objects.create_user("porteuse@asso.test", "x", first_name="Paule", last_name="Porteuse")


@pytest.fixture
def project(porteur):
    project = project_actions.create_project(
        porteur, "CPTS du Pays Fouesnantais", on=timezone.localdate() - dt.timedelta(days=400)
    )
    communes = list(Commune.objects.filter(epci_id=FOUESNANT_EPCI, kind="COM").order_by("insee"))
    project_territory.add_communes(project, communes, porteur)
    return project


def college_rows(project) -> list[dict]:
    return [dict(c) for c in actions.initial_statutes(project)["colleges"]]


@pytest.fixture
def statutes(project, porteur):
    initial = actions.initial_statutes(project)
    colleges = initial.pop("colleges")
    initial["seat_address"] = "2 rue de la Mairie, 29170 Fouesnant"
    return actions.save_statutes(project, initial, colleges, porteur)


@pytest.fixture
def founders(project, porteur, statutes):
    liberal, establishment, _ = statutes.colleges.all()
    return [
        actions.add_founder(
            project,
            porteur,
            name="Paule Porteuse",
            profession="Médecin généraliste",
            college_id=liberal.pk,
            address="MSP de Fouesnant",
        ),
        actions.add_founder(
            project, porteur, name="Inès Le Bihan", profession="Infirmière libérale", college_id=liberal.pk
        ),
        actions.add_founder(
            project, porteur, name="EHPAD de Bénodet", profession="Établissement", college_id=establishment.pk
        ),
    ]
