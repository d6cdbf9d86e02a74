"""Who is an adhérent (cpts/roles.py ADHERENT_ROLES, Membership.objects.adherents()): coordinators, bureau and
members. Partner staff, ARS / CPAM referents and guests count in no membership figure, pay no dues and hold no
bureau post."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aci import sources
from cpts import actions
from cpts.models import BureauPosition, Membership
from cpts.roles import ADHERENT_ROLES, NON_ADHERENT_ROLES, Role
from cpts.stats import members_by_profession
from tests.cast import login

pytestmark = pytest.mark.django_db


def membership(cast, user) -> Membership:
    return Membership.objects.get(cpts=cast.cpts, user=user)


def test_the_rule_covers_every_role_once():
    assert set(ADHERENT_ROLES) == {Role.COORDINATOR, Role.BUREAU, Role.MEMBER}
    assert set(ADHERENT_ROLES) | set(NON_ADHERENT_ROLES) == set(Role) and not set(ADHERENT_ROLES) & set(
        NON_ADHERENT_ROLES
    )


def test_member_counts_leave_out_partners_referents_and_guests(client, cast):
    adherents = {cast.coordinator.pk, cast.bureau.pk, cast.member.pk}
    assert (
        set(Membership.objects.filter(cpts=cast.cpts).adherents().values_list("user_id", flat=True))
        == adherents
    )
    assert sum(row["count"] for row in members_by_profession(cast.cpts)) == 3
    today = timezone.localdate()
    figure = sources.compute("members", cast.cpts, today.replace(month=1, day=1), today)
    assert figure.value == 3 and figure.count == 3
    login(client, cast.coordinator)
    response = client.get(f"/c/{cast.cpts.slug}/rapports/")
    assert response.status_code == 200 and response.context["members"] == 3


@pytest.mark.parametrize("who", ["partner", "referent", "guest"])
def test_a_non_adherent_cannot_hold_a_bureau_post(cast, who):
    target = membership(cast, getattr(cast, who))
    with pytest.raises(actions.ActionError, match="Seul un adhérent peut occuper une fonction au bureau"):
        actions.appoint_bureau(cast.cpts, target.pk, "tresorier", dt.date(2025, 1, 1))
    assert not BureauPosition.objects.filter(membership=target).exists()


def test_the_bureau_page_offers_only_adherents_and_refuses_a_partner(client, cast):
    login(client, cast.coordinator)
    url = f"/c/{cast.cpts.slug}/bureau/"
    offered = {int(value) for value, _ in client.get(url).context["form"].fields["membership"].choices}
    assert offered == set(Membership.objects.filter(cpts=cast.cpts).adherents().values_list("pk", flat=True))
    partner = membership(cast, cast.partner)
    response = client.post(url, {"membership": partner.pk, "title": "president", "since": "2025-01-01"})
    assert response.status_code == 400 and not BureauPosition.objects.filter(membership=partner).exists()


def test_a_bureau_post_holder_does_not_become_a_non_adherent_silently(cast):
    target = membership(cast, cast.member)
    actions.appoint_bureau(cast.cpts, target.pk, "secretaire", dt.date(2025, 1, 1))
    with pytest.raises(actions.ActionError, match="mettez fin à son mandat"):
        actions.change_role(cast.cpts, target.pk, Role.PARTNER, cast.coordinator)
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_non_adherents_pay_no_dues(client, cast):
    with pytest.raises(actions.ActionError, match="Seuls les adhérents cotisent"):
        actions.set_dues(cast.cpts, membership(cast, cast.referent).pk, 2025, Decimal("20"), True)
    login(client, cast.coordinator)
    table = client.get(f"/c/{cast.cpts.slug}/cotisations/").context["table"]
    assert {m.user_id for m, _ in table} == {cast.coordinator.pk, cast.bureau.pk, cast.member.pk}
