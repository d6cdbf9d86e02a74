#!/usr/bin/env python
"""Phone tasks benchmark (issue 16, « Measured, not guessed »): Chromium at 390 × 844 (touch, device scale 3)
drives a fresh demo through the top tasks of each role and prints, per task, the taps (and the taps to reach
the task's page from the role's home « Aujourd'hui »), the typed fields, the scrolling travelled, the scripted
seconds, and the verdict against the goal: at most 3 taps to reach, at most one screen (844 px) of scrolling,
a scripted time of at most 10 s (a person needs more: reading, typing; the goal is well under 30 s).

    .venv/bin/python bench/ux.py                 # every task, on a fresh demo (about 1 min)
    .venv/bin/python bench/ux.py --task b        # one task (repeat --task for several)
    .venv/bin/python bench/ux.py --json          # the figures as JSON, for machines

Tasks: (a) the GP posts a message in a care circle; (b) the GP publishes next week's slots Monday to Friday,
18:00 to 20:00; (c) the GP finds the nearest nurse who makes home visits around a commune and contacts her;
(d) the GP accepts a patient proposed by the coordination; (e) a person sends the public médecin traitant
form; (f) the coordinator sees whether this year's ACI objectives are on track; (g) a member logs in on a
phone she trusted once (password only). The scripts are in bench/uxtasks.py; the same scripts run in CI as
browser tests (tests/browser/test_ux_tasks.py).

The fresh demo is built as `make setup` does (migrate, load_communes, seed_demo, materialise_slots) in a
temporary folder of its own (its SQLite database, its keys), served by uvicorn on a free port; the logins
before each task go through the real login pages with the demo's TOTP codes (`manage.py demo_totp`) and are
not counted. Needs Chromium (/usr/bin/chromium, or OPENCPTS_CHROMIUM) and the official communes (npm, as
`make setup`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import uxtasks  # noqa: E402 - after the project's root is on the path
from opencpts.testing import servers  # noqa: E402

CHROMIUM = os.environ.get("OPENCPTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def manage(env: dict, *args: str, quiet: bool = True) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def demo_env(work: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opencpts.settings",
        "OPENCPTS_DEV": "1",
        "OPENCPTS_VAR_DIR": str(work),
        "OPENCPTS_NPM_DIR": str(ROOT / "var" / "npm"),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        # uvicorn serving Django's file responses: a warning per download, not about the tasks
        "PYTHONWARNINGS": "ignore:StreamingHttpResponse must consume",
    }
    env.pop("DATABASE_URL", None)  # its own SQLite file in ``work``
    env.pop("REDIS_URL", None)
    return env


def fresh_demo(work: Path, log) -> tuple[dict, str]:
    """The demo of `make setup`, in ``work``. Returns the environment and the demo's password."""
    env = demo_env(work)
    started = time.perf_counter()
    log("--- fresh demo: migrate, load_communes, seed_demo, materialise_slots ...")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "load_communes", "--if-needed")
    out = manage(env, "seed_demo")
    manage(env, "materialise_slots", "-v", "0")
    password = re.search(r"Mot de passe de tous les comptes de démonstration : (\S+)", out).group(1)
    log(f"--- demo ready in {time.perf_counter() - started:.0f} s")
    return env, password


def prepare(env: dict) -> None:
    """What the demo must hold before the tasks: a patient proposed to the GP, awaiting her answer (d)."""
    code = (
        "import django; django.setup(); from bench.uxdemo import ensure_proposal; "
        f"ensure_proposal({uxtasks.GP!r}, {uxtasks.COORDINATOR!r}, {uxtasks.SLUG!r})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit(f"preparing the demo failed:\n{result.stderr}")


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    """The demo's application process (opencpts/testing/servers.py), listening; exits the benchmark if not."""
    server, port = servers.start_app(env)
    try:
        servers.wait_listening(port, server)
    except servers.ServerError as exc:
        servers.stop([server])
        sys.exit(f"the application process did not start: {exc}")
    return server, f"http://127.0.0.1:{port}"


def memory() -> str:
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return "memory unknown"
    return f"{kib / 1024 / 1024:.0f} GiB"


def table(results: list[uxtasks.Measure]) -> str:
    head = ("tâche", "taps (arriver)", "champs saisis", "défilement", "secondes", "verdict")
    rows = [
        (
            f"({m.key}) {m.title}",
            f"{m.taps} ({'—' if m.taps_to_reach is None else m.taps_to_reach})",
            str(m.typed),
            f"{m.scroll_px} px",
            f"{m.seconds:.1f}" if m.completed else "—",
            m.verdict(),
        )
        for m in results
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    lines = []
    for r in [head, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1])
        if r is head:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
    notes = [f"({m.key}) {n}" for m in results for n in m.notes]
    return "\n".join(lines + ([""] + notes if notes else []))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--task",
        action="append",
        choices=[t.key for t in uxtasks.TASKS],
        help="run this task only (repeatable); default: every task",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--steps", action="store_true", help="also print each task's steps and their scrolling"
    )
    parser.add_argument("--keep", action="store_true", help="keep the demo's temporary folder (printed)")
    parser.add_argument(
        "--demo-dir",
        type=Path,
        help="reuse the demo kept by an earlier --keep run instead of a fresh one (faster; not fresh)",
    )
    args = parser.parse_args()
    keys = args.task or [t.key for t in uxtasks.TASKS]

    def log(text: str) -> None:
        print(text, file=sys.stderr if args.json else sys.stdout, flush=True)

    if not shutil.which(CHROMIUM):
        sys.exit(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set OPENCPTS_CHROMIUM)")
    work = args.demo_dir or Path(tempfile.mkdtemp(prefix="opencpts-ux-"))
    server = None
    try:
        if args.demo_dir:
            env = demo_env(work)
            password = json.loads((work / "demo_credentials.json").read_text())["password"]
        else:
            env, password = fresh_demo(work, log)
        if "d" in keys:
            prepare(env)
        server, base_url = start_server(env)

        def code_for(email: str) -> str:
            return manage(env, "demo_totp", email).strip()

        demo = uxtasks.Demo(base_url=base_url, password=password, code_for=code_for)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            version = browser.version
            try:
                results = uxtasks.run_tasks(browser, demo, keys)
            finally:
                browser.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if args.keep or args.demo_dir:
            log(f"--- demo kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    machine = f"{os.cpu_count()} cores, {memory()}, Python {platform.python_version()}, Chromium {version}"
    if args.json:
        print(json.dumps({"machine": machine, "tasks": [m.as_dict() for m in results]}, ensure_ascii=False))
    else:
        print(f"\nPhone 390 × 844, touch — {time.strftime('%Y-%m-%d %H:%M %Z')} — {machine}\n")
        print(table(results))
        if args.steps:
            for m in results:
                print(f"\n({m.key}) {m.title}")
                for step in m.steps:
                    print(f"  - {step}")
    sys.exit(0 if all(m.completed for m in results) else 1)


if __name__ == "__main__":
    main()
