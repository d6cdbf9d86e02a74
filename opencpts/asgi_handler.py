"""Django's ASGI handler, with the request's middleware chain and view run in one worker thread.

All OpenCPTS middleware and views are synchronous (the ORM is). Django's stock ASGI handler builds an
asynchronous chain and adapts each synchronous piece on its own, so a request moves between the event
loop and its worker thread six times (request_started, the middleware chain, back to the loop for the
inner handler, the CSRF check, the view, the response's close). With two requests in one process each
move waits for the interpreter lock the other holds. Here the whole chain is built synchronously and
entered once: three moves per request (request_started, the chain, the close), measured a third faster
over HTTP. WebSocket traffic does not go through this handler.
"""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

IDLE_WORKERS = 32


class SyncChainASGIHandler(ASGIHandler):
    """Also: each request's worker thread is taken from a pool of idle one-thread executors instead of
    being created (and joined by yet another thread) per request, as asgiref does by default: starting
    threads blocks the event loop, which also carries every WebSocket of the process."""

    def __init__(self):
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = (
            self._idle.pop()
            if self._idle
            else ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
        )
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < IDLE_WORKERS:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)


def get_asgi_application() -> SyncChainASGIHandler:
    import django

    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
