import pytest

from coordination.events import group_event
from coordination.tests.helpers import Received


@pytest.fixture
def events():
    """Domain events delivered (after the commit) while the test runs."""
    received = Received()

    def receiver(sender, event, **kwargs):
        received.append(event)

    group_event.connect(receiver, weak=False, dispatch_uid="coordination-tests-events")
    yield received
    group_event.disconnect(dispatch_uid="coordination-tests-events")
