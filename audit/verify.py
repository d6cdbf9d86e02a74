"""Recompute every chain of the audit trail, compare it with the last signed checkpoint, report what does
not fit.

Within the database: positions must follow each other from 1, each entry must point to the previous one
and carry the right hash (HMAC under its key for version 2, plain SHA-256 for the version-1 entries written
before the key existed, accepted only before the first keyed entry of their chain), and the chain head must
name the last entry. Against the last valid checkpoint (audit/checkpoints.py): every checkpointed chain must
still exist, reach at least the checkpointed position, and carry the checkpointed hash at that position.
"""

from dataclasses import dataclass, field

from audit import checkpoints, keys
from audit.log import GENESIS, PLAIN, compute_hash
from audit.models import AuditChainHead, AuditEntry
from opencpts.french import count


@dataclass
class Problem:
    chain: int | None  # None: the checkpoint store itself
    seq: int | None
    entry_id: int | None
    kind: str  # edited | deleted | reordered | truncated | missing | rewritten | unknown-key | checkpoint
    message: str


@dataclass
class Report:
    checked: int
    problems: list[Problem]
    checkpoint: checkpoints.Checkpoint | None
    checkpoint_lines: int


def verify(batch_size: int = 5000) -> tuple[int, list[Problem]]:
    """Return (entries checked, problems)."""
    report = verify_report(batch_size)
    return report.checked, report.problems


def verify_report(batch_size: int = 5000) -> Report:
    problems: list[Problem] = []
    checked = 0
    ring = keys.keyring()
    reading = checkpoints.read_checkpoints()
    for line_no, message in reading.problems:
        problems.append(Problem(None, line_no, None, "checkpoint", message))
    wanted = {c: v for c, v in reading.last.chains.items() if v[0] > 0} if reading.last else {}
    heads = {h.chain: h for h in AuditChainHead.objects.all()}
    chains = set(heads) | set(AuditEntry.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(chains):
        walk = _walk(chain, ring, wanted.get(chain, (None,))[0], batch_size)
        checked += walk.checked
        problems += walk.problems
        problems += _against_head(chain, heads.get(chain), walk.last_seq, walk.last_hash)
        if chain in wanted:
            problems += _against_checkpoint(chain, walk.last_seq, walk.hash_at, reading.last)
    for chain in sorted(set(wanted) - chains):
        problems.append(
            Problem(
                chain,
                None,
                None,
                "missing",
                f"chaîne {chain} absente : le point de contrôle du {reading.last.at} en "
                f"attestait {count(wanted[chain][0], 'entrée')} (chaîne supprimée avec sa tête, "
                "ou table vidée)",
            )
        )
    return Report(checked, problems, reading.last, reading.count)


@dataclass
class _Walk:
    """What reading one chain in order found: entries checked, problems, the last position and hash, and the
    hash at the checkpointed position."""

    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    last_seq: int = 0
    last_hash: str = GENESIS
    hash_at: dict[int, str] = field(default_factory=dict)


def _walk(chain: int, ring, checkpointed_seq: int | None, batch_size: int) -> _Walk:
    """Read one chain in order: positions follow each other from 1, each entry points to the previous one and
    carries the right hash."""
    walk = _Walk()
    expected_seq = 1
    keyed_seen = False
    qs = AuditEntry.objects.filter(chain=chain).order_by("seq")
    for entry in qs.iterator(chunk_size=batch_size):
        walk.checked += 1
        if entry.seq != expected_seq:
            walk.problems.append(
                Problem(
                    chain,
                    expected_seq,
                    None,
                    "deleted",
                    _absent(chain, expected_seq, entry.seq - 1),
                )
            )
        problem = _entry_problem(chain, entry, expected_seq, walk.last_hash, keyed_seen, ring)
        if problem is not None:
            walk.problems.append(problem)
        keyed_seen = keyed_seen or entry.version != PLAIN
        if entry.seq == checkpointed_seq:
            walk.hash_at[entry.seq] = entry.hash
        walk.last_hash = entry.hash
        expected_seq = entry.seq + 1
        walk.last_seq = entry.seq
    return walk


def _absent(chain: int, first: int, last: int) -> str:
    if first == last:
        return f"chaîne {chain} : entrée n° {first} absente"
    return f"chaîne {chain} : entrées n° {first} à {last} absentes"


def _entry_problem(chain: int, entry, expected_seq: int, prev_hash: str, keyed_seen: bool, ring):
    """The problem of one entry read at its place in the chain (its link, version, key and hash), or None."""
    name = f"chaîne {chain} : l'entrée n° {entry.seq} (id {entry.pk})"
    # After a gap (reported by the caller) the link cannot be checked; otherwise it must point to the
    # previous entry.
    linked = entry.seq != expected_seq or entry.prev_hash == prev_hash
    if not linked:
        # Checked first: an entry moved to another position (its ``seq`` changed, e.g. two entries
        # swapped) also fails its own hash, but is reordered rather than edited.
        return Problem(
            chain,
            entry.seq,
            entry.pk,
            "reordered",
            f"{name} ne suit pas l'entrée précédente (ordre modifié ou entrée remplacée)",
        )
    if entry.version == PLAIN and keyed_seen:
        return Problem(
            chain,
            entry.seq,
            entry.pk,
            "edited",
            f"{name} se dit non signée après une entrée signée (entrée réécrite)",
        )
    if entry.version != PLAIN and entry.key_id not in ring.keys:
        return Problem(
            chain,
            entry.seq,
            entry.pk,
            "unknown-key",
            f"{name} est signée par une clé inconnue (« {entry.key_id} ») : clé retirée ou entrée forgée",
        )
    if compute_hash(entry, ring) != entry.hash:
        return Problem(chain, entry.seq, entry.pk, "edited", f"{name} a été modifiée")
    return None


def _against_head(chain: int, head: AuditChainHead | None, last_seq: int, last_hash: str) -> list[Problem]:
    """The chain head must name the last entry found."""
    if head is not None and head.seq != last_seq:
        return [
            Problem(
                chain,
                last_seq + 1,
                None,
                "truncated",
                f"chaîne {chain} : la tête annonce {head.seq} entrées, {last_seq} "
                "trouvées (entrées finales supprimées)",
            )
        ]
    if head is not None and head.last_hash and head.last_hash != last_hash:
        return [
            Problem(
                chain,
                last_seq,
                None,
                "edited",
                f"chaîne {chain} : la dernière entrée ne correspond pas à la tête de chaîne",
            )
        ]
    return []


def _against_checkpoint(
    chain: int, last_seq: int, hash_at: dict[int, str], checkpoint: checkpoints.Checkpoint
) -> list[Problem]:
    seq, expected = checkpoint.chains[chain]
    if last_seq < seq:
        return [
            Problem(
                chain,
                last_seq + 1,
                None,
                "truncated",
                f"chaîne {chain} : {count(last_seq, 'entrée trouvée', 'entrées trouvées')}, "
                f"le point de contrôle du "
                f"{checkpoint.at} en attestait {seq} (fin de chaîne coupée et tête ramenée "
                "en arrière)",
            )
        ]
    if seq in hash_at and hash_at[seq] != expected:
        return [
            Problem(
                chain,
                seq,
                None,
                "rewritten",
                f"chaîne {chain} : l'entrée n° {seq} ne correspond pas au point de contrôle du "
                f"{checkpoint.at} (chaîne réécrite)",
            )
        ]
    return []  # a missing entry at that position is already reported as deleted
