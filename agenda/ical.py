"""The personal iCalendar feed (RFC 5545), built with the ``icalendar`` library.

Privacy by construction: the feed leaves the platform (calendar apps, phones, cloud services) and is fetched
without a session, so it carries no clinical content and nothing typed about the patient. For each event:
a neutral title made of fixed words ("Concertation — visite à domicile"), the times, a neutral place, and a
link to the event's page, which requires logging in. Never the event's title, description, typed place or
participants, never the group's title (it usually holds the patient's name). The typed place often holds a
patient's name, address or a clinical detail: the feed's place is only the name of a structured commune (the
patient's commune, for a home visit in a care circle), or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import icalendar

from agenda.models import Event
from agenda.timing import PARIS

PRODID = "-//OpenCPTS//Agenda des groupes de coordination//FR"
UID_DOMAIN = "agenda.opencpts"
PAST_WINDOW = dt.timedelta(days=180)  # events ended longer ago than this are left out of the feed

GROUP_WORDS = {
    "care_circle": "Concertation",
    "working_group": "Groupe de travail",
    "conversation": "Conversation",
}
KIND_WORDS = {
    Event.Kind.CONSULTATION: "consultation",
    Event.Kind.HOME_VISIT: "visite à domicile",
    Event.Kind.HOSPITALISATION: "hospitalisation",
    Event.Kind.DISCHARGE: "sortie d'hospitalisation",
    Event.Kind.MEETING: "réunion / RCP",
    Event.Kind.OTHER: "rendez-vous",
}


def neutral_title(event: Event, with_status: bool = True) -> str:
    """Fixed words only: the kind of group and the kind of event ("Annulé : " first when cancelled)."""
    title = f"{GROUP_WORDS.get(event.group.kind, 'Groupe')} — {KIND_WORDS.get(event.kind, 'rendez-vous')}"
    return f"Annulé : {title}" if with_status and event.cancelled else title


def neutral_place(event: Event) -> str:
    """The official name of a structured commune, never typed text: for a home visit in a care circle, the
    patient's commune (where the visit takes place); otherwise nothing (a consultation's place is unknown)."""
    if event.kind != Event.Kind.HOME_VISIT:
        return ""
    patient = event.group.patient
    return patient.commune.name if patient is not None and patient.commune is not None else ""


def uid(event: Event) -> str:
    return f"{event.uid}@{UID_DOMAIN}"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def vevent(event: Event, url: str) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", uid(event))
    # No METHOD in the feed: DTSTAMP is then when the event was last revised (RFC 5545, 3.8.7.2).
    item.add("dtstamp", _utc(event.updated_at))
    item.add("created", _utc(event.created_at))
    item.add("last-modified", _utc(event.updated_at))
    item.add("sequence", event.sequence)
    if event.all_day:
        item.add("dtstart", event.starts_at.astimezone(PARIS).date())
        item.add("dtend", event.ends_at.astimezone(PARIS).date())
    else:
        item.add("dtstart", _utc(event.starts_at))
        item.add("dtend", _utc(event.ends_at))
    item.add("summary", neutral_title(event))
    place = neutral_place(event)
    if place:
        item.add("location", place)
    item.add("url", url)
    item.add("description", f"Détails sur OpenCPTS (connexion requise) : {url}")
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    item.add("class", "CONFIDENTIAL")
    return item


def feed_events(group_ids: Iterable[int], now: dt.datetime):
    return (
        Event.objects.filter(group_id__in=list(group_ids), ends_at__gte=now - PAST_WINDOW)
        .select_related("group__patient__commune")
        .order_by("starts_at", "pk")
    )


def calendar(events: Iterable[Event], url_of: Callable[[Event], str]) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "OpenCPTS — mon agenda")
    cal.add("x-wr-timezone", "Europe/Paris")
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for event in events:
        cal.add_component(vevent(event, url_of(event)))
    return cal.to_ical()
