"""Two coordinators add the same commune to two CPTS at the same moment: the database lets one win."""

import threading

import pytest
from django.db import connection, connections

from accounts.models import User
from cpts import actions
from cpts import territory as rules
from cpts.models import TerritoryCommune
from territory.models import Commune


@pytest.mark.django_db(transaction=True)
def test_two_cpts_adding_the_same_commune_at_once_exactly_one_wins(communes_loaded):
    user = User.objects.create_user("race@test.fr", "x")
    first = actions.create_cpts(name="CPTS Course A")
    second = actions.create_cpts(name="CPTS Course B")
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def attempt(cpts):
        try:
            commune = Commune.objects.get(insee="01034")
            barrier.wait()
            rules.add_communes(cpts, [commune], user)
            outcomes[cpts.name] = "ok"
        except rules.TerritoryError as exc:
            outcomes[cpts.name] = exc
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            outcomes[cpts.name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)

    winners = [name for name, outcome in outcomes.items() if outcome == "ok"]
    losers = [outcome for outcome in outcomes.values() if outcome != "ok"]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1
    assert isinstance(losers[0], rules.TerritoryError), repr(losers[0])
    assert winners[0] in losers[0].message
    connection.close()
    links = TerritoryCommune.objects.filter(commune_id="01034")
    assert links.count() == 1
    assert links.get().cpts.name == winners[0]
