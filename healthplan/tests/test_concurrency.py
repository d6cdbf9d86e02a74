"""Two porteurs save the same chapter from the same version at the same moment (PostgreSQL: the project's row
is locked, so the second save sees the first and merges with it or is refused; no update is lost and no
version is written twice)."""

import threading

import pytest
from django.db import connection, connections

from accounts.models import User
from healthplan import actions
from healthplan.models import Chapter
from projects import actions as project_actions
from projects.models import ProjectMember

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TEXT = "Sept communes.\nTrois MSP.\nUne coopération ancienne."


def _race(project, edits):
    barrier = threading.Barrier(len(edits), timeout=30)
    outcomes = {}

    def attempt(user, text):
        try:
            barrier.wait()
            outcomes[user.email] = actions.save_chapter(project, "contexte", text, 1, user)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            outcomes[user.email] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=edit) for edit in edits]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    connection.close()
    return outcomes


@pytest.fixture
def two_porteurs(db):
    paule = User.objects.create_user("paule@race.test", "x", first_name="Paule")
    cora = User.objects.create_user("cora@race.test", "x", first_name="Cora")
    project = project_actions.create_project(paule, "Projet de la course")
    ProjectMember.objects.create(project=project, user=cora, role=ProjectMember.Role.CO_PORTEUR)
    actions.save_chapter(project, "contexte", TEXT, 0, paule)
    return project, paule, cora


def test_two_saves_of_different_lines_at_once_both_land(two_porteurs):
    project, paule, cora = two_porteurs
    outcomes = _race(project, [(paule, TEXT.replace("Trois MSP.", "Deux MSP.")), (cora, TEXT + "\nUn DAC.")])
    assert all(isinstance(o, actions.Saved) for o in outcomes.values()), outcomes
    assert sum(o.merged for o in outcomes.values()) == 1
    chapter = Chapter.objects.get()
    assert chapter.text == TEXT.replace("Trois MSP.", "Deux MSP.") + "\nUn DAC."
    assert chapter.version == 3 and sorted(chapter.versions.values_list("version", flat=True)) == [1, 2, 3]


def test_two_saves_of_the_same_line_at_once_one_wins_the_other_is_refused(two_porteurs):
    project, paule, cora = two_porteurs
    edits = {paule.email: TEXT.replace("Trois", "Deux"), cora.email: TEXT.replace("Trois", "Quatre")}
    outcomes = _race(project, [(paule, edits[paule.email]), (cora, edits[cora.email])])
    winners = [email for email, o in outcomes.items() if isinstance(o, actions.Saved)]
    losers = [o for o in outcomes.values() if not isinstance(o, actions.Saved)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], actions.EditConflict) and losers[0].theirs == edits[winners[0]]
    chapter = Chapter.objects.get()
    assert chapter.text == edits[winners[0]] and chapter.version == 2 and chapter.versions.count() == 2
