"""Two projects with a commune in common send a dossier (their AMI, or one its AMI and the other its lettre
d'intention) at the same moment: one wins, the other is told which project holds the commune (PostgreSQL: row
locks on the communes, the check again under them)."""

import threading

import pytest
from django.db import connection, connections

from accounts.models import User
from opencpts.errors import ActionError
from projects import actions, submission
from projects import territory as rules
from projects.models import Submission
from projects.tests.test_ami import complete_ami
from projects.tests.test_letter import complete_letter
from territory.models import Commune

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("kinds", [("ami", "ami"), ("lettre", "ami")])
def test_two_projects_sending_overlapping_territories_at_once_exactly_one_wins(communes_loaded, kinds):
    communes = list(Commune.objects.filter(epci_id="242900660", kind="COM").order_by("insee"))
    projects = []
    for (name, chosen), kind in zip(
        (("Projet Nord", communes[:5]), ("Projet Sud", communes[3:])), kinds, strict=True
    ):
        user = User.objects.create_user(f"{name.split()[1].lower()}@race.test", "x")
        project = actions.create_project(user, name)
        rules.add_communes(project, chosen, user)
        actions.save_ami(project, complete_ami(), user)
        actions.save_letter(project, complete_letter(), user)
        projects.append((project, user, kind))
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def attempt(project, user, kind):
        try:
            barrier.wait()
            submission.submit(project, kind, user)
            outcomes[project.name] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            outcomes[project.name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=pair) for pair in projects]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    winners = [name for name, outcome in outcomes.items() if outcome == "ok"]
    losers = [outcome for outcome in outcomes.values() if outcome != "ok"]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], ActionError) and losers[0].conflict, repr(losers[0])
    assert f"« {winners[0]} »" in losers[0].message
    connection.close()
    assert list(Submission.objects.values_list("project__name", flat=True)) == winners
