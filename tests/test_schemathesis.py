"""The JSON API keeps its own promise: schemathesis generates requests from /api/openapi.json and checks every
answer (no 5xx, status codes documented, bodies valid against their schema, content types). In-process through
the WSGI application, on the test database, as the coordinator of a CPTS with data (a contract, news), with a
small derandomized number of examples per operation so that the run is bounded and repeatable."""

import datetime as dt

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.models import APIToken
from opencpts.api import api
from opencpts.wsgi import application

pytestmark = pytest.mark.django_db

# The document served at /api/openapi.json (the same call as its view), loaded at collection time, when the
# database is not open yet; requests then go to the WSGI application in-process.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application
TOKEN: dict[str, str] = {}  # the raw API token of the module's coordinator


@schema.auth(refresh_interval=None)
class BearerToken:
    """Declared to schemathesis as the credentials, so that its check "authentication is enforced" replays
    requests without them and with an invalid token, and expects 401."""

    def get(self, case, context):
        return TOKEN.get("raw", "")

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """Built once for the module inside an outer transaction rolled back at the end (each test's own
    transaction is a savepoint in it), so the thirty operations do not rebuild a CPTS, a contract and news
    each."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, transaction

    from demo.aci import seed_aci
    from news import actions as news
    from news.models import Post
    from tests.cast import make_cast

    # As Django's test client does: the transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            cast = make_cast()
            seed_aci(cast.cpts)
            news.publish_post(
                cast.cpts,
                cast.coordinator,
                kind=Post.Kind.ANNOUNCEMENT,
                pinned=True,
                title="Bienvenue",
                body="Le fil de la CPTS.",
            )
            event = news.publish_post(
                cast.cpts,
                cast.coordinator,
                kind=Post.Kind.EVENT,
                title="Soirée RCP",
                body="Plaies chroniques.",
                event_time=dt.time(19, 30),
                event_date=timezone.localdate() + dt.timedelta(days=7),
                place="Salle des fêtes",
                commune_insee="01034",
            )
            news.add_comment(event, cast.member, "J'y serai.")
            news.delete_comment(news.add_comment(event, cast.member, "Erreur"), cast.member)
            _, TOKEN["raw"] = APIToken.issue(cast.coordinator)
            yield {"cast": cast}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_answers_as_documented(case, api_world, db):
    if "slug" in (case.path_parameters or {}):  # the CPTS with data, not a random slug (always 404)
        case.path_parameters["slug"] = api_world["cast"].cpts.slug
    case.cookies = {}  # no generated session cookie beside the token: the token speaks
    # Not "schema-valid data accepted": business rules refuse some schema-valid values with a documented 400
    # (an unknown commune, a date without a grid in force, a point outside the territory).
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
