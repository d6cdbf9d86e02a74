"""Counters that hold under concurrency and across application processes, in the database.

Why not the cache: Django's database cache implements ``incr`` as a read then a write (two requests can both
read 4 and both write 5), so limits built on it are passed by concurrent requests; Redis ``INCR`` is atomic
but the embedded default has no Redis. The database is shared by every process in both set-ups, so the
counters live there, in ``RateCounter``:

- ``hit`` adds one with a single conditional ``UPDATE`` (``count = count + 1``, or 1 when the window is over)
  and reads the value back in the same transaction: the UPDATE holds the row lock (PostgreSQL) or the write
  lock (SQLite) until the commit, so each caller reads its own increment. The first hit of a key inserts the
  row; a concurrent first hit loses on the unique key and updates instead.
- callers count *before* doing the work the limit protects (checking a password, storing a request), and
  refuse when the value returned is above the limit.

Rows whose window is over are deleted when a new key is inserted (an index on ``expires_at``).
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from accounts.models import RateCounter


def _bump(key: str, now, fresh_until) -> bool:
    expired = When(expires_at__lte=now, then=Value(1))
    return bool(
        RateCounter.objects.filter(key=key).update(
            count=Case(expired, default=F("count") + 1),
            expires_at=Case(When(expires_at__lte=now, then=Value(fresh_until)), default=F("expires_at")),
        )
    )


def hit(key: str, window_seconds: int) -> int:
    """Count one event under ``key``; the number of events in the current window, this one included. The
    window starts at the first event and lasts ``window_seconds``."""
    now = timezone.now()
    fresh_until = now + dt.timedelta(seconds=window_seconds)
    with transaction.atomic():
        for _ in range(10):  # a concurrent reset may delete the row between our tries
            if _bump(key, now, fresh_until):
                return RateCounter.objects.filter(key=key).values_list("count", flat=True).get()
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, count=1, expires_at=fresh_until)
            except IntegrityError:  # inserted by a concurrent first hit, committed since: update it
                continue
            RateCounter.objects.filter(expires_at__lt=now).delete()
            return 1
    raise RuntimeError(f"rate counter {key}: no stable row after 10 tries")


def current(key: str) -> int:
    """The count in the current window, without counting (a cheap early look; decisions use ``hit``)."""
    row = RateCounter.objects.filter(key=key, expires_at__gt=timezone.now()).values_list("count", flat=True)
    return row.first() or 0


def refund(key: str) -> None:
    """Give back one event (an attempt that turned out legitimate)."""
    RateCounter.objects.filter(key=key, count__gt=0).update(count=F("count") - 1)


def reset(key: str) -> None:
    RateCounter.objects.filter(key=key).delete()
