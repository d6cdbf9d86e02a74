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
from django.utils import timezone

from coordination import actions
from coordination.models import Consent
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
        from django.urls import reverse

        assert client.post(reverse("accounts:login"), {"email": user.email, "password": PASSWORD}).status_code == 302
    return client.cookies["sessionid"].value


def communicator(cookie: str | None) -> WebSocketClient:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebSocketClient(application, "/ws/", headers=headers)


async def open_socket(cookie):
    ws = communicator(cookie)
    connected, code = await ws.connect()
    assert connected, code
    assert json.loads(await ws.receive_from(timeout=3)) == {"type": "ready"}
    return ws


async def nothing_for(ws) -> bool:
    return await ws.receive_nothing(timeout=QUIET)


@pytest.fixture
def world(communes_loaded, cast):
    patient = actions.create_patient(cast.cpts, cast.member, family_name="TEMPSREEL", given_names="Rose",
                                     birth_date=dt.date(1944, 4, 4))
    circle = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.invite(circle, cast.member, cast.bureau)
    actions.answer_invitation(circle, cast.bureau, accept=True)
    actions.record_consent(circle, cast.member, collected_on=timezone.localdate(), method=Consent.Method.ON_SCREEN,
                           scope="Coordination")
    cookies = {name: session_cookie(getattr(cast, name)) for name in ("member", "bureau", "coordinator",
                                                                       "other_coordinator")}
    return cast, circle, cookies


def test_refused_connections(world):
    cast, _, _ = world
    unverified = session_cookie(cast.member, verified=False)

    async def scenario():
        for cookie, code in ((None, CLOSE_UNAUTHENTICATED), ("forged-session-key", CLOSE_UNAUTHENTICATED),
                             (unverified, CLOSE_FORBIDDEN)):
            ws = communicator(cookie)
            connected, close_code = await ws.connect()
            assert not connected and close_code == code
        # A foreign origin is refused before anything else.
        ws = WebSocketClient(application, "/ws/", headers=[(b"origin", b"http://evil.example")])
        connected, _ = await ws.connect()
        assert not connected

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
        message = await database_sync_to_async(actions.post_message)(circle, cast.member, "Tension 15/9",
                                                                    subject="Suivi tensionnel")
        frame = json.loads(await bureau.receive_from(timeout=1))
        assert loop.time() - started < 1.0
        assert frame == {"type": "group", "kind": "message.posted", "group": circle.pk, "object": message.pk,
                         "subject": message.pk}
        assert "Tension" not in json.dumps(frame) and "TEMPSREEL" not in json.dumps(frame)
        assert json.loads(await member.receive_from(timeout=1))["object"] == message.pk  # the author's other tabs
        assert await nothing_for(coordinator)
        assert await nothing_for(other)

        # A removed member stops receiving at once, even with the connection still open.
        await database_sync_to_async(actions.remove_member)(circle, cast.member, cast.bureau)
        assert json.loads(await member.receive_from(timeout=1))["kind"] == "member.removed"
        await bureau.receive_nothing(timeout=QUIET)  # (their own removal frame may or may not arrive)
        while not await bureau.receive_nothing(timeout=0.05):
            pass
        await database_sync_to_async(actions.post_message)(circle, cast.member, "Après retrait", subject="Après")
        assert json.loads(await member.receive_from(timeout=1))["kind"] == "message.posted"
        assert await nothing_for(bureau)

        # Invited again: the invitee hears of the invitation (no content), and of the group's messages only
        # once they have accepted.
        await database_sync_to_async(actions.invite)(circle, cast.member, cast.bureau)
        invitation = json.loads(await bureau.receive_from(timeout=1))
        assert invitation["kind"] == "member.invited" and invitation["group"] == circle.pk
        await member.receive_from(timeout=1)  # member.invited, for the members
        await database_sync_to_async(actions.answer_invitation)(circle, cast.bureau, True)
        await asyncio.sleep(0.1)
        while not await bureau.receive_nothing(timeout=0.05):
            pass
        reply = await database_sync_to_async(actions.post_message)(circle, cast.member, "Bienvenue", parent=message)
        frames = []
        while not await bureau.receive_nothing(timeout=0.2):
            frames.append(json.loads(await bureau.receive_from()))
        assert {"type": "group", "kind": "message.replied", "group": circle.pk, "object": reply.pk,
                "subject": message.pk} in frames

        for ws in (member, bureau, coordinator, other):
            await ws.disconnect()

    async_to_sync(scenario)()


def test_closure_and_consent_withdrawal_stop_new_content(world):
    cast, circle, cookies = world

    async def scenario():
        bureau = await open_socket(cookies["bureau"])
        consent = await database_sync_to_async(lambda: circle.consents.get())()
        await database_sync_to_async(actions.withdraw_consent)(consent, cast.member)
        assert json.loads(await bureau.receive_from(timeout=1))["kind"] == "consent.withdrawn"
        with pytest.raises(Exception, match="consentement"):
            await database_sync_to_async(actions.post_message)(circle, cast.member, "Refusé", subject="Refusé")
        assert await nothing_for(bureau)
        await database_sync_to_async(actions.close_group)(circle, cast.member)
        assert json.loads(await bureau.receive_from(timeout=1))["kind"] == "group.closed"
        with pytest.raises(Exception, match="clôturé"):
            await database_sync_to_async(actions.post_message)(circle, cast.member, "Refusé", subject="Refusé")
        assert await nothing_for(bureau)
        await bureau.disconnect()

    async_to_sync(scenario)()
