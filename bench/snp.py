#!/usr/bin/env python
"""Unscheduled care benchmark (issue 5), on PostgreSQL, at national size: 1,000 CPTS, 1.2 million
professionals (synthetic, marked as such), 300,000 free slots over the next three days held by the
participating ones.

Prints:
1. the earliest-slot search (``unscheduled.search.find``: a CPTS, a point, 20 km, 48 h), p50 / p95, in
   process;
2. the SAS request ``GET /fhir/sas/Slot`` for 1 and for 25 practitioners over HTTP (uvicorn, the production
   ASGI application, client-certificate headers as the reverse proxy sets them), p50 / p95 / p99
   (floor: p95 under 200 ms for 25; the SAS allows 7 s, its test kit 1 s for one practitioner);
3. a contention run: 200 concurrent clients over HTTP, on two application processes, all trying to book
   one of 50 free slots at the same moment through the JSON API; it must end with exactly 50 bookings, no
   slot booked twice, every loser answered 409; prints bookings per second.

    .venv/bin/python bench/snp.py                                   # full size (about 15 minutes)
    .venv/bin/python bench/snp.py --professionals 100000 --free-slots 30000   # quicker
    .venv/bin/python bench/snp.py --keep                            # reuse the data of the previous run

--pg-url (default postgres://postgres@127.0.0.1:5432/opencpts_bench_snp; the database is recreated).
"""

import argparse
import http.client
import json
import math
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # opencpts.testing when run as a script
SECRET_KEY = "bench-only-not-a-secret-" + "x" * 30
CN, OU = "sas-bench", "bench"
IDNPS = "urn:oid:1.2.250.1.71.4.2.1"
BATCH = 10_000


def percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(math.ceil(q * len(values))) - 1)]  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "n": len(values)}


def progress(label: str, done: int, total: int) -> None:
    print(f"\r  {label}: {done:,} / {total:,}", end="" if done < total else "\n", flush=True)


# ----------------------------------------------------------------------------- child: data


def _professionals(professionals: int, participants: int) -> list[tuple[int, str]]:
    """``professionals`` synthetic professionals, the first ``participants`` taking part in the SNP, written
    a batch at a time. Returns their (pk, idnat) in pk order."""
    from directory.models import Professional

    for start in range(0, professionals, BATCH):
        rows = []
        for i in range(start, min(professionals, start + BATCH)):
            rpps = f"{19000000000 + i:011d}"
            rows.append(
                Professional(
                    id_type="8",
                    national_id=rpps,
                    idnat="8" + rpps,
                    last_name=f"SYNTHETIQUE{i}",
                    first_name="Test",
                    profession_code="10" if i % 3 else "60",
                    specialty_code="SM54" if i % 3 else "",
                    is_synthetic=True,
                    takes_part_in_snp=i < participants,
                )
            )
        Professional.objects.bulk_create(rows)
        progress("professionals", min(professionals, start + BATCH), professionals)
    return list(Professional.objects.filter(is_synthetic=True).order_by("pk").values_list("pk", "idnat"))


def _places(pro_ids: list[tuple[int, str]], communes: list, weights: list, rng: random.Random) -> None:
    """One place of practice per professional, in a commune drawn by population, about 2 km around its
    centre."""
    from directory.models import PracticePlace

    for start in range(0, len(pro_ids), BATCH):
        rows = []
        for pk, _ in pro_ids[start : start + BATCH]:
            insee, lat, lon, _pop = rng.choices(communes, weights)[0]
            rows.append(
                PracticePlace(
                    professional_id=pk,
                    label="Cabinet (synthétique)",
                    address="1 place de la Mairie",
                    postal_code="01000",
                    commune_id=insee,
                    latitude=lat + rng.uniform(-0.02, 0.02),
                    longitude=lon + rng.uniform(-0.02, 0.02),
                    phone="0400000000",
                    geo_precision="address",
                )
            )
        PracticePlace.objects.bulk_create(rows)
        progress("places of practice", min(len(pro_ids), start + BATCH), len(pro_ids))


def _slot_starts(today, now, per_pro: int, rng: random.Random) -> set:
    """``per_pro`` distinct slot starts over the next 3 days (8 h to 20 h, every 20 min), all at least
    30 minutes ahead."""
    import datetime as dt

    from agenda.timing import PARIS

    starts = set()
    while len(starts) < per_pro:
        day = today + dt.timedelta(days=rng.randrange(3))
        start = dt.datetime.combine(day, dt.time(rng.randrange(8, 20), rng.choice((0, 20, 40))), tzinfo=PARIS)
        if start > now + dt.timedelta(minutes=30):
            starts.add(start)
    return starts


def _free_slots(
    cpts: list, participating: list, place_of: dict, sizes: dict, owner, rng: random.Random
) -> int:
    """``sizes["free_slots"] // sizes["participants"]`` free slots for each participant over the next days
    (``_slot_starts``), spread over the CPTS in turn and written a batch at a time. Returns the number
    written."""
    import datetime as dt

    from unscheduled.models import Slot

    per_pro = max(1, sizes["free_slots"] // sizes["participants"])
    rows, made = [], 0
    for n, (pk, _) in enumerate(participating):
        for start in _slot_starts(sizes["today"], sizes["now"], per_pro, rng):
            rows.append(
                Slot(
                    cpts_id=cpts[n % sizes["cpts_count"]].pk,
                    professional_id=pk,
                    place_id=place_of[pk],
                    start=start,
                    end=start + dt.timedelta(minutes=20),
                    modality="AMB",
                    show_snp=True,
                    show_cpts=True,
                    created_by_id=owner.pk,
                )
            )
        if len(rows) >= BATCH or n == len(participating) - 1:
            Slot.objects.bulk_create(rows)
            made += len(rows)
            rows = []
            progress("free slots", made, per_pro * sizes["participants"])
    return made


def _contention_arena(arena, participating: list, place_of: dict, tomorrow, owner, clients: int):
    """The contention CPTS: 50 free slots tomorrow at 7:05 (50 professionals, one slot each), and
    ``clients`` members each with an API token. Returns (contested slot pks, tokens)."""
    import datetime as dt

    from accounts.models import APIToken, User
    from agenda.timing import PARIS
    from cpts.models import Membership
    from cpts.roles import Role
    from unscheduled.models import Slot

    contested = []
    for k in range(50):
        pk = participating[k][0]
        start = dt.datetime.combine(tomorrow, dt.time(7, 5), tzinfo=PARIS)  # 50 professionals, one slot each
        contested.append(
            Slot.objects.create(
                cpts=arena,
                professional_id=pk,
                place_id=place_of[pk],
                start=start,
                end=start + dt.timedelta(minutes=20),
                show_cpts=True,
                created_by=owner,
            ).pk
        )
    tokens = []
    for c in range(clients):
        user = User.objects.create_user(email=f"bench-client-{c}@example.invalid", password=None)
        Membership.objects.create(cpts=arena, user=user, role=Role.MEMBER)
        tokens.append(APIToken.issue(user, name="bench")[1])
    return contested, tokens


def setup(
    cpts_count: int, professionals: int, participants: int, free_slots: int, clients: int, plan_file: str
):
    """Runs in a child process with the benchmark's environment (DATABASE_URL...)."""
    import django

    django.setup()
    import datetime as dt

    from django.utils import timezone

    from accounts.models import User
    from cpts.models import CPTS
    from directory.models import PracticePlace
    from territory.models import Commune

    started = time.monotonic()
    rng = random.Random(7)
    communes = list(
        Commune.objects.filter(kind="COM", latitude__isnull=False).values_list(
            "insee", "latitude", "longitude", "population"
        )
    )
    weights = [max(1, c[3] or 1) for c in communes]
    owner = User.objects.create_user(email="bench-snp@example.invalid", password=None)
    cpts = CPTS.objects.bulk_create(
        [
            CPTS(name=f"CPTS synthétique {i}", slug=f"cpts-synth-{i}", finess=f"{990000000 + i:09d}")
            for i in range(cpts_count)
        ]
    )
    pro_ids = _professionals(professionals, participants)
    _places(pro_ids, communes, weights, rng)
    participating = pro_ids[:participants]
    place_of = dict(
        PracticePlace.objects.filter(professional_id__in=[p for p, _ in participating]).values_list(
            "professional_id", "pk"
        )
    )
    today = timezone.localdate()
    sizes = {
        "free_slots": free_slots,
        "participants": participants,
        "cpts_count": cpts_count,
        "today": today,
        "now": timezone.now(),
    }
    made = _free_slots(cpts, participating, place_of, sizes, owner, rng)
    arena = cpts[0]
    contested, tokens = _contention_arena(
        arena, participating, place_of, today + dt.timedelta(days=1), owner, clients
    )
    Path(plan_file).write_text(
        json.dumps(
            {
                "participants": [idnat for _, idnat in participating],
                "professionals": len(pro_ids),
                "slots": made,
                "cpts_ids": [c.pk for c in cpts],
                "arena": arena.slug,
                "contested": contested,
                "tokens": tokens,
                "setup_s": time.monotonic() - started,
            }
        )
    )


def search_run(count: int, plan_file: str, out_file: str) -> None:
    """In a child process: the earliest-slot search for random CPTS and points."""
    import django

    django.setup()
    from cpts.models import CPTS
    from unscheduled import search
    from unscheduled.models import Slot

    plan = json.loads(Path(plan_file).read_text())
    rng = random.Random(3)
    cpts_by_pk = {c.pk: c for c in CPTS.objects.filter(pk__in=plan["cpts_ids"])}
    times, found = [], 0
    for _ in range(count):
        c = cpts_by_pk[rng.choice(plan["cpts_ids"])]
        anchor = Slot.objects.filter(cpts=c).select_related("place").first()
        point = (anchor.place.latitude, anchor.place.longitude) if anchor else (46.6, 2.4)
        t0 = time.perf_counter()
        result = search.find(c, point=point, radius_km=20, window="48h")
        times.append((time.perf_counter() - t0) * 1000)
        found += len(result.slots)
    Path(out_file).write_text(json.dumps({"times": times, "found": found / count}))


# ----------------------------------------------------------------------------- parent: servers and clients


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    """One application process (opencpts/testing/servers.py), listening; exits the benchmark if not."""
    from opencpts.testing import servers

    server, port = servers.start_app(env)
    try:
        servers.wait_listening(port, server)
    except servers.ServerError as exc:
        servers.stop([server])
        sys.exit(f"the application process did not start: {exc}")
    return server, f"127.0.0.1:{port}"


def sas_path(idnats: list[str]) -> str:
    import datetime as dt
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(ZoneInfo("Europe/Paris"))
    end = dt.datetime.combine(now.date() + dt.timedelta(days=2), dt.time(23, 59, 59))
    ids = ",".join(f"{IDNPS}|{i}" for i in idnats)
    return (
        "/fhir/sas/Slot?_include=Slot:schedule&_include=Slot:service-type-reference"
        "&_include:iterate=Schedule:actor&_include:iterate=HealthcareService:organization"
        f"&schedule.actor:Practitioner.identifier={quote(ids, safe='|:,')}"
        f"&start=ge{now:%Y-%m-%dT%H:%M:%S}.000&start=le{end:%Y-%m-%dT%H:%M:%S}.000&status=free"
    )


def sas_run(address: str, idnats: list[str], per_request: int, requests: int, seed: int):
    rng = random.Random(seed)
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {
        "Accept": "application/json+fhir",
        "X-SSL-Client-Verify": "SUCCESS",
        "X-SSL-Client-S-DN": f"CN={CN},OU={OU}",
    }
    times, slots = [], 0
    for _ in range(requests):
        path = sas_path(rng.sample(idnats, per_request))
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        times.append((time.perf_counter() - t0) * 1000)
        if response.status != 200:
            sys.exit(f"SAS request: HTTP {response.status}: {body[:300]!r}")
        slots += json.loads(body)["total"]
    return percentiles(times), slots / requests


def contention(addresses: list[str], plan: dict) -> dict:
    barrier = threading.Barrier(len(plan["tokens"]))
    results: list[tuple[int, int]] = []
    lock = threading.Lock()
    body = json.dumps(
        {"family_name": "Contention", "given_names": "Test", "motif": "Banc d'essai", "phone": "0612345678"}
    )

    def client(n: int, token: str) -> None:
        slot = plan["contested"][n % len(plan["contested"])]  # every slot wanted by 4 clients at once
        host, port = addresses[n % len(addresses)].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.connect()
        barrier.wait()
        conn.request(
            "POST",
            f"/api/cpts/{plan['arena']}/snp/slots/{slot}/bookings",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        with lock:
            results.append((slot, response.status))

    threads = [threading.Thread(target=client, args=(n, t)) for n, t in enumerate(plan["tokens"])]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    elapsed = time.monotonic() - t0
    statuses: dict[int, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {"statuses": statuses, "elapsed": elapsed, "won": {s for s, st in results if st == 201}}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/opencpts_bench_snp")
    parser.add_argument("--cpts", type=int, default=1000)
    parser.add_argument("--professionals", type=int, default=1_200_000)
    parser.add_argument("--participants", type=int, default=25_000, help="professionals publishing slots")
    parser.add_argument("--free-slots", type=int, default=300_000)
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients of the contention run")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="reuse the database of the previous run")
    args = parser.parse_args()

    work = ROOT / "var" / "bench" / "snp"
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opencpts.settings",
        "OPENCPTS_DEV": "1",
        "OPENCPTS_VAR_DIR": str(work),
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "OPENCPTS_NPM_DIR": str(ROOT / "var" / "npm"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": args.pg_url,
        "PYTHONPATH": str(ROOT),
        "OPENCPTS_SAS_ALLOWED_CN": CN,
        "OPENCPTS_SAS_ALLOWED_OU": OU,
        "DJANGO_SUPERUSER_PASSWORD": "",
        "TRUSTED_PROXIES": "127.0.0.1",
    }  # the benchmark plays the reverse proxy on this machine
    manage = [sys.executable, str(ROOT / "manage.py")]
    plan_file = work / "plan.json"
    child = [sys.executable, "-c"]
    if not (args.keep and plan_file.exists()):
        import psycopg

        name = args.pg_url.rsplit("/", 1)[1]
        with psycopg.connect(args.pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        print("--- migrating and loading the official communes ...", flush=True)
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "load_communes", "--if-needed"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(
            f"--- creating {args.cpts:,} CPTS, {args.professionals:,} professionals, {args.free_slots:,} "
            f"free slots of {args.participants:,} participants (synthetic) ...",
            flush=True,
        )
        subprocess.run(
            [
                *child,
                f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.snp import setup; "
                f"setup({args.cpts}, {args.professionals}, {args.participants}, {args.free_slots}, "
                f"{args.clients}, {str(plan_file)!r})",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        subprocess.run(
            [
                *child,
                "import psycopg, os; c = psycopg.connect(os.environ['DATABASE_URL'], autocommit=True); "
                "c.execute('VACUUM ANALYZE')",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    plan = json.loads(plan_file.read_text())
    print(
        f"data: {plan['professionals']:,} professionals, {plan['slots']:,} free slots over 3 days "
        f"({len(plan['participants']):,} participants, {len(plan['cpts_ids']):,} CPTS; setup "
        f"{plan['setup_s']:.0f} s)"
    )

    out = work / "search.json"
    subprocess.run(
        [
            *child,
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.snp import search_run; "
            f"search_run({args.requests}, {str(plan_file)!r}, {str(out)!r})",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    result = json.loads(out.read_text())
    stats = percentiles(result["times"][10:])
    print(
        f"earliest-slot search (a CPTS, 20 km, 48 h), in process: p50 {stats['p50']:.1f} ms, p95 "
        f"{stats['p95']:.1f} ms over {stats['n']} searches, {result['found']:.1f} slots found on average"
    )

    servers = [start_server(env), start_server(env)]
    addresses = [address for _, address in servers]
    try:
        sas_run(addresses[0], plan["participants"], 1, 20, seed=1)  # warm-up
        for per_request in (1, 25):
            stats, slots = sas_run(
                addresses[0], plan["participants"], per_request, args.requests, seed=per_request
            )
            print(
                f"SAS request, {per_request:>2} practitioner(s), over HTTP: p50 {stats['p50']:.1f} ms, "
                f"p95 {stats['p95']:.1f} ms, p99 {stats['p99']:.1f} ms over {stats['n']} calls, "
                f"{slots:.0f} slots per answer on average"
            )
        run = contention(addresses, plan)
        import psycopg

        with psycopg.connect(args.pg_url) as conn:
            live = conn.execute(
                "SELECT slot_id, count(*) FROM unscheduled_booking WHERE status IN "
                "('booked', 'honoured', 'no_show') AND slot_id = ANY(%s) GROUP BY slot_id",
                (plan["contested"],),
            ).fetchall()
        booked = sum(n for _, n in live)
        doubles = sum(1 for _, n in live if n > 1)
        print(
            f"contention: {len(plan['tokens'])} concurrent clients on 2 processes, {len(plan['contested'])} "
            f"slots: HTTP statuses {dict(sorted(run['statuses'].items()))}, {booked} bookings in the "
            f"database, {doubles} slot(s) booked twice, {booked / run['elapsed']:.0f} bookings/s "
            f"({run['elapsed']:.2f} s)"
        )
        if doubles or booked != len(plan["contested"]) or run["statuses"].get(201, 0) != booked:
            sys.exit("contention run FAILED: double booking or lost answer")
    finally:
        for server, _ in servers:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
