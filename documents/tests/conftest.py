"""A care circle around a patient: the member initiated it, the bureau member and the partner joined, a
consent is recorded. The coordinator of the CPTS manages it without being a member."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coordination import actions as coordination
from coordination.models import Consent, Group
from tests.cast import Cast


@dataclass
class Circle:
    cast: Cast
    group: Group
    consent: Consent

    def url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs={"slug": self.cast.cpts.slug, "group_id": self.group.pk, **kwargs})


@pytest.fixture
def circle(cast) -> Circle:
    patient = coordination.create_patient(
        cast.cpts,
        cast.member,
        family_name="DOCUMENT",
        given_names="Denise",
        birth_date=dt.date(1944, 2, 3),
        sex="F",
    )
    group = coordination.open_care_circle(cast.cpts, cast.member, patient)
    for user in (cast.bureau, cast.partner):
        coordination.invite(group, cast.member, user)
        coordination.answer_invitation(group, user, accept=True)
    consent = coordination.record_consent(
        group,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Partage dans le cercle",
    )
    return Circle(cast, group, consent)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


# ------------------------------------------------------------------------------------------ object store


@dataclass
class ObjectStore:
    """A bucket of a real S3 server (moto's, on 127.0.0.1) configured as STORAGES["documents"], with a raw
    boto3 client to look at what the bucket really holds."""

    endpoint: str
    bucket: str
    client: object

    def keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {o["Key"] for page in pages for o in page.get("Contents", [])}

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)


REGION = "eu-west-3"
CREDENTIALS = {"aws_access_key_id": "opencpts-test", "aws_secret_access_key": "opencpts-test"}


def storage_options(endpoint: str, bucket: str, **options) -> dict:
    return {
        "BACKEND": "documents.objectstore.CiphertextStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
            **options,
        },
    }


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server in a thread of the test process, on a free port of 127.0.0.1: boto3 and
    django-storages talk to it over HTTP, exactly as to a real store (nothing patched)."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def object_store(s3_server, settings) -> ObjectStore:
    """A fresh bucket, new contents written there (OPENCPTS_DOCUMENT_STORE=s3)."""
    import secrets

    import boto3

    bucket = f"opencpts-test-{secrets.token_hex(6)}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION, **CREDENTIALS)
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {**settings.STORAGES, "documents": storage_options(s3_server, bucket)}
    settings.OPENCPTS_DOCUMENT_STORE = "s3"
    return ObjectStore(s3_server, bucket, client)
