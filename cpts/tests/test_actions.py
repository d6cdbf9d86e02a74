"""The write paths of the cpts app (cpts/actions.py)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from cpts import actions
from cpts.models import CPTS, BureauPosition, Dues, Membership, MembershipRequest
from cpts.roles import Role

pytestmark = pytest.mark.django_db

VALID_SIRET = "73282932000074"


@pytest.fixture
def coordinator():
    return User.objects.create_user("coord@actions.test", "x", first_name="Colette", last_name="Coord")


@pytest.fixture
def applicant():
    return User.objects.create_user("new@actions.test", "x", first_name="Nina", last_name="Nouvelle")


@pytest.fixture
def cpts(coordinator):
    return actions.create_cpts(name="CPTS Actions", coordinator=coordinator)


def _coordinator_membership(cpts):
    return Membership.objects.get(cpts=cpts, role=Role.COORDINATOR)


# --- create_cpts ----------------------------------------------------------------------------------


def test_create_cpts_makes_a_slug_and_the_first_coordinator(coordinator):
    cpts = actions.create_cpts(name="CPTS du Pays de Gex", coordinator=coordinator)
    assert cpts.slug == "cpts-du-pays-de-gex"
    assert Membership.objects.get(cpts=cpts, user=coordinator).role == Role.COORDINATOR


def test_create_cpts_with_a_duplicate_name_is_refused_whatever_the_case(cpts):
    with pytest.raises(actions.ActionError) as exc:
        actions.create_cpts(name="cpts actions")
    assert exc.value.field == "name"
    assert "existe déjà" in exc.value.message
    assert CPTS.objects.count() == 1


def test_create_cpts_without_a_name_is_refused():
    with pytest.raises(actions.ActionError, match="Le nom de la CPTS est obligatoire."):
        actions.create_cpts(name="   ")


def test_create_cpts_with_an_invalid_siret_is_refused_and_nothing_is_saved(coordinator):
    with pytest.raises(actions.ActionError) as exc:
        actions.create_cpts(name="CPTS Siret", coordinator=coordinator, siret="73282932000075")
    assert exc.value.field == "siret"
    assert exc.value.message == "Le numéro SIRET est invalide : sa clé de contrôle ne correspond pas."
    assert not CPTS.objects.filter(name="CPTS Siret").exists()
    assert not Membership.objects.filter(user=coordinator).exists()


def test_create_cpts_with_a_short_siret_gives_the_format_message():
    with pytest.raises(actions.ActionError, match="exactement 14 chiffres"):
        actions.create_cpts(name="CPTS Siret court", siret="1234")


def test_create_cpts_with_a_valid_siret_is_saved():
    cpts = actions.create_cpts(name="CPTS Siret valide", siret=VALID_SIRET)
    assert cpts.siret == VALID_SIRET


# --- membership requests --------------------------------------------------------------------------


def test_request_membership_creates_a_pending_request(cpts, applicant):
    req = actions.request_membership(cpts, applicant, "  Bonjour  ")
    assert req.status == MembershipRequest.Status.PENDING
    assert req.message == "Bonjour"


def test_a_second_pending_request_is_refused(cpts, applicant):
    actions.request_membership(cpts, applicant)
    with pytest.raises(actions.ActionError, match="déjà une demande d'adhésion en attente"):
        actions.request_membership(cpts, applicant)
    assert MembershipRequest.objects.filter(user=applicant).count() == 1


def test_a_member_cannot_ask_to_join_again(cpts, coordinator):
    with pytest.raises(actions.ActionError, match="Vous êtes déjà membre de cette CPTS."):
        actions.request_membership(cpts, coordinator)
    assert not MembershipRequest.objects.exists()


def test_a_request_message_over_2000_characters_is_refused(cpts, applicant):
    with pytest.raises(actions.ActionError) as exc:
        actions.request_membership(cpts, applicant, "x" * 2001)
    assert exc.value.field == "message"
    assert not MembershipRequest.objects.exists()


def test_accept_request_creates_the_membership_with_the_chosen_role(cpts, coordinator, applicant):
    req = actions.request_membership(cpts, applicant)
    membership = actions.accept_request(cpts, req.pk, coordinator, Role.BUREAU)
    assert membership.user == applicant
    assert membership.role == Role.BUREAU
    req.refresh_from_db()
    assert req.status == MembershipRequest.Status.ACCEPTED
    assert req.decided_by == coordinator


def test_accept_request_records_a_decision_in_the_audit_log(cpts, coordinator, applicant):
    req = actions.request_membership(cpts, applicant)
    actions.accept_request(cpts, req.pk, coordinator)
    entry = AuditEntry.objects.filter(action="decision").order_by("-pk").first()
    assert entry is not None
    assert entry.cpts_id == cpts.pk
    assert entry.object_id == str(req.pk)
    assert entry.details["decision"] == "accepted"


def test_accept_request_with_an_unknown_role_is_refused(cpts, coordinator, applicant):
    req = actions.request_membership(cpts, applicant)
    with pytest.raises(actions.ActionError, match="Rôle inconnu."):
        actions.accept_request(cpts, req.pk, coordinator, "tsar")
    assert not Membership.objects.filter(user=applicant).exists()


def test_a_request_cannot_be_accepted_twice(cpts, coordinator, applicant):
    req = actions.request_membership(cpts, applicant)
    actions.accept_request(cpts, req.pk, coordinator)
    with pytest.raises(actions.ActionError, match="déjà été traitée"):
        actions.accept_request(cpts, req.pk, coordinator)


def test_a_request_of_another_cpts_cannot_be_accepted(cpts, coordinator, applicant):
    other = actions.create_cpts(name="CPTS Ailleurs")
    req = actions.request_membership(other, applicant)
    with pytest.raises(actions.ActionError, match="n'existe pas"):
        actions.accept_request(cpts, req.pk, coordinator)
    assert not Membership.objects.filter(user=applicant).exists()


def test_refuse_request_requires_a_reason(cpts, coordinator, applicant):
    req = actions.request_membership(cpts, applicant)
    with pytest.raises(actions.ActionError) as exc:
        actions.refuse_request(cpts, req.pk, coordinator, "   ")
    assert exc.value.field == "reason"
    req.refresh_from_db()
    assert req.status == MembershipRequest.Status.PENDING


def test_refuse_request_with_a_reason_records_it_and_a_decision(cpts, coordinator, applicant):
    req = actions.request_membership(cpts, applicant)
    actions.refuse_request(cpts, req.pk, coordinator, "Hors territoire")
    req.refresh_from_db()
    assert req.status == MembershipRequest.Status.REFUSED
    assert req.reason == "Hors territoire"
    assert AuditEntry.objects.filter(action="decision", details__decision="refused").exists()
    assert not Membership.objects.filter(user=applicant).exists()


def test_after_a_refusal_the_applicant_may_ask_again(cpts, coordinator, applicant):
    req = actions.request_membership(cpts, applicant)
    actions.refuse_request(cpts, req.pk, coordinator, "Incomplet")
    assert actions.request_membership(cpts, applicant).status == MembershipRequest.Status.PENDING


# --- roles, dues, bureau --------------------------------------------------------------------------


def test_change_role_cannot_remove_the_last_coordinator(cpts, coordinator):
    membership = _coordinator_membership(cpts)
    with pytest.raises(actions.ActionError, match="au moins un coordinateur"):
        actions.change_role(cpts, membership.pk, Role.MEMBER, coordinator)
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_change_role_of_a_coordinator_is_allowed_when_another_remains(cpts, coordinator, applicant):
    Membership.objects.create(cpts=cpts, user=applicant, role=Role.COORDINATOR)
    first = Membership.objects.get(cpts=cpts, user=coordinator)
    membership = actions.change_role(cpts, first.pk, Role.MEMBER, applicant)
    assert membership.role == Role.MEMBER


def test_change_role_to_an_unknown_role_is_refused(cpts, coordinator):
    with pytest.raises(actions.ActionError, match="Rôle inconnu."):
        actions.change_role(cpts, _coordinator_membership(cpts).pk, "roi", coordinator)


def test_set_dues_records_a_payment_dated_today(cpts):
    dues = actions.set_dues(cpts, _coordinator_membership(cpts).pk, 2024, Decimal("30.00"), True)
    assert dues.paid_on == timezone.localdate()
    assert Dues.objects.get(membership__cpts=cpts, year=2024).amount == Decimal("30.00")


def test_set_dues_with_a_negative_amount_is_refused(cpts):
    with pytest.raises(actions.ActionError) as exc:
        actions.set_dues(cpts, _coordinator_membership(cpts).pk, 2024, Decimal("-1"), False)
    assert exc.value.field == "amount"
    assert not Dues.objects.exists()


@pytest.mark.parametrize("year", [2015, timezone.localdate().year + 2])
def test_set_dues_outside_2016_to_next_year_is_refused(cpts, year):
    with pytest.raises(actions.ActionError, match="L'année doit être comprise entre 2016"):
        actions.set_dues(cpts, _coordinator_membership(cpts).pk, year, Decimal("10"), False)
    assert not Dues.objects.exists()


def test_set_dues_for_next_year_is_allowed(cpts):
    year = timezone.localdate().year + 1
    assert actions.set_dues(cpts, _coordinator_membership(cpts).pk, year, Decimal("10"), False).year == year


def test_appoint_bureau_names_a_president(cpts):
    position = actions.appoint_bureau(
        cpts, _coordinator_membership(cpts).pk, "president", dt.date(2024, 1, 1)
    )
    assert position.title == BureauPosition.Title.PRESIDENT


def test_a_second_president_is_refused_while_the_first_is_in_office(cpts, applicant):
    actions.appoint_bureau(cpts, _coordinator_membership(cpts).pk, "president", dt.date(2024, 1, 1))
    other = Membership.objects.create(cpts=cpts, user=applicant, role=Role.BUREAU)
    with pytest.raises(actions.ActionError, match="déjà occupée"):
        actions.appoint_bureau(cpts, other.pk, "president", dt.date(2024, 2, 1))
    assert BureauPosition.objects.filter(title="president").count() == 1


def test_a_new_president_can_be_appointed_after_the_mandate_ends(cpts, applicant):
    first = actions.appoint_bureau(cpts, _coordinator_membership(cpts).pk, "president", dt.date(2024, 1, 1))
    actions.end_bureau(cpts, first.pk, dt.date(2024, 6, 30))
    other = Membership.objects.create(cpts=cpts, user=applicant, role=Role.BUREAU)
    assert actions.appoint_bureau(cpts, other.pk, "president", dt.date(2024, 7, 1)).membership == other


def test_several_vice_presidents_are_allowed(cpts, applicant):
    actions.appoint_bureau(cpts, _coordinator_membership(cpts).pk, "vice_president", dt.date(2024, 1, 1))
    other = Membership.objects.create(cpts=cpts, user=applicant, role=Role.BUREAU)
    actions.appoint_bureau(cpts, other.pk, "vice_president", dt.date(2024, 1, 1))
    assert BureauPosition.objects.filter(title="vice_president").count() == 2
