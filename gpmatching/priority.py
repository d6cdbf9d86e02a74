"""The priority score of a request: transparent points, configurable per CPTS (``Policy``), the ACI criteria
by default (ALD, 70 and over, precarity) plus chronic illness, disability, pregnancy, home visits and the time
waited. Each request keeps the reasons of its score, shown wherever the score is."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.log import record_bulk
from cpts.models import CPTS
from cpts.scoping import scoped
from gpmatching.models import Policy, Request


def policy_for(cpts: CPTS) -> Policy:
    policy = scoped(Policy, cpts).first()
    if policy is None:
        policy, _ = Policy.objects.get_or_create(cpts=cpts)
    return policy


@transaction.atomic
def save_policy(policy: Policy, by) -> Policy:
    """Store the CPTS's scoring rules (``policy`` with the values typed, checked by the form) and recompute
    every waiting request's priority with them. Audited by the model signals."""
    policy.updated_by = by
    policy.save()
    refresh(policy.cpts, force=True)
    return policy


def months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(0, months)


def score(request: Request, policy: Policy, today: dt.date) -> tuple[int, list[list]]:
    """(points, [[label, points], ...]) for ``request`` on ``today``."""
    reasons: list[list] = [["Demande", policy.base]]
    age = request.age_on(today)
    checks = [
        (request.ald, "ALD", policy.ald),
        (age is not None and age >= 70, "70 ans et plus", policy.age_70),
        (request.c2s or request.ame, "Précarité (C2S/AME)", policy.precarity),
        (request.chronic and not request.ald, "Maladie chronique", policy.chronic),
        (request.disability, "Handicap", policy.disability),
        (request.pregnancy, "Grossesse", policy.pregnancy),
        (request.home_visits, "Visites à domicile", policy.home_visits),
    ]
    reasons += [[label, points] for ok, label, points in checks if ok and points]
    months = months_between(request.waiting_since, today)
    waiting = min(policy.max_waiting_points, months * policy.per_month_waiting)
    if waiting:
        reasons.append([f"Attente de {months} mois", waiting])
    return sum(p for _, p in reasons), reasons


def reasons_text(reasons: list[list]) -> str:
    return ", ".join(f"{label} (+{points})" for label, points in reasons)


def apply(request: Request, policy: Policy, today: dt.date | None = None) -> None:
    """Set the request's score fields (not saved)."""
    today = today or timezone.localdate()
    request.priority, request.priority_reasons = score(request, policy, today)
    request.priority_on = today


@transaction.atomic
def refresh(cpts: CPTS, today: dt.date | None = None, force: bool = False) -> int:
    """Recompute the scores of the open requests not computed today (all of them with ``force``, e.g. after a
    change of the points). Returns how many changed."""
    today = today or timezone.localdate()
    policy = policy_for(cpts)
    qs = scoped(Request, cpts).filter(status__in=Request.OPEN)
    if not force:
        qs = qs.exclude(priority_on=today)
    rows, changed = [], 0
    for (
        request
    ) in qs:  # no .only(): the audit snapshot (audit.signals) reads every field, deferred ones recurse
        before = (request.priority, request.priority_reasons)
        apply(request, policy, today)
        changed += (request.priority, request.priority_reasons) != before
        rows.append(request)
    fields = ["priority", "priority_reasons", "priority_on"]
    Request.objects.bulk_update(rows, fields, batch_size=1000)
    if rows:
        record_bulk(
            "update",
            Request,
            [r.pk for r in rows],
            fields,
            cpts_id=cpts.pk,
            details={"scores_changed": changed},
        )
    return changed
