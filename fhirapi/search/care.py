"""FHIR search of the Cercle de soins (tenant data): CareTeam, Patient, RelatedPerson, Consent and
Communication. Never the whole table: each search and each read starts from what the user may read, the
groups of ``visible_group_ids`` (coordination.access); what they may not read does not exist for them.
DocumentReference (fhirapi/documents.py) and Appointment (fhirapi/appointments.py) start from the same groups.
"""

from coordination import access
from coordination.models import Consent, Group, GroupMember, Message, Patient, Relative
from cpts.models import Membership
from fhirapi import mapping
from fhirapi.http import FhirError
from fhirapi.params import id_value, practitioner_q, token
from fhirapi.search.spec import REFERENCE, TOKEN, SearchParam, date, reference, searchable, string


def visible_group_ids(user) -> set[int]:
    """Groups the user may read, over every CPTS where they are an active member (coordination.access)."""
    ids: set[int] = set()
    if user is None:
        return ids
    for membership in Membership.objects.filter(user=user, active=True).select_related("cpts"):
        ids |= set(access.visible_groups(user, membership.cpts).values_list("pk", flat=True))
    return ids


def visible_careteams(user):
    return Group.objects.filter(pk__in=visible_group_ids(user)).select_related("patient")


def visible_fhir_patients(user):
    return Patient.objects.filter(groups__pk__in=visible_group_ids(user)).distinct()


def visible_relatives(user):
    return Relative.objects.filter(patient__in=visible_fhir_patients(user))


def visible_consents(user):
    return Consent.objects.filter(group_id__in=visible_group_ids(user)).select_related(
        "collected_by__professional"
    )


def visible_messages(user):
    return Message.objects.filter(group_id__in=visible_group_ids(user)).select_related(
        "group", "parent", "author__professional"
    )


# ------------------------------------------------------------------------------------------ filters


def _participant(qs, value):
    return qs.filter(
        practitioner_q(value, "members__user__professional"), members__status=GroupMember.Status.ACTIVE
    )


def _careteam_status(qs, value):
    statuses = value.split(",")
    if set(statuses) - {"active", "inactive"}:
        raise FhirError(400, "invalid", "status : « active » ou « inactive » attendu.")
    return qs.filter(
        status__in=[Group.Status.OPEN if s == "active" else Group.Status.CLOSED for s in statuses]
    )


def _careteam_identifier(qs, value):
    system, code = token(value)
    number = id_value(code, "identifier")
    if system not in (None, "", mapping.local_system("careteam")) or number is None:
        return qs.none()
    return qs.filter(pk=number)


def _patient_identifier(qs, value):
    system, code = token(value)
    if system not in (None, "", mapping.SYS_INS_NIR) or not code:
        return qs.none()
    return qs.filter(nir=code)


def _consent_status(qs, value):
    if value not in ("active", "inactive"):
        raise FhirError(400, "invalid", "status : « active » ou « inactive » attendu.")
    valid = [c.pk for c in qs if c.is_valid()]
    return qs.filter(pk__in=valid) if value == "active" else qs.exclude(pk__in=valid)


# ------------------------------------------------------------------------------------------ resources

RESOURCES = {
    "CareTeam": searchable(
        base=visible_careteams,
        tenant=True,
        map=mapping.careteam,
        params=(
            reference("patient", "Patient", "patient_id"),
            reference("subject", "Patient", "patient_id"),
            SearchParam("participant", REFERENCE, _participant),
            SearchParam("status", TOKEN, _careteam_status),
            date("date", "created_at__date"),
            date("start", "created_at__date"),
            SearchParam("identifier", TOKEN, _careteam_identifier),
        ),
        distinct=True,
    ),
    "Patient": searchable(
        base=visible_fhir_patients,
        tenant=True,
        map=mapping.patient,
        params=(
            SearchParam("identifier", TOKEN, _patient_identifier),
            string("family", "family_name__istartswith", "used_name__istartswith"),
            string("given", "given_names__istartswith"),
            string("name", "family_name__icontains", "used_name__icontains", "given_names__icontains"),
            date("birthdate", "birth_date"),
        ),
    ),
    "RelatedPerson": searchable(
        base=visible_relatives,
        tenant=True,
        map=mapping.related_person,
        params=(reference("patient", "Patient", "patient_id"),),
    ),
    "Consent": searchable(
        base=visible_consents,
        tenant=True,
        map=mapping.consent,
        params=(reference("patient", "Patient", "patient_id"), SearchParam("status", TOKEN, _consent_status)),
    ),
    "Communication": searchable(
        base=visible_messages,
        tenant=True,
        map=mapping.communication,
        params=(
            reference("subject", "Patient", "group__patient_id"),
            reference("patient", "Patient", "group__patient_id"),
        ),
    ),
}
