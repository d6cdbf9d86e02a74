"""Calendar arithmetic shared by the apps (contract anniversaries, capacity months, retention periods)."""

import datetime as dt


def first_of_month(day: dt.date, months: int = 0) -> dt.date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), the month's last day when it has no such day (31 → 30,
    29 February → 28 February)."""
    first = first_of_month(day, months)
    last = (first_of_month(first, 1) - dt.timedelta(days=1)).day
    return first.replace(day=min(day.day, last))
