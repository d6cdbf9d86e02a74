"""Raw SQL tampering with the audit table, as an attacker with database access would do it.

On PostgreSQL the append-only trigger refuses UPDATE and DELETE: the tampering tests disable it
inside the test transaction (rolled back afterwards, DDL is transactional on PostgreSQL).
"""

from django.db import connection

TABLE = "audit_auditentry"


def disable_append_only_trigger() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_entry_no_update")


def raw(sql: str, params=()) -> int:
    disable_append_only_trigger()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
