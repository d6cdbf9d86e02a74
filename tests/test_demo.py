"""`make run`'s demo: a CPTS on its real communes, synthetic people, one account per role, circles."""

import pytest
from django.core.management import call_command

from accounts.models import User
from coordination.models import Group, Message
from cpts import territory as territory_rules
from cpts.models import CPTS, Membership
from directory.models import Professional

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_demo_and_a_second_run_keeps_it(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    out = capsys.readouterr().out
    cpts = CPTS.objects.get(slug="cpts-bugey-sud")
    summary = territory_rules.summary(cpts)
    assert summary.communes == 43 and summary.tier.number == 1
    assert "coordination@demo.opencpts.test" in out and "clé TOTP" in out
    assert Professional.objects.filter(is_synthetic=True, source="rpps").count() > 500
    assert Membership.objects.filter(cpts=cpts, active=True).count() >= 31
    assert not User.objects.filter(email__endswith="@demo.opencpts.test", is_synthetic=False).exists()
    assert Group.objects.filter(cpts=cpts, kind="care_circle").count() == 2
    assert Message.objects.filter(cpts=cpts).count() == 5
    counts = (CPTS.objects.count(), User.objects.count(), Message.objects.count())
    call_command("seed_demo")
    assert (CPTS.objects.count(), User.objects.count(), Message.objects.count()) == counts
    assert "déjà en place" in capsys.readouterr().out
