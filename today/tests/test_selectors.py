"""« Aujourd'hui » per role (today/selectors.py), on the real database with the cast of tests/cast.py: what a
professional, the coordination and a referent each get, sorted by what matters now, and what they must not
get (a group they do not read, another GP's proposals, another professional's bookings, the coordination's
blocks)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aci import contracts
from aci import indicators as aci_rules
from aci.indicators import StepInput
from agenda import actions as agenda_actions
from agenda.models import Event
from agenda.timing import PARIS, When
from coordination import actions as coordination
from coordination import selectors as coordination_selectors
from coordination.tests.helpers import circle_with_consent
from cpts.models import MembershipRequest
from cpts.scoping import access_cpts
from gpmatching import matching
from gpmatching.models import Proposal
from gpmatching.tests.conftest import make_gp_world
from today import selectors
from unscheduled.models import Booking, Slot
from unscheduled.tests.conftest import make_world

pytestmark = pytest.mark.django_db

CORE = ["access", "crisis", "pathways", "prevention"]


def page(user, cast, now=None):
    return selectors.today_for(user, access_cpts(user, cast.cpts.slug), now)


def keys(today):
    return [b.key for b in today.blocks]


def slot(world, day, hour, pro="gp"):
    professional, place = (world.gp, world.gp_place) if pro == "gp" else (world.nurse, world.nurse_place)
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)
    return Slot.objects.create(
        cpts=world.cast.cpts,
        professional=professional,
        place=place,
        start=start,
        end=start + dt.timedelta(minutes=20),
        created_by=world.cast.member,
        show_cpts=True,
    )


def book(world, s, name, status=Booking.Status.BOOKED):
    if status in Booking.LIVE:  # the slot's denormalised state, as unscheduled.booking.book keeps it
        Slot.objects.filter(pk=s.pk).update(status=Slot.Status.BOOKED)
    return Booking.objects.create(
        cpts=world.cast.cpts,
        slot=s,
        status=status,
        family_name=name,
        given_names="Jean",
        motif="Fièvre",
        booked_by=world.cast.partner,
    )


LONG = (
    "Pansement refait ce matin, la plaie est propre et sèche, prochain passage jeudi à 9 h. Prévoir des "
    "compresses stériles et du sérum physiologique."
)


# --- Professional ------------------------------------------------------------------------------------------


def test_unread_conversations_come_latest_first_with_the_first_words_of_their_last_message(cast):
    circle = circle_with_consent(cast, cast.bureau, family_name="LEBRUN")
    coordination.post_message(circle, cast.bureau, "Premier passage fait, rien à signaler.", subject="Suivi")
    coordination.post_message(circle, cast.bureau, LONG, subject="Suivi")
    conversation, _, _ = coordination.start_conversation(
        cast.cpts, cast.bureau, [cast.member], "Garde", "Un mot sur la garde de samedi ?"
    )
    read = circle_with_consent(cast, cast.bureau, family_name="LU")
    seen = coordination.post_message(read, cast.bureau, "Déjà lu", subject="Suivi")
    coordination.mark_read(seen, cast.member)

    unread = page(cast.member, cast).block("unread")
    assert not unread.empty and (unread.data.count, unread.data.messages) == (2, 3)
    first, second = unread.data.items
    assert (first.group, first.title, first.unread, first.author) == (
        conversation,
        "Basile Bureau",
        1,
        "Basile",
    )
    assert first.preview == "Un mot sur la garde de samedi ?"
    assert (second.group, second.unread) == (circle, 2)
    # The first words, cut at a word as the group list cuts them (coordination.selectors.preview).
    assert second.preview == coordination_selectors.preview(LONG) and second.preview.endswith("…")
    assert second.preview.startswith("Pansement refait ce matin") and "sérum" not in second.preview
    # The user answered last: « Vous », and the unread messages before it still count.
    coordination.post_message(circle, cast.member, "Merci, je passe demain.", subject="Suivi")
    again = page(cast.member, cast).block("unread").data.items
    assert (again[0].group, again[0].author, again[0].unread) == (circle, "Vous", 2)


def test_no_preview_of_a_group_the_user_does_not_read(cast):
    circle = circle_with_consent(cast, cast.bureau, family_name="SECRET")
    coordination.post_message(circle, cast.bureau, "Glycémie 4,1", subject="Suivi")
    for user in (cast.coordinator, cast.partner):  # manages groups without reading them; not in the circle
        unread = page(user, cast).block("unread")
        assert unread.empty and unread.data.items == []
    coordination.remove_member(circle, cast.member, cast.bureau)
    coordination.post_message(circle, cast.member, "Nouveau message", subject="Suivi")
    assert page(cast.bureau, cast).block("unread").data.count == 0  # removed: reads nothing any more


def test_bookings_of_today_and_tomorrow_on_the_slots_the_user_manages_by_time(cast):
    world = make_world(cast)
    today = timezone.localdate()
    late = book(world, slot(world, today, 17), "TARDIF")
    early = book(world, slot(world, today, 8), "MATINAL")
    tomorrow = book(world, slot(world, today + dt.timedelta(days=1), 9), "DEMAIN")
    book(world, slot(world, today + dt.timedelta(days=1), 10), "ANNULE", status=Booking.Status.CANCELLED)
    book(world, slot(world, today + dt.timedelta(days=2), 9), "APRES")
    book(world, slot(world, today, 11, pro="nurse"), "INFIRMIERE")  # another professional's

    block = page(cast.member, cast).block("bookings")
    assert block.data.count == 3
    assert [d.day for d in block.data.items] == [today, today + dt.timedelta(days=1)]
    assert [d.bookings for d in block.data.items] == [[early, late], [tomorrow]]
    assert [
        b.family_name for d in page(cast.bureau, cast).block("bookings").data.items for b in d.bookings
    ] == ["INFIRMIERE"]
    # Someone who manages nobody's slots has no bookings block and no « Publier des créneaux ».
    partner = page(cast.partner, cast)
    assert partner.block("bookings") is None and not partner.publish
    assert page(cast.member, cast).publish


def test_a_gp_sees_the_patients_sent_to_them_not_the_drafts_nor_those_of_others(cast):
    world = make_gp_world(cast)
    world.declare(0, per_month=2)
    first, second = world.request(), world.request()
    matching.run(world.cpts, cast.coordinator)
    drafts = list(Proposal.objects.filter(professional=world.gps[0]).order_by("pk"))
    assert len(drafts) == 2
    assert page(cast.member, cast).block("proposals").empty  # drafted, not sent yet
    matching.send(world.cpts, cast.coordinator, [p.pk for p in drafts])
    block = page(cast.member, cast).block("proposals")
    assert block.data.count == 2 and {p.request for p in block.data.items} == {first, second}
    other = world.users[1]
    assert page(other, cast).block("proposals").data.count == 0
    assert page(cast.bureau, cast).block("proposals") is None  # not a physician


def test_events_of_the_next_seven_days_in_the_groups_the_user_reads(cast):
    circle = circle_with_consent(cast, cast.bureau)
    today = timezone.localdate()

    def event(days, title):
        start = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(9), tzinfo=PARIS)
        return agenda_actions.create_event(
            circle,
            cast.member,
            kind=Event.Kind.HOME_VISIT,
            title=title,
            when=When.between(start, start + dt.timedelta(hours=1)),
        )

    soon, later = event(3, "Pansement"), event(1, "Visite")
    event(9, "Trop loin")
    agenda_actions.cancel_event(event(2, "Annulé"), cast.member)
    block = page(cast.bureau, cast).block("events")
    assert [e.title for e in block.data.items] == [later.title, soon.title] and block.data.count == 2
    assert page(cast.partner, cast).block("events").empty  # not in the circle


# --- Coordination -------------------------------------------------------------------------------------------


def test_the_coordination_sees_waiting_requests_and_whether_to_run_a_matching(cast):
    world = make_gp_world(cast)
    world.request()
    queue = page(cast.coordinator, cast).block("gp-queue").data
    assert (queue.waiting, queue.gps_with_room, queue.matching_due) == (1, 0, False)  # no GP has room
    world.declare(1, per_month=3)
    queue = page(cast.coordinator, cast).block("gp-queue").data
    assert (queue.waiting, queue.gps_with_room, queue.places, queue.matching_due) == (1, 1, 3, True)
    matching.run(world.cpts, cast.coordinator)
    queue = page(cast.coordinator, cast).block("gp-queue").data
    assert (queue.drafts, queue.matching_due) == (1, False)  # send the drafts first


def test_the_coordination_sees_membership_requests_oldest_first(cast):
    for user in (cast.outsider, cast.other_coordinator):
        MembershipRequest.objects.create(cpts=cast.cpts, user=user)
    block = page(cast.coordinator, cast).block("membership")
    assert block.data.count == 2 and [r.user for r in block.data.items] == [
        cast.outsider,
        cast.other_coordinator,
    ]


def test_the_coordination_sees_late_deadlines_and_indicators_off_track(cast):
    contract = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=dt.date(2025, 1, 15),
        missions=CORE,
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    year = aci_rules.current_year(contract)
    missed = aci_rules.define(contract, cast.coordinator, mission="prevention", name="Ateliers tenus")
    aci_rules.set_steps(missed, cast.coordinator, year, [StepInput("Socle", "10", "2000")])
    aci_rules.record_result(missed, cast.coordinator, year, "0")
    reached = aci_rules.define(contract, cast.coordinator, mission="pathways", name="Parcours rédigés")
    aci_rules.set_steps(reached, cast.coordinator, year, [StepInput("Socle", "1", "1000")])
    aci_rules.record_result(reached, cast.coordinator, year, "1")

    today = page(cast.coordinator, cast)
    late = today.block("deadlines").data
    assert late.count > 0 and late.items[0].state == "en retard"  # the core starts are long past
    off = today.block("off-track").data
    first_day = timezone.localdate() == contracts.year_bounds(contract, year)[0]
    assert [j.status.indicator for j in off.off_track.items] == ([] if first_day else [missed])
    assert off.glance.earned == Decimal("1000")


def test_the_coordination_sees_free_slots_of_the_next_seven_days_against_those_offered(cast):
    world = make_world(cast)
    today = timezone.localdate()
    free = slot(world, today + dt.timedelta(days=1), 9)
    book(world, slot(world, today + dt.timedelta(days=2), 9), "PRIS")
    slot(world, today + dt.timedelta(days=8), 9)  # beyond the week
    slots = page(cast.coordinator, cast).block("unfilled").data
    assert (slots.free.count, slots.offered, slots.free.items) == (1, 2, [free])


# --- Who gets which blocks ----------------------------------------------------------------------------------

COORDINATION = {"gp-queue", "membership", "deadlines", "off-track", "unfilled", "no-contract"}
PROFESSIONAL = {"bookings", "unread", "proposals", "events"}


def test_a_member_never_gets_the_coordination_blocks_nor_the_reports(cast):
    make_world(cast)
    member = set(keys(page(cast.member, cast)))
    assert member == PROFESSIONAL
    coordinator = set(keys(page(cast.coordinator, cast)))
    assert COORDINATION - {"deadlines", "off-track"} <= coordinator and "reports" not in coordinator
    assert not {"bookings", "proposals"} & coordinator  # the coordinator of the cast is no professional


def test_a_referent_gets_the_contract_and_the_reports_only(cast):
    assert keys(page(cast.referent, cast)) == ["no-contract", "reports"]
    contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=dt.date(2025, 1, 15),
        missions=CORE,
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    today = page(cast.referent, cast)
    assert keys(today) == ["contract", "reports"] and not today.publish
    assert today.block("contract").data.glance.maximum > 0


def test_empty_blocks_come_after_those_that_need_the_person(cast):
    circle = circle_with_consent(cast, cast.bureau)
    coordination.post_message(circle, cast.bureau, "Bonjour", subject="Suivi")
    ordered = page(cast.member, cast).ordered
    assert [b.key for b in ordered] == ["unread", "bookings", "proposals", "events"]
    assert [b.empty for b in ordered] == [False, True, True, True]
