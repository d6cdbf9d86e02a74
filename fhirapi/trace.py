"""The audit trail of FHIR reads of patient data.

Each read or search that returns Cercle de soins resources (CareTeam, Patient, RelatedPerson, Consent,
Communication, DocumentReference, Appointment) adds one ``view`` entry per CPTS concerned, in that CPTS's
chain, naming the resources and the groups returned by their ids. Never their content: the label is the
resource type and a count, so no patient name, message text or document title enters the trail. A search
that returns nothing of the kind adds nothing. Directory resources (Practitioner, Location, ...) are public
reference data and are not traced.
"""

import dataclasses
from collections import defaultdict

from audit.context import current_actor
from audit.log import record
from audit.models import AuditEntry

PATIENT_DATA = {
    "CareTeam",
    "Patient",
    "RelatedPerson",
    "Consent",
    "Communication",
    "DocumentReference",
    "Appointment",
}


def _group_id(resource_type: str, obj) -> int | None:
    if resource_type == "CareTeam":
        return obj.pk
    return getattr(obj, "group_id", None)


def _patient_id(resource_type: str, obj) -> int | None:
    if resource_type == "Patient":
        return obj.pk
    if resource_type in ("RelatedPerson", "Consent", "CareTeam"):
        return obj.patient_id
    return obj.group.patient_id  # Communication, DocumentReference, Appointment (group selected with them)


def record_fhir_view(user, resource_type: str, objects: list, interaction: str) -> None:
    """``interaction``: "read" or "search-type". One entry per CPTS whose resources were returned."""
    if resource_type not in PATIENT_DATA or not objects or user is None:
        return
    actor = current_actor()
    if actor.user_id != user.pk:  # a bearer token: the middleware saw no session user
        actor = dataclasses.replace(actor, user_id=user.pk, label=user.email)
    by_cpts: dict[int, list] = defaultdict(list)
    for obj in objects:
        by_cpts[obj.cpts_id].append(obj)
    for cpts_id, found in sorted(by_cpts.items()):
        ids = sorted(o.pk for o in found)
        details = {
            "fhir": interaction,
            "ressource": resource_type,
            "ids": ids,
            "groupes": sorted({g for o in found if (g := _group_id(resource_type, o)) is not None}),
            "patients": sorted({p for o in found if (p := _patient_id(resource_type, o)) is not None}),
        }
        record(
            AuditEntry.Action.VIEW,
            cpts_id=cpts_id,
            actor=actor,
            object_type=f"fhir.{resource_type}",
            object_id=str(ids[0]) if len(ids) == 1 else "",
            object_label=f"FHIR {resource_type} ({len(ids)})",
            details=details,
        )
