#!/usr/bin/env python
"""Directory benchmark (issue: national directory): import 1.2 million synthetic professionals, then
"the 20 nearest of profession P within R km" from points drawn by population, in-process and over HTTP
with 2 concurrent clients, on SQLite and on PostgreSQL, beside an in-memory k-d tree baseline measured
in the same run. Prints p50/p95/p99 and each figure as a ratio to the k-d tree.

    .venv/bin/python bench/directory.py                       # both databases, full size (about 15 minutes)
    .venv/bin/python bench/directory.py --db sqlite --count 200000 --points 500   # quicker

PostgreSQL: --pg-url (default postgres://postgres@127.0.0.1:5432/opencpts_bench; the database is recreated).
Work files go to var/bench/. Needs the dev requirements (scipy for the k-d tree baseline).
"""

import argparse
import http.client
import json
import math
import os
import random
import resource
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PROFESSIONS = {"10": "médecin", "60": "infirmier", "50": "sage-femme"}
RADII = (5, 20)
K = 20


def percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(math.ceil(q * len(values))) - 1)]  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "n": len(values)}


# ----------------------------------------------------------------------------- child: one database


def setup_django(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")
    import django

    django.setup()


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def query_points(n: int, seed: int) -> list[tuple[float, float]]:
    from territory.models import Commune

    rows = list(
        Commune.objects.filter(
            population__gt=0, arrondissements__isnull=True, latitude__isnull=False
        ).values_list("latitude", "longitude", "population")
    )
    rng = random.Random(seed)
    picks = rng.choices(rows, weights=[r[2] for r in rows], k=n)
    # A point somewhere in the commune (about ±1 km around its centre), not only on centroids.
    return [(lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01)) for lat, lon, _ in picks]


def kdtrees():
    import numpy as np
    from scipy.spatial import cKDTree

    from directory.models import PracticePlace

    trees = {}
    for code in PROFESSIONS:
        rows = np.array(
            list(
                PracticePlace.objects.filter(
                    active=True, profession_code=code, latitude__isnull=False
                ).values_list("latitude", "longitude")
            ),
            dtype=float,
        )
        lat, lon = np.radians(rows[:, 0]), np.radians(rows[:, 1])
        xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        trees[code] = cKDTree(xyz)
    return trees


def unit(lat: float, lon: float):
    la, lo = math.radians(lat), math.radians(lon)
    return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))


def chord(km: float) -> float:
    from directory.search import EARTH_KM

    return 2 * math.sin(km / (2 * EARTH_KM))


def arc_km(c: float) -> float:
    from directory.search import EARTH_KM

    return 2 * EARTH_KM * math.asin(min(1.0, c / 2))


def run_in_process(points, trees) -> dict:
    from directory import search

    out = {}
    # Warm-up: caches, prepared statements, page cache.
    for lat, lon in points[:100]:
        search.nearest(lat, lon, K, 20, search.Filters(profession_code="60"), per_professional=False)
    for code in PROFESSIONS:
        for radius in RADII:
            db_t, kd_t, exact = [], [], 0
            tree, bound = trees[code], chord(radius) * (1 + 1e-12)
            for lat, lon in points:
                t0 = time.perf_counter()
                hits = search.nearest(
                    lat, lon, K, radius, search.Filters(profession_code=code), per_professional=False
                )
                db_t.append((time.perf_counter() - t0) * 1000)
                q = unit(lat, lon)
                t0 = time.perf_counter()
                dist, _ = tree.query(q, k=K, distance_upper_bound=bound)
                kd_t.append((time.perf_counter() - t0) * 1000)
                reference = [arc_km(d) for d in dist if d != float("inf")]
                mine = [h.distance_km for h in hits]
                if len(mine) == len(reference) and all(
                    abs(a - b) < 1e-6 for a, b in zip(mine, reference, strict=True)
                ):
                    exact += 1
            out[f"{code}/{radius}"] = {
                "db": percentiles(db_t),
                "kdtree": percentiles(kd_t),
                "exact": exact / len(points),
            }
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_http(env: dict, points, requests_per_case: int) -> dict:
    from accounts.models import APIToken, User
    from cpts import actions
    from cpts.models import CPTS

    user = User.objects.filter(email="bench@bench.test").first() or User.objects.create_user(
        "bench@bench.test", None
    )
    cpts = CPTS.objects.filter(slug="bench").first() or actions.create_cpts(name="Bench", coordinator=user)
    cpts.slug = "bench"
    cpts.save()
    _, token = APIToken.issue(user, "bench")
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "opencpts.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, **env, "LOG_LEVEL": "WARNING"},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        # Warm both workers up on every case before measuring (imports, pools, caches).
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i, (lat, lon) in enumerate(points[:300]):
            code, radius = list(PROFESSIONS)[i % 3], RADII[i % 2]
            warm.request(
                "GET",
                "/api/cpts/bench/directory/nearest?"
                + urlencode(
                    {
                        "lat": f"{lat:.6f}",
                        "lon": f"{lon:.6f}",
                        "profession": code,
                        "radius_km": radius,
                        "k": K,
                    }
                ),
                headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1"},
            )
            warm.getresponse().read()
        warm.close()
        results = {}
        for code in PROFESSIONS:
            for radius in RADII:
                paths = [
                    "/api/cpts/bench/directory/nearest?"
                    + urlencode(
                        {
                            "lat": f"{lat:.6f}",
                            "lon": f"{lon:.6f}",
                            "profession": code,
                            "radius_km": radius,
                            "k": K,
                        }
                    )
                    for lat, lon in points[:requests_per_case]
                ]
                latencies: list[float] = []
                errors: list[int] = []
                lock = threading.Lock()

                def client(chunk, latencies=latencies, errors=errors, lock=lock):
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
                    local = []
                    for path in chunk:
                        t0 = time.perf_counter()
                        conn.request("GET", path, headers=headers)
                        response = conn.getresponse()
                        response.read()
                        local.append((time.perf_counter() - t0) * 1000)
                        if response.status != 200:
                            with lock:
                                errors.append(response.status)
                    with lock:
                        latencies.extend(local)

                started = time.perf_counter()
                threads = [threading.Thread(target=client, args=(paths[i::2],)) for i in range(2)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.perf_counter() - started
                if errors:
                    raise RuntimeError(f"HTTP errors: {errors[:5]}")
                results[f"{code}/{radius}"] = {**percentiles(latencies), "rps": len(latencies) / elapsed}
        return results
    finally:
        server.terminate()
        server.wait(timeout=20)


def child(args) -> None:
    env = json.loads(args.env)
    var = Path(env["OPENCPTS_VAR_DIR"])
    var.mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "load_communes", "--if-needed")
    setup_django(env)
    from django.db import connection

    from directory.models import Professional

    report: dict = {"db": connection.vendor}
    extract = Path(args.extract)
    if not extract.exists():
        t0 = time.perf_counter()
        manage(env, "generate_rpps", "--count", str(args.count), "--out", str(extract), "--seed", "2026")
        report["generate_s"] = time.perf_counter() - t0
    if Professional.objects.count() < args.count:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        done = manage(env, "import_rpps", str(extract), "--no-progress")
        report["import_s"] = time.perf_counter() - t0
        report["import_peak_rss_mb"] = (
            max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        )
        report["import_output"] = done.stdout.strip().splitlines()[0]
    report["professionals"] = Professional.objects.count()
    points = query_points(args.points, seed=7)
    t0 = time.perf_counter()
    trees = kdtrees()
    report["kdtree_build_s"] = time.perf_counter() - t0
    report["in_process"] = run_in_process(points, trees)
    report["http"] = run_http(env, points, args.http_requests)
    print("RESULT " + json.dumps(report))


# ---------------------------------------------------------------------------------------------- parent


def print_report(report: dict) -> None:
    print(f"\n=== {report['db']} — {report['professionals']:,} professionals ===".replace(",", " "))
    if "import_s" in report:
        print(
            f"import: {report['import_s']:.0f} s, peak memory {report['import_peak_rss_mb']:.0f} MB "
            f"(floors: 300 s, 1536 MB) — {report['import_output']}"
        )
    print(
        f"{'profession/radius':<22}{'in-process p50/p95/p99 ms':>30}{'k-d tree p50/p95/p99 ms':>28}"
        f"{'p95 ratio':>11}{'exact':>8}{'HTTP p50/p95/p99 ms':>27}{'HTTP p95 ratio':>16}{'req/s':>8}"
    )
    for case, r in report["in_process"].items():
        code, radius = case.split("/")
        h = report["http"][case]
        kd95 = r["kdtree"]["p95"]
        print(
            f"{PROFESSIONS[code] + ' ' + radius + ' km':<22}"
            f"{r['db']['p50']:>10.3f}{r['db']['p95']:>10.3f}{r['db']['p99']:>10.3f}"
            f"{r['kdtree']['p50']:>9.3f}{r['kdtree']['p95']:>9.3f}{r['kdtree']['p99']:>10.3f}"
            f"{r['db']['p95'] / kd95:>10.0f}×{r['exact'] * 100:>7.1f}%"
            f"{h['p50']:>9.2f}{h['p95']:>9.2f}{h['p99']:>9.2f}{h['p95'] / kd95:>15.0f}×{h['rps']:>8.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--count", type=int, default=1_200_000)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument(
        "--http-requests", type=int, default=1000, help="requests per (profession, radius) case"
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/opencpts_bench")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the databases of a previous run (no import)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--env", help=argparse.SUPPRESS)
    parser.add_argument("--extract", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    extract = work / f"PS_LibreAcces_Personne_activite_bench_{args.count}.txt"
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in databases:
        env = {
            "OPENCPTS_DEV": "1",
            "OPENCPTS_VAR_DIR": str(work / db),
            "LOG_LEVEL": "WARNING",
            "OPENCPTS_NPM_DIR": str(ROOT / "var" / "npm"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        if db == "postgres":
            env["DATABASE_URL"] = args.pg_url
            if not args.keep:
                import psycopg

                name = args.pg_url.rsplit("/", 1)[1]
                with psycopg.connect(args.pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    conn.execute(f'CREATE DATABASE "{name}"')
        else:
            env["DATABASE_URL"] = f"sqlite:///{work / db / 'bench.sqlite3'}"
            if not args.keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(work / db / "bench.sqlite3") + suffix).unlink(missing_ok=True)
        print(
            f"--- {db}: setting up; importing {args.count:,} professionals; measuring ...".replace(",", " "),
            flush=True,
        )
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--env",
                json.dumps(env),
                "--extract",
                str(extract),
                "--count",
                str(args.count),
                "--points",
                str(args.points),
                "--http-requests",
                str(args.http_requests),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            print(proc.stdout[-3000:], proc.stderr[-5000:], sep="\n")
            sys.exit(f"benchmark failed on {db}")
        report = json.loads(lines[-1][7:])
        (work / f"result-{db}.json").write_text(json.dumps(report, indent=2))
        print_report(report)
    print(f"\nmachine: {os.cpu_count()} cores; figures vary with machine load (run twice to compare).")


if __name__ == "__main__":
    main()
