"""When e-mails may leave: quiet hours and the daily digest, in local time (Europe/Paris, settings.TIME_ZONE).

Every function takes ``now`` (an aware datetime) rather than reading the clock, so that callers and
tests decide what time it is.
"""

import datetime as dt

from django.utils import timezone


def local_tz():
    return timezone.get_default_timezone()


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware local datetime of ``day`` at ``time`` (a time skipped by the spring change maps past it)."""
    return dt.datetime.combine(day, time, tzinfo=local_tz())


def in_quiet_hours(prefs, now: dt.datetime) -> bool:
    """Quiet hours run from ``quiet_start`` (included) to ``quiet_end`` (excluded); a start after the end
    crosses midnight (21:00 → 07:00)."""
    if not prefs.has_quiet_hours:
        return False
    start, end = prefs.quiet_start, prefs.quiet_end
    t = now.astimezone(local_tz()).time()
    if start < end:
        return start <= t < end
    return t >= start or t < end


def quiet_hours_end(prefs, now: dt.datetime) -> dt.datetime:
    """The first end of quiet hours after ``now``."""
    local = now.astimezone(local_tz())
    end = _at(local.date(), prefs.quiet_end)
    if end <= local:
        end = _at(local.date() + dt.timedelta(days=1), prefs.quiet_end)
    return end


def not_before(prefs, now: dt.datetime) -> dt.datetime:
    """``now``, or the end of the quiet hours ``now`` falls in."""
    return quiet_hours_end(prefs, now) if in_quiet_hours(prefs, now) else now


def next_digest(prefs, now: dt.datetime) -> dt.datetime:
    """The first daily digest moment (``digest_hour`` o'clock, local) strictly after ``now``."""
    local = now.astimezone(local_tz())
    moment = _at(local.date(), dt.time(prefs.digest_hour))
    if moment <= local:
        moment = _at(local.date() + dt.timedelta(days=1), dt.time(prefs.digest_hour))
    return moment
