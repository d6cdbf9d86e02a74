"""Indicator results computed from the platform's own activity, each traceable to the rows it counts.

A source is a named function of a CPTS and a period (a contract year) returning a ``Figure``: the value, the
rows it counted (as plain tuples, without any patient identity) and the column titles of those rows. The ACI
cockpit (``aci/indicators.py``) reads them; the page « d'où vient ce chiffre ? » shows the rows; the annual
report lists them. The figures come from the apps' own indicator modules (``gpmatching.indicators``,
``unscheduled.indicators``, ``directory.offer``), never recounted here in another way.

States that are not kept over time (the waiting list, the membership rate) are read at the date of the
computation, which the figure says (``as_of``).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Count
from django.utils import timezone

from cpts.models import CPTS


@dataclass
class Figure:
    """A computed value, the number of rows it counts, and those rows on demand (``head(n)`` for a page,
    ``rows`` for a CSV): counting never loads the rows."""

    value: Decimal | None
    columns: list[str] = field(default_factory=list)
    fetch: Callable[[int | None], list[tuple]] | None = None  # rows, at most n (None: all)
    count: int = 0
    as_of: dt.date | None = None  # a state read at that date rather than counted over the period
    note: str = ""

    @property
    def rows_counted(self) -> int:
        return self.count

    def head(self, n: int) -> list[tuple]:
        return self.fetch(n) if self.fetch and self.count else []

    @cached_property
    def rows(self) -> list[tuple]:
        return self.fetch(None) if self.fetch and self.count else []


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    unit: str  # Indicator.Unit value
    direction: str  # Indicator.Direction value
    mission: str  # the mission it usually serves
    compute: Callable[[CPTS, dt.date, dt.date], Figure]


def _d(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _rows(qs, convert):
    """A fetcher of the queryset's rows, converted, at most n."""

    def fetch(limit: int | None) -> list[tuple]:
        chosen = qs if limit is None else qs[:limit]
        return [convert(obj) for obj in chosen.iterator(chunk_size=2000)]

    return fetch


def _counted(qs, columns, convert, **extra) -> Figure:
    count = qs.count()
    return Figure(_d(count), columns, _rows(qs, convert), count, **extra)


def _yes(flag: bool) -> str:
    return "oui" if flag else ""


# --- Médecin traitant ---------------------------------------------------------------------------------------

PLACEMENT_COLUMNS = [
    "Date",
    "Référence de la demande",
    "Commune",
    "ALD",
    "70 ans et plus",
    "Précarité",
    "Jours d'attente",
]


def _placement_qs(cpts, first, last, flag: str | None = None):
    from gpmatching.indicators import placement_rows

    qs = placement_rows(cpts, first, last).select_related("commune").order_by("placed_on", "pk")
    return qs.filter(**{flag: True}) if flag else qs


def _placement_row(p) -> tuple:
    return (
        p.placed_on,
        p.request_reference,
        p.commune.name if p.commune else "",
        _yes(p.ald),
        _yes(p.age_70),
        _yes(p.precarity),
        p.waited_days,
    )


def _placements(cpts, first, last, flag: str | None = None) -> Figure:
    return _counted(_placement_qs(cpts, first, last, flag), PLACEMENT_COLUMNS, _placement_row)


def _median_waited(cpts, first, last) -> Figure:
    qs = _placement_qs(cpts, first, last)
    waited = list(qs.values_list("waited_days", flat=True))
    return Figure(
        _d(statistics.median(waited)) if waited else None,
        PLACEMENT_COLUMNS,
        _rows(qs, _placement_row),
        len(waited),
        note="médiane des jours d'attente des patients attribués sur la période",
    )


def _waiting(cpts, first, last, flag: str | None = None) -> Figure:
    from gpmatching.indicators import waiting_rows

    qs = waiting_rows(cpts).select_related("commune").order_by("created_at", "pk")
    if flag:
        qs = qs.filter(**{flag: True})
    return _counted(
        qs,
        ["Référence", "Inscrit le", "Commune", "Statut", "Priorité"],
        lambda r: (
            r.reference,
            timezone.localtime(r.created_at).date(),
            r.commune.name if r.commune else "",
            r.get_status_display(),
            r.priority,
        ),
        as_of=timezone.localdate(),
        note="liste d'attente à la date du calcul",
    )


# --- Soins non programmés -----------------------------------------------------------------------------------

SLOT_COLUMNS = ["Début", "Professionnel (RPPS)", "Modalité", "Statut"]
BOOKING_COLUMNS = ["Créneau", "Professionnel (RPPS)", "Statut", "Régulé SAS", "Réservé le"]


def _slot_qs(cpts, first, last):
    from unscheduled.indicators import offered_slots

    return (
        offered_slots(cpts, first, last)
        .order_by("start", "pk")
        .values_list("start", "professional__national_id", "modality", "status")
    )


def _slot_row(row) -> tuple:
    from unscheduled.models import Modality, Slot

    start, rpps, modality, status = row
    return (_when(start), rpps, Modality(modality).label, Slot.Status(status).label)


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _booking_qs(cpts, first, last, status: str | None = None):
    from unscheduled.indicators import live_bookings

    qs = live_bookings(cpts, first, last)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("slot__start", "pk").values_list(
        "slot__start", "slot__professional__national_id", "status", "regulated", "booked_at"
    )


def _booking_row(row) -> tuple:
    from unscheduled.models import Booking

    start, rpps, status, regulated, booked_at = row
    return (_when(start), rpps, Booking.Status(status).label, _yes(regulated), _when(booked_at))


def _slots(cpts, first, last) -> Figure:
    return _counted(_slot_qs(cpts, first, last), SLOT_COLUMNS, _slot_row)


def _bookings(cpts, first, last, status: str | None = None) -> Figure:
    return _counted(_booking_qs(cpts, first, last, status), BOOKING_COLUMNS, _booking_row)


def _fill_rate(cpts, first, last) -> Figure:
    figure = _slots(cpts, first, last)
    booked = _booking_qs(cpts, first, last).count()
    figure.value = _d(booked * 100 / figure.count) if figure.count else None
    figure.note = f"{booked} réservés sur {figure.count} créneaux offerts"
    return figure


def _snp_delay(cpts, first, last) -> Figure:
    from unscheduled.indicators import summary

    figure = _bookings(cpts, first, last)
    figure.value = _d(summary(cpts, first, last).median_delay_hours)
    figure.note = "délai médian entre la réservation et le créneau"
    return figure


def _snp_professionals(cpts, first, last) -> Figure:
    from unscheduled.indicators import offered_slots

    rows = [
        tuple(r)
        for r in offered_slots(cpts, first, last)
        .order_by()
        .values_list("professional__national_id")
        .annotate(n=Count("pk"))
        .order_by("professional__national_id")
    ]
    return Figure(
        _d(len(rows)),
        ["Professionnel (RPPS)", "Créneaux offerts"],
        lambda limit: rows if limit is None else rows[:limit],
        len(rows),
    )


# --- Members and coordination -------------------------------------------------------------------------------


def _members(cpts, first, last) -> Figure:
    from cpts.models import Membership
    from cpts.scoping import scoped
    from nomenclature.selectors import display

    def row(m) -> tuple:
        pro = m.user.professional
        return (
            m.joined_on,
            m.get_role_display(),
            pro.national_id if pro else "",
            display(pro.profession_system, pro.profession_code) if pro else "",
        )

    qs = (
        scoped(Membership, cpts)
        .adherents()
        .select_related("user", "user__professional")
        .order_by("joined_on", "pk")
    )
    return _counted(
        qs,
        ["Adhésion", "Rôle", "RPPS", "Profession"],
        row,
        as_of=timezone.localdate(),
        note="adhérents actifs à la date du calcul",
    )


def _membership_rate(cpts, first, last) -> Figure:
    from cpts.offer import membership_rates

    rates = membership_rates(cpts)
    rows = [(r.label, r.professionals, r.members, f"{r.rate * 100:.1f} %") for r in rates.by_profession]
    total = rates.total
    return Figure(
        _d(total.rate * 100) if total.professionals else None,
        ["Profession", "Professionnels du territoire", "Adhérents", "Taux"],
        lambda limit: rows if limit is None else rows[:limit],
        len(rows),
        as_of=timezone.localdate(),
        note=(
            f"{total.members} adhérents sur {total.professionals} professionnels en exercice sur le "
            "territoire"
        ),
    )


def _care_circles(cpts, first, last) -> Figure:
    from coordination.models import Group
    from cpts.scoping import scoped

    start = dt.datetime.combine(first, dt.time(0), tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=timezone.get_current_timezone())
    qs = (
        scoped(Group, cpts)
        .filter(kind=Group.Kind.CARE_CIRCLE, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "pk")
    )
    return _counted(
        qs,
        ["Cercle de soins", "Ouvert le", "Statut"],
        lambda g: (f"Cercle n° {g.pk}", timezone.localtime(g.created_at).date(), g.get_status_display()),
    )


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source(
            "gp_placed",
            "Patients sans médecin traitant ayant trouvé un médecin traitant",
            "count",
            "higher",
            "access",
            _placements,
        ),
        Source(
            "gp_placed_ald",
            "… dont patients en ALD",
            "count",
            "higher",
            "access",
            lambda c, f, t: _placements(c, f, t, "ald"),
        ),
        Source(
            "gp_placed_70",
            "… dont patients de 70 ans et plus",
            "count",
            "higher",
            "access",
            lambda c, f, t: _placements(c, f, t, "age_70"),
        ),
        Source(
            "gp_placed_precarity",
            "… dont patients en situation de précarité",
            "count",
            "higher",
            "access",
            lambda c, f, t: _placements(c, f, t, "precarity"),
        ),
        Source(
            "gp_median_waited",
            "Délai médian d'attente avant attribution (jours)",
            "days",
            "lower",
            "access",
            _median_waited,
        ),
        Source(
            "gp_waiting", "Patients en attente d'un médecin traitant", "count", "lower", "access", _waiting
        ),
        Source(
            "gp_waiting_ald",
            "Patients en ALD sans médecin traitant (liste d'attente)",
            "count",
            "lower",
            "access",
            lambda c, f, t: _waiting(c, f, t, "ald"),
        ),
        Source(
            "snp_offered", "Créneaux de soins non programmés offerts", "count", "higher", "access", _slots
        ),
        Source("snp_booked", "Rendez-vous non programmés donnés", "count", "higher", "access", _bookings),
        Source(
            "snp_honoured",
            "Rendez-vous non programmés honorés",
            "count",
            "higher",
            "access",
            lambda c, f, t: _bookings(c, f, t, "honoured"),
        ),
        Source(
            "snp_no_show",
            "Rendez-vous non programmés non honorés",
            "count",
            "lower",
            "access",
            lambda c, f, t: _bookings(c, f, t, "no_show"),
        ),
        Source(
            "snp_fill_rate",
            "Taux de remplissage des créneaux non programmés (%)",
            "percent",
            "higher",
            "access",
            _fill_rate,
        ),
        Source(
            "snp_delay",
            "Délai médian réservation → rendez-vous (heures)",
            "hours",
            "lower",
            "access",
            _snp_delay,
        ),
        Source(
            "snp_professionals",
            "Professionnels participant aux soins non programmés",
            "count",
            "higher",
            "access",
            _snp_professionals,
        ),
        Source("members", "Adhérents de la CPTS", "count", "higher", "support", _members),
        Source(
            "membership_rate",
            "Taux d'adhésion des professionnels du territoire (%)",
            "percent",
            "higher",
            "support",
            _membership_rate,
        ),
        Source(
            "care_circles",
            "Cercles de soins ouverts (concertation autour d'un patient)",
            "count",
            "higher",
            "pathways",
            _care_circles,
        ),
    )
}

SOURCE_CHOICES = [("manual", "Saisie manuelle avec justificatifs")] + [
    (s.key, s.label) for s in SOURCES.values()
]


# Columns that lead back to a person's request (the coordination of the médecin traitant mission reads them;
# the other readers of the contract — bureau, ARS/CPAM referents — see the rows without them).
REQUEST_COLUMNS = ("Référence de la demande", "Référence")
REQUEST_READER = "cpts.manage_gp_requests"


def visible_columns(figure: Figure, access) -> list[int]:
    """Indexes of the figure's columns this reader may see."""
    hidden = () if access.can(REQUEST_READER) else REQUEST_COLUMNS
    return [i for i, title in enumerate(figure.columns) if title not in hidden]


def compute(key: str, cpts: CPTS, first: dt.date, last: dt.date) -> Figure:
    return SOURCES[key].compute(cpts, first, last)
