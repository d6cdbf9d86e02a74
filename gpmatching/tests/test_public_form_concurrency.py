"""The public médecin traitant form under concurrent posts (real threads, each with its own database
connection): one signed stamp stores one request; one address stores at most its hourly limit."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from gpmatching import spam
from gpmatching.models import Request
from gpmatching.tests.test_pages import public_data
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def _post_together(cast, payloads, addresses):
    url = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    clients = [Client(REMOTE_ADDR=address) for address in addresses]
    responses = run_together(list(zip(clients, payloads, strict=True)), lambda cp: cp[0].post(url, cp[1]))
    return [response.status_code for response in responses]


def test_twenty_posts_at_once_with_one_stamp_store_one_request(communes_loaded, cast):
    stamp = spam.form_stamp(now=time.time() - 60)
    payloads = [public_data(first_name=f"Paul{k}", stamp=stamp) for k in range(20)]

    statuses = _post_together(cast, payloads, [f"192.0.2.{k + 1}" for k in range(20)])

    assert Request.objects.count() == 1, statuses
    assert statuses.count(302) == 1, statuses


def test_twenty_posts_at_once_from_one_address_store_at_most_the_hourly_limit(communes_loaded, cast):
    payloads = [
        public_data(first_name=f"Paul{k}", stamp=spam.form_stamp(now=time.time() - 60)) for k in range(20)
    ]

    statuses = _post_together(cast, payloads, ["192.0.2.77"] * 20)

    assert Request.objects.count() == spam.PER_IP_PER_HOUR, statuses
    assert statuses.count(302) == spam.PER_IP_PER_HOUR, statuses
