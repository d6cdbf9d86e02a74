"""Calendar pages: the day, week and month views with their navigation, "Mon agenda" across groups, the event
page, the forms (French messages, nothing saved on bad input), the group page's section, the audit."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from agenda import actions, periods
from agenda.models import Event
from agenda.tests.conftest import at, schedule
from agenda.timing import When
from audit.models import AuditEntry
from coordination import actions as coordination
from opencpts import french
from tests.cast import login

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 9)  # a week of March 2026: Monday 9 to Sunday 15


def page(client, url, **query) -> str:
    response = client.get(url, query)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def titles(html: str) -> list[str]:
    """Event titles in the order of the page."""
    return re.findall(r'<a href="/c/[^"]+/agenda/\d+/">([^<]+)</a>', html)


# --- Periods ------------------------------------------------------------------------------------------------


def test_periods_and_their_neighbours():
    week = periods.period("semaine", dt.date(2026, 3, 12))
    assert (week.first, week.last, week.previous, week.next) == (
        MONDAY,
        dt.date(2026, 3, 15),
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 16),
    )
    month = periods.period("mois", dt.date(2026, 1, 31))
    assert (month.first, month.last, month.previous, month.next) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 31),
        dt.date(2025, 12, 1),
        dt.date(2026, 2, 1),
    )
    assert month.days[0] == dt.date(2025, 12, 29) and month.days[-1] == dt.date(2026, 2, 1)  # whole weeks
    assert len(month.days) % 7 == 0
    day = periods.period("jour", dt.date(2026, 3, 1))
    assert (day.previous, day.next) == (dt.date(2026, 2, 28), dt.date(2026, 3, 2))
    assert periods.parse_date("2026-02-30", MONDAY) == (MONDAY, False)
    assert periods.parse_date("1850-01-01", MONDAY) == (MONDAY, False)


def test_a_day_of_the_clock_change_is_23_hours_long(world):
    p = periods.period("jour", dt.date(2026, 3, 29))
    assert p.ends_at.astimezone(dt.UTC) - p.starts_at.astimezone(dt.UTC) == dt.timedelta(hours=23)


# --- The three views ----------------------------------------------------------------------------------------


def test_week_view_shows_the_week_events_by_day_with_navigation(client, world):
    cast = world.cast
    schedule(world.circle, cast.member, day=MONDAY, hours=(9, 10), title="Visite du lundi")
    schedule(
        world.circle,
        cast.member,
        day=MONDAY + dt.timedelta(days=2),
        hours=(14, 15),
        title="Visite du mercredi",
        kind=Event.Kind.CONSULTATION,
    )
    schedule(
        world.circle, cast.member, day=MONDAY + dt.timedelta(days=7), title="Visite de la semaine suivante"
    )
    login(client, cast.member)
    html = page(client, world.url("agenda:group"), vue="semaine", date="2026-03-11")
    assert titles(html) == ["Visite du lundi", "Visite du mercredi"]
    assert "Semaine du 9 mars au 15 mars 2026" in html
    assert "09:00 – 10:00" in html and "14:00 – 15:00" in html
    assert 'href="?vue=semaine&amp;date=2026-03-02" rel="prev"' in html
    assert 'href="?vue=semaine&amp;date=2026-03-16" rel="next"' in html
    assert 'href="?vue=jour&amp;date=2026-03-09"' in html  # each day opens its day view
    assert 'href="?vue=mois&amp;date=2026-03-11"' in html and 'aria-current="page">Semaine' in html
    following = page(client, world.url("agenda:group"), vue="semaine", date="2026-03-16")
    assert titles(following) == ["Visite de la semaine suivante"]


def test_day_view_and_an_event_over_several_days(client, world):
    cast = world.cast
    actions.create_event(
        world.circle,
        cast.member,
        kind=Event.Kind.HOSPITALISATION,
        title="Hospitalisation CH Belley",
        when=When.between(at(MONDAY, 15), at(MONDAY + dt.timedelta(days=2), 11)),
    )
    schedule(
        world.circle, cast.member, day=MONDAY + dt.timedelta(days=1), hours=(8, 9), title="Visite du mardi"
    )
    login(client, cast.member)
    tuesday = page(client, world.url("agenda:group"), vue="jour", date="2026-03-10")
    assert titles(tuesday) == ["Hospitalisation CH Belley", "Visite du mardi"]
    assert "Toute la journée (suite)" in tuesday and "Mardi 10 mars 2026" in tuesday
    assert 'href="?vue=jour&amp;date=2026-03-09" rel="prev"' in tuesday
    assert "Ajouter un événement ce jour" in tuesday
    monday = page(client, world.url("agenda:group"), vue="jour", date="2026-03-09")
    assert "À partir de 15:00" in monday and titles(monday) == ["Hospitalisation CH Belley"]
    wednesday = page(client, world.url("agenda:group"), vue="jour", date="2026-03-11")
    assert "Jusqu'à 11:00" in wednesday
    empty = page(client, world.url("agenda:group"), vue="jour", date="2026-03-20")
    assert titles(empty) == [] and "Aucun événement ce jour." in empty


def test_month_view_lists_the_month_in_whole_weeks(client, world):
    cast = world.cast
    actions.create_event(
        world.circle,
        cast.member,
        kind=Event.Kind.DISCHARGE,
        title="Sortie d'hospitalisation",
        when=When.days(dt.date(2026, 3, 31)),
    )
    schedule(world.circle, cast.member, day=dt.date(2026, 3, 1), title="Visite du premier")
    schedule(world.circle, cast.member, day=dt.date(2026, 4, 15), title="Visite d'avril")
    login(client, cast.member)
    html = page(client, world.url("agenda:group"), vue="mois", date="2026-03-17")
    assert titles(html) == ["Visite du premier", "Sortie d&#x27;hospitalisation"]
    assert "Mars 2026" in html and "Journée entière" in html
    assert 'href="?vue=mois&amp;date=2026-02-01" rel="prev"' in html
    assert 'href="?vue=mois&amp;date=2026-04-01" rel="next"' in html
    assert html.count('class="cal-day') == 42  # six whole weeks: Monday 23 February to Sunday 5 April


def test_a_bad_date_or_view_falls_back_with_a_french_message(client, world):
    login(client, world.cast.member)
    html = page(client, world.url("agenda:group"), vue="annee", date="2026-13-45")
    assert "Vue inconnue" in html and "Date invalide" in html
    today = timezone.localdate()
    assert f'value="{today:%Y-%m-%d}"' in html


def test_the_calendar_is_audited(client, world):
    login(client, world.cast.member)
    page(client, world.url("agenda:group"), vue="mois", date="2026-03-01")
    entry = AuditEntry.objects.filter(
        action="view", object_type="coordination.group", object_id=str(world.circle.pk)
    ).latest("seq")
    assert entry.details["agenda"] == "groupe" and entry.details["vue"] == "mois"
    assert entry.actor_id == world.cast.member.pk and entry.cpts_id == world.cast.cpts.pk


@pytest.mark.parametrize("role", ["partner", "coordinator", "other_coordinator", "referent"])
def test_non_members_are_refused_the_group_calendar_and_events(client, world, role):
    event = schedule(world.circle, world.cast.member)
    login(client, getattr(world.cast, role))
    for url in (
        world.url("agenda:group"),
        world.url("agenda:event", event_id=event.pk),
        world.url("agenda:new_event"),
        world.url("agenda:timeline"),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(world.url("agenda:cancel_event", event_id=event.pk), {"reason": ""})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.cancelled_at is None


def test_an_event_of_another_group_is_not_found_under_this_group(client, world):
    event = schedule(world.working_group, world.cast.member, title="Réunion")
    login(client, world.cast.member)
    assert client.get(world.url("agenda:event", event_id=event.pk)).status_code == 404


# --- Mon agenda ---------------------------------------------------------------------------------------------


def test_my_agenda_gathers_my_groups_and_drops_those_i_left(client, world):
    cast = world.cast
    schedule(world.circle, cast.member, day=MONDAY, title="Visite du cercle", participants=[cast.member])
    schedule(
        world.working_group,
        cast.partner,
        day=MONDAY + dt.timedelta(days=1),
        hours=(18, 20),
        kind=Event.Kind.MEETING,
        title="Réunion du groupe",
    )
    other = coordination.create_working_group(cast.cpts, cast.bureau, "Groupe sans moi")
    schedule(other, cast.bureau, day=MONDAY, title="Réunion sans moi")
    login(client, cast.member)
    html = page(client, world.url("agenda:mine"), vue="semaine", date="2026-03-09")
    assert titles(html) == ["Visite du cercle", "Réunion du groupe"]
    assert "Parcours chutes" in html and world.circle.title in html  # each event says its group
    assert "vous participez" in html
    audited = set(
        AuditEntry.objects.filter(action="view", details__agenda="mon agenda").values_list(
            "object_id", flat=True
        )
    )
    assert audited == {str(world.circle.pk), str(world.working_group.pk)}
    coordination.leave(world.working_group, cast.member)
    html = page(client, world.url("agenda:mine"), vue="semaine", date="2026-03-09")
    assert titles(html) == ["Visite du cercle"]


def test_my_agenda_of_someone_in_no_group(client, world):
    login(client, world.cast.coordinator)
    html = page(client, world.url("agenda:mine"))
    assert "Vous n'êtes membre d'aucun groupe" in html and titles(html) == []


def test_my_agenda_is_refused_to_roles_without_coordination(client, world):
    login(client, world.cast.referent)
    assert client.get(world.url("agenda:mine")).status_code == 403


# --- Event page and forms -----------------------------------------------------------------------------------

EVENT = {
    "kind": "home_visit",
    "title": "Visite à domicile",
    "start_date": "2026-03-10",
    "start_time": "09:30",
    "end_date": "",
    "end_time": "10:15",
    "place": "Domicile",
    "description": "Pansement",
    "external_participants": "Aide à domicile",
}


def test_create_through_the_form_then_see_the_event_page(client, world):
    cast = world.cast
    login(client, cast.member)
    form = page(client, world.url("agenda:new_event"), date="2026-03-10")
    assert 'value="2026-03-10"' in form and "<legend>Participants (membres du groupe)</legend>" in form
    response = client.post(world.url("agenda:new_event"), {**EVENT, "participants": [cast.bureau.pk]})
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == world.url(
        "agenda:event", event_id=event.pk
    )
    assert event.starts_at == at(MONDAY + dt.timedelta(days=1), 9, 30) and event.created_by == cast.member
    html = page(client, response["Location"])
    assert "Visite à domicile" in html and "de 9 h 30 à 10 h 15" in html and str(cast.bureau) in html
    assert "Aide à domicile" in html and "Création" in html
    assert AuditEntry.objects.filter(
        action="view", object_type="agenda.event", object_id=str(event.pk)
    ).exists()


def test_all_day_through_the_form(client, world):
    login(client, world.cast.member)
    client.post(
        world.url("agenda:new_event"),
        {
            **EVENT,
            "all_day": "on",
            "start_time": "",
            "end_time": "",
            "end_date": "2026-03-12",
            "kind": "hospitalisation",
        },
    )
    event = Event.objects.get()
    assert (
        event.all_day
        and event.starts_at == at(dt.date(2026, 3, 10), 0)
        and event.ends_at == at(dt.date(2026, 3, 13), 0)
    )
    html = page(client, world.url("agenda:event", event_id=event.pk))
    first, last = (
        french.day(dt.date(2026, 3, 10)),
        french.day(dt.date(2026, 3, 12)),
    )  # the year unless current
    assert first.startswith("mardi 10 mars") and last.startswith("jeudi 12 mars")
    assert f"Du {first} au {last}, journées entières" in html


@pytest.mark.parametrize(
    "change, message",
    [
        ({"end_time": "08:00"}, "La fin doit être après le début."),
        ({"start_time": ""}, "Heure de début : obligatoire"),
        ({"kind": ""}, "Ce champ est obligatoire"),
        ({"start_date": "10/13/2026"}, "Saisissez une date valide"),
        ({"participants": ["999999"]}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_shows_a_french_message_and_saves_nothing(client, world, change, message):
    login(client, world.cast.member)
    response = client.post(world.url("agenda:new_event"), {**EVENT, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_without_consent_the_form_is_replaced_by_the_notice(client, world):
    coordination.withdraw_consent(world.consent, world.cast.member)
    login(client, world.cast.member)
    html = page(client, world.url("agenda:new_event"))
    assert "Aucun consentement valide" in html and 'name="title"' not in html
    response = client.post(world.url("agenda:new_event"), EVENT)
    assert "Aucun consentement valide" in response.content.decode() and not Event.objects.exists()


def test_edit_and_cancel_through_the_pages(client, world):
    cast = world.cast
    event = schedule(world.circle, cast.member, day=MONDAY, place="Domicile")
    login(client, cast.bureau)
    form = page(client, world.url("agenda:edit_event", event_id=event.pk))
    assert 'value="09:00"' in form and 'value="Domicile"' in form
    response = client.post(
        world.url("agenda:edit_event", event_id=event.pk),
        {**EVENT, "start_date": "2026-03-09", "start_time": "11:00", "end_time": "12:00"},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == at(MONDAY, 11) and event.sequence == 1
    html = page(client, world.url("agenda:event", event_id=event.pk))
    assert "Modification" in html and "09/03/2026 09:00" in html  # the previous start, in the history
    response = client.post(
        world.url("agenda:cancel_event", event_id=event.pk), {"reason": "Patient hospitalisé"}, follow=True
    )
    html = response.content.decode()
    assert "Événement annulé" in html and "Motif : Patient hospitalisé" in html
    assert "Modifier l&#x27;événement" not in html
    week = page(client, world.url("agenda:group"), vue="semaine", date="2026-03-09")
    assert "annulé" in week  # still shown, marked


# --- The group page -----------------------------------------------------------------------------------------


def test_the_group_tabs_show_the_next_events_and_links(client, world):
    cast = world.cast
    soon = schedule(world.circle, cast.member, title="Visite de demain")
    past = schedule(
        world.circle, cast.member, day=timezone.localdate() - dt.timedelta(days=3), title="Visite passée"
    )
    cancelled = schedule(world.circle, cast.member, title="Visite annulée")
    actions.cancel_event(cancelled, cast.member)
    login(client, cast.member)
    # The group's tab bar leads to its calendar; its Informations tab lists the next events.
    assert f'href="{world.url("agenda:group")}" data-tab="agenda"' in page(
        client, world.url("coordination:group")
    )
    html = page(client, world.url("coordination:informations"))
    assert 'id="agenda"' in html
    assert soon.title in html and past.title not in html and cancelled.title not in html
    assert world.url("agenda:group") in html and world.url("agenda:new_event") in html
    assert world.url("agenda:timeline") in html and world.url("agenda:mine") in html
