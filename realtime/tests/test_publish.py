"""Publishing never harms the write it reports: with the channel layer unreachable (Redis down), the
message is stored, the action returns at once and the failure is logged."""

import datetime as dt
import logging
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from coordination import actions
from coordination.models import Consent, Message


@pytest.mark.django_db
def test_a_message_is_stored_when_redis_is_down(cast, django_capture_on_commit_callbacks, caplog):
    patient = actions.create_patient(
        cast.cpts, cast.member, family_name="SANSREDIS", given_names="Ana", birth_date=dt.date(1960, 2, 2)
    )
    circle = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.record_consent(
        circle,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Coordination",
    )
    unreachable = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }  # nothing listens on port 1
    with (
        override_settings(CHANNEL_LAYERS=unreachable),
        caplog.at_level(logging.ERROR, logger="realtime.publish"),
    ):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            message = actions.post_message(circle, cast.member, "Visite faite", subject="Passage")
        elapsed = time.monotonic() - started
    assert Message.objects.filter(pk=message.pk, body="Visite faite").exists()
    assert elapsed < 2.0, elapsed
    assert any("real-time delivery failed" in r.getMessage() for r in caplog.records)
