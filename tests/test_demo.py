"""`make run`'s demo: a CPTS on its real communes, synthetic people, one account per role, circles."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from aci.tiers import territory_summary
from coordination.models import Group, Message
from cpts.models import CPTS, Membership
from directory.models import Professional
from tests.cast import PASSWORD, login

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_demo_and_a_second_run_keeps_it(settings, tmp_path, capsys, client):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    out = capsys.readouterr().out
    cpts = CPTS.objects.get(slug="cpts-bugey-sud")
    summary = territory_summary(cpts)
    # Populations légales 2023 in force on 1 January 2026: 40,556 inhabitants for the 43 communes, tier 2.
    assert summary.communes == 43 and summary.population == 40_556 and summary.tier.number == 2
    assert summary.population_label == "population municipale 2023, en vigueur au 1er janvier 2026"
    coordinator = User.objects.get(email="coordination@demo.opencpts.test")
    coordinator.set_password(PASSWORD)
    coordinator.save()
    login(client, coordinator)
    page = client.get(reverse("cpts:territory", args=[cpts.slug])).content.decode().replace("\u202f", " ")
    assert 'data-testid="population">40 556<' in page.replace("\xa0", " ")
    assert 'data-testid="tier">Taille 2<' in page
    assert "population municipale 2023, en vigueur au 1er janvier 2026" in page
    assert "coordination@demo.opencpts.test" in out and "clé TOTP" in out
    assert Professional.objects.filter(is_synthetic=True, source="rpps").count() > 500
    assert Membership.objects.filter(cpts=cpts, active=True).count() >= 31
    assert not User.objects.filter(email__endswith="@demo.opencpts.test", is_synthetic=False).exists()
    assert Group.objects.filter(cpts=cpts, kind="care_circle").count() == 2
    assert Message.objects.filter(cpts=cpts).count() == 5
    # Unscheduled care: the SAS interface sees the demo's slots (the CPTS has a valid FINESS).
    from directory.identifiers import validate_finess
    from fhirapi import sas
    from unscheduled.models import Slot

    assert validate_finess(cpts.finess) == cpts.finess
    free = Slot.objects.filter(cpts=cpts, status="free").select_related("professional")
    assert free.exists()
    first = free.order_by("start").first()
    query = sas.parse(
        f"{sas.IDENTIFIER_PARAM}={first.professional.idnat}&status=free&_include=Slot:schedule"
        f"&start=ge{first.start.date().isoformat()}&start=le{first.start.date().isoformat()}"
    )
    assert first in sas.find_slots(query)
    # Médecin traitant: a waiting list, GP capacities, a history of placements; the coordinator's matching
    # proposes the demo GP patients, who accepts one.
    from gpmatching import matching
    from gpmatching.models import Capacity, Placement, Proposal, Request

    assert Request.objects.filter(cpts=cpts, status="waiting").count() == 60
    assert Request.objects.filter(cpts=cpts, status="unconfirmed").count() == 2
    assert Placement.objects.filter(cpts=cpts).count() > 20
    gp = User.objects.get(email="medecin@demo.opencpts.test")
    assert Capacity.objects.get(cpts=cpts, professional=gp.professional).per_month == 3
    coordinator = User.objects.get(email="coordination@demo.opencpts.test")
    run = matching.run(cpts, coordinator)
    assert run.optimal and run.placed > 0
    mine = list(Proposal.objects.filter(run=run, professional=gp.professional).values_list("pk", flat=True))
    assert mine, "the demo GP gets proposals"
    matching.send(cpts, coordinator, mine)
    matching.accept(cpts, mine[0], gp)
    assert Request.objects.get(proposals__pk=mine[0]).status == "placed"
    counts = (CPTS.objects.count(), User.objects.count(), Message.objects.count())
    call_command("seed_demo")
    assert (CPTS.objects.count(), User.objects.count(), Message.objects.count()) == counts
    assert Request.objects.filter(cpts=cpts).count() == 62
    assert "déjà en place" in capsys.readouterr().out
