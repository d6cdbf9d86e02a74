"""SQLite backend that reuses open connections within an application process.

Under ASGI, Django serves each request in its own thread and context, so persistent connections
(``CONN_MAX_AGE``) are never reused and every request opens SQLite again. Opening is cheap, but the
first statement of a new connection parses the whole schema (about a hundred tables, their indexes and
the R*Tree): about 1.2 ms on the project's machine, a third of a directory search request. This backend
keeps up to ``POOL_SIZE`` idle connections per database file and process and hands them to the next
request. A connection goes back to the pool only in a clean state: no transaction open (rolled back
otherwise), not closed in the middle of an atomic block; Django then re-applies autocommit on checkout.

Used by the embedded default (``opencpts/settings.py``); PostgreSQL uses psycopg's pool instead.
"""

import queue
import threading

from django.db.backends.sqlite3 import base

_pools: dict[str, queue.LifoQueue] = {}
_lock = threading.Lock()


def _pool_for(name: str, size: int) -> queue.LifoQueue:
    with _lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = queue.LifoQueue(maxsize=size)
        return pool


def clear_pools() -> None:
    """Close every idle connection (tests, or before deleting a database file)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        while True:
            try:
                pool.get_nowait().close()
            except queue.Empty:
                break


class DatabaseWrapper(base.DatabaseWrapper):
    def _pool(self) -> queue.LifoQueue | None:
        size = int(self.settings_dict.get("POOL_SIZE") or 0)
        if size <= 0 or self.is_in_memory_db():
            return None
        return _pool_for(str(self.settings_dict["NAME"]), size)

    def get_new_connection(self, conn_params):
        pool = self._pool()
        if pool is not None:
            try:
                return pool.get_nowait()
            except queue.Empty:
                pass
        return super().get_new_connection(conn_params)

    def _close(self):
        pool = self._pool()
        conn = self.connection
        if pool is None or conn is None or self.in_atomic_block:
            return super()._close()
        try:
            if conn.in_transaction:
                conn.rollback()
            pool.put_nowait(conn)
        except (queue.Full, base.Database.Error):
            return super()._close()
        return None
