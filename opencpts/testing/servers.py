"""uvicorn application processes serving ``opencpts.asgi`` on 127.0.0.1, as production runs them, for the
tests (realtime/tests/servers.py, tests/test_behind_nginx.py) and the benchmarks (bench/ux.py, bench/snp.py,
bench/soak.py). The caller gives the environment (database, settings, Redis); this module starts, waits for
the port and stops."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """An application process exited or did not listen in time."""


def free_port(host: str = HOST) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def uvicorn_command(port: int, *, proxy_headers: bool = True, host: str = HOST) -> list[str]:
    """The production command line (docs/OPERATIONS.md): WebSocket pings every 30 s, no per-message deflate;
    ``proxy_headers=False`` adds ``--no-proxy-headers`` (behind a reverse proxy: REMOTE_ADDR stays the peer's
    address, opencpts/clientip.py reads X-Forwarded-For itself)."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "opencpts.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--ws-per-message-deflate",
        "false",
        "--ws-ping-interval",
        "30",
    ]
    if not proxy_headers:
        command.append("--no-proxy-headers")
    return command


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 30, host: str = HOST) -> None:
    """Returns once ``host:port`` accepts connections; ``ServerError`` if the process exits or time is up."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerError(f"the process for port {port} exited ({process.returncode})")
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise ServerError(f"nothing listens on {host}:{port} after {timeout:.0f} s") from None
            time.sleep(0.1)


def start_app(
    env: dict, port: int | None = None, *, proxy_headers: bool = True, output=None
) -> tuple[subprocess.Popen, int]:
    """One application process (not waited for: see ``wait_listening``); ``output``: an open file for its
    stdout and stderr (inherited otherwise). Returns it and its port."""
    port = port or free_port()
    streams = {"stdout": output, "stderr": subprocess.STDOUT} if output is not None else {}
    command = uvicorn_command(port, proxy_headers=proxy_headers)
    return subprocess.Popen(command, cwd=ROOT, env=env, **streams), port  # noqa: S603


def stop(processes, timeout: float = 15) -> None:
    """Terminates the processes (SIGTERM), then kills those still running after ``timeout``."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def app_servers(count: int, env: dict, *, proxy_headers: bool = True):
    """``count`` application processes on free ports, listening; yields their ``127.0.0.1:port`` addresses and
    stops them at the end."""
    started = [start_app(env, proxy_headers=proxy_headers) for _ in range(count)]
    processes = [process for process, _ in started]
    try:
        for process, port in started:
            wait_listening(port, process)
        yield [f"{HOST}:{port}" for _, port in started]
    finally:
        stop(processes)
