"""Signed checkpoints of every chain head, kept outside the database.

``manage.py audit_checkpoint`` (every few minutes, docs/OPERATIONS.md) appends one line to the checkpoint
store: the time, each chain's id with its head's position and hash, the number of chains, the hash of the
previous line, all signed with the audit key (HMAC-SHA256). ``verify_audit`` compares the database with the
last valid line: a chain that disappeared, a tail cut off (even with its head rewound) or an entry rewritten
up to the checkpointed position is reported, which the chain alone cannot show.

The store is a small interface (``append`` one line, ``lines`` in order) so that an object store with a
retention lock (WORM) can replace the append-only file: set ``OPENCPTS_AUDIT_CHECKPOINT_STORE`` to its class.
"""

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from audit import keys
from audit.models import AuditChainHead

FORMAT = 1
SIGNED_PREFIX = b"opencpts-audit-checkpoint\n"


class CheckpointStore(Protocol):
    def append(self, line: str) -> None:
        """Append one line (no newline inside), durably."""

    def lines(self) -> Iterator[str]:
        """Every line appended so far, oldest first."""

    def last_line(self) -> str:
        """The last line appended ("" when none)."""

    def describe(self) -> str:
        """Where the checkpoints are, for messages."""


class FileCheckpointStore:
    """An append-only JSON-lines file (``OPENCPTS_AUDIT_CHECKPOINT_FILE``), written with O_APPEND and fsync.
    Put it on storage the database's administrators cannot write (another host, a mounted WORM volume) or
    ship it off the host (``audit_checkpoint --export``, log shipping)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path or settings.OPENCPTS_AUDIT_CHECKPOINT_FILE)

    def append(self, line: str) -> None:
        if "\n" in line:
            raise ValueError("a checkpoint is one line")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def lines(self) -> Iterator[str]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.strip():
                    yield line.rstrip("\n")

    def last_line(self) -> str:
        """Read from the end of the file: the file grows by one line every few minutes."""
        if not self.path.exists():
            return ""
        with self.path.open("rb") as fh:
            end = fh.seek(0, os.SEEK_END)
            chunk, data = 1 << 16, b""
            position = end
            while position > 0:
                position = max(0, position - chunk)
                fh.seek(position)
                data = fh.read(end - position)
                if data.rstrip(b"\n").count(b"\n") >= 1:
                    break
        lines = [line for line in data.decode("utf-8", errors="replace").split("\n") if line.strip()]
        return lines[-1] if lines else ""

    def describe(self) -> str:
        return str(self.path)


def store() -> CheckpointStore:
    return import_string(settings.OPENCPTS_AUDIT_CHECKPOINT_STORE)()


def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def line_digest(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()


def current_heads() -> dict[int, tuple[int, str]]:
    return {h.chain: (h.seq, h.last_hash) for h in AuditChainHead.objects.order_by("chain")}


def write_checkpoint(
    target: CheckpointStore | None = None, *, even_if_unchanged: bool = False
) -> dict | None:
    """Append a signed checkpoint of every chain head; returns what was written, or None when no head moved
    since the last line (nothing to add: the file stays small through nights and quiet days)."""
    target = target or store()
    ring = keys.keyring()
    previous = target.last_line()
    heads = current_heads()
    chains = {str(chain): [seq, last_hash] for chain, (seq, last_hash) in heads.items()}
    if previous and not even_if_unchanged:
        try:
            if json.loads(previous).get("chains") == chains:
                return None
        except (ValueError, AttributeError):
            pass  # an unreadable last line: write a new one (verify_audit reports the bad line)
    data = {
        "format": FORMAT,
        "at": timezone.now().astimezone(UTC).isoformat(timespec="seconds"),
        "chain_count": len(heads),
        "chains": chains,
        "prev": line_digest(previous) if previous else "",
        "key_id": ring.current_id,
    }
    data["sig"] = ring.sign(SIGNED_PREFIX + _canonical(data))
    target.append(json.dumps(data, sort_keys=True, separators=(",", ":")))
    return data


@dataclass
class Checkpoint:
    line_no: int
    at: str
    chains: dict[int, tuple[int, str]] = field(default_factory=dict)


@dataclass
class CheckpointReading:
    last: Checkpoint | None  # the last line whose signature holds
    problems: list[tuple[int, str]]  # (line number, French message)
    count: int  # lines read


def read_checkpoints(source: CheckpointStore | None = None) -> CheckpointReading:
    """Check every line's signature and its link to the line before; keep the last valid checkpoint."""
    source = source or store()
    ring = keys.keyring()
    problems: list[tuple[int, str]] = []
    last = None
    previous = ""
    count = 0
    for line_no, line in enumerate(source.lines(), start=1):
        count = line_no
        try:
            data = json.loads(line)
            signature = data.pop("sig")
            key_id = data["key_id"]
            chains = {int(c): (int(v[0]), str(v[1])) for c, v in data["chains"].items()}
            declared = int(data["chain_count"])
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            problems.append((line_no, f"point de contrôle ligne {line_no} : illisible"))
            previous = line
            continue
        signed = SIGNED_PREFIX + _canonical(data)
        if not isinstance(signature, str) or not ring.check(signed, key_id, signature):
            reason = "clé inconnue" if key_id not in ring.keys else "signature invalide"
            problems.append((line_no, f"point de contrôle ligne {line_no} : {reason} (ligne falsifiée)"))
            previous = line
            continue
        if data.get("prev", "") != (line_digest(previous) if previous else ""):
            problems.append(
                (
                    line_no,
                    f"point de contrôle ligne {line_no} : ne suit pas la ligne précédente "
                    "(ligne supprimée, insérée ou fichier remplacé)",
                )
            )
        if declared != len(chains):
            problems.append(
                (
                    line_no,
                    f"point de contrôle ligne {line_no} : {declared} chaînes annoncées, "
                    f"{len(chains)} présentes",
                )
            )
        last = Checkpoint(line_no, str(data.get("at", "")), chains)
        previous = line
    return CheckpointReading(last, problems, count)


def export(destination: Path, source: CheckpointStore | None = None) -> int:
    """Copy every checkpoint line, verbatim, to ``destination``; returns the number of lines."""
    source = source or store()
    lines = list(source.lines())
    destination.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)
