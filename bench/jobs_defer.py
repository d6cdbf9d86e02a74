"""What deferring a job costs inside a transaction on PostgreSQL (jobs/engine.py:defer): the two jobs a
notification burst defers (Web Push and e-mails for 49 recipients), in a transaction that writes one row,
against the same transaction without them. Needs a migrated PostgreSQL database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opencpts .venv/bin/python bench/jobs_defer.py [N]

Prints the median wall time per transaction and the application CPU per defer; deletes the jobs it made."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OPENCPTS_DEV", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")
os.environ["OPENCPTS_JOBS_ENGINE"] = "procrastinate"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

import jobs  # noqa: E402

IDS = list(range(49))
AT = "2026-12-07T12:00:00+00:00"


def one(with_jobs: bool) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        with connection.cursor() as cursor:  # the transaction's own write
            cursor.execute("UPDATE django_migrations SET applied = applied WHERE id = 1")
        if with_jobs:
            jobs.defer("notifications.push", notification_ids=IDS, at=AT)
            jobs.defer("notifications.email", notification_ids=IDS, at=AT)
    return time.perf_counter() - wall, time.process_time() - cpu


def main(n: int) -> None:
    first = None
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM procrastinate_jobs")
        first = cursor.fetchone()[0]
    for with_jobs in (False, True):  # warm-up
        for _ in range(20):
            one(with_jobs)
    base = [one(False) for _ in range(n)]
    deferred = [one(True) for _ in range(n)]
    wall = statistics.median(t for t, _ in base), statistics.median(t for t, _ in deferred)
    cpu = statistics.median(c for _, c in base), statistics.median(c for _, c in deferred)
    print(f"{n} transactions each; load average {os.getloadavg()[0]:.1f}")
    print(f"without jobs: {wall[0] * 1000:.2f} ms wall, {cpu[0] * 1000:.2f} ms CPU (median)")
    print(f"with 2 defers: {wall[1] * 1000:.2f} ms wall, {cpu[1] * 1000:.2f} ms CPU (median)")
    print(f"per defer: {(wall[1] - wall[0]) * 500:.2f} ms wall, {(cpu[1] - cpu[0]) * 500:.2f} ms CPU")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE id > %s", [first])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
