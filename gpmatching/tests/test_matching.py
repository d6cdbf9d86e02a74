"""Proposing GPs to the waiting list (gpmatching.matching): the run and its explanations, sending all or
nothing, the GP's answer (placement, patient informed; refusal never proposed again), reminders and expiry."""

import datetime as dt
import math

import pytest
from django.urls import reverse
from django.utils import timezone

from gpmatching import capacity as capacity_rules
from gpmatching import intake, matching
from gpmatching.models import MatchingRun, Placement, Policy, Proposal, Request, RequestEvent
from gpmatching.tests.conftest import BELLEY, BRENS, MAGNIEU
from notifications.models import Notification
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db

FULL = (
    "Les médecins compatibles n'ont plus de place ce mois-ci : d'autres demandes, plus prioritaires ou sans "
    "autre solution, les occupent."
)
NONE = (
    "Aucun médecin ne peut la prendre : distance ou communes, âge, visites à domicile, ou refus déjà donné "
    "par les médecins proches."
)


def metres(a, b) -> int:
    """Great-circle distance between two communes' centres, computed here independently of the solver."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.longitude - a.longitude) / 2) ** 2
    )
    return round(2 * 6_371_008.8 * math.asin(math.sqrt(h)))


def drafts(run):
    return {p.request_id: p for p in run.proposals.select_related("professional")}


def kinds(request):
    return list(RequestEvent.objects.filter(request=request).values_list("kind", flat=True))


@pytest.fixture
def sent(gp_world, django_capture_on_commit_callbacks):
    """One request (an ALD patient of 76 in Belley, waiting for 100 days) proposed to Dr Membre and sent."""
    gp_world.declare(0, per_month=2)
    request = gp_world.request(
        birth_date=dt.date(1950, 1, 2),
        ald=True,
        c2s=True,
        phone="0612345678",
        waiting_since=timezone.localdate() - dt.timedelta(days=100),
    )
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    (proposal,) = run.proposals.all()
    with django_capture_on_commit_callbacks(execute=True):
        matching.send(gp_world.cpts, gp_world.cast.coordinator, [proposal.pk])
    proposal.refresh_from_db()
    return request, proposal


def test_run_drafts_the_optimal_proposals_with_their_explanation_and_the_reasons_of_the_others(gp_world):
    w = gp_world
    w.declare(0, per_month=1, max_distance_km=20)
    w.declare(1, per_month=1, min_age=18)
    first = w.request(ald=True)  # 40 points, Belley
    belley = w.request()  # 10 points, Belley
    brens = w.request(commune=BRENS)  # 10 points, Brens
    child = w.request(commune=MAGNIEU, birth_date=dt.date(2020, 1, 1))  # only Dr Membre takes children
    home = w.request(home_visits=True)  # nobody makes home visits
    intake.submit_public(w.cpts, w.patient(reason="moved"))  # unconfirmed: not on the list
    run = matching.run(w.cpts, w.cast.coordinator)
    assert (run.requests, run.gps, run.pairs, run.placed, run.weighted, run.distance_m) == (5, 2, 7, 2, 50, 0)
    assert run.optimal and run.started_by == w.cast.coordinator
    # The greedy baseline gives Dr Brensard the next patient by date, from Belley.
    belley_brens = metres(w.communes[BELLEY], w.communes[BRENS])
    assert 3900 < belley_brens < 4100
    assert (run.greedy_placed, run.greedy_weighted, run.greedy_distance_m) == (2, 50, belley_brens)
    made = drafts(run)
    assert set(made) == {first.pk, brens.pk}
    assert made[first.pk].professional == w.gps[0] and made[brens.pk].professional == w.gps[1]
    assert made[first.pk].explanation == "Proposé au Dr Marie Membre, 0,0 km, capacité restante 0"
    assert made[brens.pk].explanation == "Proposé au Dr Paul Brensard, 0,0 km, capacité restante 0"
    assert all(p.status == Proposal.Status.DRAFT and p.sent_at is None for p in made.values())
    assert run.unplaced == {str(belley.pk): FULL, str(child.pk): FULL, str(home.pk): NONE}
    assert Request.objects.filter(status=Request.Status.WAITING).count() == 5  # drafts change no request


def test_explanation_gives_the_distance_and_the_room_left(gp_world):
    gp_world.declare(0, per_month=3)
    far = gp_world.request(commune=MAGNIEU)
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    (proposal,) = run.proposals.all()
    d = metres(gp_world.communes[MAGNIEU], gp_world.communes[BELLEY])
    assert proposal.request == far and abs(proposal.distance_m - d) <= 1
    assert (
        proposal.explanation
        == f"Proposé au Dr Marie Membre, {d / 1000:.1f} km, capacité restante 2".replace(".", ",")
    )
    assert proposal.remaining_capacity == 2


def test_gp_constraints_and_who_is_left_out_of_a_run(gp_world):
    w = gp_world
    w.declare(0, per_month=2, communes=[MAGNIEU])  # Dr Membre (Belley): only patients of Magnieu
    w.declare(1, per_month=2, max_distance_km=1)  # Dr Brensard (Brens): Belley and Magnieu are 4 km away
    w.declare(2, per_month=2, paused_until=timezone.localdate() + dt.timedelta(days=3))
    belley = w.request()
    brens = w.request(commune=BRENS)
    magnieu = w.request(commune=MAGNIEU)
    run = matching.run(w.cpts, w.cast.coordinator)
    assert (run.gps, run.pairs) == (2, 2) and run.unplaced == {str(belley.pk): NONE}
    assert {p.request_id: p.professional_id for p in run.proposals.all()} == {
        brens.pk: w.gps[1].pk,
        magnieu.pk: w.gps[0].pk,
    }
    # A GP who left the CPTS, or with no located place, is not proposed.
    w.users[0].memberships.update(active=False)
    w.places[1].latitude = None
    w.places[1].save()
    run = matching.run(w.cpts, w.cast.coordinator)
    assert (run.gps, run.placed, run.proposals.count()) == (0, 0, 0)
    assert run.optimal


def test_a_new_run_discards_the_previous_drafts(gp_world):
    gp_world.declare(0, per_month=1)
    gp_world.request()
    first = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    second = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    assert list(first.proposals.values_list("status", flat=True)) == [Proposal.Status.DISCARDED]
    assert list(second.proposals.values_list("status", flat=True)) == [Proposal.Status.DRAFT]
    assert MatchingRun.objects.count() == 2


def test_an_empty_waiting_list_gives_an_empty_optimal_run(gp_world):
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    assert (run.requests, run.gps, run.pairs, run.placed, run.optimal, run.unplaced) == (0, 0, 0, 0, True, {})


def test_send_refuses_the_whole_batch_when_a_gp_paused_since_the_run(
    gp_world, django_capture_on_commit_callbacks
):
    w = gp_world
    w.declare(0, per_month=1)
    w.declare(1, per_month=1)
    a, b = w.request(), w.request(commune=BRENS)
    run = matching.run(w.cpts, w.cast.coordinator)
    ids = sorted(run.proposals.values_list("pk", flat=True))
    assert len(ids) == 2
    until = timezone.localdate() + dt.timedelta(days=10)
    w.declare(1, per_month=1, paused_until=until)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ActionError) as refused:
        matching.send(w.cpts, w.cast.coordinator, ids)
    assert refused.value.message == (
        f"Rien n'a été envoyé. {b.reference} : Dr Brensard est en pause jusqu'au "
        f"{until:%d/%m/%Y}. Écartez ces propositions ou relancez le calcul."
    )
    assert callbacks == []
    assert set(Proposal.objects.values_list("status", flat=True)) == {Proposal.Status.DRAFT}
    assert not Proposal.objects.filter(sent_at__isnull=False).exists()
    assert set(Request.objects.values_list("status", flat=True)) == {Request.Status.WAITING}
    assert not RequestEvent.objects.filter(kind=RequestEvent.Kind.PROPOSED).exists()
    assert not Notification.objects.exists()
    with pytest.raises(ActionError, match="Aucune proposition choisie"):
        matching.send(w.cpts, w.cast.coordinator, [])
    # Once the paused GP's proposal is set aside, the other one goes.
    assert matching.discard(w.cpts, w.cast.coordinator, [drafts(run)[b.pk].pk]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert [p.request_id for p in matching.send(w.cpts, w.cast.coordinator, [drafts(run)[a.pk].pk])] == [
            a.pk
        ]
    assert Request.objects.get(pk=a.pk).status == Request.Status.PROPOSED
    assert Request.objects.get(pk=b.pk).status == Request.Status.WAITING


def test_send_refuses_gps_who_left_have_no_room_or_requests_no_longer_waiting(gp_world):
    w = gp_world
    w.declare(0, per_month=2)
    a, b = w.request(), w.request()
    run = matching.run(w.cpts, w.cast.coordinator)
    made = drafts(run)
    w.declare(0, per_month=1)  # fewer places than the run used
    with pytest.raises(ActionError) as refused:
        matching.send(w.cpts, w.cast.coordinator, [made[a.pk].pk, made[b.pk].pk])
    assert refused.value.message == (
        f"Rien n'a été envoyé. {b.reference} : Dr Marie Membre n'a plus de place ce "
        "mois-ci (1 par mois). Écartez ces propositions ou relancez le calcul."
    )
    w.users[0].memberships.update(active=False)
    with pytest.raises(ActionError, match="ne fait plus partie des adhérents"):
        matching.send(w.cpts, w.cast.coordinator, [made[a.pk].pk])
    w.users[0].memberships.update(active=True)
    Request.objects.filter(pk=a.pk).update(status=Request.Status.WITHDRAWN)
    with pytest.raises(ActionError, match="la demande n'est plus en attente"):
        matching.send(w.cpts, w.cast.coordinator, [made[a.pk].pk])
    assert not Proposal.objects.filter(status=Proposal.Status.SENT).exists()
    # Proposals of another CPTS are not found from this one.
    with pytest.raises(ActionError, match="Aucune proposition choisie"):
        matching.send(w.cast.other, w.cast.other_coordinator, [made[b.pk].pk])


def test_send_marks_the_request_proposed_and_notifies_the_gp(gp_world, sent):
    request, proposal = sent
    assert proposal.status == Proposal.Status.SENT and proposal.sent_by == gp_world.cast.coordinator
    assert proposal.sent_at is not None
    request.refresh_from_db()
    assert request.status == Request.Status.PROPOSED
    event = RequestEvent.objects.get(request=request, kind=RequestEvent.Kind.PROPOSED)
    assert event.professional == gp_world.gps[0] and event.detail == proposal.explanation
    (note,) = Notification.objects.all()
    assert (note.user, note.kind, note.topic, note.object_id, note.cpts) == (
        gp_world.cast.member,
        "gp_proposal",
        f"gpprop.{proposal.pk}",
        proposal.pk,
        gp_world.cpts,
    )
    assert note.title == "Un patient sans médecin traitant vous est proposé"
    assert note.url == reverse("gpmatching:my_proposals", args=[gp_world.cpts.slug])
    # Sent proposals use the GP's room this month.
    assert capacity_rules.used_this_month(gp_world.cpts, timezone.localdate()) == {gp_world.gps[0].pk: 1}
    with pytest.raises(ActionError, match="proposition déjà envoyée"):
        matching.send(gp_world.cpts, gp_world.cast.coordinator, [proposal.pk])


def test_accept_places_the_request_keeps_a_placement_and_informs_the_patient(
    gp_world, sent, messages_outbox, django_capture_on_commit_callbacks
):
    request, proposal = sent
    for other in (gp_world.users[1], gp_world.cast.coordinator):
        with pytest.raises(ActionError) as refused:
            matching.accept(gp_world.cpts, proposal.pk, other)
        assert refused.value.message == "Cette proposition ne vous est pas adressée."
    assert (
        Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.SENT and not Placement.objects.exists()
    )

    with django_capture_on_commit_callbacks(execute=True):
        matching.accept(gp_world.cpts, proposal.pk, gp_world.cast.member)
    proposal.refresh_from_db()
    request.refresh_from_db()
    today = timezone.localdate()
    assert proposal.status == Proposal.Status.ACCEPTED and proposal.answered_by == gp_world.cast.member
    assert request.status == Request.Status.PLACED and request.placed_with == gp_world.gps[0]
    assert request.placed_at is not None and request.closed_at == request.placed_at
    placement = Placement.objects.get()
    assert (
        placement.cpts,
        placement.placed_on,
        placement.commune_id,
        placement.professional,
        placement.ald,
        placement.age_70,
        placement.precarity,
        placement.waited_days,
        placement.source,
        placement.request_reference,
    ) == (
        gp_world.cpts,
        today,
        BELLEY,
        gp_world.gps[0],
        True,
        True,
        True,
        100,
        Request.Source.MEMBER,
        request.reference,
    )
    assert kinds(request)[-2:] == [RequestEvent.Kind.ACCEPTED, RequestEvent.Kind.PATIENT_INFORMED]
    assert (
        RequestEvent.objects.get(request=request, kind=RequestEvent.Kind.PATIENT_INFORMED).detail
        == "Message envoyé (memory)"
    )
    (message,) = messages_outbox
    assert (message.phone, message.email, message.subject) == ("0612345678", "", "Votre médecin traitant")
    assert message.text == (
        "Bonne nouvelle : Dr Marie Membre, 1 rue Centrale, Belley (tél. 0479000000) accepte de devenir "
        "votre médecin traitant. Prenez rendez-vous et, lors de la première consultation, déclarez-le "
        f"comme médecin traitant. Référence de votre demande : {request.reference}. CPTS Test Bugey"
    )
    with pytest.raises(ActionError) as again:
        matching.accept(gp_world.cpts, proposal.pk, gp_world.cast.member)
    assert again.value.message == "Cette proposition n'attend plus de réponse (acceptée)."
    assert Placement.objects.count() == 1


def test_decline_needs_a_reason_and_that_gp_is_never_proposed_the_request_again(gp_world, sent):
    request, proposal = sent
    with pytest.raises(ActionError) as refused:
        matching.decline(gp_world.cpts, proposal.pk, gp_world.cast.member, "   ")
    assert refused.value.field == "reason" and refused.value.message.startswith("Indiquez le motif du refus")
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.SENT
    with pytest.raises(ActionError, match="ne vous est pas adressée"):
        matching.decline(gp_world.cpts, proposal.pk, gp_world.users[2], "Pas moi")
    matching.decline(gp_world.cpts, proposal.pk, gp_world.cast.member, "  Patientèle  complète ")
    proposal.refresh_from_db()
    request.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == (Proposal.Status.DECLINED, "Patientèle complète")
    assert request.status == Request.Status.WAITING
    event = RequestEvent.objects.get(request=request, kind=RequestEvent.Kind.DECLINED)
    assert (event.detail, event.professional, event.actor) == (
        "Patientèle complète",
        gp_world.gps[0],
        gp_world.cast.member,
    )
    # Dr Membre still has room, but is never proposed this patient again.
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    assert run.proposals.count() == 0 and run.unplaced == {str(request.pk): NONE} and run.pairs == 0
    gp_world.declare(1, per_month=1)
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    assert [(p.request_id, p.professional_id) for p in run.proposals.all()] == [
        (request.pk, gp_world.gps[1].pk)
    ]
    # Another patient is still proposed to Dr Membre.
    other = gp_world.request()
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    assert {p.request_id: p.professional_id for p in run.proposals.all()} == {
        request.pk: gp_world.gps[1].pk,
        other.pk: gp_world.gps[0].pk,
    }


def test_follow_up_reminds_then_expires_unanswered_proposals(
    gp_world, sent, django_capture_on_commit_callbacks
):
    request, proposal = sent
    Policy.objects.filter(cpts=gp_world.cpts).update(remind_after_days=3, expire_after_days=8)
    sent_at = proposal.sent_at
    result = matching.follow_up(gp_world.cpts, now=sent_at + dt.timedelta(days=3) - dt.timedelta(minutes=1))
    assert (result.reminded, result.expired) == (0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        result = matching.follow_up(gp_world.cpts, now=sent_at + dt.timedelta(days=3))
    assert (result.reminded, result.expired) == (1, 0)
    proposal.refresh_from_db()
    assert proposal.reminded_at == sent_at + dt.timedelta(days=3) and proposal.status == Proposal.Status.SENT
    assert (
        RequestEvent.objects.get(request=request, kind=RequestEvent.Kind.REMINDED).detail
        == "Sans réponse depuis 3 jours"
    )
    assert Notification.objects.filter(user=gp_world.cast.member, kind="gp_reminder").count() == 1
    # Reminded once only.
    result = matching.follow_up(gp_world.cpts, now=sent_at + dt.timedelta(days=5))
    assert (result.reminded, result.expired) == (0, 0)
    result = matching.follow_up(gp_world.cpts, now=sent_at + dt.timedelta(days=8))
    assert (result.reminded, result.expired) == (0, 1)
    proposal.refresh_from_db()
    request.refresh_from_db()
    assert proposal.status == Proposal.Status.EXPIRED and request.status == Request.Status.WAITING
    assert (
        RequestEvent.objects.get(request=request, kind=RequestEvent.Kind.EXPIRED).detail
        == "Sans réponse après 8 jours"
    )
    with pytest.raises(ActionError, match="n'attend plus de réponse"):
        matching.accept(gp_world.cpts, proposal.pk, gp_world.cast.member)
    # An expired proposal counts as a refusal for the next run.
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    assert run.proposals.count() == 0 and run.unplaced == {str(request.pk): NONE}


def test_discarding_a_sent_proposal_puts_the_request_back_in_the_queue(gp_world, sent):
    request, proposal = sent
    assert matching.discard(gp_world.cpts, gp_world.cast.coordinator, [proposal.pk]) == 1
    request.refresh_from_db()
    assert request.status == Request.Status.WAITING
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.DISCARDED
    assert kinds(request)[-1] == RequestEvent.Kind.WITHDRAWN_PROPOSAL
    assert matching.discard(gp_world.cpts, gp_world.cast.coordinator, [proposal.pk]) == 0
    # Set aside is not a refusal: the GP may be proposed the request again.
    run = matching.run(gp_world.cpts, gp_world.cast.coordinator)
    assert [p.professional_id for p in run.proposals.all()] == [gp_world.gps[0].pk]
