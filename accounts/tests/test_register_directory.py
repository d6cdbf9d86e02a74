"""A new account checked against the directory: the RPPS (or ADELI) number typed at registration links the
account to its entry of the RPPS extract when the name is the same; otherwise nothing is created."""

import html

import pytest
from django.urls import reverse

from accounts.models import User
from directory import actions
from directory.models import Professional
from opencpts.errors import ActionError

STRONG = "Lune-Rousse-2026!"
RPPS = "10101010105"


@pytest.fixture
def entry(db):
    return Professional.objects.create(
        id_type="8", national_id=RPPS, idnat="8" + RPPS, last_name="NOUVELLE", first_name="Nina",
        profession_code="10", source="rpps", is_synthetic=True,
    )  # fmt: skip


def _register(client, national_id, last_name="Nouvelle", email="nina@cast.test"):
    return client.post(
        reverse("accounts:register"),
        {
            "first_name": "Nina",
            "last_name": last_name,
            "email": email,
            "national_id": national_id,
            "password": STRONG,
            "password2": STRONG,
        },
    )


def test_the_number_of_an_extract_entry_with_the_same_name_links_the_new_account(client, entry):
    response = _register(client, "101 010 101 05")
    assert response.status_code == 302
    assert User.objects.get(email="nina@cast.test").professional == entry


@pytest.mark.parametrize(
    ("national_id", "last_name", "message"),
    [
        ("10101010104", "Nouvelle", "clé de contrôle"),
        ("10101010113", "Nouvelle", "n'est pas dans l'annuaire"),
        (RPPS, "Autrenom", "ne correspond pas à celui que l'annuaire associe"),
    ],
)
def test_a_number_not_checked_creates_no_account(client, entry, national_id, last_name, message):
    response = _register(client, national_id, last_name=last_name)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not User.objects.filter(email="nina@cast.test").exists()


def test_an_entry_held_by_another_account_is_refused(entry):
    first = User.objects.create_user("a@cast.test", "x", last_name="Nouvelle")
    second = User.objects.create_user("b@cast.test", "x", last_name="NOUVELLE")
    actions.claim_extract_entry(first, RPPS)
    with pytest.raises(ActionError, match="déjà rattaché"):
        actions.claim_extract_entry(second, RPPS)
    second.refresh_from_db()
    assert second.professional is None


def test_a_declared_entry_is_not_the_directory(db):
    Professional.objects.create(
        id_type="8", national_id=RPPS, idnat="8" + RPPS, last_name="NOUVELLE", profession_code="10"
    )  # source "manual": typed by someone, not the extract
    user = User.objects.create_user("c@cast.test", "x", last_name="Nouvelle")
    with pytest.raises(ActionError, match="n'est pas dans l'annuaire"):
        actions.claim_extract_entry(user, RPPS)
