"""The personal iCalendar subscription: a secret URL (only its hash stored) answering without session with the
events of the groups its owner may read at request time, neutral (no clinical text), parsed with icalendar."""

import datetime as dt

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agenda import actions
from agenda.models import CalendarToken, Event
from agenda.tests.conftest import at, schedule
from agenda.timing import When
from audit.models import AuditEntry
from coordination import actions as coordination
from territory.models import Commune
from tests.cast import login

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def feed_url(raw: str) -> str:
    return reverse("agenda:ical", kwargs={"token": raw})


def fetch(raw: str, status: int = 200) -> bytes:
    response = Client().get(feed_url(raw))  # a fresh client: no session, as a calendar application
    assert response.status_code == status, response.content[:300]
    return response.content


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def uid(event: Event) -> str:
    return f"{event.uid}@agenda.opencpts"


def test_the_subscription_page_shows_the_secret_url_once_and_stores_only_its_hash(client, world):
    cast = world.cast
    login(client, cast.member)
    html = client.get(world.url("agenda:subscription")).content.decode()
    assert "pas d&#x27;abonnement actif" in html or "pas d'abonnement actif" in html
    response = client.post(world.url("agenda:subscription"))
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    start = html.index("http://testserver/agenda/ical/")
    url = html[start : html.index('"', start)]
    raw = url.rsplit("/", 1)[1].removesuffix(".ics")
    token = CalendarToken.objects.get(user=cast.member)
    assert token.digest == CalendarToken.digest_of(raw) and raw not in repr(
        list(CalendarToken.objects.values())
    )
    again = client.get(world.url("agenda:subscription")).content.decode()
    assert raw not in again and "Abonnement actif" in again  # shown once
    assert fetch(raw).startswith(b"BEGIN:VCALENDAR")


def test_the_feed_carries_the_events_of_every_group_i_read_and_nothing_clinical(world):
    cast = world.cast
    visit = schedule(
        world.circle,
        cast.member,
        title="Pansement ulcère de Mme CALENDRIER",
        place="12 rue des Lilas, Belley",
        description="Glycémie à contrôler, traitement par insuline",
        participants=[cast.bureau],
        external_participants="Fille de la patiente",
    )
    meeting = actions.create_event(
        world.working_group,
        cast.member,
        kind=Event.Kind.MEETING,
        title="RCP chutes",
        when=When.days(TOMORROW),
    )
    other = coordination.create_working_group(cast.cpts, cast.bureau, "Groupe sans moi")
    schedule(other, cast.bureau, title="Réunion sans moi")
    _, raw = actions.issue_calendar_token(cast.member)
    body = fetch(raw)
    items = vevents(body)
    assert set(items) == {uid(visit), uid(meeting)}
    item = items[uid(visit)]
    assert str(item["summary"]) == "Concertation — visite à domicile"
    assert "location" not in item and str(item["status"]) == "CONFIRMED"  # the patient has no commune
    assert item.decoded("dtstart") == at(TOMORROW, 9).astimezone(dt.UTC)
    assert item.decoded("dtend") == at(TOMORROW, 10).astimezone(dt.UTC)
    assert b"DTSTART:" in body and b"Z\r\n" in body  # UTC instants, no floating time
    assert int(item["sequence"]) == 0 and item.decoded("dtstamp").tzinfo is not None
    page = f"http://testserver{world.url('agenda:event', event_id=visit.pk)}"
    assert str(item["url"]) == page and page in str(item["description"])
    whole_day = items[uid(meeting)]
    assert str(whole_day["summary"]) == "Groupe de travail — réunion / RCP"
    assert whole_day.decoded("dtstart") == TOMORROW and whole_day.decoded("dtend") == TOMORROW + dt.timedelta(
        days=1
    )
    text = icalendar.Calendar.from_ical(body).to_ical().decode()  # unfolded, unescaped by the parser
    for secret in (
        "ulcère",
        "CALENDRIER",
        "Yvette",
        "Glycémie",
        "insuline",
        "Fille de la patiente",
        world.circle.title,
        "Parcours chutes",
        "RCP chutes",
        str(cast.bureau),
        "Réunion sans moi",
        "Lilas",
        "Belley",
    ):
        assert secret not in text and secret.encode() not in body, secret


def test_the_feed_place_is_never_typed_text_only_the_patients_structured_commune(world):
    cast = world.cast
    typed = "Chez Mme CALENDRIER Yvette, 12 rue des Lilas 01300 Belley — escarre sacrée, diabète"
    visit = schedule(world.circle, cast.member, place=typed)
    consultation = schedule(
        world.circle, cast.member, kind=Event.Kind.CONSULTATION, place=typed, hours=(11, 12)
    )
    meeting = schedule(
        world.working_group,
        cast.member,
        kind=Event.Kind.MEETING,
        place="Cabinet du Dr Martin, dossier de M. DUPONT (dépression)",
        hours=(14, 15),
    )
    _, raw = actions.issue_calendar_token(cast.member)
    body = fetch(raw)
    text = icalendar.Calendar.from_ical(body).to_ical().decode()
    for secret in (
        "CALENDRIER",
        "Yvette",
        "Lilas",
        "01300",
        "escarre",
        "diabète",
        "Martin",
        "DUPONT",
        "dépression",
        "Chez",
        "Cabinet",
    ):
        assert secret not in text and secret.encode() not in body, secret
    items = vevents(body)
    assert all("location" not in items[uid(e)] for e in (visit, consultation, meeting))
    # With a structured commune, a home visit shows its official name, and only that.
    world.patient.commune = Commune.objects.get(insee="01034")
    world.patient.save(update_fields=["commune"])
    items = vevents(fetch(raw))
    assert str(items[uid(visit)]["location"]) == "Belley"
    assert "location" not in items[uid(consultation)] and "location" not in items[uid(meeting)]


def test_uid_is_stable_and_sequence_and_status_follow_the_changes(world):
    cast = world.cast
    event = schedule(world.circle, cast.member)
    _, raw = actions.issue_calendar_token(cast.bureau)
    first = vevents(fetch(raw))[uid(event)]
    actions.change_event(
        event,
        cast.member,
        kind=event.kind,
        title=event.title,
        when=When.between(at(TOMORROW, 11), at(TOMORROW, 12)),
    )
    changed = vevents(fetch(raw))[uid(event)]
    assert int(changed["sequence"]) == int(first["sequence"]) + 1 == 1
    assert changed.decoded("dtstart") == at(TOMORROW, 11).astimezone(dt.UTC)
    assert changed.decoded("dtstamp") >= first.decoded("dtstamp")
    actions.cancel_event(event, cast.member, reason="Patient hospitalisé")
    cancelled = vevents(fetch(raw))[uid(event)]
    assert str(cancelled["status"]) == "CANCELLED" and int(cancelled["sequence"]) == 2
    assert "hospitalisé" not in str(cancelled.to_ical())


def test_regenerating_invalidates_the_old_url_and_revoking_the_new(client, world):
    cast = world.cast
    _, old = actions.issue_calendar_token(cast.member)
    fetch(old)
    login(client, cast.member)
    html = client.post(world.url("agenda:subscription")).content.decode()
    new = html.split("/agenda/ical/")[1].split(".ics")[0]
    assert new != old
    fetch(old, status=404)
    fetch(new)
    response = client.post(world.url("agenda:revoke_subscription"), follow=True)
    assert "Abonnement supprimé" in response.content.decode()
    fetch(new, status=404)
    assert CalendarToken.objects.filter(user=cast.member).count() == 2  # kept, revoked: traced
    assert not CalendarToken.objects.filter(user=cast.member, revoked_at__isnull=True).exists()
    response = client.post(world.url("agenda:revoke_subscription"), follow=True)
    assert (
        "pas d&#x27;abonnement actif" in response.content.decode()
        or "pas d'abonnement actif" in response.content.decode()
    )


def test_unknown_tokens_and_inactive_accounts_get_nothing(world):
    fetch("cal_inconnu", status=404)
    fetch("x" * 300, status=404)
    _, raw = actions.issue_calendar_token(world.cast.member)
    world.cast.member.is_active = False
    world.cast.member.save()
    fetch(raw, status=404)


def test_a_removed_member_feed_loses_the_group_at_once(world):
    cast = world.cast
    event = schedule(world.circle, cast.member)
    _, raw = actions.issue_calendar_token(cast.bureau)
    assert uid(event) in vevents(fetch(raw))
    coordination.remove_member(world.circle, cast.member, cast.bureau)
    assert vevents(fetch(raw)) == {}


def test_a_member_who_loses_the_patient_data_role_loses_the_feed(world):
    cast = world.cast
    event = schedule(world.circle, cast.member)
    _, raw = actions.issue_calendar_token(cast.bureau)
    assert uid(event) in vevents(fetch(raw))
    from cpts.models import Membership

    Membership.objects.filter(cpts=cast.cpts, user=cast.bureau).update(role="referent")
    assert vevents(fetch(raw)) == {}


def test_every_fetch_is_audited_in_the_chain_of_the_cpts(world):
    cast = world.cast
    event = schedule(world.circle, cast.member)
    token, raw = actions.issue_calendar_token(cast.member)
    fetch(raw)
    fetch(raw)
    entries = AuditEntry.objects.filter(
        action="view", object_type="agenda.calendartoken", object_id=str(token.pk)
    )
    assert entries.count() == 2
    entry = entries.latest("seq")
    assert (entry.actor_id, entry.cpts_id, entry.chain) == (cast.member.pk, cast.cpts.pk, cast.cpts.pk)
    assert entry.details == {"flux": "icalendar", "groupes": [world.circle.pk], "evenements": 1}
    assert event.title not in entry.object_label
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Nothing to show: the fetch is still traced, in the instance chain.
    _, lonely = actions.issue_calendar_token(cast.outsider)
    assert vevents(fetch(lonely)) == {}
    assert (
        AuditEntry.objects.filter(
            action="view",
            object_type="agenda.calendartoken",
            actor_id=cast.outsider.pk,
            cpts_id__isnull=True,
            chain=0,
        ).count()
        == 1
    )


def test_the_feed_answers_get_only(world):
    _, raw = actions.issue_calendar_token(world.cast.member)
    assert Client().post(feed_url(raw)).status_code == 405
