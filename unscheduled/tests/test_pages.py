"""The SNP pages: publishing a slot and a weekly pattern (French errors next to the fields, nothing stored on
a bad input), the search (count, distance, map markers, idle participants), booking through the page (and the
clear refusal of a second booking of the same slot), the booking page, and who may reach what."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agenda.timing import PARIS
from tests.cast import login
from unscheduled import booking, slots
from unscheduled.models import AvailabilityPattern, Booking, Slot

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + dt.timedelta(days=1)
PATIENT = {
    "family_name": "Durand",
    "given_names": "Paul",
    "birth_date": "",
    "phone": "06 12 34 56 78",
    "email": "",
    "motif": "Fièvre depuis hier",
}


def url(name, world, *args):
    return reverse(f"unscheduled:{name}", args=[world.cast.cpts.slug, *args])


def one_slot(world, at=dt.time(10), who=None, pro=None, place=None, **extra):
    return slots.publish_slot(
        world.cast.cpts,
        who or world.cast.member,
        pro or world.gp,
        place=place or world.gp_place,
        day=extra.pop("day", TOMORROW),
        at=at,
        minutes=extra.pop("minutes", 20),
        visibility=extra.pop("visibility", ["CPTS"]),
        **extra,
    )


NEXT_MONDAY = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())


def add_data(world, **extra):
    """« Ajouter des créneaux »: next Monday, 9:40 to 10:00 (one slot of 20 minutes)."""
    data = {
        "professionnel": world.gp.pk,
        "repeat": "once",
        "week": NEXT_MONDAY.isoformat(),
        "weekdays": ["0"],
        "start_time": "09:40",
        "end_time": "10:00",
        "slot_minutes": "20",
        "valid_from": "",
        "valid_until": "",
        "place": world.gp_place.pk,
        "modality": "AMB",
        "motifs": "Fièvre",
        "visibility": ["PRO", "CPTS"],
    }
    data.update(extra)
    return data


def pattern_data(world, **extra):
    today = timezone.localdate()
    data = add_data(
        world,
        repeat="weekly",
        weekdays=["0", "2", "4"],
        start_time="17:00",
        end_time="18:00",
        valid_from=today.isoformat(),
        valid_until=(today + dt.timedelta(days=30)).isoformat(),
        motifs="Douleur aiguë",
        visibility=["SNP", "CPTS"],
    )
    data.update(extra)
    return data


def test_the_professional_publishes_a_slot_and_sees_it_in_their_week(client, world):
    login(client, world.cast.member)
    response = client.get(url("mine", world))
    assert response.status_code == 200
    assert url("publish", world) in response.content.decode()
    html = client.get(url("publish", world)).content.decode()
    assert "Régulation et soins non programmés (SAS)" in html and "Grand public" in html
    assert "Cabinet du Dr Membre" in html  # the place among the professional's places
    preview = client.post(url("publish", world), add_data(world))
    assert preview.status_code == 200 and not Slot.objects.exists()  # the preview writes nothing
    assert "1 créneau sera publié" in preview.content.decode()
    response = client.post(url("publish", world), add_data(world, choix="publier"))
    assert response.status_code == 302
    slot = Slot.objects.get()
    assert slot.start.astimezone(PARIS).time() == dt.time(9, 40) and slot.visibility == ["PRO", "CPTS"]
    html = client.get(response["Location"]).content.decode()
    assert "1 créneau publié." in html and "9 h 40 – 10 h" in html and "Libre" in html


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"visibility": []}, "Visibilité : cochez au moins un public"),
        ({"end_time": "09:00"}, "Horaires : l&#x27;heure de fin doit suivre l&#x27;heure de début."),
        ({"weekdays": []}, "Jours : choisissez au moins un jour."),
        ({"start_time": ""}, "Ce champ est obligatoire."),
    ],
)
def test_a_bad_slot_is_refused_in_french_next_to_its_field_and_nothing_is_stored(client, world, bad, message):
    login(client, world.cast.member)
    for choice in ("", "publier"):
        response = client.post(url("publish", world), add_data(world, choix=choice, **bad))
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html and 'class="error" role="alert"' in html
    assert not Slot.objects.exists()


def test_a_weekly_pattern_through_the_page_and_its_pause(client, world):
    login(client, world.cast.member)
    monday = NEXT_MONDAY
    # From tomorrow: from today, the slots already past would be counted apart (« 3 ignorés : déjà
    # passés », after 17:00 on a Monday, Wednesday or Friday).
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    data = pattern_data(world, exceptions=[monday.isoformat()], choix="publier", valid_from=tomorrow)
    response = client.post(url("publish", world), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pattern = AvailabilityPattern.objects.get()
    assert pattern.weekdays == [0, 2, 4] and pattern.exceptions == [monday.isoformat()]
    created = Slot.objects.filter(pattern=pattern)
    assert created.exists() and not created.filter(start__date=monday).exists()
    html = client.get(response["Location"]).content.decode()
    assert f"{created.count()} créneaux publiés." in html and "lundi, mercredi, vendredi" in html
    assert client.post(url("pattern_pause", world, pattern.pk), {"paused": "1"}).status_code == 302
    pattern.refresh_from_db()
    assert pattern.paused and not created.filter(paused=False, start__gt=timezone.now()).exists()


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"weekdays": []}, "Jours : cochez au moins un jour de la semaine."),
        ({"exceptions": ["2026-01-01", "31/12"]}, "Jour exclu « 31/12 » : choisissez-le dans le calendrier."),
        ({"end_time": "16:00"}, "Horaires : l&#x27;heure de fin doit suivre l&#x27;heure de début."),
        ({"visibility": []}, "Visibilité : cochez au moins un public"),
        (
            {
                "valid_from": (timezone.localdate() - dt.timedelta(days=9)).isoformat(),
                "valid_until": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            },
            "Période : elle est déjà terminée.",
        ),
    ],
)
def test_a_bad_pattern_is_refused_in_french_and_nothing_is_stored(client, world, bad, message):
    login(client, world.cast.member)
    response = client.post(url("publish", world), pattern_data(world, choix="publier", **bad))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AvailabilityPattern.objects.exists() and not Slot.objects.exists()


def test_excluded_days_are_picked_on_the_calendar_and_kept_as_checked_days(client, world):
    login(client, world.cast.member)
    html = client.get(url("publish", world), {"repeter": "1"}).content.decode()
    assert 'name="exclude"' in html and 'type="date"' in html and "AAAA-MM-JJ" not in html
    assert re.search(r'<input type="radio" name="repeat" value="weekly"[^>]*checked', html)
    picked = (NEXT_MONDAY + dt.timedelta(days=2)).isoformat()
    # « Modifier » after picking a day: it comes back as a checked excluded day, in French.
    response = client.post(url("publish", world), pattern_data(world, exclude=picked, choix="modifier"))
    html = response.content.decode()
    assert f'value="{picked}" id="exclu-{picked}" checked' in html
    from opencpts import french

    assert french.day(NEXT_MONDAY + dt.timedelta(days=2)) in html


def test_the_full_flow_preview_skip_and_the_exact_confirmation(client, world):
    """Next week Monday to Friday 18:00–20:00 while two slots are already there (one booked): the preview
    names the collisions before anything is saved; « Remplacer » replaces the free one, never the booked one,
    and the confirmation says exactly what happened."""
    from opencpts import french

    free = one_slot(world, day=NEXT_MONDAY, at=dt.time(18))
    taken = one_slot(world, day=NEXT_MONDAY + dt.timedelta(days=1), at=dt.time(19))
    booking.book(
        taken, world.cast.partner, family_name="Durand", given_names="Paul", motif="Toux", phone="0612345678"
    )
    login(client, world.cast.member)
    html = client.get(url("publish", world)).content.decode()  # the preset: next week, Monday to Friday
    for day in range(5):
        assert f'name="weekdays" value="{day}"' in html
    data = add_data(world, weekdays=["0", "1", "2", "3", "4"], start_time="18:00", end_time="20:00")
    preview = client.post(url("publish", world), data)
    html = preview.content.decode()
    assert preview.status_code == 200 and Slot.objects.count() == 2
    assert "28 créneaux seront publiés" in html and "2 créneaux chevauchent vos créneaux existants" in html
    assert "Ignorer les chevauchements" in html and "Remplacer" in html and "Annuler" in html
    assert "créneau réservé de 19 h à 19 h 20 — toujours ignoré" in html
    # Publishing without a choice while collisions exist: refused, the preview again, nothing written.
    again = client.post(url("publish", world), {**data, "choix": "publier"})
    assert again.status_code == 409 and Slot.objects.count() == 2
    assert "Rien n&#x27;a été publié." in again.content.decode()
    response = client.post(url("publish", world), {**data, "choix": "remplacer"}, follow=True)
    tuesday = french.day(NEXT_MONDAY + dt.timedelta(days=1))
    expected = f"29 créneaux publiés, 1 créneau libre remplacé, 1 ignoré : déjà réservé le {tuesday}."
    assert expected in response.content.decode()
    assert not Slot.objects.filter(pk=free.pk).exists() and Slot.objects.filter(pk=taken.pk).exists()
    assert Slot.objects.count() == 30
    # The hours are remembered for the next time.
    html = client.get(url("publish", world)).content.decode()
    assert 'value="18:00"' in html and 'value="20:00"' in html


def test_the_week_shows_one_day_per_column_with_status_and_moves_by_week(client, world):
    one_slot(world, day=NEXT_MONDAY, at=dt.time(18))
    taken = one_slot(world, day=NEXT_MONDAY + dt.timedelta(days=1), at=dt.time(18))
    booking.book(
        taken, world.cast.partner, family_name="Durand", given_names="Paul", motif="Toux", phone="0612345678"
    )
    login(client, world.cast.member)
    html = client.get(url("mine", world), {"semaine": NEXT_MONDAY.isoformat()}).content.decode()
    assert "2 créneaux cette semaine : 1 libre, 1 réservé." in html
    assert html.count('class="slots-day') == 7 and "Réservé" in html and "DURAND Paul" in html
    assert f"semaine={(NEXT_MONDAY - dt.timedelta(days=7)).isoformat()}" in html  # previous week
    empty = client.get(url("mine", world), {"semaine": (NEXT_MONDAY + dt.timedelta(days=7)).isoformat()})
    assert "aucun créneau cette semaine." in empty.content.decode()
    chosen = NEXT_MONDAY + dt.timedelta(days=3)
    html = client.get(url("mine", world), {"jour": chosen.isoformat()}).content.decode()
    assert f'data-day="{chosen.isoformat()}" aria-current="date"' in html


def test_bulk_pause_and_copy_week(client, world):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    a, b = one_slot(world, day=monday), one_slot(world, day=monday, at=dt.time(11))
    login(client, world.cast.member)
    response = client.post(
        url("bulk", world), {"professionnel": world.gp.pk, "bulk-slots": [a.pk, b.pk], "bulk-action": "pause"}
    )
    assert response.status_code == 302
    assert Slot.objects.filter(paused=True).count() == 2
    response = client.post(url("bulk", world), {"professionnel": world.gp.pk, "bulk-action": "pause"})
    assert response.status_code == 400 and "Sélectionnez au moins un créneau." in response.content.decode()
    response = client.post(
        url("copy_week", world),
        {
            "professionnel": world.gp.pk,
            "copy-source": monday.isoformat(),
            "copy-target": (monday + dt.timedelta(days=7)).isoformat(),
        },
        follow=True,
    )
    assert "Semaine copiée : 2 créneaux publiés." in response.content.decode()
    assert Slot.objects.filter(start__date__gte=monday + dt.timedelta(days=7)).count() == 2


def test_a_coordinator_picks_the_professional(client, world):
    one_slot(world)
    login(client, world.cast.coordinator)
    response = client.get(url("mine", world), {"professionnel": world.gp.pk})
    html = response.content.decode()
    assert response.status_code == 200 and "10 h – 10 h 20" in html and 'name="professionnel"' in html
    assert str(world.nurse) in html  # the bureau member's professional is in the picker


def test_search_shows_the_count_the_distance_and_the_map_markers(client, world):
    one_slot(world)
    one_slot(world, at=dt.time(11), who=world.cast.bureau, pro=world.nurse, place=world.nurse_place)
    login(client, world.cast.partner)
    response = client.get(url("search", world), {"where": "Belley", "radius_km": "30", "window": "48h"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 créneaux libres" in html
    assert html.count('class="marker"') == 2 and "data-markers" in html
    assert "dans la commune (Belley)" in html or "à " in html
    assert "km" in html  # the nurse's place in Artemare
    assert url("book", world, Slot.objects.first().pk) in html


def test_a_public_only_slot_is_found_by_members_and_the_forms_say_who_sees_what(client, world):
    public = one_slot(world, visibility=["PUBLIC"])
    login(client, world.cast.partner)
    html = client.get(
        url("search", world), {"where": "Belley", "radius_km": "30", "window": "48h"}
    ).content.decode()
    assert "1 créneau libre" in html and url("book", world, public.pk) in html
    login(client, world.cast.member)
    html = client.get(url("publish", world)).content.decode()  # the form that publishes says who sees what
    assert html.count("Qui voit le créneau") == 1
    for explanation in (
        "Grand public = grand public et tous les professionnels",
        "Professionnels de santé = professionnels de santé",
        "Régulation et soins non programmés (SAS) = régulation du SAS",
        "CPTS = membres de la CPTS",
        "tous les membres de la CPTS voient vos créneaux libres, quelle que soit la visibilité",
    ):
        assert explanation in html, explanation


def test_search_idle_participants_and_a_bad_place(client, world):
    one_slot(world)
    slots.create_pattern(
        world.cast.cpts,
        world.cast.bureau,
        world.nurse,
        place=world.nurse_place,
        weekdays=[0],
        start_time=dt.time(8),
        end_time=dt.time(9),
        slot_minutes=30,
        valid_from=timezone.localdate() + dt.timedelta(days=20),
        valid_until=timezone.localdate() + dt.timedelta(days=40),
        visibility=["CPTS"],
    )
    login(client, world.cast.member)
    html = client.get(
        url("search", world), {"where": "01300", "radius_km": "50", "window": "48h"}
    ).content.decode()
    assert (
        "1 créneau libre" in html and "Participent mais sans créneau libre" in html and "INFIRMIERE" in html
    )
    response = client.get(url("search", world), {"where": "Nullepart-sur-Rien", "window": "24h"})
    assert response.status_code == 400 and "Lieu inconnu" in response.content.decode()


def test_booking_through_the_page_then_the_booking_page(client, world):
    slot = one_slot(world)
    login(client, world.cast.partner)
    assert client.get(url("book", world, slot.pk)).status_code == 200
    response = client.post(url("book", world, slot.pk), {**PATIENT, "phone": "12"})
    assert response.status_code == 400 and "Téléphone : 10 chiffres" in response.content.decode()
    assert not Booking.objects.exists()
    response = client.post(url("book", world, slot.pk), PATIENT)
    made = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == url("booking", world, made.pk)
    html = client.get(response["Location"]).content.decode()
    assert "Rendez-vous réservé." in html and "DURAND Paul" in html and "Fièvre depuis hier" in html
    # The professional sees it in their list, with the patient and the motif.
    client.logout()
    login(client, world.cast.member)
    html = client.get(url("mine", world)).content.decode()
    assert "DURAND Paul" in html and "Réservé" in html


def test_a_second_booking_of_the_same_slot_gets_the_clear_message_and_leaves_one_booking(client, world):
    slot = one_slot(world)
    booking.book(
        slot,
        world.cast.coordinator,
        family_name="Martin",
        given_names="Léa",
        motif="Entorse",
        email="lea@example.org",
    )
    login(client, world.cast.partner)
    response = client.post(url("book", world, slot.pk), PATIENT, follow=True)
    assert response.redirect_chain[-1][0] == url("search", world)
    assert "Ce créneau vient d&#x27;être réservé" in response.content.decode()
    assert Booking.objects.count() == 1


def test_cancel_and_reschedule_through_the_booking_page(client, world):
    first, second = one_slot(world), one_slot(world, at=dt.time(11))
    made = booking.book(
        first,
        world.cast.partner,
        family_name="Martin",
        given_names="Léa",
        motif="Entorse",
        email="lea@example.org",
    )
    login(client, world.cast.partner)
    html = client.get(url("booking", world, made.pk)).content.decode()
    assert "Reporter le rendez-vous" in html and "Annuler la réservation" in html
    response = client.post(url("reschedule", world, made.pk), {"slot": second.pk})
    moved = Booking.objects.get(slot=second)
    assert response.status_code == 302 and response["Location"] == url("booking", world, moved.pk)
    assert Booking.objects.get(pk=made.pk).status == Booking.Status.CANCELLED
    assert client.post(url("cancel", world, moved.pk), {"reason": "Guéri"}).status_code == 302
    assert Booking.objects.get(pk=moved.pk).status == Booking.Status.CANCELLED
    assert Slot.objects.filter(status=Slot.Status.FREE).count() == 2


def test_outcome_once_the_slot_has_started(client, world):
    slot = one_slot(world)
    made = booking.book(
        slot,
        world.cast.partner,
        family_name="Martin",
        given_names="Léa",
        motif="Entorse",
        email="lea@example.org",
    )
    login(client, world.cast.member)
    assert "Honoré" not in client.get(url("mine", world)).content.decode()  # not yet
    response = client.post(url("outcome", world, made.pk), {"outcome": "honoured"}, follow=True)
    assert "Le rendez-vous n&#x27;a pas encore eu lieu." in response.content.decode()
    Slot.objects.filter(pk=slot.pk).update(
        start=timezone.now() - dt.timedelta(minutes=30), end=timezone.now() - dt.timedelta(minutes=10)
    )
    html = client.get(url("mine", world)).content.decode()
    assert "Honoré" in html and "Absent" in html
    client.post(url("outcome", world, made.pk), {"outcome": "no_show"})
    assert Booking.objects.get(pk=made.pk).status == Booking.Status.NO_SHOW


def test_a_referent_is_refused_and_others_see_only_what_they_may(client, world):
    slot = one_slot(world)
    made = booking.book(
        slot,
        world.cast.partner,
        family_name="Martin",
        given_names="Léa",
        motif="Entorse",
        email="lea@example.org",
    )
    login(client, world.cast.referent)
    for name, args in (("mine", ()), ("search", ()), ("book", (slot.pk,)), ("booking", (made.pk,))):
        assert client.get(url(name, world, *args)).status_code == 403, name
    assert client.post(url("publish", world), add_data(world, choix="publier")).status_code == 403
    client.logout()
    login(client, world.cast.bureau)  # neither booked it nor manages the GP's slots
    assert client.get(url("booking", world, made.pk)).status_code == 403
    assert client.post(url("publish", world), add_data(world, choix="publier")).status_code == 403
    assert client.post(url("cancel", world, made.pk), {}).status_code == 403
    assert Slot.objects.count() == 1 and Booking.objects.get().status == Booking.Status.BOOKED


def test_another_cpts_slot_or_booking_is_not_found(client, world):
    cast = world.cast
    slot = one_slot(world)
    made = booking.book(
        slot, cast.partner, family_name="Martin", given_names="Léa", motif="Entorse", email="lea@example.org"
    )
    login(client, cast.other_coordinator)
    other = cast.other.slug
    assert client.get(reverse("unscheduled:book", args=[other, slot.pk])).status_code == 404
    assert client.post(reverse("unscheduled:book", args=[other, slot.pk]), PATIENT).status_code == 404
    assert client.get(reverse("unscheduled:booking", args=[other, made.pk])).status_code == 404
    assert client.post(reverse("unscheduled:cancel", args=[other, made.pk]), {}).status_code == 404
    assert Booking.objects.count() == 1 and Booking.objects.get().status == Booking.Status.BOOKED


def test_the_link_given_to_the_sas_books_a_regulated_appointment_after_login(client, world):
    s = slots.publish_slot(
        world.cast.cpts,
        world.cast.member,
        world.gp,
        place=world.gp_place,
        day=timezone.localdate() + dt.timedelta(days=1),
        at=dt.time(9),
        minutes=20,
        visibility=["SNP"],
    )
    link = reverse("unscheduled:book", args=[world.cast.cpts.slug, s.pk]) + "?source=sas&origin=sas-preprod"
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    login(client, world.cast.partner)
    assert "marqué comme régulé" in client.get(link).content.decode()
    client.post(
        link, {"family_name": "Sas", "given_names": "Régulé", "motif": "Fièvre", "phone": "0612345678"}
    )
    made = Booking.objects.get(slot=s)
    assert made.regulated and made.origin == "sas-preprod"
    assert (
        "régulé par le SAS"
        in client.get(reverse("unscheduled:booking", args=[world.cast.cpts.slug, made.pk])).content.decode()
    )


def test_viewing_a_booking_or_the_slots_with_their_patients_is_traced(client, world):
    from audit.models import AuditEntry

    s = slots.publish_slot(
        world.cast.cpts,
        world.cast.member,
        world.gp,
        place=world.gp_place,
        day=timezone.localdate() + dt.timedelta(days=1),
        at=dt.time(9),
        minutes=20,
        visibility=["CPTS"],
    )
    made = booking.book(
        s, world.cast.partner, family_name="Trace", given_names="Paul", motif="Toux", phone="0612345678"
    )
    login(client, world.cast.member)
    client.get(reverse("unscheduled:booking", args=[world.cast.cpts.slug, made.pk]))
    client.get(reverse("unscheduled:mine", args=[world.cast.cpts.slug]))
    views = AuditEntry.objects.filter(action="view", actor_id=world.cast.member.pk)
    assert views.filter(object_type="unscheduled.booking", object_id=str(made.pk)).exists()
    assert any(
        made.pk in (e.details.get("booking_ids") or [])
        for e in views.filter(object_type="directory.professional")
    )
