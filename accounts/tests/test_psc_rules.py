"""Pro Santé Connect rules without the provider (accounts/psc.py): the eIDAS levels, the PSC device that is
not an enrolled factor for a password login, the link that cannot be removed from an account without
password. The whole flow against a real provider: test_psc_flow.py."""

import pytest

from accounts import psc
from accounts.models import ProSanteConnectDevice, User
from cpts.policy import must_verify
from opencpts.errors import ActionError


@pytest.mark.once
@pytest.mark.parametrize(
    ("acr", "accepted"),
    [("eidas1", True), ("eidas2", True), ("eidas3", True), ("eidas0", False), (None, False), ("", False)],
)
def test_only_eidas1_and_above_are_accepted(acr, accepted, settings):
    settings.PSC_ACR_VALUES = "eidas1"

    assert psc.acr_accepted(acr) is accepted


@pytest.mark.once
def test_a_higher_minimum_refuses_eidas1(settings):
    settings.PSC_ACR_VALUES = "eidas2"

    assert not psc.acr_accepted("eidas1") and psc.acr_accepted("eidas3")


def test_the_psc_device_does_not_make_a_password_login_ask_for_a_code(db):
    user = User.objects.create_user("psc-seul@exemple.fr", "Un-mot-de-passe-2026!")
    ProSanteConnectDevice.objects.create(user=user, name="Pro Santé Connect", confirmed=True)

    assert not must_verify(user)


def test_the_link_of_an_account_without_password_cannot_be_removed(db):
    user = User.objects.create_user("sans-mdp@exemple.fr", None, external_idnat="810000000009")

    with pytest.raises(ActionError, match="pas de mot de passe"):
        psc.unlink(user)

    user.refresh_from_db()
    assert user.external_idnat == "810000000009"


def test_unlinking_deletes_the_psc_device_which_ends_the_sessions_it_verified(db):
    user = User.objects.create_user("lien@exemple.fr", "Un-mot-de-passe-2026!", external_idnat="810000000017")
    ProSanteConnectDevice.objects.create(user=user, name="Pro Santé Connect", confirmed=True)

    psc.unlink(user)

    user.refresh_from_db()
    assert user.external_idnat is None
    assert not ProSanteConnectDevice.objects.filter(user=user).exists()
