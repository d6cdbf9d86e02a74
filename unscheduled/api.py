"""JSON API of the soins non programmés: free slots (as unscheduled.search.find returns them, with the
participants who have nothing free apart), booking a slot, cancelling a booking. Thin mapping onto
unscheduled.search / unscheduled.booking / unscheduled.access, with the same rules as the pages: a second
booking of a slot gets 409 and leaves nothing behind."""

import datetime as dt
import math

from django.http import Http404
from django.urls import reverse
from ninja import Router, Schema, Status

from cpts.scoping import access_cpts, scoped
from directory import search as directory_search
from directory.query import Row
from opencpts.intparams import DbId
from unscheduled import access as rules
from unscheduled import booking as booking_rules
from unscheduled import search
from unscheduled.models import Booking, Modality, Slot

router = Router(tags=["soins non programmés"])


class SnpError(Schema):  # its own name: one schema per name in the OpenAPI document
    detail: str
    field: str | None = None


DEFAULT_RADIUS_KM = 20.0


class SlotProfessionalOut(Schema):
    id: int
    name: str
    profession_code: str
    profession: str
    specialty_code: str
    specialty: str


class SlotPlaceOut(Schema):
    id: int
    label: str
    address: str
    postal_code: str
    commune: str | None
    latitude: float | None
    longitude: float | None


class SlotOut(Schema):
    id: int
    start: dt.datetime
    end: dt.datetime
    modality: str
    modality_label: str
    motifs: str
    visibility: list[str]
    professional: SlotProfessionalOut
    place: SlotPlaceOut
    distance_km: float | None
    distance_label: str
    book_url: str


class IdleOut(Schema):
    professional: SlotProfessionalOut
    distance_km: float | None


class SlotsOut(Schema):
    count: int
    until: dt.datetime
    slots: list[SlotOut]
    idle: list[IdleOut]


class BookingIn(Schema):
    family_name: str
    given_names: str
    motif: str
    phone: str = ""
    email: str = ""
    birth_date: dt.date | None = None


class CancelIn(Schema):
    reason: str = ""


class BookingOut(Schema):
    id: int
    status: str
    status_label: str
    slot_id: int
    start: dt.datetime
    url: str


def _pro(pro) -> dict:
    return {
        "id": pro.pk,
        "name": str(pro),
        "profession_code": pro.profession_code or "",
        "profession": pro.profession_label or "",
        "specialty_code": pro.specialty_code or "",
        "specialty": pro.specialty_label or "" if pro.specialty_code else "",
    }


def _slot(cpts, slot: Slot, distance: float | None) -> dict:
    place = slot.place
    return {
        "id": slot.pk,
        "start": slot.start,
        "end": slot.end,
        "modality": slot.modality,
        "modality_label": slot.get_modality_display(),
        "motifs": slot.motifs,
        "visibility": slot.visibility,
        "professional": _pro(slot.professional),
        "place": {
            "id": place.pk,
            "label": place.label or "",
            "address": place.address or "",
            "postal_code": place.postal_code or "",
            "commune": place.commune.name if place.commune_id else None,
            "latitude": place.latitude,
            "longitude": place.longitude,
        },
        "distance_km": round(distance, 3) if distance is not None else None,
        "distance_label": Row(slot.professional, place, distance).distance_label,
        "book_url": reverse("unscheduled:book", args=[cpts.slug, slot.pk]),
    }


def _booking(cpts, booking: Booking) -> dict:
    return {
        "id": booking.pk,
        "status": booking.status,
        "status_label": booking.get_status_display(),
        "slot_id": booking.slot_id,
        "start": booking.slot.start,
        "url": reverse("unscheduled:booking", args=[cpts.slug, booking.pk]),
    }


def _bad(detail: str, field: str | None = None):
    return Status(400, {"detail": detail, "field": field})


@router.get(
    "/{slug}/snp/slots",
    response={200: SlotsOut, 400: SnpError},
    summary="Créneaux libres de soins non programmés (par heure puis distance) et participants sans créneau",
)
def list_snp_slots(
    request,
    slug: str,
    window: str = "24h",
    lat: float | None = None,
    lon: float | None = None,
    radius_km: float | None = None,
    profession: str = "",
    specialty: str = "",
    modality: str = "",
):
    access = access_cpts(request.user, slug, rules.USE)
    if window not in search.WINDOWS:
        return _bad("Fenêtre inconnue : aujourdhui, 24h ou 48h.", "window")
    if modality and modality not in Modality.values:
        return _bad(
            "Modalité inconnue : AMB (au cabinet), HH (à domicile) ou VR (téléconsultation).", "modality"
        )
    if (lat is None) != (lon is None):
        return _bad("Indiquez la latitude et la longitude ensemble.", "lat" if lat is None else "lon")
    point = None
    if lat is not None:
        radius_km = DEFAULT_RADIUS_KM if radius_km is None else radius_km
        try:
            if math.isnan(lat) or math.isnan(lon):
                raise directory_search.SearchError("Coordonnées impossibles.")
            directory_search.check_point(lat, lon, radius_km)
        except directory_search.SearchError as exc:
            return _bad(exc.message, "radius_km" if "Rayon" in exc.message else "lat")
        point = (lat, lon)
    elif radius_km is not None:
        return _bad("Un rayon demande un point : indiquez lat et lon.", "radius_km")
    found = search.find(
        access.cpts,
        point=point,
        radius_km=radius_km if point else None,
        window=window,
        profession=profession,
        specialty=specialty,
        modality=modality,
    )
    return Status(
        200,
        {
            "count": len(found.slots),
            "until": found.until,
            "slots": [_slot(access.cpts, f.slot, f.distance_km) for f in found.slots],
            "idle": [
                {
                    "professional": _pro(i.professional),
                    "distance_km": round(i.distance_km, 3) if i.distance_km is not None else None,
                }
                for i in found.idle
            ],
        },
    )


@router.post(
    "/{slug}/snp/slots/{slot_id}/bookings",
    response={201: BookingOut, 400: SnpError, 404: SnpError, 409: SnpError},
    summary="Réserver un créneau libre (409 s'il vient d'être réservé par quelqu'un d'autre)",
)
def book_snp_slot(request, slug: str, slot_id: DbId, payload: BookingIn):
    access = access_cpts(request.user, slug, rules.USE)
    slot = scoped(Slot, access.cpts).filter(pk=slot_id).select_related("cpts", "professional").first()
    if slot is None:
        raise Http404("Créneau introuvable.")
    booking = booking_rules.book(slot, request.user, **payload.dict())  # SlotTaken: 409
    return Status(201, _booking(access.cpts, booking))


@router.post(
    "/{slug}/snp/bookings/{booking_id}/cancel",
    response={200: BookingOut, 400: SnpError, 404: SnpError},
    summary="Annuler une réservation (la personne qui l'a faite, le professionnel, la coordination)",
)
def cancel_snp_booking(request, slug: str, booking_id: DbId, payload: CancelIn):
    access = access_cpts(request.user, slug, rules.USE)
    booking = (
        scoped(Booking, access.cpts)
        .filter(pk=booking_id)
        .select_related("cpts", "slot", "slot__professional")
        .first()
    )
    if booking is None:
        raise Http404("Réservation introuvable.")
    booking = booking_rules.cancel(booking, request.user, payload.reason)
    return Status(200, _booking(access.cpts, booking))
