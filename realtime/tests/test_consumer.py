"""Real-time delivery through the WebSocket consumer and the in-process channel layer: who receives
what, and when. Transactional: the consumer reads the database from its own threads, and events leave
only after a real commit."""

import asyncio
import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coordination import actions
from coordination.models import Consent
from cpts.models import Membership
from opencpts.asgi import application
from realtime.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from realtime.tests.wsclient import WebSocketClient
from tests.cast import PASSWORD, login

pytestmark = pytest.mark.django_db(transaction=True)
QUIET = 0.3  # seconds to wait for a frame that must not come


def session_cookie(user, verified=True) -> str:
    client = Client()
    if verified:
        login(client, user)
    else:  # password only: the second factor is still pending
        assert (
            client.post(reverse("accounts:login"), {"email": user.email, "password": PASSWORD}).status_code
            == 302
        )
    return client.cookies["sessionid"].value


def communicator(cookie: str | None, path: str = "/ws/") -> WebSocketClient:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebSocketClient(application, path, headers=headers)


async def open_socket(cookie):
    ws = communicator(cookie)
    connected, code = await ws.connect()
    assert connected, code
    assert json.loads(await ws.receive_from(timeout=3)) == {"type": "ready"}
    return ws


async def nothing_for(ws) -> bool:
    """No frame at all (not even a notification count) within QUIET seconds."""
    return await ws.receive_nothing(timeout=QUIET)


async def next_frame(ws, timeout: float = 1) -> dict:
    """The next frame other than the user's unread-notification counts (the notifications app sends those
    after its own commits, in any order relative to the group's frames)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        frame = json.loads(await ws.receive_from(timeout=max(left, 0.01)))
        if frame["type"] != "notification":
            return frame


async def drain(ws) -> list[dict]:
    """Every frame until QUIET seconds of silence."""
    frames = []
    while not await ws.receive_nothing(timeout=QUIET):
        frames.append(json.loads(await ws.receive_from()))
    return frames


@pytest.fixture
def world(communes_loaded, cast):
    patient = actions.create_patient(
        cast.cpts, cast.member, family_name="TEMPSREEL", given_names="Rose", birth_date=dt.date(1944, 4, 4)
    )
    circle = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.invite(circle, cast.member, cast.bureau)
    actions.answer_invitation(circle, cast.bureau, accept=True)
    actions.record_consent(
        circle,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Coordination",
    )
    cookies = {
        name: session_cookie(getattr(cast, name))
        for name in ("member", "bureau", "coordinator", "other_coordinator")
    }
    return cast, circle, cookies


def test_refused_connections_and_personal_frames(world):
    cast, circle, cookies = world
    from notifications import signals

    unverified = session_cookie(cast.member, verified=False)

    async def scenario():
        for cookie, code in (
            (None, CLOSE_UNAUTHENTICATED),
            ("forged-session-key", CLOSE_UNAUTHENTICATED),
            (unverified, CLOSE_FORBIDDEN),
        ):
            ws = communicator(cookie)
            connected, close_code = await ws.connect()
            assert not connected and close_code == code
        # A foreign origin is refused before anything else.
        ws = WebSocketClient(application, "/ws/", headers=[(b"origin", b"http://evil.example")])
        connected, _ = await ws.connect()
        assert not connected

        # The unread count of a user's notifications (what notifications.signals.unread_counts_changed
        # delivers after the notifications' commit) reaches that user's connections only.
        member = await open_socket(cookies["member"])
        bureau = await open_socket(cookies["bureau"])
        # Through the notifications app's signal, as in production.
        await database_sync_to_async(signals.unread_counts_changed.send)(
            sender=None, counts={cast.member.pk: 3}
        )
        assert json.loads(await member.receive_from(timeout=1)) == {"type": "notification", "unread": 3}
        assert await nothing_for(bureau)
        # About one group: its readers' counts travel together on the group's channel, each connection taking
        # its own; someone outside the group (the coordinator) gets theirs on their own channel.
        coordinator = await open_socket(cookies["coordinator"])
        await database_sync_to_async(signals.unread_counts_changed.send)(
            sender=None,
            counts={cast.member.pk: 4, cast.bureau.pk: 2, cast.coordinator.pk: 7},
            group_id=circle.pk,
        )
        assert json.loads(await member.receive_from(timeout=1)) == {"type": "notification", "unread": 4}
        assert json.loads(await bureau.receive_from(timeout=1)) == {"type": "notification", "unread": 2}
        assert json.loads(await coordinator.receive_from(timeout=1)) == {"type": "notification", "unread": 7}
        for ws in (member, bureau, coordinator):
            assert await nothing_for(ws)
        await coordinator.disconnect()

        # Logging out closes the connections of that session, and only those.
        second = await open_socket(
            await database_sync_to_async(session_cookie)(cast.member)
        )  # another session

        def log_out():
            client = Client()
            client.cookies["sessionid"] = cookies["member"]
            assert client.post(reverse("accounts:logout")).status_code == 302

        await database_sync_to_async(log_out)()
        closed = await member.receive_output(timeout=1)
        assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
        assert await nothing_for(second)
        for ws in (second, bureau):
            await ws.disconnect()

    async_to_sync(scenario)()


def test_members_receive_events_after_commit_and_nobody_else(world):
    cast, circle, cookies = world

    async def scenario():
        member = await open_socket(cookies["member"])
        bureau = await open_socket(cookies["bureau"])  # active member of the circle
        coordinator = await open_socket(cookies["coordinator"])  # manages the CPTS, not in the circle
        other = await open_socket(cookies["other_coordinator"])  # another CPTS

        # Forged or replayed subscriptions are refused with a French message, and change nothing.
        await coordinator.send_to(text_data=json.dumps({"type": "subscribe", "group": circle.pk}))
        refused = json.loads(await coordinator.receive_from(timeout=2))
        assert refused["type"] == "error" and refused["message"].startswith("Abonnement refusé")
        await coordinator.send_to(text_data="{not json")
        assert json.loads(await coordinator.receive_from(timeout=2))["type"] == "error"
        await coordinator.send_to(text_data=json.dumps({"type": "ping"}))
        assert json.loads(await coordinator.receive_from(timeout=2)) == {"type": "pong"}

        # Nothing before the commit, nothing after a rollback.
        def post_and_roll_back():
            try:
                with transaction.atomic():
                    actions.post_message(circle, cast.member, "Annulé", subject="Brouillon")
                    raise RuntimeError
            except RuntimeError:
                pass

        await database_sync_to_async(post_and_roll_back)()
        assert await nothing_for(bureau)

        loop = asyncio.get_running_loop()
        started = loop.time()
        message = await database_sync_to_async(actions.post_message)(
            circle, cast.member, "Tension 15/9", subject="Suivi tensionnel"
        )
        frame = await next_frame(bureau)
        assert loop.time() - started < 1.0
        assert frame == {
            "type": "group",
            "kind": "message.posted",
            "group": circle.pk,
            "object": message.pk,
            "subject": message.pk,
        }
        assert "Tension" not in json.dumps(frame) and "TEMPSREEL" not in json.dumps(frame)
        assert (await next_frame(member))["object"] == message.pk  # the author's other tabs
        assert all(
            f["type"] in ("group", "notification") and "Tension" not in json.dumps(f)
            for f in await drain(bureau)
        )
        assert await nothing_for(coordinator)
        assert await nothing_for(other)

        # A removed member stops receiving at once, even with the connection still open.
        await database_sync_to_async(actions.remove_member)(circle, cast.member, cast.bureau)
        assert (await next_frame(member))["kind"] == "member.removed"
        await drain(bureau)  # (their own removal frame may or may not arrive)
        await database_sync_to_async(actions.post_message)(
            circle, cast.member, "Après retrait", subject="Après"
        )
        assert (await next_frame(member))["kind"] == "message.posted"
        assert await nothing_for(bureau)  # neither the message's frame nor a notification

        # Invited again: the invitee hears of the invitation (no content), and of the group's messages only
        # once they have accepted.
        await database_sync_to_async(actions.invite)(circle, cast.member, cast.bureau)
        invitation = await next_frame(bureau)
        assert invitation == {
            "type": "group",
            "kind": "member.invited",
            "group": circle.pk,
            "object": invitation["object"],
            "subject": None,
        }
        assert (await next_frame(member))["kind"] == "member.invited"  # for the members
        await database_sync_to_async(actions.answer_invitation)(circle, cast.bureau, True)
        await drain(bureau)
        await drain(member)
        reply = await database_sync_to_async(actions.post_message)(
            circle, cast.member, "Bienvenue", parent=message
        )
        frames = await drain(bureau)
        assert {
            "type": "group",
            "kind": "message.replied",
            "group": circle.pk,
            "object": reply.pk,
            "subject": message.pk,
        } in frames

        # After the consent is withdrawn, then after closure, nothing new can be posted: nothing is sent.
        consent = await database_sync_to_async(lambda: circle.consents.get())()
        await database_sync_to_async(actions.withdraw_consent)(consent, cast.member)
        assert (await next_frame(bureau))["kind"] == "consent.withdrawn"
        await drain(bureau)
        with pytest.raises(Exception, match="consentement"):
            await database_sync_to_async(actions.post_message)(
                circle, cast.member, "Refusé", subject="Refusé"
            )
        assert await nothing_for(bureau)
        await database_sync_to_async(actions.close_group)(circle, cast.member)
        assert (await next_frame(bureau))["kind"] == "group.closed"
        await drain(bureau)
        with pytest.raises(Exception, match="clôturé"):
            await database_sync_to_async(actions.post_message)(
                circle, cast.member, "Refusé", subject="Refusé"
            )
        assert await nothing_for(bureau)
        assert await nothing_for(coordinator) and await nothing_for(other)

        for ws in (member, bureau, coordinator, other):
            await ws.disconnect()

    async_to_sync(scenario)()


def test_process_audiences_are_computed_once_and_fail_closed():
    from realtime.consumers import ProcessAudiences

    calls = []

    def compute():
        calls.append(1)
        return [1, 2]

    def broken():
        raise RuntimeError("database down")

    async def scenario():
        audiences = ProcessAudiences(keep=2)
        results = await asyncio.gather(*(audiences.get("event-1", compute) for _ in range(20)))
        assert all(r == frozenset({1, 2}) for r in results) and len(calls) == 1
        assert await audiences.get("event-2", broken) == frozenset()  # nobody receives it
        await audiences.get("event-3", compute)
        assert "event-1" not in audiences._tasks  # bounded

    async_to_sync(scenario)()


def test_news_events_reach_the_cpts_members_only(world):
    from news import actions as news_actions

    cast, _, cookies = world

    async def scenario():
        member = await open_socket(cookies["member"])
        other = await open_socket(cookies["other_coordinator"])  # another CPTS
        post = await database_sync_to_async(news_actions.publish_post)(
            cast.cpts, cast.coordinator, kind="annonce", title="Réunion plénière", body="Jeudi à 20 h."
        )
        frame = await next_frame(member)
        assert frame == {
            "type": "news",
            "kind": "post.published",
            "cpts": cast.cpts.pk,
            "post": post.pk,
            "object": post.pk,
        }
        assert "plénière" not in json.dumps(frame)
        await drain(member)
        assert await nothing_for(other)
        # A member whose membership ends while connected receives nothing more.
        await database_sync_to_async(
            lambda: Membership.objects.filter(cpts=cast.cpts, user=cast.member).update(active=False)
        )()
        await database_sync_to_async(news_actions.publish_post)(
            cast.cpts,
            cast.coordinator,
            kind="annonce",
            title="Deuxième",
            body="Rien pour les anciens membres.",
        )
        assert await nothing_for(member)
        for ws in (member, other):
            await ws.disconnect()

    async_to_sync(scenario)()


def test_a_reconnection_gets_the_unread_count_with_its_ready_frame(world):
    """A page back after an outage (``/ws/?resume=1``) missed the notification frames meanwhile: its ready
    frame carries the count; a first connection's does not (the page was just rendered with it)."""
    from notifications.access import unread_count

    cast, circle, cookies = world
    actions.post_message(circle, cast.member, "Pendant la coupure", subject="Coupure")
    unread = unread_count(cast.bureau)
    assert unread > 0

    async def scenario():
        first = await open_socket(cookies["bureau"])  # asserts a bare {"type": "ready"}
        await first.disconnect()
        again = communicator(cookies["bureau"], "/ws/?resume=1")
        connected, code = await again.connect()
        assert connected, code
        assert json.loads(await again.receive_from(timeout=3)) == {"type": "ready", "unread": unread}
        await again.disconnect()

    async_to_sync(scenario)()
