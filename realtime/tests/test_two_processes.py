"""Real time across application processes: a reader connected to process 2 receives, within a second,
the message a writer posts through process 1; both share the Redis channel layer."""

import asyncio
import datetime as dt
import json
import re
import time

import pytest
import websockets
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coordination import actions
from coordination.models import Consent, Message
from realtime.tests.servers import REDIS_TEST_URL, app_servers, redis_available
from tests.cast import login

pytestmark = pytest.mark.django_db(transaction=True)


def session_of(user) -> str:
    client = Client()
    login(client, user)
    return client.cookies["sessionid"].value


def test_a_message_posted_on_one_process_reaches_a_reader_on_another(communes_loaded, cast):
    if not redis_available():
        pytest.fail(f"Redis is required for this test ({REDIS_TEST_URL})")
    patient = actions.create_patient(
        cast.cpts, cast.member, family_name="DEUXPROC", given_names="Alix", birth_date=dt.date(1950, 1, 1)
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
    writer, reader, outsider = session_of(cast.member), session_of(cast.bureau), session_of(cast.coordinator)
    path = reverse("coordination:post_message", args=[cast.cpts.slug, circle.pk])
    page = reverse("coordination:group", args=[cast.cpts.slug, circle.pk])

    with app_servers(2, REDIS_TEST_URL) as (one, two):

        async def scenario():
            def connect(session):
                return websockets.connect(
                    f"ws://{two}/ws/",
                    additional_headers={"Origin": f"http://{two}", "Cookie": f"sessionid={session}"},
                )

            async with connect(reader) as ws, connect(outsider) as other:
                assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "ready"}
                assert json.loads(await asyncio.wait_for(other.recv(), 5)) == {"type": "ready"}

                def post() -> float:
                    import http.client

                    conn = http.client.HTTPConnection(one, timeout=10)
                    cookie = f"sessionid={writer}"
                    conn.request("GET", page, headers={"Cookie": cookie})
                    response = conn.getresponse()
                    html = response.read().decode()
                    assert response.status == 200, html[:300]
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
                    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
                    if csrf_cookie:
                        cookie += f"; csrftoken={csrf_cookie.group(1)}"
                    body = f"csrfmiddlewaretoken={token}&subject=Deux+processus&body=Visite+faite"
                    started = time.monotonic()
                    conn.request(
                        "POST",
                        path,
                        body=body,
                        headers={
                            "Cookie": cookie,
                            "Content-Type": "application/x-www-form-urlencoded",
                            "Referer": f"http://{one}{page}",
                            "Origin": f"http://{one}",
                        },
                    )
                    response = conn.getresponse()
                    response.read()
                    assert response.status == 302, response.status
                    return started

                started = await asyncio.to_thread(post)
                while True:  # other frames may come first (e.g. the reader's unread-notification count)
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if frame["type"] == "group":
                        break
                    assert frame["type"] == "notification", frame
                elapsed = time.monotonic() - started
                assert frame["kind"] == "message.posted" and frame["group"] == circle.pk
                assert elapsed < 1.0, elapsed
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(other.recv(), 0.5)
                return frame

        frame = asyncio.run(scenario())
    assert Message.objects.get(pk=frame["object"]).subject == "Deux processus"
