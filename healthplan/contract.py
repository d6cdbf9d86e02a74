"""At the ACI signature, the projet de santé's objectives become the contract's, without re-entry.

``sign_from_plan`` is the signature page's action (aci/views_cockpit.py calls it for every CPTS): in one
transaction it signs the contract with its first schedule (``aci.contracts.sign_with_schedule``) and, when the
CPTS comes from a project (``projects.Project.cpts``) with a projet de santé, defines for each fiche-action
indicator whose mission is in the contract an indicator of the contract (``aci.indicators.define``): same name
(the fiche's title added when two fiches use one name), unit, direction, baseline and source, the fiche and
its objective in the definition.

The target: the contract's graded steps (``IndicatorStep``) each carry an amount, negotiated with the CPAM and
the ARS after the signature within the mission's variable part; the projet de santé has no amount to give. So
the target becomes one year-1 step « Cible du projet de santé » worth 0 € (a step of 0 € is allowed, promises
nothing and earns nothing): the cockpit shows the progress towards it from day one, and the coordination
replaces the year's steps with the paliers and amounts negotiated (``aci.indicators.set_steps``). The target
is also written in the definition, so that it stays on record once the steps are replaced. An indicator whose
mission is not in the contract (an optional mission not chosen) is left out and listed in the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from aci import contracts
from aci import indicators as aci_indicators
from aci.models import Contract
from audit.log import record
from cpts.models import CPTS
from healthplan.models import SheetIndicator
from healthplan.selectors import objectives, optional_missions
from projects.models import Project

STEP_LABEL = "Cible du projet de santé"


@dataclass
class Signed:
    contract: Contract
    carried: list = field(default_factory=list)  # aci.models.Indicator created
    left_out: list[SheetIndicator] = field(default_factory=list)  # mission not in the contract


def fr_decimal(value) -> str:
    """« 75 », « 12,5 »: a decimal without trailing zeros, French decimal comma."""
    return format(value.normalize(), "f").replace(".", ",")


def _definition(ind: SheetIndicator) -> str:
    parts = [f"Fiche-action « {ind.sheet.title} » du projet de santé."]
    if ind.sheet.objective:
        parts.append(f"Objectif : {ind.sheet.objective}")
    if ind.target is not None:
        parts.append(
            f"Cible du projet de santé : {fr_decimal(ind.target)} ({ind.get_unit_display().lower()})."
        )
    return "\n".join(parts)


def _name(ind: SheetIndicator, taken: set[str]) -> str:
    name = " ".join(ind.name.split())
    if name.lower() in taken:
        name = f"{name} — {ind.sheet.title}"[:200]
    n = 2
    base = name
    while name.lower() in taken:
        name = f"{base[:190]} ({n})"
        n += 1
    taken.add(name.lower())
    return name


def carry_objectives(contract: Contract, project: Project, by) -> Signed:
    """The fiches-actions' indicators defined in ``contract`` (inside the caller's transaction)."""
    signed = Signed(contract)
    in_contract = set(contract.missions.values_list("mission__code", flat=True))
    taken = {n.lower() for n in contract.indicators.values_list("name", flat=True)}
    for ind in objectives(project):
        if ind.sheet.mission not in in_contract:
            signed.left_out.append(ind)
            continue
        indicator = aci_indicators.define(
            contract,
            by,
            mission=ind.sheet.mission,
            name=_name(ind, taken),
            unit=ind.unit,
            direction=ind.direction,
            definition=_definition(ind),
            source_note=ind.source_note,
            baseline=ind.baseline,
        )
        if ind.target is not None:
            aci_indicators.set_steps(indicator, by, 1, [aci_indicators.StepInput(STEP_LABEL, ind.target, 0)])
        signed.carried.append(indicator)
    if signed.carried or signed.left_out:
        record(
            "decision",
            obj=contract,
            cpts_id=contract.cpts_id,
            details={
                "decision": "objectives_from_health_plan",
                "project_id": project.pk,
                "indicators": len(signed.carried),
                "left_out": len(signed.left_out),
            },
        )
    return signed


@transaction.atomic
def sign_from_plan(
    cpts: CPTS,
    by,
    *,
    signed_on: dt.date,
    optional: list[str],
    population: int | None = None,
    population_on: dt.date | None = None,
    population_source: str = "",
) -> Signed:
    """The contract signed with its schedule and, for a CPTS born from a project, the projet de santé's
    objectives as its indicators; all or nothing."""
    contract = contracts.sign_with_schedule(
        cpts,
        by,
        signed_on=signed_on,
        optional=optional,
        population=population,
        population_on=population_on,
        population_source=population_source,
    )
    project = project_of(cpts)
    if project is None:
        return Signed(contract)
    return carry_objectives(contract, project, by)


def project_of(cpts: CPTS) -> Project | None:
    """The project the CPTS was born from (``Project.cpts``, one-to-one), None for a CPTS created directly."""
    try:
        return cpts.project
    except Project.DoesNotExist:
        return None


def plan_missions(cpts: CPTS) -> set[str]:
    """The ACI missions of the fiches-actions of the project the CPTS was born from (the signature page checks
    the optional ones among them); empty for a CPTS without one."""
    project = project_of(cpts)
    return set(optional_missions(project)) if project else set()


def plan_objectives(cpts: CPTS) -> int:
    """How many fiche-action indicators the signature would carry over (before choosing the missions)."""
    project = project_of(cpts)
    return len(objectives(project)) if project else 0
