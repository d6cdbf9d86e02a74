"""The demo's projet de CPTS in Bretagne: real communes, synthetic porteurs, its AMI and its lettre
d'intention sent to the ARS."""

from io import StringIO

import pytest

from accounts.models import User
from demo import projects as demo_projects
from projects import letter, submission
from projects.models import LetterDossier, Project, Stage, Submission

pytestmark = pytest.mark.django_db


def test_the_demo_project_is_at_the_letter_stage_and_a_second_run_keeps_it():
    project = demo_projects.seed_project("Demo-Mot-de-passe-2026")
    assert project.is_synthetic and project.stage == Stage.LETTER
    assert project.communes.count() == 7
    assert all(c.commune.region_id == "53" for c in project.communes.select_related("commune"))
    ami = Submission.objects.get(project=project, kind=Submission.Kind.AMI)
    sent = Submission.objects.get(project=project, kind=Submission.Kind.LETTER)
    assert ami.addressee == sent.addressee == "ARS Bretagne" and ami.submitted_at <= sent.submitted_at
    assert submission.content(sent).startswith(b"%PDF")
    assert list(project.stage_changes.values_list("stage", flat=True)) == [
        Stage.INTENTION,
        Stage.AMI,
        Stage.LETTER,
    ]
    filled = LetterDossier.objects.get(project=project).data
    assert letter.missing_letter(filled, sent.submitted_at.date()) == []
    assert filled["patients"] == str(sum(c.commune.population for c in project.communes.all()))
    assert "Médecins généralistes pour 10 000 habitants" in filled["elements_diagnostic"]
    assert [a["nom"] for a in filled["acteurs"]][:2] == ["Solène Le Gall", "Yann Kerjean"]
    plan = project.health_plan
    assert plan.chapters.get(key="contexte").text.startswith("Sept communes")
    sheets = {s.mission: [i.name for i in s.indicators.all()] for s in plan.sheets.all()}
    assert sheets == {
        "access": ["Patients en ALD sans médecin traitant"],
        "prevention": ["Taux de participation au dépistage colorectal"],
    }
    members = project.porteurs.select_related("user")
    assert {m.role for m in members} == {"porteur", "co_porteur"}
    assert all(m.user.is_synthetic for m in members)
    assert [login.email for login in demo_projects.logins()] == [
        "porteuse-fouesnant@demo.opencpts.test",
        "coporteur-fouesnant@demo.opencpts.test",
    ]
    counts = (Project.objects.count(), User.objects.count())
    assert demo_projects.seed_project("Demo-Mot-de-passe-2026") is None
    assert (Project.objects.count(), User.objects.count()) == counts


def test_the_demo_ars_bretagne_referent_follows_the_project_and_commented_its_ami():
    from django.core.management import call_command

    from demo import oversight as demo_oversight
    from projects import access
    from projects.models import Referent, Review

    call_command("seed_demo", stdout=StringIO())
    project = Project.objects.get(name=demo_projects.NAME)
    referent = Referent.objects.get(user__email="ars-bretagne@demo.opencpts.test", active=True)
    assert (referent.body, referent.region_id, referent.user.is_synthetic) == ("ARS", "53", True)
    assert access.is_reviewer(referent.user, project)
    review = Review.objects.get(project=project)
    assert (review.dossier, review.kind, review.scope, review.author) == (
        "ami",
        "comment",
        "ARS Bretagne",
        referent.user,
    )
    assert [login.email for login in demo_oversight.logins()] == ["ars-bretagne@demo.opencpts.test"]
    out = StringIO()
    call_command("seed_demo", stdout=out)  # a second run adds nothing and prints the referent's login
    assert Review.objects.count() == 1 and Referent.objects.count() == 1
    assert "ars-bretagne@demo.opencpts.test" in out.getvalue()
