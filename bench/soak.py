#!/usr/bin/env python
"""Soak and failover (issue 17): nginx (deploy/nginx/opencpts.conf, TLS) in front of two application hosts on
PostgreSQL and Redis, mixed traffic at a bounded rate, one host killed with SIGKILL half-way and restarted.

    .venv/bin/python bench/soak.py                       # 10 minutes at 10 requests/s, kill at 5 min
    .venv/bin/python bench/soak.py --minutes 2 --rate 5  # a shorter run

Traffic (open loop: a request is due every 1/rate s on average, whatever the answers, and sent by one of
``--clients`` threads, each with its own keep-alive HTTPS connection to nginx; a request due while every
thread waits for an answer is not sent but counted, so that the run keeps its length and queues do not hide
in the client):
- ``page`` (40 %): a member's pages, « Aujourd'hui » or a group's conversation (session cookie);
- ``search`` (20 %): the directory search around Belley (page) or the earliest unscheduled slots (JSON API);
- ``post`` (20 %): a message posted in a working group through the page's form, with the composer's
  idempotency token; its WebSocket frame is awaited by two members of the group connected through nginx
  (delivery delay = frame received - POST sent). A post answered 502 or cut is sent again once with the same
  token, as the composer does; the token makes it one message;
- ``booking`` (20 %): an unscheduled slot booked through the JSON API (Bearer token), picked among a small
  pool so that clients compete: 201 or 409 (taken) are answers, anything else an error.

Half-way, the second application process gets SIGKILL; it is started again ``--down`` seconds later. Errors
are counted per kind and by phase (before, kill window = from the kill until 15 s after the restart, after;
a request belongs to the phase in which it ended, a missed frame to the phase 10 s after its post).
At the end, from the database: every acknowledged message (2xx/3xx) and booking (201) exists (0 lost
acknowledged writes), no slot has two live bookings (0 double bookings), no token gave two messages.

The data are synthetic (a CPTS, 40 members with sessions and API tokens, 10 working groups, 40 professionals,
1,200 free slots), in a database of their own recreated at each run (--pg-url). Needs nginx
(/usr/sbin/nginx), PostgreSQL, Redis and the official communes (var/npm, as `make setup`).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import secrets
import signal
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opencpts.testing import nginx, servers  # noqa: E402
from opencpts.testing.pki import CertificateAuthority  # noqa: E402

SECRET_KEY = "bench-soak-only-not-a-secret-" + "x" * 30
KINDS = (("page", 0.4), ("search", 0.2), ("post", 0.2), ("booking", 0.2))
BOOKING_POOL = 40  # slots offered to the bookers at a time: they compete for them
KILL_WINDOW_AFTER_RESTART = 15.0
FRAME_IN_FLIGHT = 10.0  # a message posted this long before the kill may still be on its way to a reader


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


# ----------------------------------------------------------------------------- child: data


def setup(users: int, groups: int, members: int, professionals: int, slots: int, plan_file: str) -> None:
    """In a child process with the benchmark's environment: the synthetic CPTS and its people."""
    import django

    django.setup()
    import datetime as dt

    from django.middleware.csrf import _mask_cipher_secret
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from accounts.models import APIToken
    from bench.people import logged_in_members
    from coordination.models import Group, GroupMember
    from cpts.models import CPTS
    from directory.models import PracticePlace, Professional
    from territory.models import Commune
    from unscheduled.models import Slot

    started = time.monotonic()
    cpts = CPTS.objects.create(name="CPTS Endurance (fictive)", slug="endurance")
    people, keys = logged_in_members(cpts, users, "soak", 3)
    now = timezone.now()
    group_rows = Group.objects.bulk_create(
        [
            Group(
                cpts=cpts, kind=Group.Kind.WORKING_GROUP, title=f"Groupe fictif {g:02d}", initiator=people[g]
            )
            for g in range(groups)
        ]
    )
    member_of = {g: [people[(g * members + k) % users] for k in range(members)] for g in range(groups)}
    GroupMember.objects.bulk_create(
        [
            GroupMember(
                cpts=cpts, group=group_rows[g], user=u, status=GroupMember.Status.ACTIVE, joined_at=now
            )
            for g, group_members in member_of.items()
            for u in group_members
        ]
    )
    sessions = {user.pk: key for user, key in zip(people, keys, strict=True)}
    tokens = [APIToken.issue(u, name="endurance")[1] for u in people]

    belley = Commune.objects.get(insee="01034")
    pros = Professional.objects.bulk_create(
        [
            Professional(
                id_type="8",
                national_id=f"{18000000000 + i:011d}",
                idnat=f"8{18000000000 + i:011d}",
                last_name=f"ENDURANCE{i:02d}",
                first_name="Test",
                profession_code="10" if i % 3 else "60",
                is_synthetic=True,
                takes_part_in_snp=True,
            )
            for i in range(professionals)
        ]
    )
    places = PracticePlace.objects.bulk_create(
        [
            PracticePlace(
                professional=p,
                label="Cabinet (synthétique)",
                postal_code="01300",
                commune=belley,
                latitude=belley.latitude + (i % 7 - 3) * 0.004,
                longitude=belley.longitude + (i % 5 - 2) * 0.004,
                geo_precision="address",
            )
            for i, p in enumerate(pros)
        ]
    )
    first = (now + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    rows = []
    for n in range(slots):
        k = n % professionals
        start = first + dt.timedelta(minutes=20 * (n // professionals))
        rows.append(
            Slot(
                cpts=cpts,
                professional=pros[k],
                place=places[k],
                start=start,
                end=start + dt.timedelta(minutes=20),
                show_cpts=True,
                show_snp=True,
                created_by=people[0],
            )
        )
    slot_ids = [s.pk for s in Slot.objects.bulk_create(rows)]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    secret = get_random_string(32, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    plan = {
        "slug": cpts.slug,
        "csrf_cookie": secret,
        "csrf_token": _mask_cipher_secret(secret),
        "home": reverse("cpts:home", args=[cpts.slug]),
        "groups": [
            {
                "id": group_rows[g].pk,
                "page": reverse("coordination:group", args=[cpts.slug, group_rows[g].pk]),
                "post": reverse("coordination:post_message", args=[cpts.slug, group_rows[g].pk]),
                "sessions": [sessions[u.pk] for u in member_of[g]],
            }
            for g in range(groups)
        ],
        "tokens": tokens,
        "slots": slot_ids,
        "directory": reverse("directory:search", args=[cpts.slug]),
        "point": [belley.latitude, belley.longitude],
        "setup_s": time.monotonic() - started,
    }
    Path(plan_file).write_text(json.dumps(plan))


# ----------------------------------------------------------------------------- parent: the run


@dataclass
class Result:
    kind: str
    sent: float  # seconds since the start of the run
    ms: float
    status: int  # 0: no answer (connection cut, timeout)
    ok: bool
    retried: bool = False


@dataclass
class Shared:
    plan: dict
    port: int
    context: ssl.SSLContext
    t0: float
    answers: list[Result] = field(default_factory=list)
    acked_posts: dict[str, float] = field(default_factory=dict)  # token -> time the POST was sent (epoch)
    unknown_posts: list[str] = field(default_factory=list)
    acked_bookings: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)
    booking_cursor: int = 0
    t0_epoch: float = 0.0
    skipped: int = 0  # requests due while every client thread was waiting for an answer
    pg_url: str = ""

    def conn(self) -> http.client.HTTPSConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30)
            self.local.conn = conn
        return conn

    def drop(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
        self.local.conn = None


def _request(
    shared: Shared, method: str, path: str, headers: dict, body: str | None = None
) -> tuple[int, bytes]:
    """One request on the thread's connection; (0, b"") when the connection failed (then reopened)."""
    try:
        conn = shared.conn()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            shared.drop()
        return response.status, data
    except (OSError, http.client.HTTPException):
        shared.drop()
        return 0, b""


def _session_headers(shared: Shared, session: str) -> dict:
    return {"Cookie": f"sessionid={session}; csrftoken={shared.plan['csrf_cookie']}"}


def do_page(shared: Shared, rng: random.Random) -> tuple[int, bool]:
    group = rng.choice(shared.plan["groups"])
    path = group["page"] if rng.random() < 0.5 else shared.plan["home"]
    status, _ = _request(shared, "GET", path, _session_headers(shared, rng.choice(group["sessions"])))
    return status, status == 200


def do_search(shared: Shared, rng: random.Random) -> tuple[int, bool]:
    if rng.random() < 0.5:
        group = rng.choice(shared.plan["groups"])
        path = f"{shared.plan['directory']}?where=Belley&radius_km=10"
        status, _ = _request(shared, "GET", path, _session_headers(shared, rng.choice(group["sessions"])))
    else:
        lat, lon = shared.plan["point"]
        path = f"/api/cpts/{shared.plan['slug']}/snp/slots?window=48h&lat={lat}&lon={lon}&radius_km=20"
        token = rng.choice(shared.plan["tokens"])
        status, _ = _request(shared, "GET", path, {"Authorization": f"Bearer {token}"})
    return status, status == 200


def do_post(shared: Shared, rng: random.Random) -> tuple[int, bool, bool]:
    group = rng.choice(shared.plan["groups"])
    session = group["sessions"][2 + rng.randrange(len(group["sessions"]) - 2)]  # not the two readers
    token = "soak" + secrets.token_hex(12)
    origin = f"https://127.0.0.1:{shared.port}"
    headers = {
        **_session_headers(shared, session),
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin,
        "Referer": origin + group["page"],
    }
    body = (
        f"csrfmiddlewaretoken={quote(shared.plan['csrf_token'])}&token={token}"
        f"&subject=Endurance&body={quote('Message ' + token)}"
    )
    sent = time.time()
    status, _ = _request(shared, "POST", group["post"], headers, body)
    retried = False
    if status == 0 or status >= 500:  # unknown outcome: the composer sends the same token again
        retried = True
        time.sleep(0.5)
        status, _ = _request(shared, "POST", group["post"], headers, body)
    ok = status in (200, 302, 303)
    with shared.lock:
        if ok:
            shared.acked_posts[token] = sent
        else:
            shared.unknown_posts.append(token)
    return status, ok, retried


def do_booking(shared: Shared, rng: random.Random) -> tuple[int, bool]:
    with shared.lock:  # a moving window over the slots, so that clients compete for the same ones
        start = shared.booking_cursor
        shared.booking_cursor += 1
    slots = shared.plan["slots"]
    pool = slots[(start // 4) % len(slots) :][:BOOKING_POOL] or slots[:BOOKING_POOL]
    slot = rng.choice(pool)
    body = json.dumps(
        {"family_name": "Endurance", "given_names": "Test", "motif": "Banc d'essai", "phone": "0612345678"}
    )
    token = rng.choice(shared.plan["tokens"])
    status, data = _request(
        shared,
        "POST",
        f"/api/cpts/{shared.plan['slug']}/snp/slots/{slot}/bookings",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body,
    )
    if status == 201:
        with shared.lock:
            shared.acked_bookings.append(json.loads(data)["id"])
    return status, status in (201, 409)


ACTIONS = {"page": do_page, "search": do_search, "post": do_post, "booking": do_booking}


def one(shared: Shared, kind: str, seed: int) -> None:
    rng = random.Random(seed)
    started = time.perf_counter()
    sent = time.monotonic() - shared.t0
    answer = ACTIONS[kind](shared, rng)
    ms = (time.perf_counter() - started) * 1000
    result = Result(kind, sent, ms, answer[0], answer[1], answer[2] if len(answer) > 2 else False)
    with shared.lock:
        shared.answers.append(result)


# ----------------------------------------------------------------------------- WebSocket readers


@dataclass
class Readers:
    received: list[tuple[int, int, float]] = field(default_factory=list)  # (reader, message id, epoch)
    reconnects: int = 0
    ready: int = 0  # readers connected at least once
    stop: threading.Event = field(default_factory=threading.Event)


def run_readers(shared: Shared, readers: Readers) -> None:
    """Two members of each group hold a WebSocket through nginx; a closed one reconnects (after a kill)."""
    import websockets

    origin = f"https://127.0.0.1:{shared.port}"

    async def hold(n: int, session: str) -> None:
        first = True
        while not readers.stop.is_set():
            try:
                async with websockets.connect(
                    f"wss://127.0.0.1:{shared.port}/ws/",
                    ssl=shared.context,
                    open_timeout=10,
                    additional_headers={"Origin": origin, "Cookie": f"sessionid={session}"},
                ) as ws:
                    readers.reconnects += 0 if first else 1
                    readers.ready += 1 if first else 0
                    first = False
                    await _read(ws, n)
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            await asyncio.sleep(0.5)

    async def _read(ws, n: int) -> None:
        while not readers.stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            frame = json.loads(raw)
            if frame.get("type") == "group" and frame.get("kind") == "message.posted":
                readers.received.append((n, frame["object"], time.time()))

    async def main() -> None:
        sessions = [s for group in shared.plan["groups"] for s in group["sessions"][:2]]
        await asyncio.gather(*(hold(n, s) for n, s in enumerate(sessions)))

    asyncio.run(main())


# ----------------------------------------------------------------------------- processes


def _environment(args, work: Path) -> dict:
    import psycopg

    name = args.pg_url.rsplit("/", 1)[1]
    with psycopg.connect(args.pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opencpts.settings",
        "OPENCPTS_DEV": "1",
        "OPENCPTS_VAR_DIR": str(work),
        "OPENCPTS_NPM_DIR": str(ROOT / "var" / "npm"),
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": args.pg_url,
        "REDIS_URL": args.redis_url,
        "CHANNEL_PREFIX": f"soak{secrets.token_hex(4)}",
        "BEHIND_PROXY": "1",
        "TRUSTED_PROXIES": "127.0.0.1",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",  # no SMTP relay here
        "PYTHONPATH": str(ROOT),
    }
    return env


def _prepare(args, work: Path, env: dict) -> dict:
    manage = [sys.executable, str(ROOT / "manage.py")]
    print("--- migrating, loading the official communes, creating the synthetic CPTS ...", flush=True)
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "createcachetable"], cwd=ROOT, env=env, check=True)
    loaded = subprocess.run(
        [*manage, "load_communes", "--if-needed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if loaded.returncode:
        sys.exit(f"load_communes failed:\n{loaded.stdout}\n{loaded.stderr}")
    plan_file = work / "plan.json"
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.soak import setup; "
        f"setup(40, 10, 8, 40, {args.slots}, {str(plan_file)!r})"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return json.loads(plan_file.read_text())


class Hosts:
    """The two application processes; ``kill`` and ``restart`` the second one, on its port."""

    def __init__(self, env: dict, work: Path):
        self.env, self.work = env, work
        self.logs = [open(work / f"app{n}.log", "ab") for n in range(2)]  # noqa: SIM115 - closed in stop()
        self.procs, self.ports = [], []
        for n in range(2):
            process, port = servers.start_app(self.env, proxy_headers=False, output=self.logs[n])
            self.procs.append(process)
            self.ports.append(port)
        for process, port in zip(self.procs, self.ports, strict=True):
            servers.wait_listening(port, process)

    def kill(self) -> None:
        self.procs[1].send_signal(signal.SIGKILL)
        self.procs[1].wait()

    def restart(self) -> None:
        process, _ = servers.start_app(self.env, self.ports[1], proxy_headers=False, output=self.logs[1])
        self.procs[1] = process
        servers.wait_listening(self.ports[1], process)

    def stop(self) -> None:
        servers.stop(self.procs)
        for log in self.logs:
            log.close()


def _start_proxy(work: Path, ports: list[int]) -> tuple[nginx.Nginx, ssl.SSLContext, int]:
    ca = CertificateAuthority(work / "pki")
    server = ca.issue_server()
    public, sas = servers.free_port(), servers.free_port()
    proxy = nginx.start(
        work / "nginx",
        {
            "app_a": f"127.0.0.1:{ports[0]}",
            "app_b": f"127.0.0.1:{ports[1]}",
            "listen": f"127.0.0.1:{public}",
            "server_name": "127.0.0.1 localhost",
            "sas_listen": f"127.0.0.1:{sas}",
            "sas_server_name": "127.0.0.1 localhost",
            "tls_certificate": str(server.cert),
            "tls_certificate_key": str(server.key),
            "sas_client_ca": str(ca.ca_file),
            "sas_crl": str(ca.crl_file),
        },
        [public, sas],
    )
    return proxy, ssl.create_default_context(cafile=str(ca.ca_file)), public


def drive(args, shared: Shared, hosts: Hosts) -> dict:
    """The traffic for ``args.minutes``, the kill half-way and the restart. Returns the kill's timings."""
    duration = args.minutes * 60
    kill_at, timeline = duration / 2, {}
    rng = random.Random(17)
    kinds, weights = zip(*KINDS, strict=True)
    free = threading.Semaphore(args.clients)

    def run(kind: str, seed: int) -> None:
        try:
            one(shared, kind, seed)
        finally:
            free.release()

    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        n = 0
        while (now := time.monotonic() - shared.t0) < duration:
            if "kill" not in timeline and now >= kill_at:
                hosts.kill()
                timeline["kill"] = time.monotonic() - shared.t0
                print(f"  {timeline['kill']:6.1f} s  SIGKILL to the second application process", flush=True)
                threading.Thread(target=_restart_later, args=(args, shared, hosts, timeline)).start()
            n += 1
            if free.acquire(blocking=False):  # every client busy: the request is not sent, and counted
                pool.submit(run, rng.choices(kinds, weights)[0], n)
            else:
                shared.skipped += 1
            if n % (int(args.rate) * 60 or 60) == 0:
                print(
                    f"  {now:6.1f} s  {n} requests due, {shared.skipped} not sent (clients busy)", flush=True
                )
            time.sleep(rng.expovariate(args.rate))
    return timeline


def _restart_later(args, shared: Shared, hosts: Hosts, timeline: dict) -> None:
    time.sleep(args.down)
    hosts.restart()
    timeline["restart"] = time.monotonic() - shared.t0
    print(f"  {timeline['restart']:6.1f} s  second application process listening again", flush=True)


# ----------------------------------------------------------------------------- checks and report


def check_database(pg_url: str, shared: Shared) -> dict:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        found = dict(
            conn.execute(
                "SELECT client_token, id FROM coordination_message WHERE client_token = ANY(%s)",
                (list(shared.acked_posts) + shared.unknown_posts,),
            ).fetchall()
        )
        bookings = {
            row[0]
            for row in conn.execute(
                "SELECT id FROM unscheduled_booking WHERE id = ANY(%s) AND status = 'booked'",
                (shared.acked_bookings,),
            )
        }
        doubles = conn.execute(
            "SELECT count(*) FROM (SELECT slot_id FROM unscheduled_booking WHERE status IN "
            "('booked', 'honoured', 'no_show') GROUP BY slot_id HAVING count(*) > 1) AS d"
        ).fetchone()[0]
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT client_token FROM coordination_message WHERE client_token LIKE "
            "'soak%%' GROUP BY author_id, client_token HAVING count(*) > 1) AS t"
        ).fetchone()[0]
        live = conn.execute("SELECT count(*) FROM unscheduled_booking WHERE status = 'booked'").fetchone()[0]
        busy = conn.execute("SELECT count(*) FROM unscheduled_slot WHERE status = 'busy'").fetchone()[0]
    return {
        "message_ids": found,
        "lost_posts": sum(1 for t in shared.acked_posts if t not in found),
        "unknown_posts_stored": sum(1 for t in shared.unknown_posts if t in found),
        "lost_bookings": sum(1 for b in shared.acked_bookings if b not in bookings),
        "double_bookings": doubles,
        "posts_twice": twice,
        "live_bookings": live,
        "busy_slots": busy,
    }


def phase(t: float, timeline: dict) -> str:
    if t < timeline.get("kill", float("inf")):
        return "before"
    if t < timeline.get("restart", float("inf")) + KILL_WINDOW_AFTER_RESTART:
        return "kill window"
    return "after"


def report(args, shared: Shared, readers: Readers, timeline: dict, db: dict, load: tuple) -> bool:
    print(f"\nsoak: {args.minutes:g} min at {args.rate:g} requests/s through nginx, 2 application hosts")
    print(f"{'kind':<9}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}   errors by phase")
    by_kind = defaultdict(list)
    for r in shared.answers:
        by_kind[r.kind].append(r)
    for kind, _ in KINDS:
        rows = by_kind[kind]
        times = [r.ms for r in rows]
        phases = defaultdict(int)
        for r in rows:
            if not r.ok:
                phases[phase(r.sent + r.ms / 1000, timeline)] += 1  # in flight at the kill: its window
        errors = sum(phases.values())
        print(
            f"{kind:<9}{len(rows):>9}{errors:>8}{percentile(times, 50):>9.0f}{percentile(times, 95):>9.0f}"
            f"{max(times, default=float('nan')):>9.0f}   {dict(phases) or '-'}"
        )
    statuses = defaultdict(int)
    for r in shared.answers:
        statuses[r.status] += 1
    retried = sum(1 for r in shared.answers if r.retried)
    print(f"HTTP statuses (0 = no answer): {dict(sorted(statuses.items()))}; posts sent again: {retried}")
    sent = len(shared.answers)
    print(
        f"sent {sent} requests in {args.minutes * 60:.0f} s ({sent / (args.minutes * 60):.1f}/s); "
        f"{shared.skipped} due while all {args.clients} clients waited, not sent"
    )
    delays, missed = delivery(shared, readers, db, timeline)
    print(
        f"WebSocket delivery ({len(delays)} frames to 2 readers per group): "
        f"p50 {percentile(delays, 50):.0f} ms, "
        f"p95 {percentile(delays, 95):.0f} ms, max {max(delays, default=float('nan')):.0f} ms; "
        f"frames missed {dict(missed) or 0}; reconnections {readers.reconnects}"
    )
    kill, restart = timeline.get("kill", float("nan")), timeline.get("restart", float("nan"))
    print(
        f"kill at {kill:.1f} s, listening again at {restart:.1f} s (down {restart - kill:.1f} s); "
        f"kill window: from the kill to {KILL_WINDOW_AFTER_RESTART:.0f} s after the restart"
    )
    print(
        f"database: {len(shared.acked_posts)} acknowledged messages, {db['lost_posts']} lost; "
        f"{len(shared.acked_bookings)} acknowledged bookings, {db['lost_bookings']} lost; "
        f"{db['double_bookings']} slots booked twice ({db['live_bookings']} live bookings, "
        f"{db['busy_slots']} busy slots); {len(shared.unknown_posts)} posts without an answer, "
        f"{db['unknown_posts_stored']} of them stored; {db['posts_twice']} tokens stored twice"
    )
    print(f"load average before / after: {load[0]} / {load[1]}")
    return not (db["lost_posts"] or db["lost_bookings"] or db["double_bookings"] or db["posts_twice"])


def delivery(shared: Shared, readers: Readers, db: dict, timeline: dict) -> tuple[list[float], dict]:
    """Delays (ms) of the frames the two readers of each group received for acknowledged messages, and the
    frames missed by phase (a reader disconnected by the kill misses what was posted meanwhile)."""
    sent_of = {db["message_ids"][t]: s for t, s in shared.acked_posts.items() if t in db["message_ids"]}
    got = {(n, m): t for n, m, t in readers.received}
    group_of_token = {}
    for n, group in enumerate(shared.plan["groups"]):
        group_of_token[group["id"]] = (2 * n, 2 * n + 1)
    delays, missed = [], defaultdict(int)
    message_group = _message_groups(shared, db)
    for message, sent in sent_of.items():
        for reader in group_of_token.get(message_group.get(message), ()):
            if (reader, message) in got:
                delays.append((got[(reader, message)] - sent) * 1000)
            else:
                # a frame still on its way (seconds on a busy machine) when its reader's host is killed
                missed[phase(sent - shared.t0_epoch + FRAME_IN_FLIGHT, timeline)] += 1
    return delays, missed


def _message_groups(shared: Shared, db: dict) -> dict[int, int]:
    import psycopg

    with psycopg.connect(shared.pg_url) as conn:
        rows = conn.execute(
            "SELECT id, group_id FROM coordination_message WHERE id = ANY(%s)",
            (list(db["message_ids"].values()),),
        ).fetchall()
    return dict(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second (open loop)")
    parser.add_argument("--down", type=float, default=10.0, help="seconds between the kill and the restart")
    parser.add_argument(
        "--clients", type=int, default=32, help="client threads (concurrent requests at most)"
    )
    parser.add_argument("--slots", type=int, default=1200)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/opencpts_bench_soak")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()

    work = ROOT / "var" / "bench" / "soak"
    work.mkdir(parents=True, exist_ok=True)
    env = _environment(args, work)
    plan = _prepare(args, work, env)
    print(f"--- setup in {plan['setup_s']:.0f} s; starting two application hosts and nginx", flush=True)
    hosts = Hosts(env, work)
    proxy = None
    try:
        proxy, context, port = _start_proxy(work, hosts.ports)
        shared = Shared(plan, port, context, time.monotonic(), pg_url=args.pg_url)
        readers = Readers()
        reader_thread = threading.Thread(target=run_readers, args=(shared, readers), daemon=True)
        reader_thread.start()
        expected = 2 * len(plan["groups"])
        deadline = time.monotonic() + 60
        while readers.ready < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        print(f"--- {readers.ready} of {expected} WebSocket readers connected through nginx", flush=True)
        load_before = os.getloadavg()[0]
        shared.t0, shared.t0_epoch = time.monotonic(), time.time()
        timeline = drive(args, shared, hosts)
        time.sleep(FRAME_IN_FLIGHT)  # the last frames (seconds on a busy machine)
        readers.stop.set()
        reader_thread.join(10)
        load_after = os.getloadavg()[0]
        db = check_database(args.pg_url, shared)
        passed = report(args, shared, readers, timeline, db, (f"{load_before:.2f}", f"{load_after:.2f}"))
    finally:
        if proxy is not None:
            proxy.stop()
        hosts.stop()
    if not passed:
        sys.exit("soak FAILED: lost acknowledged writes or double bookings")


if __name__ == "__main__":
    main()
