"""The one writer of the audit trail.

``record()`` appends an entry to the chain of a CPTS (or the instance chain 0) inside the caller's
transaction, so an entry exists if and only if what it describes was committed.
"""

import hashlib
import json
from datetime import UTC

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit.context import current_actor
from audit.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
INSTANCE_CHAIN = 0

HASHED_FIELDS = (
    "chain", "seq", "at", "action", "actor_id", "actor_label", "cpts_id", "object_type",
    "object_id", "object_label", "details", "ip", "request_id", "prev_hash",
)


def canonical(entry: AuditEntry) -> bytes:
    data = {}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        if name == "at":
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        data[name] = value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def _lock_head(chain: int) -> AuditChainHead:
    # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before we read the head,
    # so two writers of one chain queue here instead of forking the chain.
    if not AuditChainHead.objects.filter(chain=chain).update(seq=F("seq")):
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(chain=chain)
        except IntegrityError:
            pass  # created concurrently
    return AuditChainHead.objects.select_for_update().get(chain=chain)


def label_of(obj) -> str:
    try:
        return str(obj)[:255]
    except Exception:  # noqa: BLE001 - a label must never break the write it describes
        return ""


def record(action: str, *, obj=None, cpts_id: int | None = None, object_type: str = "",
           object_id: str = "", object_label: str = "", details: dict | None = None,
           actor=None) -> AuditEntry:
    """Append one entry. ``obj`` fills the object fields; ``cpts_id`` selects the chain."""
    actor = actor or current_actor()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or label_of(obj)
    chain = cpts_id if cpts_id else INSTANCE_CHAIN
    with transaction.atomic():
        head = _lock_head(chain)
        entry = AuditEntry(
            chain=chain,
            seq=head.seq + 1,
            at=timezone.now(),
            action=action,
            actor_id=actor.user_id,
            actor_label=actor.label[:255],
            cpts_id=cpts_id,
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            object_label=object_label[:255],
            details=details or {},
            ip=actor.ip,
            request_id=actor.request_id[:64],
            prev_hash=head.last_hash or GENESIS,
        )
        entry.hash = compute_hash(entry)
        entry.save()
        AuditChainHead.objects.filter(chain=chain).update(seq=entry.seq, last_hash=entry.hash)
    return entry


def record_view(obj, *, cpts_id: int | None = None, details: dict | None = None) -> AuditEntry:
    """Trace the view of a record marked sensitive."""
    if cpts_id is None:
        cpts_id = getattr(obj, "cpts_id", None)
    return record(AuditEntry.Action.VIEW, obj=obj, cpts_id=cpts_id, details=details)
