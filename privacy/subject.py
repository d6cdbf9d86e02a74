"""What the platform holds about one patient (right of access, art. 15 RGPD), as a plain dict for the JSON
export and the PDF.

One builder, two depths:

- ``with_content=False`` — the coordination's copy: identity, relatives, every care circle of the patient
  in the CPTS with its members, the consents' dates and modalities, counts and dates of messages,
  documents and events, and the trace of accesses (audit). No message text, no document title, no
  consent scope: the coordination answers the request without reading clinical content.
- ``with_content=True`` — the copy of one care circle produced by one of its readers (``privacy.actions
  .produce_export``): the same identity plus that circle's messages (text), documents (title, file names,
  types, sizes, dates; the files themselves are downloaded from the circle by the member), events and the
  consents in full.

Reads only the given patient and circles: nothing of another patient can enter (tested).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from agenda.models import Event
from audit.models import AuditEntry
from coordination.models import Consent, Group, GroupMember, Message, Patient, Relative
from documents.models import Document, DocumentVersion

AUDIT_LIMIT = 2000


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _name(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


def identity(patient: Patient) -> dict:
    return {
        "numero": patient.pk,
        "nom_de_naissance": patient.family_name,
        "nom_d_usage": patient.used_name,
        "prenoms": patient.given_names,
        "date_de_naissance": _iso(patient.birth_date),
        "sexe": patient.get_sex_display(),
        "adresse": patient.address,
        "code_postal": patient.postal_code,
        "commune": patient.commune.name if patient.commune_id else "",
        "telephone": patient.phone,
        "nir": patient.nir,
        "enregistre_le": _iso(patient.created_at),
        "enregistre_par": _name(patient.created_by),
        "proches": [
            {
                "lien": r.get_kind_display(),
                "nom": r.family_name,
                "prenom": r.given_names,
                "telephone": r.phone,
                "email": r.email,
            }
            for r in Relative.objects.filter(patient=patient).order_by("pk")
        ],
    }


def _members(group: Group) -> list[dict]:
    return [
        {
            "professionnel": _name(m.user),
            "role_dans_la_prise_en_charge": m.function,
            "statut": m.get_status_display(),
            "invite_le": _iso(m.invited_at),
            "entre_le": _iso(m.joined_at),
            "sorti_le": _iso(m.ended_at),
        }
        for m in GroupMember.objects.filter(group=group).select_related("user").order_by("invited_at", "pk")
    ]


def _consents(group: Group, with_content: bool) -> list[dict]:
    out = []
    for c in (
        Consent.objects.filter(group=group).select_related("collected_by").order_by("collected_on", "pk")
    ):
        row = {
            "recueilli_le": _iso(c.collected_on),
            "recueilli_par": _name(c.collected_by),
            "modalite": c.get_method_display(),
            "expire_le": _iso(c.expires_on),
            "retire_le": _iso(c.withdrawn_at),
        }
        if with_content:
            row["temoin"] = c.witness
            row["portee"] = c.scope
        out.append(row)
    return out


def _span(qs, field: str) -> dict:
    dates = list(qs.order_by(field).values_list(field, flat=True))
    return {
        "nombre": len(dates),
        "premier": _iso(dates[0]) if dates else None,
        "dernier": _iso(dates[-1]) if dates else None,
    }


def _messages(group: Group) -> list[dict]:
    return [
        {
            "date": _iso(m.created_at),
            "auteur": _name(m.author),
            "sujet": m.subject,
            "reponse_a": m.parent_id,
            "numero": m.pk,
            "texte": "" if m.deleted_at else m.body,
            "modifie_le": _iso(m.edited_at),
            "supprime_le": _iso(m.deleted_at),
        }
        for m in Message.objects.filter(group=group).select_related("author").order_by("created_at", "pk")
    ]


def _documents(group: Group) -> list[dict]:
    out = []
    for d in Document.objects.filter(group=group).select_related("created_by").order_by("created_at", "pk"):
        versions = DocumentVersion.objects.filter(document=d).order_by("number")
        out.append(
            {
                "titre": d.title,
                "nature": d.get_kind_display(),
                "ajoute_le": _iso(d.created_at),
                "ajoute_par": _name(d.created_by),
                "supprime_le": _iso(d.deleted_at),
                "versions": [
                    {
                        "version": v.number,
                        "fichier": v.filename,
                        "type": v.content_type,
                        "taille_octets": v.size,
                        "sha256": v.sha256,
                        "deposee_le": _iso(v.uploaded_at),
                    }
                    for v in versions
                ],
            }
        )
    return out


def _events(group: Group) -> list[dict]:
    return [
        {
            "titre": e.title,
            "debut": _iso(e.starts_at),
            "fin": _iso(e.ends_at),
            "annule_le": _iso(e.cancelled_at),
        }
        for e in Event.objects.filter(group=group).order_by("starts_at", "pk")
    ]


def circle(group: Group, with_content: bool) -> dict:
    row = {
        "numero": group.pk,
        "statut": group.get_status_display(),
        "ouvert_le": _iso(group.created_at),
        "cloture_le": _iso(group.closed_at),
        "membres": _members(group),
        "consentements": _consents(group, with_content),
    }
    if with_content:
        row["messages"] = _messages(group)
        row["documents"] = _documents(group)
        row["rendez_vous"] = _events(group)
    else:
        row["messages"] = _span(Message.objects.filter(group=group), "created_at")
        row["documents"] = _span(Document.objects.filter(group=group), "created_at")
        row["rendez_vous"] = _span(Event.objects.filter(group=group), "starts_at")
    return row


def accesses(patient: Patient, groups: list[Group]) -> list[dict]:
    """The audit trail's entries about the patient and the given circles (who consulted or changed what)."""
    from django.db.models import Q

    about = Q(object_type="coordination.patient", object_id=str(patient.pk)) | Q(
        object_type="coordination.group", object_id__in=[str(g.pk) for g in groups]
    )
    entries = AuditEntry.objects.filter(about, chain=patient.cpts_id).order_by("seq")[:AUDIT_LIMIT]
    return [
        {"date": _iso(e.at), "action": e.get_action_display(), "par": e.actor_label, "objet": e.object_type}
        for e in entries
    ]


def build(
    patient: Patient, groups: list[Group], *, with_content: bool, now: dt.datetime | None = None
) -> dict:
    """Everything held about ``patient`` in ``groups`` (care circles of this patient only)."""
    for group in groups:
        if group.patient_id != patient.pk:
            raise ValueError("Un cercle d'un autre patient ne peut pas entrer dans cet export.")
    return {
        "cpts": patient.cpts.name,
        "genere_le": _iso(now or timezone.now()),
        "nature": "copie complète du cercle de soins" if with_content else "copie sans contenu clinique",
        "patient": identity(patient),
        "cercles_de_soins": [circle(g, with_content) for g in groups],
        "traces_d_acces": accesses(patient, groups),
    }


def patient_circles(patient: Patient) -> list[Group]:
    return list(
        Group.objects.filter(patient=patient, kind=Group.Kind.CARE_CIRCLE).order_by("created_at", "pk")
    )
