"""Publishing unscheduled slots: one-off slots, weekly patterns and their materialisation, pause, bulk edit,
copy of a week. Every function checks ``unscheduled.access``, validates everything before writing, writes in
one transaction and raises ``ActionError`` with a French message; a refused request changes nothing.

Times are Europe/Paris wall-clock times turned into aware instants (``agenda.timing.local``: a time skipped
when the clocks go forward is refused). A pattern becomes concrete ``Slot`` rows up to ``HORIZON_DAYS`` ahead
(``materialise``, idempotent, run at publication and daily by ``manage.py materialise_slots``): searches and
the SAS interface read plain rows, with an index on (CPTS, start) for the free ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from agenda.timing import PARIS, local
from audit.log import record_bulk
from cpts.models import CPTS
from cpts.scoping import scoped
from directory.models import PracticePlace, Professional
from opencpts import french
from opencpts.errors import ActionError
from unscheduled import access
from unscheduled.models import VISIBILITY_FIELDS, AvailabilityPattern, Booking, Modality, Slot, Visibility

HORIZON_DAYS = 28
MIN_MINUTES, MAX_MINUTES = 5, 240
MAX_PATTERN_DAYS = 366
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def clean_visibility(codes: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(codes or []))
    unknown = [c for c in codes if c not in Visibility.values]
    if unknown:
        raise ActionError(f"Visibilité inconnue : {', '.join(unknown)}.", "visibility")
    if not codes:
        raise ActionError(
            "Visibilité : cochez au moins un public (grand public, professionnels, régulation SAS, "
            "CPTS). Rien n'est exposé sans votre choix.",
            "visibility",
        )
    return [c for c in Visibility.values if c in codes]  # canonical order


def visibility_fields(codes: Iterable[str]) -> dict[str, bool]:
    chosen = clean_visibility(codes)
    return {field: code in chosen for code, field in VISIBILITY_FIELDS.items()}


def _modality(value: str) -> str:
    if value not in Modality.values:
        raise ActionError("Modalité : au cabinet, à domicile ou en téléconsultation.", "modality")
    return value


def _motifs(value: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > 300:
        raise ActionError("Motifs acceptés : 300 caractères au plus.", "motifs")
    return value


def _minutes(value: int) -> int:
    if not isinstance(value, int) or not MIN_MINUTES <= value <= MAX_MINUTES:
        raise ActionError(f"Durée : entre {MIN_MINUTES} et {MAX_MINUTES} minutes.", "slot_minutes")
    return value


def _place(professional: Professional, place: PracticePlace) -> PracticePlace:
    if place.professional_id != professional.pk or not place.active:
        raise ActionError("Lieu : choisissez l'un de vos lieux d'exercice.", "place")
    return place


def _lock(professional) -> None:
    """Serialise the writers of one professional's slots (PostgreSQL row lock, held to the commit), so that
    two concurrent publications cannot both pass the overlap check."""
    list(
        Professional.objects.select_for_update()
        .filter(pk=getattr(professional, "pk", professional))
        .values_list("pk", flat=True)
    )


def _overlapping(professional_id: int, start: dt.datetime, end: dt.datetime):
    """The professional's slots (in any CPTS) that overlap [start, end)."""
    return Slot.objects.filter(professional_id=professional_id, start__lt=end, end__gt=start)


def _without_overlaps(professional_id: int, wanted: list[tuple[dt.datetime, dt.datetime]]):
    """``wanted`` (start, end) pairs minus those overlapping an existing slot of the professional or each
    other (one query for the whole span)."""
    if not wanted:
        return []
    existing = list(
        Slot.objects.filter(
            professional_id=professional_id,
            start__lt=max(e for _, e in wanted),
            end__gt=min(s for s, _ in wanted),
        ).values_list("start", "end")
    )
    kept: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(wanted):
        if any(s < end and e > start for s, e in existing) or any(s < end and e > start for s, e in kept):
            continue
        kept.append((start, end))
    return kept


def publish_slot(
    cpts: CPTS,
    by,
    professional: Professional,
    *,
    place: PracticePlace,
    day: dt.date,
    at: dt.time,
    minutes: int,
    modality: str = Modality.CABINET,
    motifs: str = "",
    visibility: Iterable[str] = (),
) -> Slot:
    """One slot. Refused if it is in the past or if the professional already has a slot starting then."""
    access.require_manage(by, cpts, professional)
    start = local(day, at, "at")
    end = start + dt.timedelta(minutes=_minutes(minutes))
    if end <= timezone.now():
        raise ActionError("Ce créneau est déjà passé.", "day")
    fields = {
        "place": _place(professional, place),
        "modality": _modality(modality),
        "motifs": _motifs(motifs),
        **visibility_fields(visibility),
    }
    try:
        with transaction.atomic():
            _lock(professional)
            clash = _overlapping(professional.pk, start, end).order_by("start").first()
            if clash is not None:
                other = clash.start.astimezone(PARIS)
                raise ActionError(
                    f"Ce créneau chevauche un créneau existant (le {other:%d/%m/%Y} à {other:%H:%M}, "
                    f"{int((clash.end - clash.start).total_seconds() // 60)} min).",
                    "at",
                )
            return Slot.objects.create(
                cpts=cpts, professional=professional, start=start, end=end, created_by=by, **fields
            )
    except IntegrityError:
        raise ActionError(f"Vous avez déjà un créneau le {day:%d/%m/%Y} à {at:%H:%M}.", "at") from None


def _dates(values: Iterable) -> list[str]:
    out = []
    for value in values or []:
        if isinstance(value, dt.date):
            out.append(value.isoformat())
            continue
        try:
            out.append(dt.date.fromisoformat(str(value).strip()).isoformat())
        except ValueError:
            raise ActionError(
                f"Jour exclu « {value} » : date attendue au format AAAA-MM-JJ.", "exceptions"
            ) from None
    return sorted(set(out))


def _pattern_fields(
    professional,
    *,
    place,
    weekdays,
    start_time,
    end_time,
    slot_minutes,
    valid_from,
    valid_until,
    exceptions=(),
    modality=Modality.CABINET,
    motifs="",
    visibility=(),
    today: dt.date | None = None,
) -> dict:
    days = sorted({int(d) for d in weekdays or []})
    if not days or any(d < 0 or d > 6 for d in days):
        raise ActionError("Jours : cochez au moins un jour de la semaine.", "weekdays")
    if start_time is None or end_time is None or end_time <= start_time:
        raise ActionError("Horaires : l'heure de fin doit suivre l'heure de début.", "end_time")
    minutes = _minutes(slot_minutes)
    span = dt.datetime.combine(dt.date(2000, 1, 3), end_time) - dt.datetime.combine(
        dt.date(2000, 1, 3), start_time
    )
    if span < dt.timedelta(minutes=minutes):
        raise ActionError("Horaires : la plage est plus courte qu'un créneau.", "end_time")
    if valid_from is None or valid_until is None or valid_until < valid_from:
        raise ActionError("Période : la date de fin doit suivre la date de début.", "valid_until")
    if (valid_until - valid_from).days > MAX_PATTERN_DAYS:
        raise ActionError("Période : un an au plus ; renouvelez ensuite.", "valid_until")
    if valid_until < (today or timezone.localdate()):
        raise ActionError("Période : elle est déjà terminée.", "valid_until")
    return {
        "place": _place(professional, place),
        "weekdays": days,
        "start_time": start_time,
        "end_time": end_time,
        "slot_minutes": minutes,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "exceptions": _dates(exceptions),
        "modality": _modality(modality),
        "motifs": _motifs(motifs),
        **visibility_fields(visibility),
    }


def create_pattern(
    cpts: CPTS, by, professional: Professional, *, overlaps: str | None = None, now=None, **fields
) -> AvailabilityPattern:
    """A weekly pattern, materialised at once over the horizon through ``publish`` (same overlap rule: a
    collision needs ``overlaps`` = ``SKIP`` or ``REPLACE``, else nothing is saved)."""
    return publish(cpts, by, professional, weekly=True, overlaps=overlaps, now=now, **fields).pattern


@transaction.atomic
def change_pattern(pattern: AvailabilityPattern, by, **fields) -> AvailabilityPattern:
    """New rules for the future: the future free slots of the pattern are replaced; booked ones stay."""
    access.require_manage(by, pattern.cpts, pattern.professional)
    for name, value in _pattern_fields(pattern.professional, **fields).items():
        setattr(pattern, name, value)
    pattern.materialised_until = None
    pattern.save()
    Slot.objects.filter(pattern=pattern).editable().delete()
    materialise(pattern)
    return pattern


def _exists(start: dt.datetime) -> bool:
    """False for a wall-clock time skipped when the clocks go forward."""
    return start.astimezone(dt.UTC).astimezone(PARIS).replace(tzinfo=None) == start.replace(tzinfo=None)


def _day_slots(day: dt.date, start_time: dt.time, end_time: dt.time, minutes: int):
    """(start, end, exists) of the slots of one day: wall-clock times, each converted on its own, so that a
    slot keeps its printed time across a clock change."""
    step = dt.timedelta(minutes=minutes)
    start = dt.datetime.combine(day, start_time, tzinfo=PARIS)
    limit = dt.datetime.combine(day, end_time, tzinfo=PARIS)
    out = []
    while start + step <= limit:
        out.append((start, start + step, _exists(start)))
        start = start + step
    return out


def _pattern_days(pattern, first: dt.date, last: dt.date) -> list[dt.date]:
    excluded = set(pattern.exceptions or [])
    days, day = [], max(first, pattern.valid_from)
    while day <= min(last, pattern.valid_until):
        if day.weekday() in pattern.weekdays and day.isoformat() not in excluded:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def occurrences(
    pattern: AvailabilityPattern, first: dt.date, last: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) instants the pattern gives between two dates, in order; pure (no database). A time
    the clocks skip is left out."""
    return [
        (start, end)
        for day in _pattern_days(pattern, first, last)
        for start, end, exists in _day_slots(day, pattern.start_time, pattern.end_time, pattern.slot_minutes)
        if exists
    ]


# --- Publishing a series: the overlap rule ------------------------------------------------------------------
#
# One rule for every publication of several slots (chosen days, a weekly pattern, a copied week), the page's
# preview and the publication itself: ``plan`` says what would be created and what collides with the
# professional's existing slots (in any CPTS) before anything is written; ``publish`` computes the same plan
# again under the professional's lock and writes it in one transaction. A collision is never skipped
# silently: without a choice (``SKIP`` or ``REPLACE``) the publication is refused; a booked slot is never
# replaced; the outcome names what was created and what was left out, and why.

SKIP, REPLACE = "ignorer", "remplacer"
MAX_DAYS_AHEAD = 366
MAX_DAYS = 31
REASONS = {  # why a wanted slot is not created: (singular, plural)
    "occupe": ("déjà occupé", "déjà occupés"),
    "reserve": ("déjà réservé", "déjà réservés"),
    "passe": ("déjà passé", "déjà passés"),
    "ete": ("inexistant (passage à l'heure d'été)", "inexistants (passage à l'heure d'été)"),
}


@dataclass(frozen=True)
class Wanted:
    """One slot asked for; ``reason`` says why it cannot simply be created (a key of ``REASONS``), ``hits``
    the existing slots it overlaps as (id, start, end, booked), ``replaceable`` whether they are all free
    slots of this CPTS that ``REPLACE`` may delete."""

    start: dt.datetime
    end: dt.datetime
    reason: str = ""
    hits: tuple = ()
    replaceable: bool = False
    source: object = None  # the slot a copied slot comes from

    @property
    def day(self) -> dt.date:
        return self.start.astimezone(PARIS).date()

    @property
    def reason_label(self) -> str:
        return REASONS[self.reason][0] if self.reason else ""


@dataclass
class Plan:
    """What a publication gives: ``free`` slots are created whatever the choice, ``clashes`` overlap free
    slots (left out, or created in their place with ``REPLACE`` when ``replaceable``), ``refused`` are never
    created (overlapping a booked slot, already passed, skipped by the clocks). A weekly pattern is
    materialised now up to ``until``; its later slots come day by day up to ``valid_until``."""

    free: list[Wanted] = field(default_factory=list)
    clashes: list[Wanted] = field(default_factory=list)
    refused: list[Wanted] = field(default_factory=list)
    until: dt.date | None = None
    valid_until: dt.date | None = None

    @property
    def collisions(self) -> list[Wanted]:
        """What the professional must decide on: the wanted slots overlapping existing ones."""
        return sorted(self.clashes + [w for w in self.refused if w.reason == "reserve"], key=_by_start)

    @property
    def replaceable(self) -> list[Wanted]:
        return [w for w in self.clashes if w.replaceable]

    @property
    def later(self) -> bool:
        return bool(self.until and self.valid_until and self.valid_until > self.until)

    def result(self, overlaps: str | None) -> tuple[list[Wanted], list[Wanted], set[int]]:
        """(created, skipped, ids of the existing slots deleted) for a choice."""
        if overlaps == REPLACE:
            created = self.free + self.replaceable
            skipped = [w for w in self.clashes if not w.replaceable] + self.refused
            doomed = {hit[0] for w in self.replaceable for hit in w.hits}
        else:
            created, skipped, doomed = list(self.free), self.clashes + self.refused, set()
        return sorted(created, key=_by_start), sorted(skipped, key=_by_start), doomed


def _by_start(wanted: Wanted):
    return wanted.start


@dataclass
class Outcome:
    created: list[Wanted]
    skipped: list[Wanted]
    replaced: int = 0
    pattern: AvailabilityPattern | None = None
    plan: Plan | None = None

    @property
    def first_day(self) -> dt.date | None:
        return (self.created or self.skipped)[0].day if (self.created or self.skipped) else None

    @property
    def message(self) -> str:
        return summary(len(self.created), self.skipped, self.replaced, self.plan)


def days_text(days) -> str:
    """« le lundi 14 et le mardi 15 décembre »: the month once per run of days in the same month."""
    days = sorted(set(days))
    parts = []
    for i, day in enumerate(days):
        following = days[i + 1] if i + 1 < len(days) else None
        if following is not None and (following.year, following.month) == (day.year, day.month):
            parts.append(f"le {french.DAYS[day.weekday()]} {'1er' if day.day == 1 else day.day}")
        else:
            parts.append(f"le {french.day(day)}")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def summary(created: int, skipped: list[Wanted], replaced: int = 0, plan: Plan | None = None) -> str:
    """« 28 créneaux publiés, 2 ignorés : déjà occupés le lundi 14 et le mardi 15 décembre. »"""
    text = french.count(created, "créneau publié", "créneaux publiés", "Aucun créneau publié")
    if replaced:
        text += ", " + french.count(replaced, "créneau libre remplacé", "créneaux libres remplacés")
    if skipped:
        groups = []
        for reason, (one, many) in REASONS.items():
            days = [w.day for w in skipped if w.reason == reason]
            if days:
                groups.append(f"{one if len(days) == 1 else many} {days_text(days)}")
        text += f", {french.count(len(skipped), 'ignoré')} : " + " ; ".join(groups)
    if plan is not None and plan.later:
        text += (
            f". Les créneaux suivants seront publiés chaque jour jusqu'au {french.day(plan.valid_until)}, "
            "sauf là où vous aurez déjà un créneau"
        )
    return text + "."


def _hours(start_time, end_time, slot_minutes) -> int:
    if start_time is None or end_time is None or end_time <= start_time:
        raise ActionError("Horaires : l'heure de fin doit suivre l'heure de début.", "end_time")
    minutes = _minutes(slot_minutes)
    span = dt.datetime.combine(dt.date(2000, 1, 3), end_time) - dt.datetime.combine(
        dt.date(2000, 1, 3), start_time
    )
    if span < dt.timedelta(minutes=minutes):
        raise ActionError("Horaires : la plage est plus courte qu'un créneau.", "end_time")
    return minutes


def _once_fields(
    professional,
    *,
    days,
    start_time,
    end_time,
    slot_minutes,
    place,
    modality=Modality.CABINET,
    motifs="",
    visibility=(),
    today: dt.date,
) -> tuple[dict, list[dt.date]]:
    days = sorted(set(days or []))
    if not days:
        raise ActionError("Jours : choisissez au moins un jour.", "weekdays")
    if len(days) > MAX_DAYS:
        raise ActionError(f"Jours : {MAX_DAYS} jours au plus à la fois.", "weekdays")
    past = [d for d in days if d < today]
    if past:
        raise ActionError(
            f"Le {french.day(past[0])} est déjà passé : choisissez un jour à venir.", "weekdays"
        )
    if days[-1] > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ActionError("Jours : un an à l'avance au plus.", "weekdays")
    minutes = _hours(start_time, end_time, slot_minutes)
    fields = {
        "place": _place(professional, place),
        "start_time": start_time,
        "end_time": end_time,
        "slot_minutes": minutes,
        "modality": _modality(modality),
        "motifs": _motifs(motifs),
        **visibility_fields(visibility),
    }
    return fields, days


def _series(professional, weekly: bool, today: dt.date, fields: dict):
    """(validated fields, a pattern to save or None, wanted (start, end, exists), plan window end, period
    end)."""
    if weekly:
        clean = _pattern_fields(professional, today=today, **fields)
        pattern = AvailabilityPattern(professional=professional, **clean)
        until = min(clean["valid_until"], today + dt.timedelta(days=HORIZON_DAYS))
        days = _pattern_days(pattern, max(today, clean["valid_from"]), until)
        wanted = [
            w
            for d in days
            for w in _day_slots(d, clean["start_time"], clean["end_time"], clean["slot_minutes"])
        ]
        if (
            not days
            and clean["valid_until"] <= until
            and not _pattern_days(pattern, clean["valid_from"], until)
        ):
            raise ActionError("Jours : aucun des jours cochés ne tombe dans la période.", "weekdays")
        return clean, pattern, wanted, until, clean["valid_until"]
    clean, days = _once_fields(professional, today=today, **fields)
    wanted = [
        w for d in days for w in _day_slots(d, clean["start_time"], clean["end_time"], clean["slot_minutes"])
    ]
    return clean, None, wanted, None, None


def plan(cpts: CPTS, professional, wanted, now: dt.datetime) -> Plan:
    """Sort ``wanted`` (start, end, exists[, source]) into a ``Plan`` against the professional's slots (a
    read: the preview shows it, ``publish`` recomputes it under the lock)."""
    out = Plan()
    future = []
    for start, end, exists, *source in wanted:
        if not exists:
            out.refused.append(Wanted(start, end, "ete"))
        elif start <= now:
            out.refused.append(Wanted(start, end, "passe"))
        else:
            future.append((start.astimezone(dt.UTC), end.astimezone(dt.UTC), (source or [None])[0]))
    if not future:
        return out
    existing = list(
        Slot.objects.filter(
            professional_id=getattr(professional, "pk", professional),
            start__lt=max(e for _, e, _ in future),
            end__gt=min(s for s, _, _ in future),
        ).values_list("pk", "start", "end", "cpts_id", "status")
    )
    ids = [row[0] for row in existing]
    editable = set(Slot.objects.filter(pk__in=ids).editable(now).values_list("pk", flat=True))
    booked = set(Booking.objects.live().filter(slot_id__in=ids).values_list("slot_id", flat=True))
    booked |= {row[0] for row in existing if row[4] == Slot.Status.BOOKED}
    _sort(out, cpts, future, existing, editable, booked)
    return out


def _sort(out: Plan, cpts, future, existing, editable: set[int], booked: set[int]) -> None:
    """Each future wanted slot into ``out.free``, ``out.clashes`` or ``out.refused`` (overlapping a booked
    slot)."""
    kept: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end, source in sorted(future, key=lambda f: f[0]):
        hits = tuple((pk, s, e, pk in booked) for pk, s, e, _, _ in existing if s < end and e > start)
        twice = any(s < end and e > start for s, e in kept)
        hit_ids = {h[0] for h in hits}
        if any(hit[3] for hit in hits):
            out.refused.append(Wanted(start, end, "reserve", hits, source=source))
        elif hits or twice:
            replaceable = not twice and all(
                pk in editable and c == cpts.pk for pk, _, _, c, _ in existing if pk in hit_ids
            )
            out.clashes.append(Wanted(start, end, "occupe", hits, replaceable, source))
        else:
            out.free.append(Wanted(start, end, source=source))
        if not twice:
            kept.append((start, end))


def preview(cpts: CPTS, by, professional: Professional, *, weekly: bool, now=None, **fields) -> Plan:
    """What ``publish`` would do with the same input, nothing written: the page's preview step."""
    access.require_manage(by, cpts, professional)
    now = now or timezone.now()
    _, _, wanted, until, valid_until = _series(professional, weekly, now.astimezone(PARIS).date(), fields)
    result = plan(cpts, professional, wanted, now)
    result.until, result.valid_until = until, valid_until
    _check(result, None, weekly, ask=False)
    return result


def _check(result: Plan, overlaps: str | None, weekly: bool, ask: bool = True) -> None:
    if overlaps not in (None, SKIP, REPLACE):
        raise ActionError("Chevauchements : ignorez-les ou remplacez les créneaux libres.", "overlaps")
    nothing_later = not weekly or not result.later
    if not result.free and not result.clashes and result.refused and nothing_later:
        if all(w.reason in ("passe", "ete") for w in result.refused):
            raise ActionError(
                "Ces créneaux sont déjà passés : choisissez un jour ou des heures à venir.", "start_time"
            )
    if ask and overlaps is None and result.collisions:
        n = len(result.collisions)
        raise ActionError(
            f"{french.count(n, 'créneau chevauche', 'créneaux chevauchent')} vos créneaux existants : "
            "choisissez de les ignorer ou de remplacer les créneaux libres. Rien n'a été publié.",
            "overlaps",
        )


def publish(
    cpts: CPTS,
    by,
    professional: Professional,
    *,
    weekly: bool,
    overlaps: str | None = None,
    now=None,
    **fields,
) -> Outcome:
    """Publish chosen days (``days``) or a weekly pattern (``weekly``; materialised over the horizon) at the
    same hours, in one transaction: all of it or nothing. ``overlaps``: ``None`` refuses any collision,
    ``SKIP`` leaves the colliding slots out, ``REPLACE`` deletes the overlapped free slots of this CPTS and
    creates the new ones in their place (a booked slot is never replaced: those collisions are skipped)."""
    access.require_manage(by, cpts, professional)
    now = now or timezone.now()
    clean, pattern, wanted, until, valid_until = _series(
        professional, weekly, now.astimezone(PARIS).date(), fields
    )
    try:
        with transaction.atomic():
            _lock(professional)
            result = plan(cpts, professional, wanted, now)
            result.until, result.valid_until = until, valid_until
            _check(result, overlaps, weekly)
            created, skipped, doomed = result.result(overlaps)
            replaced = _replace(doomed, now)
            if pattern is not None:
                pattern.cpts, pattern.created_by = cpts, by
                pattern.save()
            rows = [
                Slot(
                    cpts=cpts,
                    professional=professional,
                    pattern=pattern,
                    start=w.start,
                    end=w.end,
                    created_by=by,
                    **{k: v for k, v in clean.items() if k not in PATTERN_ONLY},
                )
                for w in created
            ]
            _create(cpts, rows, pattern, professional)
            if pattern is not None:
                AvailabilityPattern.objects.filter(pk=pattern.pk).update(materialised_until=until)
                record_bulk(
                    "update", AvailabilityPattern, [pattern.pk], ["materialised_until"], cpts_id=cpts.pk
                )
                pattern.materialised_until = until
    except IntegrityError:
        raise ActionError(
            "Vos créneaux ont changé pendant la publication : rien n'a été publié, revoyez l'aperçu.",
            "overlaps",
        ) from None
    return Outcome(created, skipped, replaced, pattern, result)


PATTERN_ONLY = {
    "weekdays",
    "start_time",
    "end_time",
    "slot_minutes",
    "valid_from",
    "valid_until",
    "exceptions",
}


def _replace(doomed: set[int], now: dt.datetime) -> int:
    if not doomed:
        return 0
    free = Slot.objects.filter(pk__in=doomed).editable(now)
    if free.count() != len(doomed):
        raise ActionError(
            "Un créneau à remplacer vient d'être réservé : rien n'a été publié, revoyez l'aperçu.", "overlaps"
        )
    free.delete()  # recorded row by row by the audit signals
    return len(doomed)


def _create(cpts, rows: list[Slot], pattern, professional) -> None:
    if not rows:
        return
    Slot.objects.bulk_create(rows)
    ids = [r.pk for r in rows if r.pk is not None]
    details = {"pattern_id": pattern.pk} if pattern is not None else {"professional_id": professional.pk}
    record_bulk(
        "create",
        Slot,
        ids if len(ids) == len(rows) else None,
        count=len(rows),
        cpts_id=cpts.pk,
        details=details,
    )


def materialise(
    pattern: AvailabilityPattern, today: dt.date | None = None, horizon_days: int = HORIZON_DAYS
) -> int:
    """Create the pattern's slots up to ``today + horizon_days``; idempotent (a slot already there, or another
    slot of the professional at that time, is left alone). Returns the number created."""
    today = today or timezone.localdate()
    if pattern.paused:
        return 0
    last = min(pattern.valid_until, today + dt.timedelta(days=horizon_days))
    first = max(today, pattern.valid_from)
    if pattern.materialised_until and pattern.materialised_until >= first:
        first = pattern.materialised_until + dt.timedelta(days=1)
    if first > last:
        return 0
    now = timezone.now()
    _lock(pattern.professional_id)
    wanted = _without_overlaps(
        pattern.professional_id, [(s, e) for s, e in occurrences(pattern, first, last) if s > now]
    )
    rows = [
        Slot(
            cpts_id=pattern.cpts_id,
            professional_id=pattern.professional_id,
            place_id=pattern.place_id,
            pattern=pattern,
            start=s,
            end=e,
            modality=pattern.modality,
            motifs=pattern.motifs,
            created_by_id=pattern.created_by_id,
            **{f: getattr(pattern, f) for f in VISIBILITY_FIELDS.values()},
        )
        for s, e in wanted
    ]
    Slot.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:  # ignore_conflicts: the new rows' ids are not returned, their count and pattern are recorded
        record_bulk(
            "create", Slot, count=len(rows), cpts_id=pattern.cpts_id, details={"pattern_id": pattern.pk}
        )
    AvailabilityPattern.objects.filter(pk=pattern.pk).update(materialised_until=last)
    record_bulk("update", AvailabilityPattern, [pattern.pk], ["materialised_until"], cpts_id=pattern.cpts_id)
    pattern.materialised_until = last
    return len(rows)


@transaction.atomic
def set_paused(pattern: AvailabilityPattern, by, paused: bool) -> AvailabilityPattern:
    """Pause: the pattern's future free slots are hidden from searches and the SAS; resume shows them
    again."""
    access.require_manage(by, pattern.cpts, pattern.professional)
    pattern.paused = paused
    pattern.save(update_fields=["paused"])
    future_free = Slot.objects.filter(pattern=pattern).editable()
    ids = list(future_free.values_list("pk", flat=True))
    future_free.update(paused=paused)
    if ids:
        record_bulk(
            "update", Slot, ids, ["paused"], cpts_id=pattern.cpts_id, details={"pattern_id": pattern.pk}
        )
    if not paused:
        materialise(pattern)
    return pattern


@transaction.atomic
def bulk_update(
    cpts: CPTS,
    by,
    slot_ids: Iterable[int],
    *,
    paused: bool | None = None,
    visibility: Iterable[str] | None = None,
    modality: str | None = None,
    delete: bool = False,
) -> int:
    """The same change on several future free slots the user manages; all or nothing."""
    ids = list(dict.fromkeys(int(i) for i in slot_ids))
    if not ids:
        raise ActionError("Sélectionnez au moins un créneau.", "slots")
    slots = list(scoped(Slot, cpts).filter(pk__in=ids).select_related("professional").select_for_update())
    if len(slots) != len(ids):
        raise ActionError("Certains créneaux sélectionnés n'existent plus.", "slots")
    for slot in slots:
        access.require_manage(by, cpts, slot.professional)
    free = Slot.objects.filter(pk__in=ids).editable()
    if free.count() != len(ids):
        raise ActionError(
            "Seuls les créneaux à venir et non réservés se modifient ; annulez d'abord la réservation.",
            "slots",
        )
    if delete:
        free.delete()
        return len(ids)
    changes = {}
    if paused is not None:
        changes["paused"] = paused
    if visibility is not None:
        changes.update(visibility_fields(visibility))
    if modality is not None:
        changes["modality"] = _modality(modality)
    if not changes:
        raise ActionError("Choisissez une modification.", "action")
    count = free.update(**changes)
    record_bulk("update", Slot, ids, changes, cpts_id=cpts.pk)
    return count


def copy_week(
    cpts: CPTS,
    by,
    professional: Professional,
    source_monday: dt.date,
    target_monday: dt.date,
    overlaps: str = SKIP,
    now=None,
) -> Outcome:
    """Copy the one-off slots of one week to another, at the same weekdays and wall-clock times, through the
    overlap rule of ``plan`` (``SKIP`` by default: the copy says it leaves out what collides); the outcome
    names what was created and what was left out, and why."""
    access.require_manage(by, cpts, professional)
    if source_monday.weekday() != 0 or target_monday.weekday() != 0:
        raise ActionError("Choisissez des semaines (du lundi).", "week")
    if source_monday == target_monday:
        raise ActionError("La semaine copiée et la semaine cible sont les mêmes.", "week")
    now = now or timezone.now()
    start = dt.datetime.combine(source_monday, dt.time(0), tzinfo=PARIS)
    shift = target_monday - source_monday
    wanted = []
    for slot in scoped(Slot, cpts).filter(
        professional=professional,
        pattern__isnull=True,
        start__gte=start,
        start__lt=start + dt.timedelta(days=7),
    ):
        local_start = slot.start.astimezone(PARIS)
        new_start = dt.datetime.combine(local_start.date() + shift, local_start.time(), tzinfo=PARIS)
        wanted.append((new_start, new_start + (slot.end - slot.start), _exists(new_start), slot))
    if not wanted:
        raise ActionError(f"La semaine du {french.day(source_monday)} n'a aucun créneau à copier.", "week")
    with transaction.atomic():
        _lock(professional)
        result = plan(cpts, professional, wanted, now)
        _check(result, overlaps, False)
        created, skipped, doomed = result.result(overlaps)
        replaced = _replace(doomed, now)
        rows = [
            Slot(
                cpts=cpts,
                professional=professional,
                place_id=w.source.place_id,
                start=w.start,
                end=w.end,
                modality=w.source.modality,
                motifs=w.source.motifs,
                created_by=by,
                **{f: getattr(w.source, f) for f in VISIBILITY_FIELDS.values()},
            )
            for w in created
        ]
        _create(cpts, rows, None, professional)
    return Outcome(created, skipped, replaced, None, result)


def materialise_all(today: dt.date | None = None, progress=None) -> int:
    """Every active pattern up to the horizon (the daily command). Resumable: each pattern remembers how far
    it went."""
    today = today or timezone.localdate()
    created = 0
    patterns = AvailabilityPattern.objects.in_force(today).order_by("pk")
    for pattern in patterns.iterator():
        with transaction.atomic():
            created += materialise(pattern, today)
        if progress:
            progress(pattern)
    return created
