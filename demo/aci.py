"""The ACI contract of the demo CPTS (demo/seed.py), built through the same rules as a real one: signed about
20 months before today (so the demo stays current) under the grid then in force, the core missions and the
optional « qualité » mission, the population of the territory; missions started on plausible dates, one of
them late to deploy (the cockpit warns); the schedule computed at signature; indicators wired to the figures
the platform computes from the demo's activity (médecin traitant, soins non programmés, cercles de soins,
adhésion) and manual ones with results and a justificatif (a synthetic PDF); graded steps for years 1 and 2
within each mission's variable part; year 1 closed and the schedule recomputed with its results; the payments
received from the CPAM (one missing, one late: the gap shows); budget lines for years 1 and 2 and about thirty
past expenses. Synthetic from end to end. Idempotent: nothing is added once the CPTS has a contract."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from aci import budget, contracts, indicators, sources
from aci.indicators import StepInput
from aci.models import Contract, Expense, Indicator
from cpts.models import CPTS, Membership
from cpts.roles import Role
from cpts.scoping import scoped
from opencpts.dates import shift_months

SIGNED_MONTHS_AGO = 20
MISSIONS = ["access", "crisis", "pathways", "prevention", "quality"]
# Months after the signature when each mission started / was deployed (None: not yet). The crisis mission
# (deployment due 18 months after the signature) is deliberately late: the plan is written, not yet deployed.
MISSION_DATES = {
    "access": (2, 13),
    "crisis": (4, None),
    "pathways": (9, None),
    "prevention": (10, 19),
    "quality": (7, None),
}
NOTICE = "DOCUMENT FICTIF DE DÉMONSTRATION — aucune donnée réelle."
FRACTIONS = (
    Decimal(1) / 3,
    Decimal(2) / 3,
    Decimal(1),
)  # socle, intermédiaire, objectif: share of the top step
LEVELS = ("Socle", "Intermédiaire", "Objectif")

# Indicators: (mission, name or None for the source's label, source, unit (manual ones), share of the
# mission's variable part promised by the top step, thresholds year 1, thresholds year 2 — from the easiest
# step). The ALD one is the contract example of aci.md §3 (≤ 219 → 3 000 €, ≤ 100 → 6 000 €, ≤ 50 → 9 000 € at
# tier 1), scaled to the tier's variable maximum.
INDICATORS = [
    (
        "access",
        "Patients en ALD sans médecin traitant (liste d'attente de la CPTS)",
        "gp_waiting_ald",
        None,
        Decimal("0.36"),
        (219, 100, 50),
        (219, 100, 50),
    ),
    ("access", None, "gp_placed", None, Decimal("0.16"), (10, 20, 30), (20, 40, 60)),
    ("access", None, "gp_placed_ald", None, Decimal("0.12"), (3, 6, 10), (8, 15, 25)),
    ("access", None, "snp_offered", None, Decimal("0.12"), (100, 300, 500), (200, 500, 800)),
    ("access", None, "snp_fill_rate", None, Decimal("0.12"), (30, 50, 70), (30, 50, 70)),
    ("access", None, "snp_honoured", None, Decimal("0.12"), (50, 100, 200), (50, 100, 200)),
    ("pathways", None, "care_circles", None, Decimal("0.40"), (2, 5, 10), (2, 5, 10)),
    (
        "pathways",
        "Parcours pluriprofessionnels rédigés et diffusés aux professionnels",
        "manual",
        Indicator.Unit.COUNT,
        Decimal("0.60"),
        (1, 2, 3),
        (2, 3, 4),
    ),
    (
        "prevention",
        "Actions de prévention menées sur le territoire",
        "manual",
        Indicator.Unit.COUNT,
        Decimal("0.60"),
        (2, 4, 6),
        (3, 5, 8),
    ),
    ("quality", None, "membership_rate", None, Decimal("0.40"), (3, 5, 8), (4, 6, 10)),
    (
        "quality",
        "Groupes d'analyse des pratiques entre pairs tenus",
        "manual",
        Indicator.Unit.COUNT,
        Decimal("0.60"),
        (2, 4, 6),
        (3, 5, 8),
    ),
]
SCREENING = "Taux de dépistage du cancer du sein"
# The contract example of aci.md §3: socle 69,70 % → 1 000 €, intermédiaire 72,40 % → 2 500 €, objectif
# 75 % → 3 500 €.
SCREENING_STEPS = [("Socle", "69.70", 1000), ("Intermédiaire", "72.40", 2500), ("Objectif", "75", 3500)]
CRISIS_PLAN = "Plan de crise rédigé selon le modèle national"
# Year-1 results entered by hand (name → value, note).
YEAR1_RESULTS = {
    SCREENING: ("71.20", "Taux communiqué par la CPAM (démonstration)"),
    CRISIS_PLAN: ("1", "Plan validé en assemblée générale (démonstration)"),
    "Parcours pluriprofessionnels rédigés et diffusés aux professionnels": (
        "2",
        "Sortie d'hospitalisation, plaies chroniques (démonstration)",
    ),
    "Actions de prévention menées sur le territoire": (
        "4",
        "Octobre rose, Mois sans tabac, vaccination, dépistage colorectal (démonstration)",
    ),
    "Groupes d'analyse des pratiques entre pairs tenus": (
        "3",
        "Antibiothérapie, chutes, douleur (démonstration)",
    ),
}
# Budget by year: (mission, category, amount year 1, amount year 2).
BUDGET = [
    ("", Expense.Category.STAFF, 38000, 42000),
    ("", Expense.Category.PREMISES, 6000, 6000),
    ("", Expense.Category.TOOLS, 4000, 3000),
    ("", Expense.Category.COMMUNICATION, 2500, 1500),
    ("access", Expense.Category.STAFF, 30000, 32000),
    ("access", Expense.Category.INDEMNITIES, 15000, 20000),
    ("access", Expense.Category.TOOLS, 3000, 2000),
    ("crisis", Expense.Category.INDEMNITIES, 8000, 4000),
    ("crisis", Expense.Category.EVENTS, 2000, 1500),
    ("pathways", Expense.Category.INDEMNITIES, 12000, 15000),
    ("pathways", Expense.Category.EVENTS, 3000, 4000),
    ("prevention", Expense.Category.COMMUNICATION, 3000, 3500),
    ("prevention", Expense.Category.EVENTS, 2500, 3000),
    ("quality", Expense.Category.INDEMNITIES, 4000, 5000),
    ("quality", Expense.Category.OTHER, 1000, 1000),
]
# Expenses, spread over the contract up to last week: (mission, category, label, supplier, typical amount).
EXPENSES = [
    (
        "",
        Expense.Category.STAFF,
        "Salaire et charges de la coordinatrice (trimestre)",
        "URSSAF / coordinatrice",
        20000,
    ),
    (
        "access",
        Expense.Category.INDEMNITIES,
        "Indemnisation des médecins régulateurs SNP",
        "Médecins adhérents",
        4500,
    ),
    (
        "",
        Expense.Category.PREMISES,
        "Loyer du bureau de la CPTS (semestre)",
        "SCI des Remparts (fictive)",
        3000,
    ),
    (
        "access",
        Expense.Category.STAFF,
        "Chargée de mission accès aux soins (trimestre)",
        "URSSAF / chargée de mission",
        15000,
    ),
    (
        "pathways",
        Expense.Category.INDEMNITIES,
        "Indemnisation des groupes de travail parcours",
        "Professionnels adhérents",
        3500,
    ),
    (
        "",
        Expense.Category.TOOLS,
        "Abonnement messagerie sécurisée et hébergement",
        "Hébergeur HDS (fictif)",
        1500,
    ),
    (
        "prevention",
        Expense.Category.COMMUNICATION,
        "Affiches et flyers de la campagne de dépistage",
        "Imprimerie du Bugey (fictive)",
        1200,
    ),
    (
        "crisis",
        Expense.Category.INDEMNITIES,
        "Plan de crise : temps des professionnels",
        "Professionnels adhérents",
        2500,
    ),
    (
        "pathways",
        Expense.Category.EVENTS,
        "Soirée pluriprofessionnelle parcours plaies",
        "Salle des fêtes (fictive)",
        1400,
    ),
    (
        "quality",
        Expense.Category.INDEMNITIES,
        "Indemnisation des groupes d'analyse des pratiques",
        "Professionnels adhérents",
        1800,
    ),
    ("", Expense.Category.COMMUNICATION, "Site internet de la CPTS", "Agence web (fictive)", 1500),
    (
        "prevention",
        Expense.Category.EVENTS,
        "Stand Octobre rose au marché de Belley",
        "Association locale (fictive)",
        900,
    ),
    (
        "crisis",
        Expense.Category.EVENTS,
        "Exercice de gestion de crise avec l'hôpital",
        "Centre hospitalier (fictif)",
        800,
    ),
    ("quality", Expense.Category.OTHER, "Abonnement revue de pertinence des soins", "Éditeur (fictif)", 400),
    (
        "access",
        Expense.Category.TOOLS,
        "Outil de prise de rendez-vous non programmés",
        "Éditeur (fictif)",
        1200,
    ),
]
EXPENSE_COUNT = 30
MISSING_PAYMENT = ("access", "variable", 1)  # (mission, part, contract year) the CPAM has not paid yet


def _coordinator(cpts: CPTS):
    membership = (
        scoped(Membership, cpts)
        .filter(role=Role.COORDINATOR, active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _whole(value: Decimal) -> Decimal:
    """Down to the hundred euros, so that rounding never promises more than the maximum."""
    return (value / 100).quantize(Decimal(1), ROUND_DOWN) * 100


def _steps(top: Decimal, thresholds) -> list[StepInput]:
    return [
        StepInput(label, threshold, _whole(top * fraction))
        for label, threshold, fraction in zip(LEVELS, thresholds, FRACTIONS, strict=True)
    ]


def _pdf(lines: list[str], title: str) -> bytes:
    from documents.pdf import tiny_pdf

    return tiny_pdf([NOTICE, "", *lines, "", NOTICE], title=title)


@transaction.atomic
def seed_aci(cpts: CPTS, today: dt.date | None = None, rng_seed: int = 2026) -> bool:
    """Returns True when the contract was created, False when the CPTS had one already (or no coordinator)."""
    if Contract.objects.filter(cpts=cpts).exists():
        return False
    coordinator = _coordinator(cpts)
    if coordinator is None:
        return False
    rng = random.Random(rng_seed)
    today = today or timezone.localdate()
    grid_from = dt.date(2022, 3, 31)  # the avenant 2 grid
    signed_on = max(shift_months(today, -SIGNED_MONTHS_AGO), grid_from, cpts.founded_on or grid_from)
    population, source = contracts.territory_population(cpts)
    contract = contracts.sign(
        cpts,
        coordinator,
        signed_on=signed_on,
        missions=MISSIONS,
        population=population,
        population_on=signed_on,
        population_source=source,
    )
    for cm in contract.missions.select_related("mission"):
        started, deployed = MISSION_DATES[cm.mission.code]
        cm.started_on = shift_months(signed_on, started)
        cm.deployed_on = shift_months(signed_on, deployed) if deployed is not None else None
        if cm.deployed_on and cm.deployed_on > today:
            cm.deployed_on = None
        cm.save(update_fields=["started_on", "deployed_on"])
    contracts.compute_schedule(contract, coordinator, "Signature du contrat")

    _indicators(contract, coordinator)
    if contracts.contract_year(contract, today) and contracts.year_bounds(contract, 1)[1] < today:
        _close_year_1(contract, coordinator)
    _payments(contract, coordinator, today)
    _budget(contract, coordinator, today, rng)
    return True


def _indicators(contract: Contract, by) -> None:
    years = [1, 2]
    for mission, name, source, unit, share, *thresholds in INDICATORS:
        label = name or sources.SOURCES[source].label
        indicator = indicators.define(
            contract,
            by,
            mission=mission,
            name=label,
            source=source,
            unit=unit or Indicator.Unit.COUNT,
            source_note="" if source != "manual" else "Saisie de la coordination (démonstration)",
        )
        for year, steps in zip(years, thresholds, strict=True):
            maximum = indicators.variable_maximum(contract, mission, year) or Decimal(0)
            indicators.set_steps(indicator, by, year, _steps(maximum * share, steps))
    screening = indicators.define(
        contract,
        by,
        mission="prevention",
        name=SCREENING,
        unit=Indicator.Unit.PERCENT,
        source_note="Taux de participation au dépistage organisé, communiqué par la CPAM",
        baseline="68.10",
    )
    for year in years:
        maximum = indicators.variable_maximum(contract, "prevention", year) or Decimal(0)
        scale = min(Decimal(1), maximum / 10000)  # the amounts of the example are those of a 10 000 € part
        indicators.set_steps(
            screening,
            by,
            year,
            [
                StepInput(label, threshold, _whole(Decimal(amount) * scale))
                for label, threshold, amount in SCREENING_STEPS
            ],
        )
    # The crisis mission's variable part is paid only when a crisis is declared: the plan has no steps, it
    # justifies the fixed part.
    indicators.define(
        contract,
        by,
        mission="crisis",
        name=CRISIS_PLAN,
        unit=Indicator.Unit.DONE,
        definition="Plan de réponse aux crises sanitaires graves rédigé selon le modèle national et "
        "transmis à l'ARS.",
    )


def _close_year_1(contract: Contract, by) -> None:
    for name, (value, note) in YEAR1_RESULTS.items():
        indicators.record_result(contract.indicators.get(name=name), by, 1, value, note)
    plan = contract.indicators.get(name=CRISIS_PLAN)
    indicators.add_evidence(
        plan,
        by,
        1,
        "Plan de crise de la CPTS (document fictif de démonstration)",
        "plan-de-crise-fictif.pdf",
        _pdf(
            [
                "Plan de réponse aux crises sanitaires graves (fictif)",
                f"{contract.cpts.name} — document synthétique de démonstration",
                "1. Cellule de crise : coordinatrice, président, référents par profession.",
                "2. Annuaire d'astreinte et chaîne d'alerte avec l'ARS et l'hôpital.",
                "3. Continuité des soins : visites à domicile, pharmacies, infirmiers.",
                "Validé en assemblée générale (fictif).",
            ],
            "Plan de crise (fictif)",
        ),
    )
    indicators.close_year(contract, by, 1)
    contracts.compute_schedule(contract, by, "Résultats de l'année 1", indicators.attainment(contract))


def _payments(contract: Contract, by, today: dt.date) -> None:
    """What the CPAM paid against the current schedule: two to five weeks after each due date; the year-1
    variable part of the access mission has not come (the gap shows on the cockpit), the year-2
    fonctionnement advance came late."""
    schedule = contracts.current_schedule(contract)
    for i, payment in enumerate(schedule.payments.filter(due_on__lte=today).order_by("due_on", "pk")):
        if payment.amount <= 0:
            continue
        if (payment.mission, payment.part, payment.contract_year) == MISSING_PAYMENT:
            continue
        delay = 75 if payment.part == "operating" and payment.contract_year == 2 else 14 + (i * 7) % 21
        received_on = payment.due_on + dt.timedelta(days=delay)
        if received_on > today:
            continue
        budget.record_payment(
            contract,
            by,
            received_on=received_on,
            amount=payment.amount,
            label=f"Versement CPAM — {payment.label}",
        )


def _budget(contract: Contract, by, today: dt.date, rng: random.Random) -> None:
    for mission, category, year1, year2 in BUDGET:
        for year, amount in ((1, year1), (2, year2)):
            budget.set_budget_line(contract, by, year=year, mission=mission, category=category, amount=amount)
    first = contract.signed_on + dt.timedelta(days=10)
    span = max(1, (today - dt.timedelta(days=7) - first).days)
    for i in range(EXPENSE_COUNT):
        mission, category, label, supplier, typical = EXPENSES[i % len(EXPENSES)]
        spent_on = first + dt.timedelta(days=span * i // EXPENSE_COUNT + rng.randrange(0, 5))
        spent_on = min(spent_on, today)
        amount = (Decimal(typical) * Decimal(rng.randrange(85, 116)) / 100).quantize(Decimal("0.01"))
        budget.record_expense(
            contract,
            by,
            spent_on=spent_on,
            mission=mission,
            category=category,
            label=f"{label} (démonstration)",
            amount=amount,
            supplier=supplier,
        )
