"""FHIR R4 Appointment for the events of the shared calendar (agenda app), in the spirit of the Cercle de
soins shared calendar.

Scoped like the other tenant resources of fhirapi/search/care.py: a user sees only the events of the groups
they may read now (coordination.access, through ``care.visible_group_ids``).

- ``status``: ``booked``, or ``cancelled`` (with ``cancelationReason`` when a reason was given);
- ``serviceType``: the kind of event, in a code system of our own; ``description``: a neutral wording made of
  fixed words ("Concertation — visite à domicile"), never the event's title or description;
- ``participant``: the patient of a care circle (needed for the ``patient`` search), each participating member
  as a ``Practitioner`` reference when their account is linked to the directory, by name otherwise, and the
  external participants by name; the creator when nobody else is named;
- the group: ``supportingInformation`` → ``CareTeam/<group id>``.
"""

import uuid

from django.db.models import Q

from agenda.ical import neutral_title
from agenda.models import Event
from agenda.timing import PARIS
from fhirapi import mapping
from fhirapi.http import FhirError
from fhirapi.params import int_ids, reference_id, token
from fhirapi.search.care import visible_group_ids
from fhirapi.search.spec import REFERENCE, TOKEN, SearchParam, date, reference, searchable

STATUSES = {"booked", "cancelled"}
# Every Appointment.status of FHIR R4: a search for one we never produce matches nothing (not an error).
FHIR_STATUSES = STATUSES | {
    "proposed",
    "pending",
    "arrived",
    "fulfilled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
}
# The patient is there for a visit, a consultation, a stay; a meeting (RCP) is about them.
PATIENT_PRESENT = {
    Event.Kind.CONSULTATION,
    Event.Kind.HOME_VISIT,
    Event.Kind.HOSPITALISATION,
    Event.Kind.DISCHARGE,
}


def kind_system() -> str:
    return mapping.local_system("agenda-event-kind")


def _instant(value) -> str:
    return value.astimezone(PARIS).isoformat(timespec="seconds")


def _member(user) -> dict:
    pro_id = getattr(user, "professional_id", None)
    if pro_id:
        return {"reference": f"Practitioner/{pro_id}", "display": str(user)}
    return {"display": str(user) if user is not None else "Compte supprimé"}


def appointment(event: Event) -> dict:
    group = event.group
    participants = []
    if group.patient_id:
        participants.append(
            {
                "actor": {"reference": f"Patient/{group.patient_id}"},
                "required": "required" if event.kind in PATIENT_PRESENT else "information-only",
                "status": "accepted",
            }
        )
    members = sorted((link.user for link in event.participant_links.all()), key=lambda u: u.pk)
    participants += [
        {"actor": _member(user), "required": "required", "status": "accepted"} for user in members
    ]
    if event.external_participants:
        participants.append(
            {
                "actor": {"display": event.external_participants},
                "required": "optional",
                "status": "needs-action",
            }
        )
    if not participants:
        participants.append(
            {"actor": _member(event.created_by), "required": "required", "status": "accepted"}
        )
    resource = {
        "resourceType": "Appointment",
        "id": str(event.pk),
        "meta": {
            "source": mapping.site_url(),
            "versionId": str(event.sequence + 1),
            "lastUpdated": event.updated_at.isoformat(timespec="milliseconds"),
        },
        "identifier": [{"system": mapping.local_system("appointment"), "value": str(event.uid)}],
        "status": "cancelled" if event.cancelled else "booked",
        "serviceType": [
            {
                "coding": [
                    {"system": kind_system(), "code": event.kind, "display": event.get_kind_display()}
                ],
                "text": event.get_kind_display(),
            }
        ],
        "description": neutral_title(event, with_status=False),
        "start": _instant(event.starts_at),
        "end": _instant(event.ends_at),
        "minutesDuration": int((event.ends_at - event.starts_at).total_seconds() // 60),
        "created": _instant(event.created_at),
        "supportingInformation": [{"reference": f"CareTeam/{group.pk}"}],
        "participant": participants,
    }
    if event.all_day:
        resource["extension"] = [{"url": mapping.local_system("agenda-all-day"), "valueBoolean": True}]
    if event.cancelled and event.cancel_reason:
        resource["cancelationReason"] = {"text": event.cancel_reason}
    return resource


def visible_appointments(user):
    return (
        Event.objects.filter(group_id__in=visible_group_ids(user))
        .select_related("group", "created_by")
        .prefetch_related("participant_links__user")
    )


def _participant_filter(values: list[str], kinds: tuple[str, ...]) -> Q:
    q = Q()
    for value in values:
        for ref in value.split(","):
            if "Patient" in kinds and ref.startswith("Patient/"):
                q |= Q(group__patient_id__in=int_ids([reference_id(ref, "Patient")]))
            else:
                q |= Q(
                    participant_links__user__professional_id__in=int_ids([reference_id(ref, "Practitioner")])
                )
    return q


def _actor(qs, value):
    return qs.filter(_participant_filter([value], ("Patient", "Practitioner")))


def _practitioner(qs, value):
    return qs.filter(_participant_filter([value], ("Practitioner",)))


def _status(qs, value):
    statuses = set(value.split(","))
    if statuses - FHIR_STATUSES:
        raise FhirError(400, "invalid", "status : valeur inconnue (« booked » ou « cancelled »).")
    q = Q(pk__in=[])
    if "booked" in statuses:
        q |= Q(cancelled_at__isnull=True)
    if "cancelled" in statuses:
        q |= Q(cancelled_at__isnull=False)
    return qs.filter(q)


def _service_type(qs, value):
    codes = set()
    for part in value.split(","):
        system, code = token(part)
        if system in (None, "", kind_system()):
            codes.add(code)
    return qs.filter(kind__in=codes)


def _identifier(qs, value):
    system, code = token(value)
    if system not in (None, "", mapping.local_system("appointment")):
        return qs.none()
    return qs.filter(uid__in=[code] if _is_uuid(code) else [])


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


RESOURCE = searchable(
    base=visible_appointments,
    tenant=True,
    map=appointment,
    params=(
        reference("patient", "Patient", "group__patient_id"),
        SearchParam("actor", REFERENCE, _actor),
        SearchParam("practitioner", REFERENCE, _practitioner),
        reference("supporting-info", "CareTeam", "group_id"),
        date("date", "starts_at__date"),
        SearchParam("status", TOKEN, _status),
        SearchParam("service-type", TOKEN, _service_type),
        SearchParam("identifier", TOKEN, _identifier),
    ),
    order=("starts_at", "pk"),
    distinct=True,
)
