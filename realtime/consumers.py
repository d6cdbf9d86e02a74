"""The WebSocket endpoint ``/ws/``: one connection per open page, events pushed by the server.

Frames to the browser (JSON): ``{"type": "ready"}`` once subscribed (``{"type": "ready", "unread": n}``
when the page reconnects with ``/ws/?resume=1``: it missed the events of the outage, refetches its live
sections and takes the badge's count from this frame); ``{"type": "group", "kind": ...,
"group": id, "object": id, "subject": id}`` for a group event (identifiers only: the page fetches the
content through its own URL, which checks the rules again); ``{"type": "news", "kind": ..., "cpts": id,
"post": id, "object": id}`` for the CPTS news feed; ``{"type": "notification", "unread": n}`` to the
user's own connections; ``{"type": "pong"}``; ``{"type": "error", "message": "..."}`` in French for
anything the client sends but a ping. Clients cannot subscribe to anything: subscriptions are computed
by the server (realtime.access). A connection closes (4401) when its session logs out.
"""

import asyncio
import json
import logging
from collections import OrderedDict

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from notifications.access import unread_count
from realtime import access
from realtime.publish import compact, group_name, news_name, user_name

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
MAX_FRAME = 1024


class ProcessAudiences:
    """Audiences too large to travel with each message (a whole CPTS for a news event), computed once per
    application process and event, when the event arrives, and shared by all the process's connections.
    Fails closed: if the audience cannot be computed, nobody in this process receives the event."""

    def __init__(self, keep: int = 256):
        self.keep = keep
        self._tasks: OrderedDict[str, asyncio.Task] = OrderedDict()

    async def get(self, key: str, compute) -> frozenset:
        loop = asyncio.get_running_loop()
        task = self._tasks.get(key)
        if task is None or task.get_loop() is not loop:
            # A task of its own: a waiting connection that closes does not cancel it for the others.
            task = loop.create_task(self._compute(key, compute))
            self._tasks[key] = task
            while len(self._tasks) > self.keep:
                self._tasks.popitem(last=False)
        return await asyncio.shield(task)

    @staticmethod
    async def _compute(key: str, compute) -> frozenset:
        try:
            return frozenset(await database_sync_to_async(compute)())
        except Exception:  # noqa: BLE001 - fail closed, and say why in the log
            logger.exception("real time: audience %s could not be computed", key)
            return frozenset()


news_audiences = ProcessAudiences()


class RealtimeConsumer(AsyncWebsocketConsumer):
    user_id: int | None = None

    async def dispatch(self, message):
        """As channels' dispatch, without its "close old database connections" before every message: that
        costs a move to a worker thread per message and connection (a third of a process's time at 1,000
        frames per second). This consumer reads the database only through database_sync_to_async, which
        closes stale connections itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.allowed: set[int] = set()
        self.news: set[int] = set()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(access.session_passes_second_factor)(
            user, self.scope.get("session")
        ):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id = user.pk
        session = self.scope.get("session")
        self.session = access.session_fingerprint(getattr(session, "session_key", None))
        await self.accept()
        await self.channel_layer.group_add(user_name(self.user_id), self.channel_name)
        await self._subscribe()
        ready = {"type": "ready"}
        if b"resume=1" in self.scope.get("query_string", b"").split(b"&"):
            # Counted after subscribing: a notification raised from now on arrives as its own frame.
            ready["unread"] = await database_sync_to_async(unread_count)(user)
        await self._send(ready)

    async def disconnect(self, code):
        if self.user_id is None:
            return
        await self.channel_layer.group_discard(user_name(self.user_id), self.channel_name)
        for group_id in self.allowed:
            await self.channel_layer.group_discard(group_name(group_id), self.channel_name)
        for cpts_id in self.news:
            await self.channel_layer.group_discard(news_name(cpts_id), self.channel_name)

    async def _subscribe(self):
        now, news = await database_sync_to_async(access.subscriptions)(self.user_id)
        for group_id in now - self.allowed:
            await self.channel_layer.group_add(group_name(group_id), self.channel_name)
        for group_id in self.allowed - now:
            await self.channel_layer.group_discard(group_name(group_id), self.channel_name)
        self.allowed = now
        for cpts_id in news - self.news:
            await self.channel_layer.group_add(news_name(cpts_id), self.channel_name)
        for cpts_id in self.news - news:
            await self.channel_layer.group_discard(news_name(cpts_id), self.channel_name)
        self.news = news

    async def _send(self, frame: dict):
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None or len(text_data) > MAX_FRAME:
            await self._send({"type": "error", "message": "Message refusé : format non reconnu."})
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._send({"type": "error", "message": "Message refusé : JSON invalide."})
            return
        if content == {"type": "ping"}:
            await self._send({"type": "pong"})
            return
        await self._send(
            {
                "type": "error",
                "message": "Abonnement refusé : les abonnements sont décidés par le "
                "serveur selon vos groupes ; rien n'a été modifié.",
            }
        )

    # Channel-layer handlers ------------------------------------------------------------------------------

    async def group_event(self, message):
        if message["group"] in self.allowed and self.user_id in message["audience"]:
            await self.send(text_data=message["text"])

    async def group_counts(self, message):
        """The unread counts of a group's members after one event, in one message for the whole group (keys
        are user ids as strings, JSON-safe): each connection takes its own user's count."""
        unread = message["counts"].get(str(self.user_id))
        if unread is not None and message["group"] in self.allowed:
            await self.send(text_data=compact({"type": "notification", "unread": int(unread)}))

    async def resync(self, message):
        await self._subscribe()

    async def news_event(self, message):
        if message["cpts"] not in self.news:
            return
        audience = await news_audiences.get(message["key"], lambda: access.news_audience(message["cpts"]))
        if self.user_id in audience:
            await self.send(text_data=message["text"])

    async def session_ended(self, message):
        if message["session"] == self.session:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def direct(self, message):
        await self.send(text_data=message["text"])
