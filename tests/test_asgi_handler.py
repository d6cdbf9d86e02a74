"""The ASGI entry point serves requests with the whole middleware chain in one worker thread."""

import asyncio

import pytest
from asgiref import sync

from opencpts.asgi import http_application as application
from opencpts.asgi_handler import SyncChainASGIHandler


def _get(path: str) -> tuple[int, dict, int]:
    """Serve one GET through the ASGI application; returns (status, headers, thread moves)."""
    moves = 0
    original = sync.SyncToAsync.__call__

    def counting(self, *args, **kwargs):
        nonlocal moves
        moves += 1
        return original(self, *args, **kwargs)

    async def run():
        sent, done = [], asyncio.Event()
        calls = 0

        async def receive():
            nonlocal calls
            calls += 1
            if calls == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        await application(scope, receive, send)
        done.set()
        return sent

    sync.SyncToAsync.__call__ = counting
    try:
        sent = asyncio.run(run())
    finally:
        sync.SyncToAsync.__call__ = original
    start = sent[0]
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, moves


@pytest.mark.django_db
def test_a_request_crosses_the_middleware_chain_in_one_move():
    assert isinstance(application, SyncChainASGIHandler)
    status, headers, moves = _get("/healthz")
    assert status == 200
    # The middleware still ran (request id, CSP, security headers) ...
    assert headers["x-request-id"] and "default-src" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    # ... in 3 moves: request_started, the chain with the view, the response's close (the stock handler: 6).
    assert moves == 3
