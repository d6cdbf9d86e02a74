"""Run requests at the same moment from real threads, each with its own database connection (SQLite: the
write lock; PostgreSQL: row locks), as concurrent requests of several application workers would."""

import threading

from django.db import connections


def run_together(clients, request):
    """Send ``request(client)`` from every client at the same moment; the responses in order."""
    barrier = threading.Barrier(len(clients), timeout=60)
    responses: list = [None] * len(clients)
    errors: list = []

    def one(i, client):
        try:
            barrier.wait()
            responses[i] = request(client)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    return responses
