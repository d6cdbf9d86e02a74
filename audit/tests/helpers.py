"""Raw SQL tampering with the audit tables, as an attacker with database access would do it.

On PostgreSQL the append-only triggers refuse UPDATE and DELETE (and TRUNCATE): the tampering tests disable
them inside the test transaction (rolled back afterwards, DDL is transactional on PostgreSQL), as the
tables' owner or a superuser can.
"""

import hashlib
import hmac

from django.db import connection

from audit.log import canonical
from audit.models import AuditEntry

TABLE = "audit_auditentry"
HEADS = "audit_auditchainhead"


def disable_append_only_trigger() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            cursor.execute(f"ALTER TABLE {HEADS} DISABLE TRIGGER USER")


def raw(sql: str, params=()) -> int:
    disable_append_only_trigger()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def guessed_key_hash(entry: AuditEntry) -> str:
    """What an attacker without the audit key can compute: an HMAC under a key of their own."""
    message = b"opencpts-audit-entry\n" + canonical(entry)
    return hmac.new(b"not-the-audit-key-" * 2, message, hashlib.sha256).hexdigest()


def plain_hash_downgrading(entry: AuditEntry) -> str:
    """The other attempt without the key: call the entry an unkeyed (version 1) one and use plain SHA-256."""
    entry.version, entry.key_id = 1, ""
    return hashlib.sha256(canonical(entry)).hexdigest()


def rewrite_chain(chain: int, from_seq: int, hasher, edit=None) -> None:
    """Edit entry ``from_seq`` (``edit(entry)``) and recompute it and every later link and hash with
    ``hasher``, then point the head to the new last hash: the chain is consistent again without the key."""
    entries = list(AuditEntry.objects.filter(chain=chain, seq__gte=from_seq).order_by("seq"))
    prev = entries[0].prev_hash
    for entry in entries:
        if edit is not None and entry.seq == from_seq:
            edit(entry)
        entry.prev_hash = prev
        entry.hash = hasher(entry)
        raw(
            "UPDATE audit_auditentry SET object_label = %s, prev_hash = %s, hash = %s, version = %s, "
            "key_id = %s WHERE id = %s",
            [entry.object_label, entry.prev_hash, entry.hash, entry.version, entry.key_id, entry.pk],
        )
        prev = entry.hash
    raw("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = %s", [prev, chain])
