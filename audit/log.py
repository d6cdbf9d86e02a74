"""The one writer of the audit trail.

``record()`` appends an entry to the chain of a CPTS (or the instance chain 0) inside the caller's
transaction, so an entry exists if and only if what it describes was committed. Each new entry is
signed (HMAC-SHA256, version 2) with the current audit key (audit/keys.py). ``record_bulk()`` is the
entry of a write that bypasses the model signals (queryset ``update()``, ``bulk_create()``,
``bulk_update()``): model, ids (or their count), field names, never values.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit import keys
from audit.context import current_actor
from audit.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
INSTANCE_CHAIN = 0
PLAIN, KEYED = 1, 2  # AuditEntry.version
CURRENT_VERSION = KEYED
BULK_IDS_KEPT = 1000  # a bulk entry lists at most this many ids (and always the count)

HASHED_FIELDS = (
    "chain",
    "seq",
    "at",
    "action",
    "actor_id",
    "actor_label",
    "cpts_id",
    "object_type",
    "object_id",
    "object_label",
    "details",
    "ip",
    "request_id",
    "prev_hash",
)
KEYED_FIELDS = (*HASHED_FIELDS, "version", "key_id")


def canonical(entry: AuditEntry) -> bytes:
    data = {}
    for name in HASHED_FIELDS if entry.version == PLAIN else KEYED_FIELDS:
        value = getattr(entry, name)
        if name == "at":
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        data[name] = value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(entry: AuditEntry, ring: keys.AuditKeyring | None = None) -> str:
    """The hash an entry must carry: plain SHA-256 (version 1) or HMAC-SHA256 under its key (version 2).
    Raises KeyError when the entry's key is not configured."""
    if entry.version == PLAIN:
        return hashlib.sha256(canonical(entry)).hexdigest()
    ring = ring or keys.keyring()
    if entry.key_id not in ring.keys:
        raise KeyError(entry.key_id)
    return ring.sign(b"opencpts-audit-entry\n" + canonical(entry), entry.key_id)


# One statement takes the row lock (PostgreSQL) or the write lock (SQLite) and reads the head under it, so two
# writers of one chain queue here instead of forking the chain (both engines support RETURNING). The table is
# AuditChainHead's (audit/tests/test_chain.py reads the head back).
_LOCK_AND_READ = (
    'UPDATE "audit_auditchainhead" SET "seq" = "seq" WHERE "chain" = %s RETURNING "seq", "last_hash"'
)
_MOVE = 'UPDATE "audit_auditchainhead" SET "seq" = %s, "last_hash" = %s WHERE "chain" = %s'


def _lock_head(chain: int) -> AuditChainHead:
    """The head of ``chain``, locked until the end of the transaction (created at its first entry)."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_AND_READ, [chain])
        row = cursor.fetchone()
    if row is not None:
        return AuditChainHead(chain=chain, seq=row[0], last_hash=row[1])
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


def record(
    action: str,
    *,
    obj=None,
    cpts_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    details: dict | None = None,
    actor=None,
) -> AuditEntry:
    """Append one entry. ``obj`` fills the object fields; ``cpts_id`` selects the chain."""
    actor = actor or current_actor()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or label_of(obj)
    chain = cpts_id if cpts_id else INSTANCE_CHAIN
    ring = keys.keyring()
    # No savepoint of its own inside the caller's transaction: if the entry fails, the whole write fails
    # with it (a write is never committed without its entry).
    with transaction.atomic(savepoint=False):
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
            version=CURRENT_VERSION,
            key_id=ring.current_id,
        )
        entry.hash = compute_hash(entry, ring)
        entry.save()
        with connection.cursor() as cursor:
            cursor.execute(_MOVE, [entry.seq, entry.hash, chain])
    return entry


def record_view(obj, *, cpts_id: int | None = None, details: dict | None = None) -> AuditEntry:
    """Trace the view of a record marked sensitive."""
    if cpts_id is None:
        cpts_id = getattr(obj, "cpts_id", None)
    return record(AuditEntry.Action.VIEW, obj=obj, cpts_id=cpts_id, details=details)


def record_bulk(
    action: str,
    model,
    ids: Iterable | None = None,
    fields: Iterable[str] = (),
    *,
    cpts_id: int | None = None,
    count: int | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Trace a write that bypasses the model signals (queryset ``update()``, ``bulk_create()``,
    ``bulk_update()``): one entry naming the model, the ids written (at most ``BULK_IDS_KEPT``, and their
    count) and the field names changed, never the values. Call it in the transaction of the write.

    ``ids`` may be omitted when the rows have no id yet (``bulk_create(ignore_conflicts=True)``): give
    ``count`` instead. ``details`` adds context ids (e.g. the pattern a slot series comes from)."""
    id_list = sorted({str(i) for i in ids}, key=lambda v: (len(v), v)) if ids is not None else []
    data = dict(details or {})
    data["bulk"] = True
    data["count"] = count if count is not None else len(id_list)
    if id_list:
        data["ids"] = id_list[:BULK_IDS_KEPT]
        if len(id_list) > BULK_IDS_KEPT:
            data["ids_truncated"] = True
    if fields:
        data["fields"] = sorted(set(fields))
    return record(
        action,
        cpts_id=cpts_id,
        object_type=model._meta.label_lower,
        object_id=id_list[0] if len(id_list) == 1 else "",
        details=data,
    )
