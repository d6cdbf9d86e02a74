"""Booking unscheduled slots: book, cancel, reschedule, mark honoured or no-show.

Never two live bookings on one slot: the insert of the booking is what decides, under the partial unique
constraint ``booking_one_live_per_slot``. Two concurrent requests on PostgreSQL both try to insert; the second
waits for the first's commit, then fails with IntegrityError, which becomes ``SlotTaken`` (HTTP 409 in the
API) after its savepoint is rolled back: the loser leaves no row behind. Validation happens before any write.

After the commit, the professional is notified (notifications app, category agenda) and the patient gets a
confirmation through ``unscheduled.patient_messages``.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agenda.timing import PARIS
from audit.log import record, record_bulk
from audit.models import AuditEntry
from opencpts.errors import ActionError
from unscheduled import access, patient_messages
from unscheduled.models import Booking, Slot

PHONE = re.compile(r"^(?:\+33|0)[1-9](?:[ .-]?\d{2}){4}$")


class SlotTaken(ActionError):
    """The slot was booked by someone else first."""

    def __init__(self):
        super().__init__(
            "Ce créneau vient d'être réservé par quelqu'un d'autre : choisissez-en un autre.",
            "slot",
            conflict=True,
        )


def _clean_patient(family_name, given_names, birth_date, phone, email, motif) -> dict:
    family_name = " ".join((family_name or "").split())
    given_names = " ".join((given_names or "").split())
    if not family_name or not given_names:
        raise ActionError("Nom et prénom du patient : obligatoires.", "family_name")
    if len(family_name) > 100 or len(given_names) > 150:
        raise ActionError("Nom ou prénom trop long.", "family_name")
    phone = (phone or "").strip()
    email = (email or "").strip()
    if not phone and not email:
        raise ActionError("Contact : un téléphone ou un e-mail, pour la confirmation au patient.", "phone")
    if phone and not PHONE.match(phone):
        raise ActionError("Téléphone : 10 chiffres (06 12 34 56 78) ou +33 suivi de 9 chiffres.", "phone")
    if email and ("@" not in email or len(email) > 254):
        raise ActionError("E-mail : adresse invalide.", "email")
    if birth_date is not None and not dt.date(1900, 1, 1) <= birth_date <= timezone.localdate():
        raise ActionError("Date de naissance : invalide.", "birth_date")
    motif = " ".join((motif or "").split())
    if not motif:
        raise ActionError("Motif : décrivez en quelques mots le besoin de soins.", "motif")
    if len(motif) > 300:
        raise ActionError("Motif : 300 caractères au plus.", "motif")
    return {
        "family_name": family_name.upper(),
        "given_names": given_names,
        "birth_date": birth_date,
        "phone": phone,
        "email": email,
        "motif": motif,
    }


def _bookable(slot: Slot) -> None:
    if slot.paused:
        raise ActionError("Ce créneau est en pause : choisissez-en un autre.", "slot")
    if slot.start <= timezone.now():
        raise ActionError("Ce créneau est déjà commencé ou passé.", "slot")


def _insert(slot: Slot, by, patient: dict, rescheduled_from: Booking | None = None) -> Booking:
    try:
        with transaction.atomic():  # a savepoint: the losing insert is rolled back alone
            booking = Booking.objects.create(
                cpts_id=slot.cpts_id, slot=slot, booked_by=by, rescheduled_from=rescheduled_from, **patient
            )
    except IntegrityError:
        raise SlotTaken() from None
    Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.BOOKED)
    record_bulk("update", Slot, [slot.pk], ["status"], cpts_id=slot.cpts_id)
    return booking


def book(
    slot: Slot,
    by,
    *,
    family_name: str,
    given_names: str,
    motif: str,
    phone: str = "",
    email: str = "",
    birth_date: dt.date | None = None,
    origin: str = "",
) -> Booking:
    """``origin``: set when the booking comes from the national SAS (the ``origin`` parameter it adds to the
    slot's link); such a booking is marked regulated."""
    access.require_use(by, slot.cpts)
    patient = _clean_patient(family_name, given_names, birth_date, phone, email, motif)
    origin = re.sub(r"[^A-Za-z0-9_.\-]", "", origin or "")[:40]
    if origin:
        patient.update(regulated=True, origin=origin)
    with transaction.atomic():
        _bookable(slot)
        booking = _insert(slot, by, patient)
        record(
            AuditEntry.Action.DECISION,
            obj=booking,
            cpts_id=booking.cpts_id,
            details={"decision": "snp_booked", "slot_id": slot.pk, "regulated": booking.regulated},
        )
        transaction.on_commit(lambda: _after_booking(booking.pk, "booked"), robust=True)
    return booking


def _require_closer(booking: Booking, by) -> None:
    if not (booking.booked_by_id == by.pk or access.can_manage(by, booking.cpts, booking.slot.professional)):
        raise PermissionDenied(
            "Seuls la personne qui a réservé, le professionnel et la coordination modifient "
            "cette réservation."
        )


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update()
        .select_related("slot", "cpts", "slot__professional")
        .get(pk=booking.pk)
    )


def cancel(booking: Booking, by, reason: str = "") -> Booking:
    _require_closer(booking, by)
    reason = " ".join((reason or "").split())[:300]
    with transaction.atomic():
        booking = _locked(booking)
        if booking.status != Booking.Status.BOOKED:
            raise ActionError("Cette réservation n'est plus active.")
        booking.status, booking.closed_at, booking.closed_by, booking.cancel_reason = (
            Booking.Status.CANCELLED,
            timezone.now(),
            by,
            reason,
        )
        booking.save(update_fields=["status", "closed_at", "closed_by", "cancel_reason"])
        Slot.objects.filter(pk=booking.slot_id).update(status=Slot.Status.FREE)
        record_bulk("update", Slot, [booking.slot_id], ["status"], cpts_id=booking.cpts_id)
        transaction.on_commit(lambda: _after_booking(booking.pk, "cancelled"), robust=True)
    return booking


def reschedule(booking: Booking, by, new_slot: Slot) -> Booking:
    """Move a booking to another free slot: the new booking is made first, then the old one cancelled, in one
    transaction (if the new slot is taken, nothing changes)."""
    _require_closer(booking, by)
    access.require_use(by, new_slot.cpts)
    with transaction.atomic():
        old = _locked(booking)
        if old.status != Booking.Status.BOOKED:
            raise ActionError("Cette réservation n'est plus active.")
        if new_slot.pk == old.slot_id:
            raise ActionError("Choisissez un autre créneau que l'actuel.", "slot")
        _bookable(new_slot)
        patient = {
            f: getattr(old, f)
            for f in (
                "family_name",
                "given_names",
                "birth_date",
                "phone",
                "email",
                "motif",
                "regulated",
                "origin",
            )
        }
        new = _insert(new_slot, by, patient, rescheduled_from=old)
        old.status, old.closed_at, old.closed_by, old.cancel_reason = (
            Booking.Status.CANCELLED,
            timezone.now(),
            by,
            f"Reporté (réservation n° {new.pk})",
        )
        old.save(update_fields=["status", "closed_at", "closed_by", "cancel_reason"])
        Slot.objects.filter(pk=old.slot_id).update(status=Slot.Status.FREE)
        record_bulk("update", Slot, [old.slot_id], ["status"], cpts_id=old.cpts_id)
        transaction.on_commit(lambda: _after_booking(new.pk, "booked"), robust=True)
    return new


def mark_outcome(booking: Booking, by, honoured: bool) -> Booking:
    """The professional (or a delegate, or the coordination) says whether the patient came; not before the
    slot's start."""
    if not access.can_manage(by, booking.cpts, booking.slot.professional):
        raise PermissionDenied(
            "Seuls le professionnel, ses délégués et la coordination indiquent si le patient est venu."
        )
    with transaction.atomic():
        booking = _locked(booking)
        if booking.status not in (Booking.Status.BOOKED, Booking.Status.HONOURED, Booking.Status.NO_SHOW):
            raise ActionError("Cette réservation est annulée.")
        if booking.slot.start > timezone.now():
            raise ActionError("Le rendez-vous n'a pas encore eu lieu.")
        booking.status = Booking.Status.HONOURED if honoured else Booking.Status.NO_SHOW
        booking.closed_at, booking.closed_by = timezone.now(), by
        booking.save(update_fields=["status", "closed_at", "closed_by"])
    return booking


def confirmation_text(booking: Booking) -> str:
    slot = booking.slot
    start = slot.start.astimezone(PARIS)
    pro = slot.professional
    who = " ".join(
        p for p in (pro.civility.title() if pro.civility else "", pro.first_name, pro.last_name) if p
    )
    place = slot.place
    where = {"HH": "à votre domicile", "VR": "en téléconsultation (le lien vous sera envoyé)"}.get(
        slot.modality, f"{place.label or ''} {place.address}, {place.postal_code}".strip(" ,")
    )
    return (
        f"Rendez-vous confirmé le {start:%d/%m/%Y} à {start:%H:%M} avec {who}, {where}. "
        f"En cas d'empêchement, prévenez le cabinet{f' au {place.phone}' if place.phone else ''}. "
        f"{booking.cpts.name}"
    )


def _after_booking(booking_id: int, what: str) -> None:
    """After the commit: tell the professional (and their account's notifications) and the patient."""
    booking = Booking.objects.select_related("slot__professional", "slot__place", "cpts").get(pk=booking_id)
    slot = booking.slot
    from accounts.models import User

    professional_users = list(
        User.objects.filter(professional=slot.professional, is_active=True).values_list("pk", flat=True)
    )
    try:
        from notifications.delivery import Subject, notify
        from notifications.models import Kind

        start = slot.start.astimezone(PARIS)
        kind = Kind.SNP_BOOKED if what == "booked" else Kind.SNP_CANCELLED
        words = "Créneau réservé" if what == "booked" else "Réservation annulée"
        url = reverse("unscheduled:mine", args=[booking.cpts.slug])
        notify(
            Subject(
                cpts_id=booking.cpts_id,
                kind=kind,
                topic=f"snp.{slot.pk}.{booking.pk}",
                url=url,
                texts=lambda n: (
                    f"{words} : {start:%d/%m/%Y} à {start:%H:%M}",
                    f"{words} sur l'un de vos créneaux de soins non programmés",
                ),
                object_id=booking.pk,
            ),
            [u for u in professional_users if u != booking.booked_by_id],
        )
    except LookupError:
        pass
    if what == "booked":
        sent = patient_messages.send(
            patient_messages.PatientMessage(booking.phone, booking.email, confirmation_text(booking))
        )
        with transaction.atomic():
            Booking.objects.filter(pk=booking.pk).update(confirmation=sent)
            record_bulk("update", Booking, [booking.pk], ["confirmation"], cpts_id=booking.cpts_id)
