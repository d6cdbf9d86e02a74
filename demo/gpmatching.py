"""The médecin traitant waiting list of the demo CPTS (demo/seed.py): synthetic people on the real communes of
the territory, entered through the same rules as real requests (gpmatching.intake), the capacities the member
GPs declare (gpmatching.capacity), and past placements (anonymous ``Placement`` rows, synthetic) so that the
dashboard has a history. The demo's coordinator then runs "Proposer des attributions" and the demo GP answers.
Idempotent: nothing is added once the CPTS has a request."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from cpts.models import CPTS, Membership, TerritoryCommune
from cpts.roles import Role
from cpts.scoping import scoped
from directory.synthetic import FIRST_NAMES, LAST_NAMES
from gpmatching import capacity as capacity_rules
from gpmatching import intake
from gpmatching.models import Placement, Request

REQUESTS = 60
COMMENT = "Demande fictive (démonstration)"


def _phone(rng: random.Random) -> str:
    # The range ARCEP reserves for fiction: 06 39 98 xx xx.
    return f"063998{rng.randrange(10000):04d}"


@transaction.atomic
def seed_gpmatching(cpts: CPTS, rng_seed: int = 2026) -> bool:
    if scoped(Request, cpts).exists():
        return False
    rng = random.Random(rng_seed)
    coordinator = (
        scoped(Membership, cpts)
        .filter(role=Role.COORDINATOR, active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if coordinator is None:
        return False
    today = timezone.localdate()
    gps = list(capacity_rules.member_gps(cpts).order_by("pk"))
    demo_gp = next(
        (
            m.user.professional
            for m in scoped(Membership, cpts)
            .filter(user__email__startswith="medecin@")
            .select_related("user__professional")
        ),
        None,
    )
    _capacities(cpts, coordinator.user, gps, demo_gp, rng, today)
    # Requests, weighted towards the populous communes of the territory.
    communes = [tc.commune for tc in scoped(TerritoryCommune, cpts).select_related("commune")]
    weights = [max(1, c.population) for c in communes]
    for i in range(REQUESTS):
        _waiting_request(cpts, coordinator.user, i, rng.choices(communes, weights)[0], rng, today)
    # Two public requests awaiting confirmation (one by e-mail, one by phone).
    for i in range(2):
        _public_request(cpts, i, rng.choices(communes, weights)[0], rng, today)
    _placements(cpts, [g for g in gps if g != demo_gp] or gps, communes, weights, rng, today)
    return True


def _capacities(cpts: CPTS, by, gps: list, demo_gp, rng: random.Random, today: dt.date) -> None:
    """Every member GP declares something; the demo GP account takes 3 a month within 25 km."""
    for k, pro in enumerate(gps):
        if pro == demo_gp:
            data = {"per_month": 3, "max_distance_km": 25, "home_visits": True, "patients": 1150}
        else:
            data = {
                "per_month": rng.choice([2, 3, 4, 5]),
                "max_distance_km": rng.choice([10, 15, 20]),
                "home_visits": rng.random() < 0.4,
                "patients": rng.randrange(700, 1800),
            }
            if k % 5 == 1:
                data["retirement_on"] = capacity_rules.add_months(today, rng.randrange(4, 20)).isoformat()
            if k % 7 == 3:
                data["paused_until"] = (today + dt.timedelta(days=20)).isoformat()
            if k % 6 == 2:
                data["min_age"] = 16
        capacity_rules.declare(cpts, pro, by, data)


def _waiting_request(cpts: CPTS, by, i: int, commune, rng: random.Random, today: dt.date) -> None:
    """A request entered by the coordination (every fourth one imported), waiting since it was first made."""
    age = rng.choice(
        [rng.randrange(1, 16), rng.randrange(18, 69), rng.randrange(70, 95), rng.randrange(30, 69)]
    )
    birth = today - dt.timedelta(days=age * 365 + rng.randrange(365))
    waited = rng.randrange(0, 420)
    data = {
        "last_name": rng.choice(LAST_NAMES),
        "first_name": rng.choice(FIRST_NAMES),
        "birth_date": birth,
        "phone": _phone(rng),
        "commune": commune.insee,
        "consent": True,
        "comment": COMMENT,
        "ald": rng.random() < 0.25,
        "c2s": rng.random() < 0.12,
        "ame": rng.random() < 0.03,
        "chronic": rng.random() < 0.2,
        "disability": rng.random() < 0.06,
        "home_visits": age >= 75 and rng.random() < 0.5,
        "reason": rng.choice(["retirement", "retirement", "moved", "never", "gp_left"]),
        "waiting_since": today - dt.timedelta(days=waited),
    }
    source = Request.Source.IMPORT if i % 4 == 0 else Request.Source.MEMBER
    result = intake.submit_for_patient(cpts, data, by, source=source)
    # The request was made when the person first asked, not today.
    Request.objects.filter(pk=result.request.pk).update(created_at=timezone.now() - dt.timedelta(days=waited))


def _public_request(cpts: CPTS, i: int, commune, rng: random.Random, today: dt.date) -> None:
    intake.submit_public(
        cpts,
        {
            "last_name": rng.choice(LAST_NAMES),
            "first_name": rng.choice(FIRST_NAMES),
            "birth_date": today - dt.timedelta(days=rng.randrange(20, 80) * 365),
            "commune": commune.insee,
            "phone": _phone(rng),
            "email": f"patient{i + 1}@demo.opencpts.test" if i == 0 else "",
            "reason": "moved",
            "consent": True,
            "comment": COMMENT,
        },
    )


def _placements(cpts: CPTS, members: list, communes: list, weights: list, rng: random.Random, today) -> None:
    """Past placements (anonymous, synthetic): the history of the dashboard and of the ACI indicators."""
    for months_ago in range(1, 12):
        first = capacity_rules.add_months(today.replace(day=1), -months_ago)
        for _ in range(rng.randrange(2, 9)):
            commune = rng.choices(communes, weights)[0]
            Placement.objects.create(
                cpts=cpts,
                placed_on=first + dt.timedelta(days=rng.randrange(28)),
                commune=commune,
                professional=rng.choice(members) if members else None,
                ald=rng.random() < 0.35,
                age_70=rng.random() < 0.3,
                precarity=rng.random() < 0.15,
                waited_days=rng.randrange(10, 300),
                source=rng.choice(Request.Source.values),
                request_reference="(démonstration)",
            )
