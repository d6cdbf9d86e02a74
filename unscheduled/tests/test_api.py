"""The SNP JSON API: free slots near a point, booking (201, then 409 for the second booking of the same slot,
and nothing left behind), bad input in French (400 / 422), cancel, and who may call it."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.cast import login
from unscheduled import booking, slots
from unscheduled.models import Booking, Slot

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + dt.timedelta(days=1)
PATIENT = {
    "family_name": "Durand",
    "given_names": "Paul",
    "motif": "Fièvre depuis hier",
    "phone": "0612345678",
}


def base(world):
    return f"/api/cpts/{world.cast.cpts.slug}/snp"


def one_slot(world, at=dt.time(10)):
    return slots.publish_slot(
        world.cast.cpts,
        world.cast.member,
        world.gp,
        place=world.gp_place,
        day=TOMORROW,
        at=at,
        minutes=20,
        visibility=["SNP"],
        motifs="Fièvre",
    )


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_list_free_slots_near_a_point(client, world):
    first, _ = one_slot(world), one_slot(world, at=dt.time(11))
    login(client, world.cast.partner)
    response = client.get(
        f"{base(world)}/slots",
        {"window": "48h", "lat": world.gp_place.latitude, "lon": world.gp_place.longitude, "radius_km": 5},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and [s["id"] for s in data["slots"]][0] == first.pk
    slot = data["slots"][0]
    assert slot["professional"]["name"] and slot["modality"] == "AMB" and slot["visibility"] == ["SNP"]
    assert slot["distance_km"] == 0 and slot["book_url"].endswith(f"/snp/creneaux/{first.pk}/reserver/")
    assert data["idle"] == []


def test_book_then_the_second_booking_gets_409_and_leaves_one_booking(client, world):
    slot = one_slot(world)
    login(client, world.cast.partner)
    response = post(client, f"{base(world)}/slots/{slot.pk}/bookings", PATIENT)
    assert response.status_code == 201, response.content
    made = Booking.objects.get()
    assert response.json()["id"] == made.pk and response.json()["status"] == "booked"
    response = post(client, f"{base(world)}/slots/{slot.pk}/bookings", {**PATIENT, "family_name": "Autre"})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Ce créneau vient d'être réservé")
    assert Booking.objects.count() == 1 and Slot.objects.get().status == Slot.Status.BOOKED
    response = post(client, f"{base(world)}/bookings/{made.pk}/cancel", {"reason": "Guéri"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Slot.objects.get().status == Slot.Status.FREE


@pytest.mark.parametrize(
    "query, status, words",
    [
        ({"window": "72h"}, 400, "Fenêtre inconnue"),
        ({"lat": "45.7"}, 400, "latitude et la longitude"),
        ({"lat": "95", "lon": "5"}, 400, "Coordonnées impossibles"),
        ({"lat": "45.7", "lon": "5.6", "radius_km": "500"}, 400, "Rayon impossible"),
        ({"modality": "XX"}, 400, "Modalité inconnue"),
        ({"lat": "nord", "lon": "5"}, 422, "Requête invalide."),
    ],
)
def test_bad_search_input_is_refused_in_french(client, world, query, status, words):
    login(client, world.cast.member)
    response = client.get(f"{base(world)}/slots", query)
    assert response.status_code == status and words in response.json()["detail"]


def test_bad_booking_input_is_refused_and_stores_nothing(client, world):
    slot = one_slot(world)
    login(client, world.cast.member)
    response = post(client, f"{base(world)}/slots/{slot.pk}/bookings", {**PATIENT, "phone": "12"})
    assert response.status_code == 400 and response.json() == {
        "detail": "Téléphone : 10 chiffres (06 12 34 56 78) ou +33 suivi de 9 chiffres.",
        "field": "phone",
    }
    response = post(client, f"{base(world)}/slots/{slot.pk}/bookings", {"family_name": "Durand"})
    assert response.status_code == 422 and response.json()["detail"] == "Requête invalide."
    response = post(
        client, f"{base(world)}/slots/{slot.pk}/bookings", {**PATIENT, "birth_date": "31/12/1950"}
    )
    assert response.status_code == 422
    assert not Booking.objects.exists()


def test_a_referent_gets_403_and_another_cpts_slot_404(client, world):
    slot = one_slot(world)
    login(client, world.cast.referent)
    assert client.get(f"{base(world)}/slots").status_code == 403
    assert post(client, f"{base(world)}/slots/{slot.pk}/bookings", PATIENT).status_code == 403
    client.logout()
    login(client, world.cast.other_coordinator)
    response = post(client, f"/api/cpts/{world.cast.other.slug}/snp/slots/{slot.pk}/bookings", PATIENT)
    assert response.status_code == 404
    made = booking.book(slot, world.cast.partner, **PATIENT)
    assert (
        post(client, f"/api/cpts/{world.cast.other.slug}/snp/bookings/{made.pk}/cancel", {}).status_code
        == 404
    )
    client.logout()
    login(client, world.cast.bureau)  # neither booked it nor manages the slot
    assert post(client, f"{base(world)}/bookings/{made.pk}/cancel", {}).status_code == 403
    assert Booking.objects.get().status == Booking.Status.BOOKED
