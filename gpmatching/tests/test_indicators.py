"""Figures of the médecin traitant mission (gpmatching.indicators) on a small known data set: every count by
hand."""

import datetime as dt

import pytest

from gpmatching import indicators, intake
from gpmatching.models import Placement, Request
from gpmatching.tests.conftest import AMBERIEU, BELLEY, BRENS, MAGNIEU

pytestmark = pytest.mark.django_db
TODAY = dt.date(2027, 2, 15)


@pytest.fixture
def data_set(gp_world):
    w = gp_world
    rows = [  # priority, waiting since, status, flags, birth date, commune
        (85, dt.date(2027, 2, 1), Request.Status.WAITING, {"ald": True}, dt.date(1950, 1, 1), BELLEY),
        (50, dt.date(2026, 12, 1), Request.Status.PROPOSED, {"c2s": True}, dt.date(1957, 2, 15), BELLEY),
        (30, dt.date(2026, 6, 1), Request.Status.WAITING, {"ame": True}, dt.date(1957, 2, 16), BRENS),
        (10, dt.date(2025, 12, 1), Request.Status.WAITING, {}, dt.date(1990, 1, 1), MAGNIEU),
        (79, dt.date(2027, 1, 16), Request.Status.WAITING, {}, dt.date(2000, 1, 1), BRENS),
        # Not on the waiting list:
        (99, dt.date(2026, 1, 1), Request.Status.UNCONFIRMED, {"ald": True}, dt.date(1940, 1, 1), BELLEY),
        (99, dt.date(2026, 1, 1), Request.Status.PLACED, {"ald": True}, dt.date(1940, 1, 1), BELLEY),
        (99, dt.date(2026, 1, 1), Request.Status.WITHDRAWN, {"ald": True}, dt.date(1940, 1, 1), BELLEY),
        (99, dt.date(2026, 1, 1), Request.Status.MERGED, {"ald": True}, dt.date(1940, 1, 1), BELLEY),
    ]
    for points, since, status, flags, birth, commune in rows:
        r = w.request(commune=commune, birth_date=birth, **flags)
        Request.objects.filter(pk=r.pk).update(priority=points, waiting_since=since, status=status)
    other = intake.submit_for_patient(
        w.cast.other, w.patient(commune=AMBERIEU, ald=True), w.cast.other_coordinator
    )
    Request.objects.filter(pk=other.request.pk).update(waiting_since=dt.date(2020, 1, 1))
    placements = [  # day, ald, 70+, precarity, waited days
        (dt.date(2026, 10, 31), True, True, True, 1),
        (dt.date(2026, 11, 1), True, True, False, 40),
        (dt.date(2026, 11, 30), False, False, True, 100),
        (dt.date(2026, 12, 15), True, False, True, 10),
        (dt.date(2027, 1, 31), False, True, False, 61),
        (dt.date(2027, 2, 1), True, True, True, 5),
    ]
    for day, ald, age_70, precarity, waited in placements:
        Placement.objects.create(
            cpts=w.cpts,
            placed_on=day,
            commune_id=BELLEY,
            professional=w.gps[0],
            ald=ald,
            age_70=age_70,
            precarity=precarity,
            waited_days=waited,
            source=Request.Source.MEMBER,
            request_reference="MT-2026-AAAAAA",
        )
    Placement.objects.create(
        cpts=w.cast.other,
        placed_on=dt.date(2026, 12, 10),
        ald=True,
        waited_days=3,
        source=Request.Source.PUBLIC,
        request_reference="MT-2026-BBBBBB",
    )
    w.declare(0, per_month=2)
    w.declare(1, per_month=0)
    return w


def test_waiting_list_figures(data_set):
    wl = indicators.waiting_list(data_set.cpts, TODAY)
    assert (wl.total, wl.ald, wl.age_70, wl.precarity) == (5, 1, 2, 2)  # 70 on the day counts
    assert wl.by_band == [
        ("Très haute (80 et plus)", 1),
        ("Haute (50 à 79)", 2),
        ("Moyenne (30 à 49)", 1),
        ("Standard", 1),
    ]
    # 14, 76, 259, 441 and 30 days.
    assert wl.by_wait == [
        ("Moins d'1 mois", 1),
        ("1 à 3 mois", 2),
        ("3 à 6 mois", 0),
        ("6 à 12 mois", 1),
        ("Plus d'un an", 1),
    ]
    assert wl.by_commune == [(BELLEY, "Belley", 2), (BRENS, "Brens", 2), (MAGNIEU, "Magnieu", 1)]
    assert wl.median_wait_days == 76
    empty = indicators.waiting_list(data_set.cast.other, dt.date(2027, 2, 15))
    assert (empty.total, empty.median_wait_days, empty.by_commune) == (
        1,
        2602,
        [(AMBERIEU, "Ambérieu-en-Bugey", 1)],
    )


def test_placements_by_month(data_set):
    months = indicators.placements_by_month(data_set.cpts, dt.date(2026, 11, 1), dt.date(2027, 1, 31))
    assert [(m.month, m.placed, m.ald, m.age_70, m.precarity) for m in months] == [
        ("2026-11", 2, 1, 1, 1),
        ("2026-12", 1, 1, 0, 1),
        ("2027-01", 1, 0, 1, 0),
    ]
    # A period starting mid-month lists the month, counting from that day.
    months = indicators.placements_by_month(data_set.cpts, dt.date(2026, 11, 2), dt.date(2026, 12, 31))
    assert [(m.month, m.placed) for m in months] == [("2026-11", 1), ("2026-12", 1)]


def test_summary(data_set):
    figures = indicators.summary(data_set.cpts, dt.date(2026, 11, 1), dt.date(2027, 1, 31), today=TODAY)
    assert figures == {
        "placed": 4,
        "placed_ald": 2,
        "placed_70": 2,
        "placed_precarity": 2,
        "median_waited_days": 50,
        "waiting": 5,
        "waiting_ald": 1,
        "waiting_70": 2,
        "waiting_precarity": 2,
        "median_wait_days": 76,
        "gps_with_capacity": 1,
    }
    nothing = indicators.summary(data_set.cpts, dt.date(2020, 1, 1), dt.date(2020, 12, 31), today=TODAY)
    assert (nothing["placed"], nothing["median_waited_days"]) == (0, None)


def test_bands():
    assert [indicators.band(p) for p in (200, 80, 79, 50, 49, 30, 29, 0)] == [
        "Très haute (80 et plus)",
        "Très haute (80 et plus)",
        "Haute (50 à 79)",
        "Haute (50 à 79)",
        "Moyenne (30 à 49)",
        "Moyenne (30 à 49)",
        "Standard",
        "Standard",
    ]


def test_demand_map(data_set):
    out = indicators.demand_map(data_set.cpts, TODAY)
    assert sorted((d["insee"], d["count"]) for d in out["demand"]) == [(BELLEY, 2), (BRENS, 2), (MAGNIEU, 1)]
    belley = next(d for d in out["demand"] if d["insee"] == BELLEY)
    assert (belley["lat"], belley["lon"]) == (
        data_set.communes[BELLEY].latitude,
        data_set.communes[BELLEY].longitude,
    )
    assert sorted((g["per_month"], g["remaining"]) for g in out["gps"]) == [(0, 0), (2, 2)]
