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


def test_a_card_proves_the_entry_and_withdraws_an_unproven_claim(db):
    """A number and a name are public: an account that only claimed an RPPS entry loses it to the person who
    proves it with Pro Santé Connect (linking from « Sécurité »), audited."""
    from audit.models import AuditEntry
    from directory import actions as directory_actions
    from directory.models import Professional

    entry = Professional.objects.create(
        id_type="8", national_id="10101010105", idnat="810101010105", last_name="NOUVELLE",
        first_name="Nina", profession_code="10", source="rpps",
    )  # fmt: skip
    impostor = User.objects.create_user("imposteur@exemple.fr", "Un-mot-de-passe-2026!", last_name="Nouvelle")
    directory_actions.claim_extract_entry(impostor, "10101010105")
    nina = User.objects.create_user("nina@exemple.fr", "Un-mot-de-passe-2026!", last_name="Nouvelle")

    outcome = psc.resolve(psc.Identity("810101010105", "sub-nina", "eidas2"), linking=nina)

    assert outcome.kind == "linked"
    nina.refresh_from_db()
    impostor.refresh_from_db()
    assert nina.professional == entry and nina.external_idnat == "810101010105"
    assert impostor.professional is None
    assert AuditEntry.objects.filter(action="psc.claim_withdrawn", object_id=str(impostor.pk)).exists()


def test_an_entry_proven_by_a_card_is_not_taken_by_another_card_link(db):
    proven = User.objects.create_user(
        "prouve@exemple.fr", "Un-mot-de-passe-2026!", external_idnat="810101010105"
    )
    other = User.objects.create_user("autre@exemple.fr", "Un-mot-de-passe-2026!")

    outcome = psc.resolve(psc.Identity("810101010105", "sub-x", "eidas2"), linking=other)

    assert outcome.kind == "taken"
    proven.refresh_from_db()
    assert proven.external_idnat == "810101010105"
