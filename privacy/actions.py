"""Write paths of the data-protection duties. Each checks who may act, validates, writes in one transaction
(model writes audited by the signals) and adds its decision or export entry to the audit trail.

Who does what:
- the coordination (``cpts.manage_privacy``) sets the DPO's contact, records a request, finds the person
  by identity, asks a care circle for the export, applies an opposition or an erasure, closes the request;
  it never reads a circle's content;
- a member who reads the circle (``coordination.access.can_read``) produces that circle's export for the
  person; the platform keeps the SHA-256 of what was produced, never a copy.

Erasure and opposition go through the existing rules only: ``coordination.actions.close_group`` closes the
open circles (sharing stops), ``coordination.retention.purge_circle`` deletes those whose retention period is
over (with its own audit entry and the documents' purge); nothing is deleted here by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from audit.log import record
from coordination import access as circle_access
from coordination import actions as coordination
from coordination import retention
from coordination.models import Group, Patient
from cpts.models import CPTS
from cpts.roles import role_has
from cpts.scoping import scoped
from opencpts.errors import ActionError
from opencpts.french import count
from privacy import pdf, subject
from privacy.models import CircleTask, PrivacyContact, RightsRequest

POSTAL_CODE = re.compile(r"\b\d{5}\b")
FORMATS = ("pdf", "json")


def _require_manager(by, cpts: CPTS) -> None:
    membership = circle_access.cpts_membership(by, cpts)
    if membership is None or not role_has(membership.role, "cpts.manage_privacy"):
        raise PermissionDenied("Seule la coordination de la CPTS gère les données personnelles.")


def _text(value, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(f"{label} : ce champ est obligatoire.", field)
    if len(value) > max_length:
        raise ActionError(f"{label} : {max_length} caractères au plus.", field)
    return value


# --- The DPO ---


@transaction.atomic
def set_contact(cpts: CPTS, by, *, dpo_name: str, dpo_email: str, dpo_address: str) -> PrivacyContact:
    _require_manager(by, cpts)
    name = _text(dpo_name, "dpo_name", "Nom du délégué", 200)
    email = _text(dpo_email, "dpo_email", "E-mail du délégué", 254)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ActionError("E-mail du délégué : adresse invalide.", "dpo_email") from exc
    address = _text(dpo_address, "dpo_address", "Adresse postale", 500)
    if not POSTAL_CODE.search(address):
        raise ActionError(
            "Adresse postale : indiquez le code postal (5 chiffres) et la ville.", "dpo_address"
        )
    contact = scoped(PrivacyContact, cpts).select_for_update().first() or PrivacyContact(cpts=cpts)
    contact.dpo_name, contact.dpo_email, contact.dpo_address, contact.updated_by = name, email, address, by
    contact.save()
    return contact


def contact_for(cpts: CPTS) -> PrivacyContact | None:
    return scoped(PrivacyContact, cpts).first()


# --- Requests ---


@transaction.atomic
def open_request(
    cpts: CPTS,
    by,
    *,
    kind: str,
    requester: str,
    received_on: dt.date,
    requester_is_patient: bool = True,
    channel: str = "",
    details: str = "",
) -> RightsRequest:
    _require_manager(by, cpts)
    if kind not in RightsRequest.Kind.values:
        raise ActionError("Droit exercé inconnu.", "kind")
    if not isinstance(received_on, dt.date):
        raise ActionError("Date de réception : une date est attendue.", "received_on")
    if received_on > timezone.localdate():
        raise ActionError("Date de réception : elle ne peut pas être dans le futur.", "received_on")
    return RightsRequest.objects.create(
        cpts=cpts,
        kind=kind,
        requester=_text(requester, "requester", "Demandeur", 200),
        requester_is_patient=bool(requester_is_patient),
        channel=_text(channel, "channel", "Reçue par", 200, required=False),
        received_on=received_on,
        due_on=RightsRequest.deadline(received_on),
        details=_text(details, "details", "Précisions", 2000, required=False),
        created_by=by,
    )


def _open(req: RightsRequest) -> None:
    if req.status != RightsRequest.Status.OPEN:
        raise ActionError("Cette demande est close.")


def _locked(req: RightsRequest) -> RightsRequest:
    return RightsRequest.objects.select_for_update().get(pk=req.pk)


def find_patients(cpts: CPTS, by, *, family_name: str, birth_date: dt.date) -> list[Patient]:
    """The patients of the CPTS with this name (birth or used, any case) and birth date: identity only.
    Recorded as a ``view`` (the coordination looked a person up to answer a request)."""
    _require_manager(by, cpts)
    name = _text(family_name, "family_name", "Nom", 100)
    found = list(
        scoped(Patient, cpts).filter(birth_date=birth_date).filter(models_q_name(name)).order_by("pk")
    )
    record(
        "view",
        cpts_id=cpts.pk,
        object_type="coordination.patient",
        object_id=",".join(str(p.pk) for p in found)[:64],
        object_label="Recherche d'une personne (droits des personnes)",
        details={"found": len(found), "page": "privacy.find_patients"},
    )
    return found


def models_q_name(name: str):
    from django.db.models import Q

    return Q(family_name__iexact=name) | Q(used_name__iexact=name)


@transaction.atomic
def link_patient(req: RightsRequest, by, patient_id: int) -> RightsRequest:
    _require_manager(by, req.cpts)
    req = _locked(req)
    _open(req)
    patient = scoped(Patient, req.cpts).filter(pk=patient_id).first()
    if patient is None:
        raise ActionError("Patient introuvable dans cette CPTS.", "patient")
    req.patient, req.patient_number = patient, patient.pk
    req.save()
    return req


def _patient_of(req: RightsRequest) -> Patient:
    if req.patient_id is None:
        raise ActionError("Retrouvez d'abord la personne concernée (nom et date de naissance).")
    return req.patient


@transaction.atomic
def ask_exports(req: RightsRequest, by) -> list[CircleTask]:
    """Ask each care circle of the patient (open or closed) for the export of its content."""
    _require_manager(by, req.cpts)
    req = _locked(req)
    _open(req)
    if req.kind != RightsRequest.Kind.ACCESS:
        raise ActionError("Seule une demande d'accès appelle un export des cercles de soins.")
    patient = _patient_of(req)
    asked = set(req.tasks.values_list("group_number", flat=True))
    created = [
        CircleTask.objects.create(cpts=req.cpts, request=req, group=g, group_number=g.pk, asked_by=by)
        for g in subject.patient_circles(patient)
        if g.pk not in asked
    ]
    if not created and not asked:
        raise ActionError("Ce patient n'est dans aucun cercle de soins : l'export de la coordination suffit.")
    return created


def tasks_for(user, cpts: CPTS):
    """The pending exports of the circles ``user`` reads now."""
    return (
        scoped(CircleTask, cpts)
        .filter(status=CircleTask.Status.PENDING, group_id__in=circle_access.readable_group_ids(user))
        .select_related("request", "group")
    )


def task_to_produce(user, cpts: CPTS, task_id: int) -> CircleTask:
    from django.http import Http404

    task = scoped(CircleTask, cpts).filter(pk=task_id).select_related("request", "group").first()
    if task is None or task.group is None:
        raise Http404("Demande introuvable.")
    if not circle_access.can_read(user, task.group):
        raise PermissionDenied("Seul un membre du cercle de soins prépare cet export.")
    return task


def _file(data: dict, fmt: str, title: str, cpts_name: str) -> bytes:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    return pdf.render(title, pdf.data_blocks(data), author=cpts_name, footer=f"{cpts_name} — {title}")


@transaction.atomic
def produce_export(task: CircleTask, by, fmt: str) -> tuple[bytes, str]:
    """The circle's full copy for the person, by a member who reads it. Returns (bytes, file name)."""
    if fmt not in FORMATS:
        raise ActionError("Format inconnu : PDF ou JSON.", "format")
    # Only the task row is locked: PostgreSQL refuses FOR UPDATE on the nullable side of the group join.
    locked = CircleTask.objects.select_for_update(of=("self",)).select_related("request", "group")
    task = locked.get(pk=task.pk)
    if task.group is None or not circle_access.can_read(by, task.group):
        raise PermissionDenied("Seul un membre du cercle de soins prépare cet export.")
    if task.status == CircleTask.Status.CANCELLED or task.request.status != RightsRequest.Status.OPEN:
        raise ActionError("Cette demande est close : l'export n'est plus attendu.")
    group = task.group
    data = subject.build(group.patient, [group], with_content=True)
    content = _file(data, fmt, f"Copie du cercle de soins n° {group.pk}", task.cpts.name)
    digest = hashlib.sha256(content).hexdigest()
    task.digests = {**task.digests, fmt: digest}
    task.status, task.done_by, task.done_at = CircleTask.Status.DONE, by, timezone.now()
    task.save()
    record(
        "export",
        obj=group,
        cpts_id=task.cpts_id,
        object_label=f"Cercle de soins n° {group.pk}",
        details={"rights_request": task.request_id, "format": fmt, "sha256": digest, "bytes": len(content)},
    )
    return content, f"cercle-{group.pk}-demande-{task.request_id}.{fmt}"


@transaction.atomic
def coordination_export(req: RightsRequest, by, fmt: str) -> tuple[bytes, str]:
    """The coordination's copy: identity, circles, members, consents' dates, counts; no clinical content."""
    _require_manager(by, req.cpts)
    if fmt not in FORMATS:
        raise ActionError("Format inconnu : PDF ou JSON.", "format")
    patient = _patient_of(req)
    data = subject.build(patient, subject.patient_circles(patient), with_content=False)
    content = _file(data, fmt, f"Données du patient n° {patient.pk}", req.cpts.name)
    record(
        "export",
        obj=patient,
        cpts_id=req.cpts_id,
        object_label=f"Patient n° {patient.pk}",
        details={
            "rights_request": req.pk,
            "format": fmt,
            "sha256": hashlib.sha256(content).hexdigest(),
            "content": "without_clinical_content",
        },
    )
    return content, f"patient-{patient.pk}-demande-{req.pk}.{fmt}"


# --- Opposition and erasure ---


def _close_and_purge(req: RightsRequest, by, now: dt.datetime) -> dict:
    patient = _patient_of(req)
    closed, purged, kept = [], [], {}
    days = retention.settings_for(req.cpts).closed_circle_retention_days
    for group in subject.patient_circles(patient):
        if group.status == Group.Status.OPEN:
            coordination.close_group(group, by)
            closed.append(group.pk)
            group.refresh_from_db()
        if req.kind == RightsRequest.Kind.ERASURE and retention.purge_circle(group.pk, now) is not None:
            purged.append(group.pk)
        else:
            kept[group.pk] = timezone.localdate(group.closed_at + dt.timedelta(days=days)).isoformat()
    return {"closed": closed, "purged": purged, "kept_until": kept}


def _summary(req: RightsRequest, done: dict) -> str:
    parts = []
    if done["closed"]:
        parts.append(count(len(done["closed"]), "cercle de soins clôturé", "cercles de soins clôturés"))
    if done["purged"]:
        parts.append(count(len(done["purged"]), "cercle de soins supprimé", "cercles de soins supprimés"))
    for number, until in done["kept_until"].items():
        day = dt.date.fromisoformat(until).strftime("%d/%m/%Y")
        parts.append(f"cercle de soins n° {number} conservé jusqu'au {day} (durée de conservation)")
    if not parts:
        return "Aucun cercle de soins : rien à clôturer ni à supprimer."
    return " ; ".join(parts).capitalize() + "."


@transaction.atomic
def apply_request(req: RightsRequest, by, now: dt.datetime | None = None) -> str:
    """Opposition: close the patient's open care circles (sharing stops). Erasure: the same, then purge every
    circle whose retention period is over (the patient goes with the last one). Returns what was done."""
    _require_manager(by, req.cpts)
    req = _locked(req)
    _open(req)
    if req.kind not in (RightsRequest.Kind.OPPOSITION, RightsRequest.Kind.ERASURE):
        raise ActionError("Seules l'opposition et l'effacement s'appliquent aux cercles de soins.")
    patient_number = _patient_of(req).pk
    done = _close_and_purge(req, by, now or timezone.now())
    summary = _summary(req, done)
    req.refresh_from_db()
    req.outcome = (req.outcome + "\n" if req.outcome else "") + summary
    req.save()
    record(
        "decision",
        obj=req,
        cpts_id=req.cpts_id,
        details={"decision": f"rights_{req.kind}", "patient": patient_number, **done},
    )
    return summary


@transaction.atomic
def close_request(req: RightsRequest, by, *, status: str, outcome: str) -> RightsRequest:
    _require_manager(by, req.cpts)
    req = _locked(req)
    _open(req)
    if status not in (RightsRequest.Status.ANSWERED, RightsRequest.Status.REFUSED):
        raise ActionError("Issue inconnue : répondue ou refusée.", "status")
    text = _text(
        outcome, "outcome", "Réponse apportée", 4000, required=status == RightsRequest.Status.REFUSED
    )
    if text:
        req.outcome = (req.outcome + "\n" if req.outcome else "") + text
    if not req.outcome:
        raise ActionError("Réponse apportée : dites ce qui a été répondu.", "outcome")
    req.status, req.closed_at, req.closed_by = status, timezone.now(), by
    req.save()
    pending = list(req.tasks.filter(status=CircleTask.Status.PENDING))
    for task in pending:
        task.status = CircleTask.Status.CANCELLED
        task.save()
    record("decision", obj=req, cpts_id=req.cpts_id, details={"decision": f"rights_request_{status}"})
    return req
