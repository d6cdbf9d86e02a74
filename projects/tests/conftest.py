import pytest

from accounts.models import User
from projects import actions
from territory.models import Commune

FOUESNANT_EPCI = (
    "242900660"  # CC du Pays Fouesnantais (Finistère, Bretagne): 7 communes, about 30,000 inhabitants
)
BELLEY = "01034"


@pytest.fixture
def porteur(db):
    return User.objects.create_user("porteuse@projet.test", "x", first_name="Paule", last_name="Porteuse")


@pytest.fixture
def project(porteur):
    return actions.create_project(porteur, "CPTS du Pays Fouesnantais")


@pytest.fixture
def fouesnant_communes(db):
    return list(Commune.objects.filter(epci_id=FOUESNANT_EPCI, kind="COM").order_by("insee"))
