"""nginx (the Debian package, /usr/sbin/nginx) in front of application processes, for
tests/test_behind_nginx.py and bench/soak.py: the repository's configuration deploy/nginx/opencpts.conf
rendered with the caller's values and run in the foreground with its own prefix, logs and temporary folders,
as an unprivileged user."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from opencpts.testing.servers import ROOT, wait_listening

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE_TEMPLATE = ROOT / "deploy" / "nginx" / "opencpts.conf"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

MAIN = """# Test wrapper of deploy/nginx/opencpts.conf (opencpts/testing/nginx.py)
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log info;
events {{ worker_connections 2048; }}
http {{
    client_body_temp_path {work}/tmp/body;
    proxy_temp_path {work}/tmp/proxy;
    fastcgi_temp_path {work}/tmp/fastcgi;
    uwsgi_temp_path {work}/tmp/uwsgi;
    scgi_temp_path {work}/tmp/scgi;
    include {work}/opencpts.conf;
}}
"""


def render(template: str, values: dict[str, str]) -> str:
    """``template`` with every ``{{name}}`` replaced; a missing or unused value is an error."""
    wanted = set(PLACEHOLDER.findall(template))
    if wanted != set(values):
        raise ValueError(
            f"values missing: {sorted(wanted - set(values))}, unused: {sorted(set(values) - wanted)}"
        )
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


@dataclass
class Nginx:
    process: subprocess.Popen
    work: Path

    @property
    def access_log(self) -> Path:
        return self.work / "access.log"

    @property
    def error_log(self) -> Path:
        return self.work / "error.log"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=15)


def start(work: Path, values: dict[str, str], ports: list[int]) -> Nginx:
    """Renders the site with ``values`` (``access_log`` is set here), checks the configuration (``nginx -t``),
    starts nginx and waits until it listens on every port of ``ports``."""
    if not Path(NGINX).exists():
        raise FileNotFoundError(f"nginx is required ({NGINX}; Debian: apt-get install nginx)")
    for folder in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi", "logs"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    for log in ("access.log", "error.log"):
        (work / log).unlink(missing_ok=True)  # a previous run's
    site = render(
        SITE_TEMPLATE.read_text(encoding="utf-8"), {**values, "access_log": str(work / "access.log")}
    )
    (work / "opencpts.conf").write_text(site, encoding="utf-8")
    (work / "nginx.conf").write_text(MAIN.format(work=work), encoding="utf-8")
    command = [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")]
    checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, check=False)  # noqa: S603
    if checked.returncode:
        raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
    process = subprocess.Popen(command)  # noqa: S603
    nginx = Nginx(process, work)
    try:
        for port in ports:
            wait_listening(port, process, timeout=10)
    except Exception:
        nginx.stop()
        raise
    return nginx
