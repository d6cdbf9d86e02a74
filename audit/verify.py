"""Recompute every chain of the audit trail and report what does not fit."""

from dataclasses import dataclass

from audit.log import GENESIS, compute_hash
from audit.models import AuditChainHead, AuditEntry


@dataclass
class Problem:
    chain: int
    seq: int | None
    entry_id: int | None
    kind: str  # edited | deleted | reordered | truncated
    message: str


def verify(batch_size: int = 5000) -> tuple[int, list[Problem]]:
    """Return (entries checked, problems). Streams each chain in ``seq`` order."""
    problems: list[Problem] = []
    checked = 0
    heads = {h.chain: h for h in AuditChainHead.objects.all()}
    chains = set(heads) | set(AuditEntry.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(chains):
        expected_seq = 1
        prev_hash = GENESIS
        last_seq = 0
        qs = AuditEntry.objects.filter(chain=chain).order_by("seq")
        for entry in qs.iterator(chunk_size=batch_size):
            checked += 1
            if entry.seq != expected_seq:
                problems.append(Problem(chain, expected_seq, None, "deleted",
                                        f"chaîne {chain} : entrée(s) n° {expected_seq} à {entry.seq - 1} absente(s)"))
            # After a gap (reported above) the link cannot be checked; otherwise it must point to the previous entry.
            linked = entry.seq != expected_seq or entry.prev_hash == prev_hash
            if not linked:
                # Checked first: an entry moved to another position (its ``seq`` changed, e.g. two entries
                # swapped) also fails its own hash, but is reordered rather than edited.
                problems.append(Problem(chain, entry.seq, entry.pk, "reordered",
                                        f"chaîne {chain} : l'entrée n° {entry.seq} (id {entry.pk}) ne suit pas "
                                        "l'entrée précédente (ordre modifié ou entrée remplacée)"))
            elif compute_hash(entry) != entry.hash:
                problems.append(Problem(chain, entry.seq, entry.pk, "edited",
                                        f"chaîne {chain} : l'entrée n° {entry.seq} (id {entry.pk}) a été modifiée"))
            prev_hash = entry.hash
            expected_seq = entry.seq + 1
            last_seq = entry.seq
        head = heads.get(chain)
        if head is not None and head.seq != last_seq:
            problems.append(Problem(chain, last_seq + 1, None, "truncated",
                                    f"chaîne {chain} : la tête annonce {head.seq} entrées, {last_seq} trouvées "
                                    "(entrées finales supprimées)"))
        elif head is not None and head.last_hash and head.last_hash != prev_hash:
            problems.append(Problem(chain, last_seq, None, "edited",
                                    f"chaîne {chain} : la dernière entrée ne correspond pas à la tête de chaîne"))
    return checked, problems
