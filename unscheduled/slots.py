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

from django.db import IntegrityError, transaction
from django.utils import timezone

from agenda.timing import PARIS, local
from audit.log import record_bulk
from cpts.models import CPTS
from cpts.scoping import scoped
from directory.models import PracticePlace, Professional
from opencpts.errors import ActionError
from unscheduled import access
from unscheduled.models import VISIBILITY_FIELDS, AvailabilityPattern, Modality, Slot, Visibility

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
    if valid_until < timezone.localdate():
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


@transaction.atomic
def create_pattern(cpts: CPTS, by, professional: Professional, **fields) -> AvailabilityPattern:
    """A weekly pattern, materialised at once over the horizon (occurrences overlapping the professional's
    existing slots are left out, never doubled)."""
    access.require_manage(by, cpts, professional)
    pattern = AvailabilityPattern.objects.create(
        cpts=cpts, professional=professional, created_by=by, **_pattern_fields(professional, **fields)
    )
    materialise(pattern)
    return pattern


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


def occurrences(
    pattern: AvailabilityPattern, first: dt.date, last: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) instants the pattern gives between two dates, in order; pure (no database)."""
    excluded = set(pattern.exceptions or [])
    step = dt.timedelta(minutes=pattern.slot_minutes)
    out = []
    day = max(first, pattern.valid_from)
    while day <= min(last, pattern.valid_until):
        if day.weekday() in pattern.weekdays and day.isoformat() not in excluded:
            start = dt.datetime.combine(day, pattern.start_time, tzinfo=PARIS)
            limit = dt.datetime.combine(day, pattern.end_time, tzinfo=PARIS)
            while start + step <= limit:
                # Wall-clock times, each converted on its own: a slot keeps its printed time across a DST
                # change.
                end = start + step
                if start.astimezone(dt.UTC).astimezone(PARIS).replace(tzinfo=None) == start.replace(
                    tzinfo=None
                ):
                    out.append((start, end))
                start = end
        day += dt.timedelta(days=1)
    return out


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


@transaction.atomic
def copy_week(
    cpts: CPTS, by, professional: Professional, source_monday: dt.date, target_monday: dt.date
) -> int:
    """Copy the one-off slots of one week to another, at the same weekdays and wall-clock times. Slots that
    would clash with existing ones, or be in the past, are skipped. Returns the number created."""
    access.require_manage(by, cpts, professional)
    if source_monday.weekday() != 0 or target_monday.weekday() != 0:
        raise ActionError("Choisissez des semaines (du lundi).", "week")
    if source_monday == target_monday:
        raise ActionError("La semaine copiée et la semaine cible sont les mêmes.", "week")
    start = dt.datetime.combine(source_monday, dt.time(0), tzinfo=PARIS)
    source = scoped(Slot, cpts).filter(
        professional=professional, start__gte=start, start__lt=start + dt.timedelta(days=7)
    )
    now = timezone.now()
    shift = target_monday - source_monday
    rows = []
    for slot in source:
        local_start = slot.start.astimezone(PARIS)
        new_start = dt.datetime.combine(local_start.date() + shift, local_start.time(), tzinfo=PARIS)
        if new_start <= now:
            continue
        rows.append(
            Slot(
                cpts=cpts,
                professional=professional,
                place_id=slot.place_id,
                start=new_start,
                end=new_start + (slot.end - slot.start),
                modality=slot.modality,
                motifs=slot.motifs,
                created_by=by,
                **{f: getattr(slot, f) for f in VISIBILITY_FIELDS.values()},
            )
        )
    _lock(professional)
    kept = set(_without_overlaps(professional.pk, [(r.start, r.end) for r in rows]))
    rows = [r for r in rows if (r.start, r.end) in kept]
    Slot.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:  # ignore_conflicts: the new rows' ids are not returned
        record_bulk(
            "create", Slot, count=len(rows), cpts_id=cpts.pk, details={"professional_id": professional.pk}
        )
    return len(rows)


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
