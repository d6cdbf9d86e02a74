"""E-mails: preferences (immediately, daily digest, off), quiet hours, retries, the sending command, and the
neutrality of everything that leaves the platform. Time is passed in (``now``), never patched."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction

from coordination import actions as coordination
from coordination.events import GroupEvent, emit
from notifications import actions, mailer, schedule
from notifications.models import EmailState, Kind, Notification, NotificationPreference
from notifications.subscribers import handle_group_event

from .conftest import PATIENT_FAMILY_NAME, PATIENT_GIVEN_NAME, paris, set_prefs

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base_url")]

BASE = "https://cpts.example.fr"
NOON = paris(2026, 3, 2, 12, 0)  # a Monday, winter time


@pytest.fixture
def base_url(settings):
    settings.OPENCPTS_BASE_URL = BASE + "/"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def deliver(circle, author, now, kind="message.posted", capture=None, obj=None, **data):
    """Deliver an event of ``author`` in the circle at ``now``, running the after-commit work."""
    if obj is None and kind.startswith("message."):
        obj = coordination.post_message(circle.group, author, "Texte", subject="Sujet")
    event = GroupEvent(kind, circle.cast.cpts.pk, circle.group.pk, author.pk, getattr(obj, "pk", None), data)
    with capture(execute=True):
        return handle_group_event(event, now=now)


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def html_of(message) -> str:
    ((content, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return content


# --- Defaults and the immediate e-mail ----------------------------------------------------------------------


def test_defaults_are_documented_ones():
    prefs = NotificationPreference()
    assert [
        prefs.delivery(c)
        for c in ("messages", "mentions", "invitations", "groups", "documents", "agenda", "news")
    ] == ["digest", "immediate", "immediate", "immediate", "digest", "immediate", "off"]
    assert (prefs.quiet_start, prefs.quiet_end, prefs.digest_hour) == (dt.time(21), dt.time(7), 7)


def test_immediate_email_after_the_commit(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    set_prefs(cast.bureau, messages="immediate")
    deliver(circle, cast.member, NOON, capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # the others keep the default: messages in the daily digest
    message = mail.outbox[0]
    n = Notification.objects.get(user=cast.bureau)
    assert message.to == [cast.bureau.email]
    assert message.subject == "[OpenCPTS] Nouveau message dans un cercle de soins"
    assert f"{BASE}/notifications/{n.pk}/" in message.body
    assert f'href="{BASE}/notifications/{n.pk}/"' in html_of(message)
    assert message.extra_headers["List-Unsubscribe"] == f"<{BASE}/compte/notifications/>"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "Bonjour Basile" in message.body and cast.cpts.name in message.body
    assert (n.email_state, n.emailed_at, n.digest_at) == (EmailState.SENT, NOON, None)
    other = Notification.objects.get(user=cast.partner)
    assert (other.email_state, other.email_after) == (EmailState.DIGEST, paris(2026, 3, 3, 7))


def test_one_email_per_unread_notification(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    set_prefs(cast.bureau, messages="immediate")
    deliver(circle, cast.member, NOON, capture=django_capture_on_commit_callbacks)
    deliver(circle, cast.partner, NOON + dt.timedelta(minutes=5), capture=django_capture_on_commit_callbacks)
    assert len(mails_to(cast.bureau)) == 1
    n = Notification.objects.get(user=cast.bureau)
    assert n.count == 2 and n.email_state == EmailState.SENT
    actions.mark_read(n, now=NOON + dt.timedelta(minutes=10))
    deliver(circle, cast.partner, NOON + dt.timedelta(minutes=20), capture=django_capture_on_commit_callbacks)
    assert len(mails_to(cast.bureau)) == 2  # read, then something new: a new e-mail


def test_off_keeps_the_notification_in_the_application_only(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    set_prefs(cast.bureau, messages="off")
    deliver(circle, cast.member, NOON, capture=django_capture_on_commit_callbacks)
    n = Notification.objects.get(user=cast.bureau)
    assert n.email_state == EmailState.NONE and n.read_at is None
    mailer.send_due(NOON + dt.timedelta(days=2))
    assert not mails_to(cast.bureau)


def test_mentions_are_emailed_at_once_by_default(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    message = coordination.post_message(circle.group, cast.member, "Pour @Basile", subject="Point")
    deliver(
        circle,
        cast.member,
        NOON,
        kind="message.mentioned",
        obj=message,
        capture=django_capture_on_commit_callbacks,
        user_ids=[cast.bureau.pk],
    )
    (sent,) = mail.outbox
    assert sent.to == [cast.bureau.email]
    assert sent.subject == "[OpenCPTS] Nouvelle mention de votre nom dans un cercle de soins"
    assert "[Important]" in sent.body


# --- Quiet hours --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [
        (21, 59, False),
        (22, 0, True),
        (23, 30, True),
        (0, 0, True),
        (3, 15, True),
        (6, 59, True),
        (7, 0, False),
        (12, 0, False),
    ],
)
def test_quiet_hours_crossing_midnight(hour, minute, quiet):
    prefs = NotificationPreference(quiet_start=dt.time(22), quiet_end=dt.time(7))
    assert schedule.in_quiet_hours(prefs, paris(2026, 3, 2, hour, minute)) is quiet


def test_quiet_hours_within_a_day_and_none():
    lunch = NotificationPreference(quiet_start=dt.time(12), quiet_end=dt.time(14))
    assert schedule.in_quiet_hours(lunch, paris(2026, 3, 2, 13))
    assert not schedule.in_quiet_hours(lunch, paris(2026, 3, 2, 23))
    assert schedule.quiet_hours_end(lunch, paris(2026, 3, 2, 13)) == paris(2026, 3, 2, 14)
    none = NotificationPreference(quiet_start=None, quiet_end=None)
    assert not schedule.in_quiet_hours(none, paris(2026, 3, 2, 3))


def test_quiet_hours_end_is_the_next_morning_in_paris_time():
    prefs = NotificationPreference(quiet_start=dt.time(22), quiet_end=dt.time(7))
    assert schedule.quiet_hours_end(prefs, paris(2026, 3, 2, 23, 30)) == paris(2026, 3, 3, 7)
    assert schedule.quiet_hours_end(prefs, paris(2026, 3, 3, 2)) == paris(2026, 3, 3, 7)
    # Across the change to summer time (29 March 2026): 07:00 is 05:00 UTC, no longer 06:00.
    end = schedule.quiet_hours_end(prefs, paris(2026, 3, 28, 23))
    assert end == paris(2026, 3, 29, 7) and end.astimezone(dt.UTC).hour == 5


def test_an_immediate_email_in_quiet_hours_waits_for_their_end(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    set_prefs(cast.bureau, messages="immediate", quiet_start=dt.time(22), quiet_end=dt.time(7))
    deliver(circle, cast.member, paris(2026, 3, 2, 23, 30), capture=django_capture_on_commit_callbacks)
    assert not mail.outbox
    n = Notification.objects.get(user=cast.bureau)
    assert (n.email_state, n.email_after) == (EmailState.IMMEDIATE, paris(2026, 3, 3, 7))
    assert mailer.send_due(paris(2026, 3, 3, 2)).emails == 0
    mailer.send_due(paris(2026, 3, 3, 7, 0))  # with the others' daily digests, at 7 h too
    assert len(mails_to(cast.bureau)) == 1
    assert Notification.objects.get(pk=n.pk).emailed_at == paris(2026, 3, 3, 7)


def test_a_notification_read_before_its_email_is_not_emailed(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    set_prefs(cast.bureau, messages="immediate", quiet_start=dt.time(22), quiet_end=dt.time(7))
    deliver(circle, cast.member, paris(2026, 3, 2, 23), capture=django_capture_on_commit_callbacks)
    actions.mark_read(Notification.objects.get(user=cast.bureau), now=paris(2026, 3, 3, 6))
    mailer.send_due(paris(2026, 3, 3, 8))
    assert not mails_to(cast.bureau)


def test_a_member_removed_before_the_deferred_email_gets_none(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    set_prefs(cast.bureau, messages="immediate", quiet_start=dt.time(22), quiet_end=dt.time(7))
    deliver(circle, cast.member, paris(2026, 3, 2, 23), capture=django_capture_on_commit_callbacks)
    coordination.remove_member(circle.group, cast.member, cast.bureau)
    report = mailer.send_due(paris(2026, 3, 3, 8))
    assert report.dropped == 1 and not mails_to(cast.bureau)
    assert Notification.objects.get(user=cast.bureau).email_state == EmailState.NONE


# --- Daily digest -------------------------------------------------------------------------------------------


def test_daily_digest(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    for user in (cast.bureau, cast.partner, circle.colleague):
        set_prefs(user, messages="digest", documents="digest", digest_hour=7)
    deliver(circle, cast.member, paris(2026, 3, 2, 10), capture=django_capture_on_commit_callbacks)
    deliver(circle, cast.member, paris(2026, 3, 2, 11), capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("document.added", circle.group, cast.member, None)
    # The document's event was delivered at the real time: put it on the same day for the test.
    Notification.objects.filter(kind=Kind.DOCUMENT).update(email_after=paris(2026, 3, 3, 7))
    actions.mark_read(
        Notification.objects.get(user=circle.colleague, kind=Kind.MESSAGE), now=paris(2026, 3, 2, 12)
    )
    assert not mail.outbox

    assert mailer.send_due(paris(2026, 3, 3, 6, 59)).emails == 0
    report = mailer.send_due(paris(2026, 3, 3, 7))
    assert report.emails == 3
    (bureau,) = mails_to(cast.bureau)
    assert bureau.subject == "[OpenCPTS] Résumé quotidien : 2 notifications"
    assert "2 nouveaux messages dans un cercle de soins" in bureau.body
    assert "Nouveau document dans un cercle de soins" in bureau.body
    assert "résumé de vos notifications" in bureau.body
    (colleague,) = mails_to(circle.colleague)  # their message notification was read: the document only
    assert colleague.subject == "[OpenCPTS] Résumé quotidien : 1 notification"
    assert "message" not in colleague.body.split("Voici")[1].split("Connectez-vous")[0]
    n = Notification.objects.get(user=cast.bureau, kind=Kind.MESSAGE)
    assert (n.email_state, n.digest_at, n.emailed_at) == (EmailState.SENT, paris(2026, 3, 3, 7), None)

    # Idempotent: nothing more the same day, even run again.
    assert mailer.send_due(paris(2026, 3, 3, 7, 1)).emails == 0
    assert len(mail.outbox) == 3

    # A notification that grew after its digest is in the next one, with its new count.
    deliver(circle, cast.member, paris(2026, 3, 3, 9), capture=django_capture_on_commit_callbacks)
    assert Notification.objects.get(pk=n.pk).email_state == EmailState.DIGEST
    assert mailer.send_due(paris(2026, 3, 4, 7)).emails == 3
    assert "3 nouveaux messages" in mails_to(cast.bureau)[-1].body


def test_changing_preferences_moves_the_waiting_emails(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    deliver(circle, cast.member, NOON, capture=django_capture_on_commit_callbacks)  # default: digest
    n = Notification.objects.get(user=cast.bureau)
    assert n.email_state == EmailState.DIGEST
    form = {
        c: "immediate"
        for c in ("messages", "mentions", "invitations", "groups", "documents", "agenda", "news")
    }
    actions.save_preferences(cast.bureau, quiet_start=None, quiet_end=None, digest_hour=7, now=NOON, **form)
    n.refresh_from_db()
    assert (n.email_state, n.email_after) == (EmailState.IMMEDIATE, NOON)
    assert mailer.send_due(NOON + dt.timedelta(minutes=1)).emails == 1
    deliver(circle, cast.partner, NOON + dt.timedelta(hours=1), capture=django_capture_on_commit_callbacks)
    assert len(mails_to(cast.bureau)) == 1  # already e-mailed while unread: no second e-mail


# --- Failures and retries -----------------------------------------------------------------------------------


def test_a_refused_relay_never_fails_the_action_and_is_retried(
    circle, settings, django_capture_on_commit_callbacks
):
    cast = circle.cast
    set_prefs(cast.bureau, messages="immediate")
    settings.EMAIL_BACKEND = "notifications.tests.mail_backends.RefusingBackend"
    deliver(circle, cast.member, NOON, capture=django_capture_on_commit_callbacks)
    n = Notification.objects.get(user=cast.bureau)
    assert (n.email_state, n.email_attempts, n.claim) == (EmailState.IMMEDIATE, 1, "")
    assert n.email_after == NOON + dt.timedelta(minutes=2)
    assert mailer.send_due(NOON + dt.timedelta(minutes=1)).failed == 0  # not due yet
    assert mailer.send_due(NOON + dt.timedelta(minutes=2)).failed == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mailer.send_due(NOON + dt.timedelta(minutes=10)).emails == 1
    n.refresh_from_db()
    assert (n.email_state, n.email_attempts) == (EmailState.SENT, 0)


def test_a_real_action_survives_a_refused_relay(circle, settings, django_capture_on_commit_callbacks):
    set_prefs(circle.cast.bureau, messages="immediate")
    settings.EMAIL_BACKEND = "notifications.tests.mail_backends.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        message = coordination.post_message(circle.group, circle.cast.member, "Bonjour", subject="Point")
    assert message.pk
    assert Notification.objects.get(user=circle.cast.bureau).email_attempts == 1


def test_sending_gives_up_after_max_attempts(circle, settings, django_capture_on_commit_callbacks):
    set_prefs(circle.cast.bureau, messages="immediate")
    settings.EMAIL_BACKEND = "notifications.tests.mail_backends.RefusingBackend"
    deliver(circle, circle.cast.member, NOON, capture=django_capture_on_commit_callbacks)
    later = NOON
    for _ in range(mailer.MAX_ATTEMPTS):
        later += dt.timedelta(hours=7)
        mailer.send_due(later)
    n = Notification.objects.get(user=circle.cast.bureau)
    assert (n.email_state, n.email_attempts) == (EmailState.FAILED, mailer.MAX_ATTEMPTS)
    assert n.read_at is None  # still in the application


# --- No clinical content anywhere ---------------------------------------------------------------------------


def test_no_patient_name_message_text_or_document_name_in_titles_and_emails(
    circle, django_capture_on_commit_callbacks
):
    cast = circle.cast
    secret_subject = f"Sortie de Mme {PATIENT_FAMILY_NAME}"
    secret_body = f"{PATIENT_GIVEN_NAME} {PATIENT_FAMILY_NAME} : INR à 4,2, arrêter la fluindione"
    for user in (cast.member, cast.bureau, cast.partner, circle.colleague, circle.invitee):
        set_prefs(
            user,
            **{
                c: "immediate"
                for c in ("messages", "mentions", "invitations", "groups", "documents", "agenda")
            },
        )
    set_prefs(circle.colleague, messages="digest")  # and a daily digest
    with django_capture_on_commit_callbacks(execute=True):
        subject = coordination.post_message(circle.group, cast.member, secret_body, subject=secret_subject)
        coordination.post_message(circle.group, cast.bureau, f"Vu pour {PATIENT_FAMILY_NAME}", parent=subject)
        coordination.invite(circle.group, cast.member, circle.invitee)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("message.mentioned", circle.group, cast.member, subject, user_ids=[cast.partner.pk])
        emit("document.added", circle.group, cast.partner, None, name=f"CR-{PATIENT_FAMILY_NAME}.pdf")
        emit("event.created", circle.group, cast.partner, None)
    with django_capture_on_commit_callbacks(execute=True):
        coordination.withdraw_consent(circle.group.consents.get(), cast.bureau)
        coordination.close_group(circle.group, cast.member)
    assert mailer.send_due(paris(2030, 1, 1, 12)).emails == 1  # the colleague's digest

    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds >= {
        Kind.MESSAGE,
        Kind.MENTION,
        Kind.INVITATION,
        Kind.DOCUMENT,
        Kind.EVENT_CREATED,
        Kind.CONSENT_WITHDRAWN,
        Kind.GROUP_CLOSED,
    }
    assert len(mail.outbox) >= 5
    forbidden = [
        PATIENT_FAMILY_NAME,
        PATIENT_GIVEN_NAME,
        "INR",
        "fluindione",
        "Sortie de Mme",
        circle.group.title,
        "Prise en charge",
    ]
    texts = [t for n in Notification.objects.all() for t in (n.title, n.email_text, n.url)]
    texts += [part for m in mail.outbox for part in (m.subject, m.body, html_of(m), str(m.extra_headers))]
    for text in texts:
        for word in forbidden:
            assert word.lower() not in text.lower(), f"{word!r} dans {text!r}"


# --- The command and concurrent senders ---------------------------------------------------------------------


def test_send_notifications_command_is_idempotent(circle, django_capture_on_commit_callbacks):
    cast = circle.cast
    set_prefs(cast.bureau, messages="immediate", quiet_start=dt.time(22), quiet_end=dt.time(7))
    deliver(circle, cast.member, paris(2026, 3, 2, 23), capture=django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("send_notifications", now="2026-03-03T08:00:00+01:00", stdout=out)
    # The bureau's e-mail put off by its quiet hours, the daily digests (7 h) of the partner and the
    # colleague.
    assert "3 e-mails envoyés pour 3 notifications" in out.getvalue()
    out = io.StringIO()
    call_command("send_notifications", now="2026-03-03T08:00:00+01:00", stdout=out)
    assert out.getvalue().startswith("0 e-mail envoyé")
    assert len(mail.outbox) == 3


def test_send_notifications_refuses_a_bad_date():
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_notifications", now="demain", stdout=io.StringIO())


def test_a_claimed_row_is_not_taken_twice_until_its_claim_is_stale(
    circle, django_capture_on_commit_callbacks
):
    set_prefs(circle.cast.bureau, messages="immediate", quiet_start=dt.time(22), quiet_end=dt.time(7))
    deliver(circle, circle.cast.member, paris(2026, 3, 2, 23), capture=django_capture_on_commit_callbacks)
    now = paris(2026, 3, 3, 8)
    bureau = mailer.due(now).filter(user=circle.cast.bureau)
    token, rows = mailer.claim(bureau, now)
    assert [n.user_id for n in rows] == [circle.cast.bureau.pk]
    assert mailer.claim(bureau, now)[1] == []  # another sender: nothing to take
    mailer.send_due(now)
    assert not mails_to(circle.cast.bureau)
    # The first sender died: after STALE_CLAIM its rows can be taken again.
    mailer.send_due(now + mailer.STALE_CLAIM + dt.timedelta(seconds=1))
    assert len(mails_to(circle.cast.bureau)) == 1


def test_mssante_relay_mode_writes_to_mssante_mailboxes_only(
    circle, settings, django_capture_on_commit_callbacks
):
    """With a relay of the MSSanté trust space, e-mails go to the directory's MSSanté address; a user
    without one gets no e-mail (the relay would refuse an ordinary address), the application still tells
    them."""
    cast = circle.cast
    settings.NOTIFICATION_EMAIL_RECIPIENT = "mssante"
    cast.member.professional.mssante = "marie.membre@medecin.mssante.fr"
    cast.member.professional.save()
    for user in (cast.member, cast.bureau):
        set_prefs(user, messages="immediate")
    deliver(circle, cast.partner, NOON, capture=django_capture_on_commit_callbacks)
    (sent,) = mail.outbox
    assert sent.to == ["marie.membre@medecin.mssante.fr"]
    assert Notification.objects.get(user=cast.bureau).email_state == EmailState.NONE
