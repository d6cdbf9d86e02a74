"""What GPs declare (gpmatching.capacity): refusals in French that write nothing, who may declare for whom,
the room left this month, and the projection of demand against capacity."""

import datetime as dt

import pytest
from django.utils import timezone

from directory.models import PracticePlace, Professional
from gpmatching import capacity as capacity_rules
from gpmatching.models import Capacity, Proposal, Request
from gpmatching.tests.conftest import AMBERIEU, BELLEY, BRENS, VIRIGNIN
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_current_timezone())


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"per_month": -1}, "per_month", "Le nombre de nouveaux patients par mois ne peut pas être négatif."),
        ({"per_month": ""}, "per_month", "Le nombre de nouveaux patients par mois est obligatoire."),
        (
            {"per_month": "deux"},
            "per_month",
            "Le nombre de nouveaux patients par mois : un nombre entier est attendu.",
        ),
        (
            {"per_month": 101},
            "per_month",
            "Le nombre de nouveaux patients par mois ne peut pas dépasser 100.",
        ),
        (
            {"per_month": 2, "max_distance_km": 0},
            "max_distance_km",
            "La distance maximale ne peut pas être en dessous de 1.",
        ),
        (
            {"per_month": 2, "max_distance_km": 101},
            "max_distance_km",
            "La distance maximale ne peut pas dépasser 100.",
        ),
        (
            {"per_month": 2, "min_age": 18, "max_age": 16},
            "max_age",
            "L'âge maximal doit être supérieur ou égal à l'âge minimal.",
        ),
        ({"per_month": 2, "min_age": -3}, "min_age", "L'âge minimal ne peut pas être négatif."),
        (
            {"per_month": 2, "communes": [BELLEY, AMBERIEU, "01022"]},
            "communes",
            "Communes hors du territoire de la CPTS : 01004, 01022.",
        ),
        (
            {"per_month": 2, "paused_until": TODAY - dt.timedelta(days=1)},
            "paused_until",
            "La fin de la pause est déjà passée : laissez le champ vide pour reprendre.",
        ),
        (
            {"per_month": 2, "retirement_on": TODAY - dt.timedelta(days=2)},
            "retirement_on",
            "La date de départ en retraite est passée.",
        ),
        (
            {"per_month": 2, "paused_until": "31/12/2026"},
            "paused_until",
            "La date de fin de pause : date invalide.",
        ),
    ],
)
def test_bad_declarations_are_refused_in_french_and_write_nothing(gp_world, data, field, message):
    with pytest.raises(ActionError) as refused:
        gp_world.declare(0, **data)
    assert (refused.value.message, refused.value.field) == (message, field)
    assert not Capacity.objects.exists()


def test_a_place_of_another_professional_is_refused(gp_world):
    with pytest.raises(ActionError) as refused:
        gp_world.declare(0, per_month=2, place=gp_world.places[1].pk)
    assert (refused.value.message, refused.value.field) == (
        "Ce lieu d'exercice n'est pas l'un des vôtres.",
        "place",
    )
    inactive = PracticePlace.objects.create(
        professional=gp_world.gps[0], label="Ancien cabinet", active=False
    )
    with pytest.raises(ActionError):
        gp_world.declare(0, per_month=2, place=inactive.pk)
    assert not Capacity.objects.exists()


def test_declaration_is_stored_and_updated_in_place(gp_world):
    c = gp_world.declare(
        0,
        per_month="3",
        max_distance_km="15",
        min_age="16",
        max_age="",
        home_visits="on",
        communes=[BELLEY, BRENS, ""],
        place=gp_world.places[0].pk,
        patients="1200",
    )
    c = Capacity.objects.get(pk=c.pk)
    assert (c.per_month, c.max_distance_km, c.min_age, c.max_age, c.home_visits, c.patients, c.place_id) == (
        3,
        15,
        16,
        None,
        True,
        1200,
        gp_world.places[0].pk,
    )
    assert sorted(c.communes.values_list("insee", flat=True)) == [BELLEY, BRENS]
    assert c.updated_by == gp_world.users[0] and c.cpts == gp_world.cpts
    again = gp_world.declare(0, per_month=1, communes=[VIRIGNIN])
    assert again.pk == c.pk and Capacity.objects.count() == 1
    again.refresh_from_db()
    assert (again.per_month, again.max_distance_km, again.min_age, again.home_visits, again.place_id) == (
        1,
        None,
        0,
        False,
        None,
    )
    assert list(again.communes.values_list("insee", flat=True)) == [VIRIGNIN]


def test_only_physicians_declare(gp_world):
    nurse = Professional.objects.create(
        id_type="8",
        national_id="10000000017",
        idnat="810000000017",
        last_name="INFIRMIERE",
        first_name="Inès",
        profession_code="60",
    )
    with pytest.raises(ActionError) as refused:
        capacity_rules.declare(gp_world.cpts, nurse, gp_world.cast.coordinator, {"per_month": 2})
    assert refused.value.message == (
        "Seuls les médecins déclarent une capacité d'accueil de patients sans médecin traitant."
    )
    assert not Capacity.objects.exists()


def test_a_member_declares_only_for_themself_the_coordination_for_any_member_gp(gp_world):
    cast = gp_world.cast
    for who in (cast.member, cast.bureau, cast.partner, cast.other_coordinator, cast.outsider):
        with pytest.raises(ActionError) as refused:
            capacity_rules.declare(gp_world.cpts, gp_world.gps[1], who, {"per_month": 2})
        assert refused.value.message == "Seuls le médecin lui-même et la coordination déclarent sa capacité."
    assert not Capacity.objects.exists()
    assert (
        capacity_rules.declare(gp_world.cpts, gp_world.gps[1], cast.coordinator, {"per_month": 2}).per_month
        == 2
    )
    assert (
        capacity_rules.declare(gp_world.cpts, gp_world.gps[1], gp_world.users[1], {"per_month": 4}).per_month
        == 4
    )
    # A GP whose membership ended no longer declares.
    gp_world.users[1].memberships.update(active=False)
    with pytest.raises(ActionError):
        capacity_rules.declare(gp_world.cpts, gp_world.gps[1], gp_world.users[1], {"per_month": 5})
    assert Capacity.objects.get().per_month == 4


def test_paused_retired_or_zero_capacity_leaves_no_room_and_says_why(gp_world):
    c = gp_world.declare(0, per_month=3, paused_until=TODAY)
    assert capacity_rules.remaining(c, {}, TODAY) == 0
    assert capacity_rules.unavailable_reason(c, TODAY) == f"Dr Membre est en pause jusqu'au {TODAY:%d/%m/%Y}."
    tomorrow = TODAY + dt.timedelta(days=1)
    assert capacity_rules.unavailable_reason(c, tomorrow) == ""
    assert capacity_rules.remaining(c, {gp_world.gps[0].pk: 1}, tomorrow) == 2
    assert capacity_rules.remaining(c, {gp_world.gps[0].pk: 5}, tomorrow) == 0

    c = gp_world.declare(0, per_month=3, retirement_on=TODAY + dt.timedelta(days=10))
    assert capacity_rules.remaining(c, {}, TODAY) == 3
    later = TODAY + dt.timedelta(days=10)
    assert capacity_rules.remaining(c, {}, later) == 0
    assert capacity_rules.unavailable_reason(c, later) == f"Dr Membre a pris sa retraite le {later:%d/%m/%Y}."

    c = gp_world.declare(1, per_month=0)
    assert capacity_rules.remaining(c, {}, TODAY) == 0
    assert (
        capacity_rules.unavailable_reason(c, TODAY)
        == "Dr Brensard ne prend pas de nouveaux patients en ce moment."
    )


def test_used_this_month_counts_sent_and_accepted_proposals_of_the_local_month(gp_world):
    day = dt.date(2026, 11, 15)
    gp_a, gp_b = gp_world.gps[0], gp_world.gps[1]
    rows = [
        (gp_a, Proposal.Status.SENT, paris(2026, 11, 1, 0, 30)),  # counted: 1 November in Paris (31 Oct UTC)
        (gp_a, Proposal.Status.ACCEPTED, paris(2026, 11, 14, 9)),  # counted
        (gp_a, Proposal.Status.SENT, paris(2026, 10, 31, 23, 30)),  # last month
        (gp_a, Proposal.Status.DECLINED, paris(2026, 11, 3, 9)),  # no longer holds a place
        (gp_a, Proposal.Status.EXPIRED, paris(2026, 11, 3, 9)),
        (gp_a, Proposal.Status.DISCARDED, paris(2026, 11, 3, 9)),
        (gp_a, Proposal.Status.DRAFT, None),  # not sent
        (gp_b, Proposal.Status.ACCEPTED, paris(2026, 11, 2, 9)),
    ]
    for pro, status, sent_at in rows:
        Proposal.objects.create(
            cpts=gp_world.cpts, request=gp_world.request(), professional=pro, status=status, sent_at=sent_at
        )
    used = capacity_rules.used_this_month(gp_world.cpts, day)
    assert used == {gp_a.pk: 2, gp_b.pk: 1}
    assert capacity_rules.used_this_month(gp_world.cast.other, day) == {}
    c = gp_world.declare(0, per_month=3)
    assert capacity_rules.remaining(c, used, day) == 1


def test_projection_and_patients_at_risk(gp_world):
    day = dt.date(2027, 3, 10)
    cpts, coordinator = gp_world.cpts, gp_world.cast.coordinator
    capacity_rules.declare(
        cpts,
        gp_world.gps[0],
        coordinator,
        {"per_month": 2, "patients": 1000, "retirement_on": dt.date(2027, 5, 15)},
        today=day,
    )
    capacity_rules.declare(
        cpts,
        gp_world.gps[1],
        coordinator,
        {"per_month": 3, "patients": 800, "paused_until": dt.date(2027, 4, 30)},
        today=day,
    )
    # Retiring 24 months minus 5 days from now: within the horizon.
    capacity_rules.declare(
        cpts,
        gp_world.gps[2],
        coordinator,
        {"per_month": 1, "patients": 500, "retirement_on": dt.date(2029, 3, 5)},
        today=day,
    )
    created = [
        (paris(2026, 10, 15, 12), Request.Status.WAITING),  # waiting, in the last six months
        (paris(2026, 11, 20, 12), Request.Status.PLACED),  # in the last six months
        (paris(2026, 10, 1, 12), Request.Status.MERGED),  # a duplicate: not a new request
        (paris(2026, 8, 31, 12), Request.Status.WAITING),  # waiting, before the six months
        (paris(2027, 3, 5, 12), Request.Status.WAITING),  # waiting, this month (not a full month yet)
        (paris(2027, 2, 10, 12), Request.Status.UNCONFIRMED),  # not confirmed: not on the list
        (paris(2027, 1, 10, 12), Request.Status.WITHDRAWN),  # a request of the period, since withdrawn
    ]
    for at, status in created:
        r = gp_world.request()
        Request.objects.filter(pk=r.pk).update(created_at=at, status=status)
    # Inflow: 4 requests over the six full months before March (September to February) = 2/3 a month.
    proj = capacity_rules.projection(cpts, today=day, months=4)
    assert proj.months == ["2027-03", "2027-04", "2027-05", "2027-06"]
    # Waiting 3, + 2/3 a month, + the 1000 patients of the GP retiring in May.
    assert proj.demand == [4, 4, 1005, 1006]
    # March and April: Dr Brensard paused (2 + 1); May: all three (2 + 3 + 1); June: Dr Membre retired (3 +
    # 1).
    assert proj.capacity == [3, 6, 12, 16]
    assert proj.at_risk == 1500
    assert capacity_rules.at_risk(list(Capacity.objects.all()), dt.date(2027, 3, 4)) == 1000


def test_member_gps_and_their_accounts(gp_world):
    cast = gp_world.cast
    assert set(capacity_rules.member_gps(gp_world.cpts)) == set(gp_world.gps)
    assert capacity_rules.gp_user_ids(gp_world.cpts, gp_world.gps[1].pk) == [gp_world.users[1].pk]
    gp_world.users[2].is_active = False
    gp_world.users[2].save()
    assert set(capacity_rules.member_gps(gp_world.cpts)) == {gp_world.gps[0], gp_world.gps[1]}
    assert capacity_rules.gp_user_ids(gp_world.cpts, gp_world.gps[2].pk) == []
    assert list(capacity_rules.member_gps(cast.other)) == []


def test_the_coordination_cannot_declare_for_a_physician_who_is_not_a_member(gp_world):
    outsider_gp = Professional.objects.create(
        id_type="8",
        national_id="10000000025",
        idnat="810000000025",
        last_name="EXTERIEUR",
        first_name="Paul",
        profession_code="10",
    )
    with pytest.raises(ActionError) as refused:
        capacity_rules.declare(gp_world.cpts, outsider_gp, gp_world.cast.coordinator, {"per_month": 2})
    assert refused.value.message == (
        "Ce médecin n'est pas adhérent de la CPTS : il doit d'abord adhérer pour recevoir des patients."
    )
    assert not Capacity.objects.exists()
