"""Logical backups of the PostgreSQL database with the PostgreSQL tools (``pg_dump`` custom format,
``pg_restore``), and what a restored database must pass (``check_restored``): the audit chains verify and
match the last signed checkpoint, every encrypted content decrypts with the keys kept apart.

The tools are run with the connection in the environment (``PGPASSWORD``...), never on the command line. A
restore goes into a new, empty database only: ``restore`` refuses a database that holds any table.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

from audit.models import AuditChainHead
from audit.verify import verify_report
from documents import rotation
from documents.crypto import IntegrityFailure
from opencpts.errors import ActionError
from portability import contents

DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class BackupError(ActionError):
    """A backup or restore step that cannot be done (French message)."""


@dataclass(frozen=True)
class Server:
    """Where a database lives, from Django's ``DATABASES`` entry."""

    host: str
    port: str
    user: str
    password: str
    name: str

    @classmethod
    def from_settings(cls, settings_dict: dict) -> "Server":
        if "postgresql" not in settings_dict.get("ENGINE", ""):
            raise BackupError(
                "Sauvegarde et restauration par pg_dump : PostgreSQL seulement (DATABASE_URL=postgres://…). "
                "La base SQLite de développement se copie comme un fichier, application arrêtée."
            )
        return cls(
            str(settings_dict.get("HOST") or ""),
            str(settings_dict.get("PORT") or ""),
            str(settings_dict.get("USER") or ""),
            str(settings_dict.get("PASSWORD") or ""),
            str(settings_dict["NAME"]),
        )

    def named(self, name: str) -> "Server":
        if not DATABASE_NAME.match(name):
            raise BackupError(f"Nom de base invalide : « {name} » (minuscules, chiffres et _).")
        return Server(self.host, self.port, self.user, self.password, name)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var, value in (("PGHOST", self.host), ("PGPORT", self.port), ("PGUSER", self.user)):
            if value:
                env[var] = value
        if self.password:
            env["PGPASSWORD"] = self.password
        env["PGDATABASE"] = self.name
        return env

    def url(self) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        where = (self.host or "localhost") + (f":{self.port}" if self.port else "")
        return f"postgres://{auth}@{where}/{self.name}"

    def connect(self, name: str | None = None):
        import psycopg

        return psycopg.connect(
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
            dbname=name or self.name,
            autocommit=True,
        )


def current_server() -> Server:
    return Server.from_settings(connection.settings_dict)


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.(\d+))?", version_text)
    if not match:
        raise BackupError(f"Version illisible : {version_text!r}.")
    return int(match.group(1))


def tool_versions(server: Server) -> dict[str, str]:
    """The versions of pg_dump, pg_restore and the server; refuses tools older than the server (pg_dump
    cannot dump a newer server; install the client of the server's major version)."""
    with server.connect() as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]
    versions = {"server": server_version}
    for tool in ("pg_dump", "pg_restore"):
        path = shutil.which(tool)
        if path is None:
            raise BackupError(
                f"{tool} introuvable : installez le client PostgreSQL {_major(server_version)}."
            )
        text = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
        match = re.search(r"\(PostgreSQL\)\s+(\S+)", text)
        versions[tool] = match.group(1) if match else text.strip()
        if _major(versions[tool]) < _major(server_version):
            raise BackupError(
                f"{tool} {versions[tool]} est plus ancien que le serveur PostgreSQL {server_version} : "
                f"installez le client PostgreSQL {_major(server_version)} (postgresql-client-"
                f"{_major(server_version)})."
            )
    return versions


def dump(server: Server, path: Path) -> int:
    """``pg_dump --format=custom`` of the server's database into ``path``; returns its size in bytes."""
    result = subprocess.run(  # noqa: S603 - fixed arguments, connection in the environment
        [shutil.which("pg_dump") or "pg_dump", "--format=custom", "--compress=6", f"--file={path}"],
        env=server.env(),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise BackupError(f"pg_dump a échoué : {result.stderr.strip()[:2000]}")
    return path.stat().st_size


def database_exists(server: Server, name: str) -> bool:
    with server.connect("postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def tables_in(target: Server) -> int:
    """Tables (and views, sequences) outside PostgreSQL's own schemas."""
    with target.connect() as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'"
        ).fetchone()[0]


def create_database(server: Server, name: str) -> Server:
    from psycopg import sql

    target = server.named(name)
    if database_exists(server, name):
        raise BackupError(
            f"La base « {name} » existe déjà : choisissez un autre nom, ou restaurez-y avec --into."
        )
    with server.connect("postgres") as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return target


def drop_database(server: Server, name: str) -> None:
    from psycopg import sql

    if name == server.name:
        raise BackupError("Refus de supprimer la base de l'application.")
    with server.connect("postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(server.named(name).name)))


def require_empty(target: Server) -> None:
    tables = tables_in(target)
    if tables:
        raise BackupError(
            f"La base « {target.name} » n'est pas vide ({tables} tables ou séquences) : une restauration se "
            "fait dans une base neuve et vide, jamais par-dessus des données. Rien n'a été restauré."
        )


def restore(path: Path, target: Server) -> None:
    """``pg_restore`` into ``target``, which must exist and be empty (checked first: nothing is restored
    into a database that holds tables). One transaction: a failed restore leaves the database empty."""
    if not Path(path).is_file():
        raise BackupError(f"Sauvegarde introuvable : {path}.")
    if not database_exists(target, target.name):
        raise BackupError(
            f"La base « {target.name} » n'existe pas : créez-la vide (CREATE DATABASE) d'abord."
        )
    require_empty(target)
    result = subprocess.run(  # noqa: S603 - fixed arguments, connection in the environment
        [
            shutil.which("pg_restore") or "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={target.name}",
            str(path),
        ],
        env=target.env(),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise BackupError(f"pg_restore a échoué (rien n'a été restauré) : {result.stderr.strip()[:2000]}")


@dataclass
class RestoredCheck:
    """What ``check_restored`` found in the database it runs on."""

    audit_entries: int = 0
    audit_problems: list[str] = field(default_factory=list)
    checkpoint: str | None = None  # "line N of <time>"
    chains_at_checkpoint: int = 0  # chains whose head is exactly the checkpoint's
    chains_ahead: int = 0  # chains with entries after the checkpoint (written between it and the backup)
    contents: int = 0
    content_failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.audit_problems and not self.content_failures and self.checkpoint is not None

    def as_json(self) -> str:
        return json.dumps({**self.__dict__, "ok": self.ok}, ensure_ascii=False, sort_keys=True)


def _check_contents(check: RestoredCheck) -> None:
    for store in rotation.STORES:
        for row in store.model.objects.select_related(*store.related).order_by("pk").iterator(chunk_size=50):
            try:
                contents.read_plaintext(store, row)
            except IntegrityFailure as exc:
                check.content_failures.append(f"{store.label} n° {row.pk} : {exc}")
            check.contents += 1


def check_restored() -> RestoredCheck:
    """Run on the restored database (DATABASE_URL pointing at it, the same keys and checkpoint store)."""
    check = RestoredCheck()
    report = verify_report()
    check.audit_entries = report.checked
    check.audit_problems = [f"[{p.kind}] {p.message}" for p in report.problems]
    if report.checkpoint is not None:
        check.checkpoint = f"ligne {report.checkpoint.line_no} du {report.checkpoint.at}"
        heads = {h.chain: (h.seq, h.last_hash) for h in AuditChainHead.objects.all()}
        for chain, (seq, _hash) in report.checkpoint.chains.items():
            if heads.get(chain, (0, ""))[0] == seq:
                check.chains_at_checkpoint += 1
            elif heads.get(chain, (0, ""))[0] > seq:
                check.chains_ahead += 1
    _check_contents(check)
    check.counts = table_counts()
    return check


def table_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if not m._meta.proxy}


@dataclass
class DrillReport:
    versions: dict[str, str]
    database: str
    dump_bytes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    check: dict = field(default_factory=dict)
    count_differences: dict[str, tuple[int, int]] = field(default_factory=dict)
    kept: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.check.get("ok")) and not self.count_differences


def check_in_child(target: Server) -> dict:
    """``restore_check --json`` in a new process whose DATABASE_URL is the restored database: the instance
    an operator would point at it, with this one's keys (environment) and checkpoint store."""
    env = {**os.environ, "DATABASE_URL": target.url()}
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "restore_check", "--json"]
    if settings.OPENCPTS_AUDIT_CHECKPOINT_STORE == "audit.checkpoints.FileCheckpointStore":
        command += ["--checkpoint-file", str(settings.OPENCPTS_AUDIT_CHECKPOINT_FILE)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - this project
    lines = result.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError) as exc:
        raise BackupError(
            f"restore_check a échoué : {(result.stderr or result.stdout).strip()[-2000:]}"
        ) from exc


def drill(
    name: str, dump_path: Path | None, workdir: Path, keep: bool, progress=lambda step: None
) -> DrillReport:
    """Dump this database (or take ``dump_path``), restore it into the new database ``name``, check it in a
    separate process, compare the row counts, then drop it (unless ``keep``)."""
    server = current_server()
    report = DrillReport(tool_versions(server), name)
    target = server.named(name)
    created = not database_exists(server, name)
    if not created:
        require_empty(target)  # before anything: never restore over data
    source_counts = None
    started = time.monotonic()
    if dump_path is None:
        progress("pg_dump")
        source_counts = table_counts()
        dump_path = workdir / f"{name}.dump"
        report.dump_bytes = dump(server, dump_path)
    else:
        report.dump_bytes = Path(dump_path).stat().st_size
    report.seconds["dump"] = time.monotonic() - started
    if created:
        create_database(server, name)
    try:
        progress("pg_restore")
        started = time.monotonic()
        restore(Path(dump_path), target)
        report.seconds["restore"] = time.monotonic() - started
        progress("restore_check")
        started = time.monotonic()
        report.check = check_in_child(target)
        report.seconds["check"] = time.monotonic() - started
    finally:
        report.kept = keep
        if created and not keep:
            drop_database(server, name)
    if source_counts is not None:
        restored = report.check.get("counts", {})
        report.count_differences = {
            label: (n, restored.get(label, 0))
            for label, n in source_counts.items()
            if restored.get(label, 0) != n
        }
    return report
