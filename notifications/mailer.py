"""Sending notification e-mails: immediately after the commit that created them (``send_now``), and from
``manage.py send_notifications`` (``send_due``) for what was deferred (quiet hours, failures to retry) and
for the daily digests.

No double sending when several senders run at once (two cron runs overlapping, the command and a
request's after-commit send): a sender first *claims* the rows it will send with a conditional UPDATE
(``claim`` empty → its own token), which only one sender can win for a given row; on PostgreSQL the rows
are first locked with ``SELECT … FOR UPDATE SKIP LOCKED`` so that concurrent senders pass over each
other's rows instead of waiting; on SQLite the claim's transaction takes the database write lock. The
SMTP conversation happens after the claim's commit, outside any transaction. A claim older than
``STALE_CLAIM`` (a sender that died) can be taken again.

An e-mail names no patient and quotes no text typed by anyone: fixed wordings (``email_text``), the CPTS's
name and links to the platform, where the page's own rules apply.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coordination import access as coordination_access
from coordination.models import Group
from news import access as news_access
from notifications import schedule
from notifications.delivery import preferences_for
from notifications.models import Category, Delivery, EmailState, Kind, Notification

logger = logging.getLogger(__name__)

STALE_CLAIM = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 8
MAX_RETRY_DELAY = dt.timedelta(hours=6)
PENDING = (EmailState.IMMEDIATE, EmailState.DIGEST)


@dataclass
class Report:
    emails: int = 0  # e-mails sent
    notifications: int = 0  # notifications they carried
    deferred: int = 0  # notifications put off (quiet hours, preference changed to the digest)
    dropped: int = 0  # notifications no longer to e-mail (read, preference off, access lost)
    failed: int = 0  # e-mails that failed (retried later, or given up after MAX_ATTEMPTS)
    given_up: int = 0  # notifications whose e-mail was given up in this run (MAX_ATTEMPTS failures)

    def add(self, other: Report) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def base_url() -> str:
    return settings.OPENCPTS_BASE_URL.rstrip("/")


def absolute(path: str) -> str:
    return base_url() + path


def recipient_address(user) -> str:
    """Where a user's notification e-mails go: their account's address, or with
    ``NOTIFICATION_EMAIL_RECIPIENT=mssante`` (a relay of the MSSanté trust space, which delivers only to
    MSSanté mailboxes) the MSSanté address of their directory entry, and nothing without one."""
    if settings.NOTIFICATION_EMAIL_RECIPIENT == "mssante":
        professional = user.professional
        return professional.mssante if professional is not None else ""
    return user.email


def due(now: dt.datetime) -> QuerySet:
    return Notification.objects.filter(email_state__in=PENDING, email_after__lte=now)


def claimable(qs: QuerySet, now: dt.datetime) -> QuerySet:
    return qs.filter(Q(claim="") | Q(claimed_at__lt=now - STALE_CLAIM))


def claim(qs: QuerySet, now: dt.datetime) -> tuple[str, list[Notification]]:
    """Take the rows of ``qs`` nobody else is sending; returns the token and the rows taken."""
    token = secrets.token_hex(16)
    with transaction.atomic():
        candidates = claimable(qs, now).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True))
        if ids:
            # The conditional update is the claim: of two senders, only one changes a given row.
            claimable(Notification.objects.filter(pk__in=ids), now).update(claim=token, claimed_at=now)
    if not ids:
        return token, []
    rows = list(
        Notification.objects.filter(claim=token)
        .select_related("user__professional", "cpts", "group")
        .order_by("-priority", "updated_at", "pk")
    )
    return token, rows


class Access:
    """Whether a recipient may still follow a notification, cached for one sending run."""

    def __init__(self):
        self.audiences: dict[int, set[int]] = {}
        self.news: dict[int, set[int]] = {}

    def audience(self, group: Group) -> set[int]:
        if group.pk not in self.audiences:
            self.audiences[group.pk] = set(coordination_access.audience(group))
        return self.audiences[group.pk]

    def news_audience(self, cpts_id: int) -> set[int]:
        if cpts_id not in self.news:
            self.news[cpts_id] = set(news_access.audience(cpts_id))
        return self.news[cpts_id]

    def allowed(self, n: Notification) -> bool:
        if n.group_id is not None:
            if n.kind == Kind.INVITATION:
                return coordination_access.has_pending_invitation(n.user_id, n.group)
            return n.user_id in self.audience(n.group)
        if n.category == Category.NEWS:
            return n.user_id in self.news_audience(n.cpts_id)
        return True


def _release(n: Notification, token: str, **fields) -> None:
    Notification.objects.filter(pk=n.pk, claim=token).update(claim="", claimed_at=None, **fields)


def _sort(rows: list[Notification], token: str, now: dt.datetime, rights: Access, report: Report):
    """Split one user's claimed rows into (to e-mail now, to put in the digest now); release the others."""
    prefs = preferences_for([rows[0].user_id])[rows[0].user_id]
    user = rows[0].user
    immediate, digest = [], []
    for n in rows:
        delivery = prefs.delivery(n.category)
        if (
            n.read_at is not None
            or not user.is_active
            or not recipient_address(user)
            or delivery == Delivery.OFF
            or not rights.allowed(n)
        ):
            _release(n, token, email_state=EmailState.NONE)
            report.dropped += 1
        elif delivery == Delivery.DIGEST and n.email_state == EmailState.IMMEDIATE:
            _release(n, token, email_state=EmailState.DIGEST, email_after=schedule.next_digest(prefs, now))
            report.deferred += 1
        elif schedule.in_quiet_hours(prefs, now):
            _release(n, token, email_after=schedule.quiet_hours_end(prefs, now))
            report.deferred += 1
        elif n.email_state == EmailState.DIGEST and delivery == Delivery.DIGEST:
            digest.append(n)
        else:  # immediate, or a pending digest line whose category the user now wants immediately
            immediate.append(n)
    return immediate, digest


def _line(n: Notification) -> dict:
    return {
        "text": n.email_text,
        "cpts": n.cpts.name,
        "important": n.priority > 0,
        "url": absolute(reverse("notifications:open", kwargs={"notification_id": n.pk})),
    }


def build_email(user, rows: list[Notification], digest: bool, now: dt.datetime) -> EmailMultiAlternatives:
    lines = [_line(n) for n in rows]
    if digest:
        subject = f"Résumé quotidien : {len(rows)} notification{'s' if len(rows) > 1 else ''}"
    elif len(rows) == 1:
        subject = rows[0].email_text
    else:
        subject = f"{len(rows)} nouvelles notifications"
    preferences_url = absolute(reverse("notifications:preferences"))
    context = {
        "user": user,
        "lines": lines,
        "digest": digest,
        "preferences_url": preferences_url,
        "list_url": absolute(reverse("notifications:list")),
        "date": timezone.localtime(now),
    }
    message = EmailMultiAlternatives(
        subject=f"[OpenCPTS] {subject}",
        body=render_to_string("notifications/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient_address(user)],
        headers={
            "List-Unsubscribe": f"<{preferences_url}>",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(
        render_to_string("notifications/email/notification.html", context), "text/html"
    )
    return message


def _failed(rows: list[Notification], token: str, now: dt.datetime, report: Report) -> None:
    for n in rows:
        attempts = n.email_attempts + 1
        if attempts >= MAX_ATTEMPTS:
            _release(n, token, email_attempts=attempts, email_state=EmailState.FAILED)
            report.given_up += 1
        else:
            delay = min(dt.timedelta(minutes=2**attempts), MAX_RETRY_DELAY)
            _release(n, token, email_attempts=attempts, email_after=now + delay)


def _send(
    mail_connection,
    message,
    rows: list[Notification],
    token: str,
    now: dt.datetime,
    digest: bool,
    report: Report,
) -> None:
    try:
        mail_connection.send_messages([message])
    except Exception:  # noqa: BLE001 - SMTP refused, relay down...: logged, retried later
        logger.exception(
            "notifications: e-mail to user %s failed (%d notification(s)); retried later",
            rows[0].user_id,
            len(rows),
        )
        _failed(rows, token, now, report)
        report.failed += 1
        return
    stamp = {"digest_at": now} if digest else {"emailed_at": now}
    Notification.objects.filter(pk__in=[n.pk for n in rows], claim=token).update(
        email_state=EmailState.SENT, claim="", claimed_at=None, email_attempts=0, **stamp
    )
    report.emails += 1
    report.notifications += len(rows)


def deliver(rows: list[Notification], token: str, now: dt.datetime, rights: Access | None = None) -> Report:
    """E-mail claimed rows: one e-mail per user for what is due now, one digest per user for the digest."""
    report = Report()
    rights = rights or Access()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in rows:
        by_user[n.user_id].append(n)
    mail_connection = get_connection()
    try:
        for user_rows in by_user.values():
            immediate, digest = _sort(user_rows, token, now, rights, report)
            user = user_rows[0].user
            if immediate:
                _send(
                    mail_connection,
                    build_email(user, immediate, False, now),
                    immediate,
                    token,
                    now,
                    False,
                    report,
                )
            if digest:
                _send(mail_connection, build_email(user, digest, True, now), digest, token, now, True, report)
    finally:
        try:
            mail_connection.close()
        except Exception:  # noqa: BLE001
            logger.exception("notifications: closing the mail connection failed")
    return report


def send_now(notification_ids: list[int], now: dt.datetime) -> Report:
    """The immediate e-mails of notifications just created or grouped (after their commit)."""
    token, rows = claim(due(now).filter(pk__in=notification_ids, email_state=EmailState.IMMEDIATE), now)
    return deliver(rows, token, now) if rows else Report()


def send_due(now: dt.datetime | None = None, batch_users: int = 100, progress=None) -> Report:
    """Everything due at ``now``: deferred immediate e-mails, retries, daily digests. Users by batches; all
    the due rows of a user are claimed together so that they get one e-mail (plus one digest)."""
    now = now or timezone.now()
    report, rights, seen = Report(), Access(), set()
    while True:
        users = list(
            claimable(due(now), now)
            .exclude(user_id__in=seen)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:batch_users]
        )
        if not users:
            break
        seen.update(users)
        token, rows = claim(due(now).filter(user_id__in=users), now)
        if rows:
            batch = deliver(rows, token, now, rights)
            report.add(batch)
            if progress:
                progress(users=len(seen), report=report)
    return report
