"""Real-time messaging benchmark: two application processes behind one Redis, G groups of M connected
members (default 200 × 50 = 10,000 WebSocket connections), messages posted over HTTP at a fixed rate;
for every post, the delay until each member's connection received its frame.

    .venv/bin/python bench/messaging.py                      # PostgreSQL, 200 × 50, 20 posts/s for 30 s
    .venv/bin/python bench/messaging.py --db sqlite --seconds 10

What is measured: t0 = just before the POST of the message leaves the poster (so the delay includes the
HTTP request, the database commit, the audience query and the Redis fan-out); t1 = when a member's
WebSocket client read the frame. Posts go to the groups in turn (one post per group at a time), through
both application processes alternately; the members' connections are spread over both processes and
read by separate client processes (--clients). Synthetic users, labelled as such, in a database of
their own (var/bench/messaging/ or the --pg-url database, recreated on each run).

CPU: the processor time (user + system, from /proc/<pid>/stat) of the two application processes, and of the
PostgreSQL backends serving the benchmark database, from the first post to the end of the run, divided by
the posts sent: the CPU one post costs (request, audit, notifications, fan-out to the members'
connections), and the cores it keeps busy at the posting rate. The application processes' idle CPU (5 s with
everyone connected and nothing posted) is measured first and subtracted pro rata. The machine's load average
and its busy cores (all processes, /proc/stat) are printed with it: figures taken on a busy machine say so.
"""

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "bench-only-" + "x" * 40  # noqa: S105 - a throwaway key for a throwaway database


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": statistics.median(values), "p95": q[94], "p99": q[98]}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User + system processor time of process ``pid`` so far (0 if it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)


def resident_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def machine_busy() -> tuple[float, float]:
    """(busy, total) processor seconds of the whole machine so far, all cores (/proc/stat)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS, sum(values[:8]) / CLOCK_TICKS


def database_backends(env: dict) -> list[int]:
    """Process ids of the PostgreSQL backends connected to the benchmark database (none on SQLite)."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return []
    import psycopg

    name = url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
            ).fetchall()
    except psycopg.Error:
        return []
    return [pid for (pid,) in rows]


class CpuMeter:
    """Processor time of the application processes and of the database backends between ``start`` and
    ``stop``, with the machine's busy cores and load average over the same window."""

    def __init__(self, servers: list, env: dict):
        self.servers, self.env = servers, env

    def _sample(self) -> dict:
        backends = database_backends(self.env)
        return {
            "t": time.monotonic(),
            "app": {s.pid: cpu_seconds(s.pid) for s in self.servers},
            "db": {pid: cpu_seconds(pid) for pid in backends},
            "machine": machine_busy(),
            "load": os.getloadavg(),
        }

    def idle(self, seconds: float = 5.0) -> None:
        """The application processes' CPU with every member connected and nothing posted (WebSocket pings,
        the event loops): subtracted from the run's, pro rata, for the CPU of the posts alone."""
        before = self._sample()
        time.sleep(seconds)
        after = self._sample()
        spent = sum(v - before["app"].get(pid, 0.0) for pid, v in after["app"].items())
        self.idle_cores = spent / (after["t"] - before["t"])

    def start(self) -> None:
        self.first = self._sample()

    def stop(self) -> dict:
        last, first = self._sample(), self.first
        seconds = last["t"] - first["t"]
        app = sum(v - first["app"].get(pid, 0.0) for pid, v in last["app"].items())
        # A backend that appeared during the window counts from zero; one that ended is lost (rare: pooled).
        db = sum(max(v - first["db"].get(pid, 0.0), 0.0) for pid, v in last["db"].items())
        busy = last["machine"][0] - first["machine"][0]
        return {
            "seconds": seconds,
            "app_s": app,
            "idle_cores": getattr(self, "idle_cores", 0.0),
            "db_s": db,
            "machine_cores": busy / seconds if seconds else float("nan"),
            "load_before": first["load"],
            "load_after": last["load"],
            "rss_mb": [resident_mb(s.pid) for s in self.servers],
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- setup, in a child process with Django configured -------------------------------------------------


def setup(groups: int, members: int, out: str) -> None:
    import django

    django.setup()
    from django.middleware.csrf import _mask_cipher_secret
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from bench.people import logged_in_members
    from coordination.models import Group, GroupMember
    from cpts.models import CPTS

    started = time.monotonic()
    cpts = CPTS.objects.create(name="CPTS Banc d'essai (fictive)", slug="banc-messagerie")
    users, keys = logged_in_members(cpts, groups * members, "pro", 5)
    group_rows = Group.objects.bulk_create(
        [
            Group(
                cpts=cpts,
                kind=Group.Kind.WORKING_GROUP,
                title=f"Groupe fictif {g:03d}",
                initiator=users[g * members],
            )
            for g in range(groups)
        ]
    )
    now = timezone.now()
    GroupMember.objects.bulk_create(
        [
            GroupMember(
                cpts=cpts,
                group=group_rows[g],
                user=users[g * members + m],
                status=GroupMember.Status.ACTIVE,
                joined_at=now,
            )
            for g in range(groups)
            for m in range(members)
        ],
        batch_size=5000,
    )
    from django.db import connection

    if connection.vendor == "postgresql":  # fresh statistics, as autovacuum would have after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    secret = get_random_string(32, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    plan = {
        "slug": cpts.slug,
        "csrf_cookie": secret,
        "csrf_token": _mask_cipher_secret(secret),
        "groups": [
            {"id": group_rows[g].pk, "sessions": keys[g * members : (g + 1) * members]} for g in range(groups)
        ],
        "setup_s": time.monotonic() - started,
    }
    Path(out).write_text(json.dumps(plan))


# --- member clients, in their own processes ----------------------------------------------------------


def client_worker(conns: list, ready, stop, results) -> None:
    """Holds WebSocket connections [(server, group_id, session)], records (group, object, t_recv)."""
    import websockets

    async def run():
        received: list[tuple[int, int, float]] = []
        errors = []
        limit = asyncio.Semaphore(100)
        sockets = []

        async def open_one(server, session):
            async with limit:
                for attempt in range(5):
                    try:
                        ws = await websockets.connect(
                            f"ws://{server}/ws/",
                            open_timeout=60,
                            max_queue=None,
                            ping_interval=None,
                            additional_headers={
                                "Origin": f"http://{server}",
                                "Cookie": f"sessionid={session}",
                            },
                        )
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                        assert frame == {"type": "ready"}, frame
                        return ws
                    except Exception as exc:  # noqa: BLE001 - retried, then reported
                        last = exc
                        await asyncio.sleep(0.5 * (attempt + 1))
                errors.append(repr(last))
                return None

        async def read(ws):
            try:
                async for raw in ws:
                    t = time.time()
                    frame = json.loads(raw)
                    if frame.get("type") == "group" and frame.get("kind") == "message.posted":
                        received.append((frame["group"], frame["object"], t))
            except websockets.ConnectionClosed:
                pass

        opened = await asyncio.gather(*(open_one(server, session) for server, _, session in conns))
        sockets = [ws for ws in opened if ws is not None]
        readers = [asyncio.create_task(read(ws)) for ws in sockets]
        ready.put(len(sockets))
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*readers, return_exceptions=True)
        results.put({"received": received, "connected": len(sockets), "errors": errors[:5]})

    asyncio.run(run())


# --- the run -------------------------------------------------------------------------------------------


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/opencpts_bench_messaging")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--rate", type=float, default=20.0, help="posts per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=2, help="client processes holding the connections")
    parser.add_argument(
        "--ports",
        type=int,
        nargs=2,
        metavar=("PORT1", "PORT2"),
        help="the application processes' ports (default: two free ones)",
    )
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    return parser.parse_args()


def _environment(args, work: Path) -> dict:
    """The environment of the application and setup processes, on a database recreated empty (the
    PostgreSQL database named, or a SQLite file in ``work``)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opencpts.settings",
        "OPENCPTS_DEV": "1",
        "OPENCPTS_VAR_DIR": str(work),
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "OPENCPTS_NPM_DIR": str(ROOT / "var" / "npm"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": args.redis_url,
        "CHANNEL_PREFIX": f"bench{secrets.token_hex(4)}",
        "PYTHONPATH": str(ROOT),
    }
    if args.db == "postgres":
        import psycopg

        name = args.pg_url.rsplit("/", 1)[1]
        with psycopg.connect(args.pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = args.pg_url
    else:
        db = work / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{db}"
    return env


def _prepare(args, work: Path, env: dict) -> dict:
    """Migrates, then creates the groups and members in a child process (``setup``). Returns its plan."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    print(
        f"--- {args.db}: migrating; creating {args.groups} groups × {args.members} members (synthetic) ...",
        flush=True,
    )
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    plan_file = work / "plan.json"
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.messaging "
            f"import setup; setup({args.groups}, {args.members}, {str(plan_file)!r})",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    plan = json.loads(plan_file.read_text())
    print(f"setup: {plan['setup_s']:.0f} s", flush=True)
    return plan


def _start_servers(ports: list[int], env: dict) -> list[subprocess.Popen]:
    """One uvicorn application process per port."""
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "opencpts.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(p),
                "--log-level",
                "warning",
                "--no-access-log",
                "--ws-per-message-deflate",
                "false",
                "--ws-ping-interval",
                "30",
            ],
            cwd=ROOT,
            env=env,
        )
        for p in ports
    ]


def _wait_listening(ports: list[int], servers: list[subprocess.Popen]) -> None:
    """Waits (30 s at most each) until every application process accepts connections; exits if one died."""
    for port, server in zip(ports, servers, strict=True):
        for _ in range(300):
            if server.poll() is not None:
                sys.exit(f"the application process on port {port} exited ({server.returncode})")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)


def _connect_members(args, plan: dict, addresses: list[str]):
    """Spreads the members' connections over both servers and ``args.clients`` client processes, and waits
    until all are connected. Returns (workers, results queue, stop event)."""
    conns = [
        (addresses[(g + m) % 2], group["id"], session)
        for g, group in enumerate(plan["groups"])
        for m, session in enumerate(group["sessions"])
    ]
    ctx = mp.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = [
        ctx.Process(target=client_worker, args=(conns[i :: args.clients], ready, stop, results))
        for i in range(args.clients)
    ]
    started = time.monotonic()
    for w in workers:
        w.start()
    connected = sum(ready.get(timeout=900) for _ in workers)
    connect_s = time.monotonic() - started
    print(f"connected: {connected:,} WebSockets in {connect_s:.0f} s".replace(",", " "), flush=True)
    return workers, results, stop


def _message_body(plan: dict, subject: str, text: str) -> str:
    """The form body of a message post."""
    return urlencode({"csrfmiddlewaretoken": plan["csrf_token"], "subject": subject, "body": text})


def _post(conn, plan: dict, group: dict, body: str) -> int:
    """POSTs one message form ``body`` to ``group`` as its first member; returns the HTTP status."""
    conn.request(
        "POST",
        f"/c/{plan['slug']}/groupes/{group['id']}/messages/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={group['sessions'][0]}; csrftoken={plan['csrf_cookie']}",
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status


def _warm_up(plan: dict, addresses: list[str]) -> None:
    """Warm-up, not measured: each server's first requests pay imports, pools and caches."""
    import http.client

    for n, address in enumerate(addresses * 5):
        group = plan["groups"][n % len(plan["groups"])]
        warm = http.client.HTTPConnection(address, timeout=60)
        _post(warm, plan, group, _message_body(plan, "Échauffement", "Non mesuré."))
        warm.close()
    time.sleep(2.0)


def _post_messages(args, plan: dict, addresses: list[str]) -> list[tuple[int, float, float, int]]:
    """Posts ``args.rate`` messages a second for ``args.seconds`` from 8 threads, to the groups in turn and
    both servers alternately. Returns (group, t0, t_done, status) for each post."""
    import http.client

    posts: list[tuple[int, float, float, int]] = []  # (group, t0, t_done, status)
    lock = threading.Lock()
    total_posts = int(args.rate * args.seconds)
    t_start = time.time() + 1.0

    def poster(indexes):
        conns_http = {a: http.client.HTTPConnection(a, timeout=30) for a in addresses}
        for i in indexes:
            group = plan["groups"][i % len(plan["groups"])]
            server = addresses[i % 2]
            body = _message_body(plan, f"Essai {i}", "Message de banc d'essai (fictif).")
            delay = t_start + i / args.rate - time.time()
            if delay > 0:
                time.sleep(delay)
            t0 = time.time()
            status = _post(conns_http[server], plan, group, body)
            with lock:
                posts.append((group["id"], t0, time.time(), status))

    threads = [threading.Thread(target=poster, args=(range(k, total_posts, 8),)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return posts


def _run(args, plan: dict, env: dict):
    """Starts both application processes, connects the members, posts the messages and collects what the
    clients received; the servers are stopped whatever happens. Returns (posts, outcome, post window, CPU)."""
    ports = list(args.ports) if args.ports else [free_port(), free_port()]
    servers = _start_servers(ports, env)
    addresses = [f"127.0.0.1:{p}" for p in ports]
    try:
        _wait_listening(ports, servers)
        workers, results, stop = _connect_members(args, plan, addresses)
        _warm_up(plan, addresses)
        meter = CpuMeter(servers, env)
        meter.idle()
        meter.start()
        posts = _post_messages(args, plan, addresses)
        post_window = max(p[2] for p in posts) - min(p[1] for p in posts)
        time.sleep(3.0)  # let the last frames arrive
        cpu = meter.stop()
        stop.set()
        outcome = [results.get(timeout=120) for _ in workers]
        for w in workers:
            w.join(timeout=30)
    finally:
        for s in servers:
            s.terminate()
        for s in servers:
            s.wait(timeout=30)
    return posts, outcome, post_window, cpu


def _latencies(posts: list, outcome: list) -> tuple[list[float], int]:
    """The delay of each frame received since the latest successful post to its group before it (ms), and
    the number of frames counted."""
    by_group: dict[int, list[float]] = {}
    for group, t0, _, status in sorted(posts, key=lambda p: p[1]):
        if status == 302:
            by_group.setdefault(group, []).append(t0)
    latencies, received = [], 0
    for o in outcome:
        for group, _, t_recv in o["received"]:
            starts = [t for t in by_group.get(group, []) if t <= t_recv]
            if starts:
                latencies.append((t_recv - starts[-1]) * 1000)
                received += 1
    return latencies, received


def _report_cpu(posts: list, cpu: dict) -> None:
    """CPU per post (application processes, database backends) and the cores kept busy, with the load."""
    n = len(posts) or 1
    idle_s = cpu["idle_cores"] * cpu["seconds"]
    print(
        f"CPU per post: {(cpu['app_s'] - idle_s) / n * 1000:.1f} ms in the application processes "
        f"({cpu['app_s'] / n * 1000:.1f} ms before subtracting their idle CPU of {cpu['idle_cores']:.3f} "
        f"cores: pings of the connected members), {cpu['db_s'] / n * 1000:.1f} ms in the database backends"
    )
    print(
        f"cores used: {cpu['app_s'] / cpu['seconds']:.2f} by the application processes, "
        f"{cpu['db_s'] / cpu['seconds']:.2f} by the database backends, over {cpu['seconds']:.1f} s (posting "
        "window + 3 s of delivery)"
    )
    rss = " and ".join(f"{mb:.0f}" for mb in cpu.get("rss_mb", []))
    print(f"memory: {rss} MB resident in the application processes at the end (GC_THRESHOLDS, gctuning.py)")
    before, after = cpu["load_before"], cpu["load_after"]
    print(
        f"machine: {os.cpu_count()} cores, {cpu['machine_cores']:.2f} busy on average during the run (all "
        f"processes); load average {before[0]:.2f} {before[1]:.2f} {before[2]:.2f} before, "
        f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f} after"
    )


def _report(args, posts: list, outcome: list, post_window: float, cpu: dict) -> None:
    """Prints the posting rate, the deliveries and the post → delivery percentiles."""
    bad = [p for p in posts if p[3] != 302]
    latencies, received = _latencies(posts, outcome)
    expected = sum(1 for p in posts if p[3] == 302) * args.members
    lat = percentiles(latencies)
    http_ms = percentiles([(p[2] - p[1]) * 1000 for p in posts])
    print(
        f"\n=== {args.db} — {args.groups} groups × {args.members} connected members, 2 application "
        "processes, Redis pub/sub ==="
    )
    print(
        f"posts: {len(posts)} sent in {post_window:.1f} s = {len(posts) / post_window:.1f} posts/s (target "
        f"{args.rate:g}); HTTP errors: {len(bad)}; POST p50/p95 {http_ms['p50']:.0f}/{http_ms['p95']:.0f} ms"
    )
    print(
        f"deliveries: {received:,} of {expected:,} expected ({expected - received} lost), "
        f"{received / post_window:,.0f} frames/s".replace(",", " ")
    )
    print(
        f"post → delivery on every member's connection: p50 {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms, "
        f"p99 {lat['p99']:.0f} ms (floor: p95 < 250 ms at 20 posts/s)"
    )
    errors = [e for o in outcome for e in o["errors"]]
    if errors:
        print("connection errors (first ones):", errors[:5])
    _report_cpu(posts, cpu)
    print("figures vary with machine load (run twice to compare).")


def main() -> None:
    args = _parse_args()
    work = ROOT / "var" / "bench" / "messaging"
    work.mkdir(parents=True, exist_ok=True)
    env = _environment(args, work)
    plan = _prepare(args, work, env)
    posts, outcome, post_window, cpu = _run(args, plan, env)
    _report(args, posts, outcome, post_window, cpu)


if __name__ == "__main__":
    main()
