"""Proposing GPs to the waiting list, and the life of a proposal.

``run`` builds the problem from the CPTS's waiting list and the GPs' declared capacity, solves it exactly
(``gpmatching.solver``), checks the optimum with an independent dual certificate, and stores draft proposals
with their explanation ("Proposé au Dr X, 2,3 km, capacité restante 3"); the patients left without a GP get
the reason. The coordination reviews and ``send``s them; the GP ``answer``s (accept: the request is placed and
the patient informed; decline: back in the queue with the reason, never proposed to that GP again);
``follow_up`` reminds GPs who have not answered and expires what waited too long. Every change of state is a
``RequestEvent``."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.log import record_bulk
from cpts.models import CPTS
from cpts.scoping import scoped
from gpmatching import capacity as capacity_rules
from gpmatching import priority, solver
from gpmatching.models import Capacity, MatchingRun, Placement, Policy, Proposal, Request, RequestEvent
from opencpts.errors import ActionError

NO_AGE_LIMIT = 200


def km_label(metres: int) -> str:
    return f"{metres / 1000:.1f}".replace(".", ",") + " km"


def doctor_label(professional) -> str:
    return f"Dr {professional.first_name} {professional.last_name.title()}".replace("  ", " ")


@dataclass
class Problem:
    requests: list[Request]
    capacities: list[Capacity]
    remaining: list[int]
    patients: solver.Patients
    gps: solver.GPs
    excluded: set[tuple[int, int]]


def _open_capacities(cpts: CPTS, today: dt.date) -> tuple[list[Capacity], list[int], list]:
    """The capacities that can take a patient now: room left this month, a located place, an active member GP.
    Returns (capacities, room left, places), in the same order."""
    used = capacity_rules.used_this_month(cpts, today)
    members = set(capacity_rules.member_gps(cpts).values_list("pk", flat=True))
    capacities, remaining, places = [], [], []
    declared = list(
        scoped(Capacity, cpts).select_related("professional", "place").prefetch_related("communes")
    )
    located = capacity_rules.locations(declared)
    for c in declared:
        room = capacity_rules.remaining(c, used, today)
        place = located.get(c.professional_id)
        if room <= 0 or place is None or c.professional_id not in members or not c.professional.active:
            continue
        capacities.append(c)
        remaining.append(room)
        places.append(place)
    return capacities, remaining, places


def _patients(requests: list[Request], commune_ids: dict, today: dt.date) -> solver.Patients:
    return solver.Patients(
        weight=np.array([max(1, r.priority) for r in requests], dtype=np.int64),
        lat=np.array([r.latitude for r in requests], dtype=float),
        lon=np.array([r.longitude for r in requests], dtype=float),
        age=np.array([r.age_on(today) if r.birth_date else 0 for r in requests], dtype=np.int64),
        commune=np.array([commune_ids.get(r.commune_id, -1) for r in requests], dtype=np.int64),
        home_visits=np.array([r.home_visits for r in requests], dtype=bool),
    )


def _commune_restriction(capacity: Capacity, commune_ids: dict) -> frozenset | None:
    """The communes a GP restricts to (as the problem's commune numbers), or None when not restricted."""
    communes = capacity.communes.all()
    if not communes:
        return None
    return frozenset(commune_ids[x.insee] for x in communes if x.insee in commune_ids)


def _gps(capacities: list[Capacity], remaining: list[int], places: list, commune_ids: dict) -> solver.GPs:
    return solver.GPs(
        capacity=np.array(remaining, dtype=np.int64),
        lat=np.array([p.latitude for p in places], dtype=float),
        lon=np.array([p.longitude for p in places], dtype=float),
        max_distance_m=np.array([(c.max_distance_km or 0) * 1000 for c in capacities], dtype=np.int64),
        communes=[_commune_restriction(c, commune_ids) for c in capacities],
        min_age=np.array([c.min_age for c in capacities], dtype=np.int64),
        max_age=np.array(
            [c.max_age if c.max_age is not None else NO_AGE_LIMIT for c in capacities], dtype=np.int64
        ),
        home_visits=np.array([c.home_visits for c in capacities], dtype=bool),
    )


def _excluded(cpts: CPTS, requests: list[Request], capacities: list[Capacity]) -> set[tuple[int, int]]:
    """(patient, GP) index pairs never proposed again: the GP declined the request, or let it expire."""
    index_of_request = {r.pk: i for i, r in enumerate(requests)}
    index_of_gp = {c.professional_id: j for j, c in enumerate(capacities)}
    refused = (
        scoped(Proposal, cpts)
        .filter(
            request_id__in=index_of_request, status__in=[Proposal.Status.DECLINED, Proposal.Status.EXPIRED]
        )
        .values_list("request_id", "professional_id")
    )
    return {(index_of_request[r], index_of_gp[p]) for r, p in refused if p in index_of_gp}


def build(cpts: CPTS, today: dt.date) -> Problem:
    """The problem of a CPTS today: its located waiting requests (by priority, then age of the request) and
    the GPs' open capacities, as solver arrays, with the pairs excluded by earlier refusals."""
    requests = list(
        scoped(Request, cpts)
        .filter(status=Request.Status.WAITING, latitude__isnull=False)
        .order_by("-priority", "waiting_since", "pk")
    )
    capacities, remaining, places = _open_capacities(cpts, today)
    commune_ids = {
        insee: k for k, insee in enumerate(sorted({r.commune_id for r in requests if r.commune_id}))
    }
    return Problem(
        requests,
        capacities,
        remaining,
        _patients(requests, commune_ids, today),
        _gps(capacities, remaining, places, commune_ids),
        _excluded(cpts, requests, capacities),
    )


@transaction.atomic
def run(cpts: CPTS, by, today: dt.date | None = None) -> MatchingRun:
    """Compute the optimal proposals for the waiting list (drafts replace the previous run's drafts)."""
    today = today or timezone.localdate()
    started = time.perf_counter()
    # One run at a time per CPTS (two coordinators clicking together): the second waits for the first's
    # drafts.
    Policy.objects.select_for_update().filter(pk=priority.policy_for(cpts).pk).first()
    priority.refresh(cpts, today)
    drafts = scoped(Proposal, cpts).filter(status=Proposal.Status.DRAFT)
    discarded = list(drafts.values_list("pk", flat=True))
    if discarded:
        drafts.update(status=Proposal.Status.DISCARDED)
        record_bulk("update", Proposal, discarded, ["status"], cpts_id=cpts.pk)
    problem = build(cpts, today)
    pairs = solver.eligible_pairs(problem.patients, problem.gps, problem.excluded)
    best = solver.solve(problem.patients, problem.gps, pairs)
    certificate = solver.certify(problem.patients, problem.gps, pairs, best)
    baseline = solver.greedy(problem.patients, problem.gps, pairs)
    has_pair = np.zeros(len(problem.requests), dtype=bool)
    has_pair[pairs.patient] = True
    load = np.bincount(best.gp_of[best.gp_of >= 0], minlength=len(problem.capacities))
    unplaced = {}
    proposals = []
    for i, request in enumerate(problem.requests):
        j = int(best.gp_of[i])
        if j < 0:
            unplaced[str(request.pk)] = (
                "Les médecins compatibles n'ont plus de place ce mois-ci : d'autres demandes, plus "
                "prioritaires ou sans autre solution, les occupent."
                if has_pair[i]
                else (
                    "Aucun médecin ne peut la prendre : distance ou communes, âge, visites à domicile, ou "
                    "refus déjà donné par les médecins proches."
                )
            )
            continue
        c = problem.capacities[j]
        left = int(problem.remaining[j] - load[j])
        proposals.append(
            Proposal(
                cpts=cpts,
                request=request,
                professional=c.professional,
                distance_m=int(best.distance_m[i]),
                remaining_capacity=left,
                explanation=(
                    f"Proposé au {doctor_label(c.professional)}, {km_label(int(best.distance_m[i]))}, "
                    f"capacité restante {left}"
                )[:300],
            )
        )
    record = MatchingRun.objects.create(
        cpts=cpts,
        started_by=by,
        requests=len(problem.requests),
        gps=len(problem.capacities),
        pairs=len(pairs),
        placed=best.placed,
        weighted=best.weighted,
        distance_m=best.total_distance_m,
        greedy_placed=baseline.placed,
        greedy_weighted=baseline.weighted,
        greedy_distance_m=baseline.total_distance_m,
        optimal=certificate.optimal,
        unplaced=unplaced,
        seconds=0,
    )
    for p in proposals:
        p.run = record
    Proposal.objects.bulk_create(proposals, batch_size=1000)
    if proposals:
        record_bulk(
            "create", Proposal, [p.pk for p in proposals], cpts_id=cpts.pk, details={"run_id": record.pk}
        )
    record.seconds = round(time.perf_counter() - started, 3)
    record.save(update_fields=["seconds"])
    return record


def _gp_url(cpts: CPTS) -> str:
    return reverse("gpmatching:my_proposals", args=[cpts.slug])


def _notify_gp(proposal: Proposal, reminder: bool) -> None:
    try:
        from notifications.delivery import Subject, notify
        from notifications.models import Kind
    except LookupError:  # pragma: no cover - notifications not installed
        return
    users = capacity_rules.gp_user_ids(proposal.cpts, proposal.professional_id)
    kind = Kind.GP_REMINDER if reminder else Kind.GP_PROPOSAL
    words = (
        "Rappel : un patient sans médecin traitant attend votre réponse"
        if reminder
        else "Un patient sans médecin traitant vous est proposé"
    )
    notify(
        Subject(
            cpts_id=proposal.cpts_id,
            kind=kind,
            topic=f"gpprop.{proposal.pk}",
            url=_gp_url(proposal.cpts),
            texts=lambda n: (words, words),
            object_id=proposal.pk,
        ),
        users,
    )


@transaction.atomic
def send(cpts: CPTS, by, proposal_ids: list[int], today: dt.date | None = None) -> list[Proposal]:
    """Send draft proposals to their GPs. All or none: a GP who paused, retired, left the CPTS or has no room
    left since the computation, or a request no longer waiting, refuses the batch with the reasons."""
    today = today or timezone.localdate()
    now = timezone.now()
    proposals = list(
        scoped(Proposal, cpts)
        .select_for_update()
        .filter(pk__in=proposal_ids)
        .select_related("request", "professional")
        .order_by("pk")
    )
    if not proposals:
        raise ActionError("Aucune proposition choisie.")
    used = capacity_rules.used_this_month(cpts, today)
    capacities = {
        c.professional_id: c
        for c in scoped(Capacity, cpts)
        .select_for_update()
        .filter(professional_id__in={p.professional_id for p in proposals})
        .select_related("professional")
    }
    members = set(capacity_rules.member_gps(cpts).values_list("pk", flat=True))
    problems, taking = [], {}
    for p in proposals:
        name = doctor_label(p.professional)
        if p.status != Proposal.Status.DRAFT:
            problems.append(f"{p.request.reference} : proposition déjà {p.get_status_display().lower()}.")
            continue
        if p.request.status != Request.Status.WAITING:
            problems.append(
                f"{p.request.reference} : la demande n'est plus en attente "
                f"({p.request.get_status_display().lower()})."
            )
            continue
        c = capacities.get(p.professional_id)
        reason = (
            capacity_rules.unavailable_reason(c, today) if c else f"{name} n'a plus de capacité déclarée."
        )
        if not reason and p.professional_id not in members:
            reason = f"{name} ne fait plus partie des adhérents de la CPTS."
        if not reason:
            taking[p.professional_id] = taking.get(p.professional_id, 0) + 1
            if used.get(p.professional_id, 0) + taking[p.professional_id] > c.per_month:
                reason = f"{name} n'a plus de place ce mois-ci ({c.per_month} par mois)."
        if reason:
            problems.append(f"{p.request.reference} : {reason}")
    if problems:
        raise ActionError(
            "Rien n'a été envoyé. " + " ".join(problems) + " Écartez ces propositions ou relancez le calcul."
        )
    for p in proposals:
        p.status, p.sent_at, p.sent_by = Proposal.Status.SENT, now, by
        p.save(update_fields=["status", "sent_at", "sent_by"])
        Request.objects.filter(pk=p.request_id).update(status=Request.Status.PROPOSED)
        RequestEvent.objects.create(
            cpts=cpts,
            request=p.request,
            kind=RequestEvent.Kind.PROPOSED,
            actor=by,
            professional=p.professional,
            detail=p.explanation,
        )
        transaction.on_commit(lambda p=p: _notify_gp(p, reminder=False))
    record_bulk("update", Request, [p.request_id for p in proposals], ["status"], cpts_id=cpts.pk)
    return proposals


@transaction.atomic
def discard(cpts: CPTS, by, proposal_ids: list[int]) -> int:
    """Set aside draft proposals (before sending) or take back sent ones not answered yet."""
    count = 0
    for p in scoped(Proposal, cpts).select_for_update().pending().filter(pk__in=proposal_ids):
        was_sent = p.status == Proposal.Status.SENT
        p.status = Proposal.Status.DISCARDED
        p.save(update_fields=["status"])
        if was_sent:
            if Request.objects.filter(pk=p.request_id, status=Request.Status.PROPOSED).update(
                status=Request.Status.WAITING
            ):
                record_bulk("update", Request, [p.request_id], ["status"], cpts_id=cpts.pk)
            RequestEvent.objects.create(
                cpts=cpts,
                request_id=p.request_id,
                kind=RequestEvent.Kind.WITHDRAWN_PROPOSAL,
                actor=by,
                professional_id=p.professional_id,
            )
        count += 1
    return count


def patient_text(request: Request, professional, place) -> str:
    where = ""
    if place is not None:
        where = (
            f", {place.address + ', ' if place.address else ''}{place.commune.name if place.commune else ''}"
        )
        if place.phone:
            where += f" (tél. {place.phone})"
    return (
        f"Bonne nouvelle : {doctor_label(professional)}{where} accepte de devenir votre médecin traitant. "
        f"Prenez rendez-vous et, lors de la première consultation, déclarez-le comme médecin traitant. "
        f"Référence de votre demande : {request.reference}. {request.cpts.name}"
    )


def _inform_patient(request_id: int, proposal_id: int) -> None:
    from unscheduled import patient_messages

    request = Request.objects.select_related("cpts").filter(pk=request_id).first()
    proposal = Proposal.objects.select_related("professional").filter(pk=proposal_id).first()
    if request is None or proposal is None:
        return
    capacity = (
        scoped(Capacity, request.cpts)
        .filter(professional=proposal.professional)
        .select_related("place", "place__commune")
        .first()
    )
    place = capacity_rules.location(capacity) if capacity else None
    channel = patient_messages.send(
        patient_messages.PatientMessage(
            request.phone,
            request.email,
            patient_text(request, proposal.professional, place),
            subject="Votre médecin traitant",
        )
    )
    RequestEvent.objects.create(
        cpts=request.cpts,
        request=request,
        kind=RequestEvent.Kind.PATIENT_INFORMED,
        detail=f"Message envoyé ({channel or 'aucun canal : à appeler'})",
    )


def _answerable(cpts: CPTS, proposal_id: int, by) -> Proposal:
    proposal = (
        scoped(Proposal, cpts)
        .select_for_update()
        .filter(pk=proposal_id)
        .select_related("request", "professional")
        .first()
    )
    if proposal is None or by.professional_id != proposal.professional_id:
        raise ActionError("Cette proposition ne vous est pas adressée.")
    if proposal.status != Proposal.Status.SENT:
        raise ActionError(
            f"Cette proposition n'attend plus de réponse ({proposal.get_status_display().lower()})."
        )
    return proposal


@transaction.atomic
def accept(cpts: CPTS, proposal_id: int, by) -> Proposal:
    proposal = _answerable(cpts, proposal_id, by)
    now = timezone.now()
    request = Request.objects.select_for_update().get(pk=proposal.request_id)
    proposal.status, proposal.answered_at, proposal.answered_by = Proposal.Status.ACCEPTED, now, by
    proposal.save(update_fields=["status", "answered_at", "answered_by"])
    request.status, request.placed_at, request.placed_with, request.closed_at = (
        Request.Status.PLACED,
        now,
        proposal.professional,
        now,
    )
    request.save(update_fields=["status", "placed_at", "placed_with", "closed_at"])
    today = timezone.localdate(now)
    age = request.age_on(today)
    Placement.objects.create(
        cpts=cpts,
        placed_on=today,
        commune_id=request.commune_id,
        professional=proposal.professional,
        ald=request.ald,
        age_70=age is not None and age >= 70,
        precarity=request.precarity,
        waited_days=(today - request.waiting_since).days,
        source=request.source,
        request_reference=request.reference,
    )
    RequestEvent.objects.create(
        cpts=cpts,
        request=request,
        kind=RequestEvent.Kind.ACCEPTED,
        actor=by,
        professional=proposal.professional,
    )
    transaction.on_commit(lambda: _inform_patient(request.pk, proposal.pk))
    return proposal


@transaction.atomic
def decline(cpts: CPTS, proposal_id: int, by, reason: str) -> Proposal:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ActionError(
            "Indiquez le motif du refus (il aide la coordination à proposer un autre médecin).", "reason"
        )
    proposal = _answerable(cpts, proposal_id, by)
    proposal.status, proposal.answered_at, proposal.answered_by = Proposal.Status.DECLINED, timezone.now(), by
    proposal.decline_reason = reason[:300]
    proposal.save(update_fields=["status", "answered_at", "answered_by", "decline_reason"])
    Request.objects.filter(pk=proposal.request_id).update(status=Request.Status.WAITING)
    record_bulk("update", Request, [proposal.request_id], ["status"], cpts_id=cpts.pk)
    RequestEvent.objects.create(
        cpts=cpts,
        request=proposal.request,
        kind=RequestEvent.Kind.DECLINED,
        actor=by,
        professional=proposal.professional,
        detail=reason[:500],
    )
    return proposal


@dataclass
class FollowUp:
    reminded: int = 0
    expired: int = 0


def follow_up(cpts: CPTS, now: dt.datetime | None = None) -> FollowUp:
    """Remind the GPs of proposals waiting for more than the policy's days, expire those past the limit."""
    now = now or timezone.now()
    policy = priority.policy_for(cpts)
    result = FollowUp()
    with transaction.atomic():
        for p in (
            scoped(Proposal, cpts)
            .select_for_update()
            .filter(
                status=Proposal.Status.SENT, sent_at__lte=now - dt.timedelta(days=policy.expire_after_days)
            )
        ):
            p.status = Proposal.Status.EXPIRED
            p.save(update_fields=["status"])
            if Request.objects.filter(pk=p.request_id, status=Request.Status.PROPOSED).update(
                status=Request.Status.WAITING
            ):
                record_bulk("update", Request, [p.request_id], ["status"], cpts_id=cpts.pk)
            RequestEvent.objects.create(
                cpts=cpts,
                request_id=p.request_id,
                kind=RequestEvent.Kind.EXPIRED,
                professional_id=p.professional_id,
                detail=f"Sans réponse après {policy.expire_after_days} jours",
            )
            result.expired += 1
        for p in (
            scoped(Proposal, cpts)
            .select_for_update()
            .select_related("cpts")
            .filter(
                status=Proposal.Status.SENT,
                reminded_at__isnull=True,
                sent_at__lte=now - dt.timedelta(days=policy.remind_after_days),
            )
        ):
            p.reminded_at = now
            p.save(update_fields=["reminded_at"])
            RequestEvent.objects.create(
                cpts=cpts,
                request_id=p.request_id,
                kind=RequestEvent.Kind.REMINDED,
                professional_id=p.professional_id,
                detail=f"Sans réponse depuis {policy.remind_after_days} jours",
            )
            transaction.on_commit(lambda p=p: _notify_gp(p, reminder=True))
            result.reminded += 1
    return result
