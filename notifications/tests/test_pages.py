"""The notifications page, the header badge, following a notification, and the preferences page."""

import datetime as dt
from html import unescape

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from coordination import actions as coordination
from notifications.context_processors import unread_notifications
from notifications.delivery import Subject, notify
from notifications.models import Kind, Notification, NotificationPreference
from notifications.texts import group_texts
from tests.cast import PASSWORD, login

pytestmark = pytest.mark.django_db


def message_notification(circle, user, at=None) -> Notification:
    """A real notification of a message in the circle, for ``user``."""
    subject = Subject(
        cpts_id=circle.cast.cpts.pk,
        kind=Kind.MESSAGE,
        topic=f"grp.{circle.group.pk}",
        url=reverse("coordination:group", args=[circle.cast.cpts.slug, circle.group.pk]) + "#messages",
        texts=lambda n: group_texts(Kind.MESSAGE, circle.group, n),
        group_id=circle.group.pk,
    )
    (n,) = notify(subject, [user.pk], now=at)
    return n


def news_notifications(cast, user, count):
    for i in range(count):
        subject = Subject(
            cpts_id=cast.cpts.pk,
            kind=Kind.NEWS_POST,
            topic=f"post-test.{i}",
            url="/",
            texts=lambda n, i=i: (f"Actualité n° {i}", "Nouvelle actualité publiée par votre CPTS"),
        )
        notify(subject, [user.pk], now=timezone.now() - dt.timedelta(minutes=count - i))


def test_the_list_shows_my_notifications_only(circle, client):
    mine = message_notification(circle, circle.cast.bureau)
    message_notification(circle, circle.cast.partner)
    news_notifications(circle.cast, circle.cast.partner, 1)
    login(client, circle.cast.bureau)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(mine.title) in page and reverse("notifications:open", args=[mine.pk]) in page
    assert "Actualité n° 0" not in page
    assert page.count('class="card notification') == 1
    assert "1 notification non lue" in page
    assert "DUPONTEL" not in page


def test_the_list_is_paged(cast, client):
    news_notifications(cast, cast.member, 30)
    login(client, cast.member)
    first = client.get(reverse("notifications:list")).content.decode()
    second = client.get(reverse("notifications:list"), {"page": 2}).content.decode()
    assert first.count('class="card notification') == 25 and second.count('class="card notification') == 5
    assert "Actualité n° 29" in first and "Actualité n° 0" in second  # latest first
    assert "Page 1 sur 2" in first


def test_the_header_badge_counts_unread_notifications(circle, client):
    message_notification(circle, circle.cast.bureau)
    news_notifications(circle.cast, circle.cast.bureau, 2)
    login(client, circle.cast.bureau)
    page = client.get(reverse("accounts:security")).content.decode()
    assert 'data-unread-badge data-unread="3"' in page
    Notification.objects.update(read_at=timezone.now())
    page = client.get(reverse("accounts:security")).content.decode()
    assert 'data-unread="0" hidden' in page


def test_the_badge_costs_one_query_and_only_when_shown(circle, django_assert_num_queries):
    message_notification(circle, circle.cast.bureau)
    request = RequestFactory().get("/")
    request.user = circle.cast.bureau
    with django_assert_num_queries(0):
        context = unread_notifications(request)
    with django_assert_num_queries(1):
        assert str(context["unread_notifications"]) == "1"
        assert context["unread_notifications"]


def test_following_a_notification_marks_it_read_and_leads_to_the_page(circle, client):
    n = message_notification(circle, circle.cast.bureau)
    login(client, circle.cast.bureau)
    response = client.get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == n.url
    assert Notification.objects.get(pk=n.pk).read_at is not None
    assert client.get(n.url.split("#")[0]).status_code == 200


def test_a_removed_member_no_longer_sees_the_notifications_of_the_group(circle, client):
    n = message_notification(circle, circle.cast.bureau)
    login(client, circle.cast.bureau)
    marker = f"cercle de soins n° {circle.group.pk}"
    assert marker in unescape(client.get(reverse("notifications:list")).content.decode())  # while a member
    coordination.remove_member(circle.group, circle.cast.member, circle.cast.bureau)
    # About a group they no longer read: gone from the list, the badge and the link.
    listing = unescape(client.get(reverse("notifications:list")).content.decode())
    assert marker not in listing and "DUPONTEL" not in listing
    assert client.get(reverse("notifications:open", args=[n.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[n.pk])).status_code == 404
    from notifications.access import unread_count
    from notifications.delivery import unread_counts

    assert unread_count(circle.cast.bureau) == 0
    assert unread_counts([circle.cast.bureau.pk]) == {circle.cast.bureau.pk: 0}
    # The group's page itself refuses them, whatever link they kept.
    refused = client.get(reverse("coordination:group", args=[circle.cast.cpts.slug, circle.group.pk]))
    assert refused.status_code == 403 and "DUPONTEL" not in refused.content.decode()


def test_another_users_notification_is_not_found_and_stays_unread(circle, client):
    n = message_notification(circle, circle.cast.bureau)
    login(client, circle.cast.partner)
    assert client.get(reverse("notifications:open", args=[n.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[n.pk])).status_code == 404
    client.post(reverse("notifications:mark_all_read"))
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_mark_read_with_htmx_swaps_the_item_and_the_badge(circle, client):
    n = message_notification(circle, circle.cast.bureau)
    news_notifications(circle.cast, circle.cast.bureau, 1)
    login(client, circle.cast.bureau)
    response = client.post(reverse("notifications:mark_read", args=[n.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{n.pk}"' in html and "Marquer comme lue" not in html
    assert 'id="unread-badge"' in html and 'hx-swap-oob="true"' in html and 'data-unread="1"' in html
    assert Notification.objects.get(pk=n.pk).read_at is not None


def test_mark_read_without_htmx_and_mark_all_read(cast, client):
    news_notifications(cast, cast.member, 3)
    login(client, cast.member)
    first = Notification.objects.filter(user=cast.member).first()
    response = client.post(reverse("notifications:mark_read", args=[first.pk]), {"page": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list") + "?page=1"
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "2 notifications marquées comme lues." in response.content.decode()
    assert not Notification.objects.filter(user=cast.member, read_at__isnull=True).exists()
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405


def test_preferences_page_shows_the_defaults(cast, client):
    login(client, cast.member)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Préférences de notification" in page
    assert '<option value="digest" selected>Résumé quotidien</option>' in page
    assert 'value="21:00"' in page and 'value="07:00"' in page
    assert not NotificationPreference.objects.exists()  # nothing stored until the user saves


FORM = {
    "messages": "immediate",
    "mentions": "immediate",
    "invitations": "immediate",
    "groups": "digest",
    "documents": "off",
    "agenda": "digest",
    "news": "off",
    "proposals": "immediate",
    "quiet_start": "22:30",
    "quiet_end": "06:00",
    "digest_hour": "18",
}


def test_preferences_are_saved(cast, client):
    login(client, cast.member)
    response = client.post(reverse("notifications:preferences"), FORM, follow=True)
    assert "Préférences de notification enregistrées." in response.content.decode()
    prefs = NotificationPreference.objects.get(user=cast.member)
    assert (
        prefs.messages,
        prefs.groups,
        prefs.documents,
        prefs.quiet_start,
        prefs.quiet_end,
        prefs.digest_hour,
    ) == ("immediate", "digest", "off", dt.time(22, 30), dt.time(6), 18)
    response = client.post(reverse("notifications:preferences"), FORM | {"quiet_start": "", "quiet_end": ""})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=cast.member).quiet_start is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quiet_end": ""}, "Heures calmes : indiquez le début et la fin, ou aucune des deux."),
        ({"quiet_start": "06:00"}, "Heures calmes : le début et la fin doivent être différents."),
        ({"quiet_start": "25:00"}, "Heure invalide (HH:MM)."),
        ({"messages": "sometimes"}, "Choisissez « immédiatement », « résumé quotidien » ou « désactivé »."),
        ({"digest_hour": "24"}, "Choisissez une heure entre 0 et 23."),
    ],
)
def test_bad_preferences_are_refused_in_french_and_change_nothing(cast, client, change, message):
    login(client, cast.member)
    response = client.post(reverse("notifications:preferences"), FORM | change)
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_preferences_need_the_second_factor(cast, client):
    """Pages under /compte/ are open between the password and the code (for enrolment), not this one."""
    response = client.post(reverse("accounts:login"), {"email": cast.member.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_verify"))
    client.post(reverse("notifications:preferences"), FORM)
    assert not NotificationPreference.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client):
    for name in ("notifications:list", "notifications:preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_unread_and_important_come_first_on_every_database(circle, client):
    news_notifications(circle.cast, circle.cast.bureau, 2)
    old = Notification.objects.filter(user=circle.cast.bureau).order_by("pk").first()
    old.read_at = timezone.now()
    old.save()
    message = message_notification(circle, circle.cast.bureau, at=timezone.now() - dt.timedelta(days=1))
    Notification.objects.filter(pk=message.pk).update(priority=1)  # as a mention would be
    login(client, circle.cast.bureau)
    page = client.get(reverse("notifications:list")).content.decode()
    positions = [page.index(f'id="notification-{pk}"') for pk in (message.pk, old.pk + 1, old.pk)]
    assert positions == sorted(positions)  # important unread, then unread, then read
