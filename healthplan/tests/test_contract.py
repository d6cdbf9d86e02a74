"""At the ACI signature, the fiches-actions' indicators become the contract's objectives without re-entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aci.models import Contract, Indicator, IndicatorStep
from audit.models import AuditEntry
from healthplan import contract as carry
from healthplan.tests.conftest import sheet_data, two_sheets
from opencpts.errors import ActionError
from projects import conversion
from tests.cast import login


@pytest.fixture
def cpts(project, porteur):
    two_sheets(project, porteur)
    return conversion.convert(project, porteur)


def test_a_project_with_two_fiches_becomes_a_cpts_whose_contract_starts_with_their_objectives(cpts, porteur):
    signed = carry.sign_from_plan(cpts, porteur, signed_on=timezone.localdate(), optional=[])
    contract = Contract.objects.get(cpts=cpts)
    assert signed.contract == contract and contract.schedules.exists()
    rows = {
        i.name: (i.mission.mission.code, i.unit, i.direction, i.baseline, i.source_note)
        for i in Indicator.objects.filter(contract=contract)
    }
    assert rows == {
        "Patients en ALD sans médecin traitant": (
            "access",
            "count",
            "lower",
            Decimal("220"),
            "CPAM du Finistère",
        ),
        "Taux de participation au dépistage colorectal": (
            "prevention",
            "percent",
            "higher",
            Decimal("28.5"),
            "Rézone CPTS",
        ),
    }
    steps = {
        s.indicator.name: (s.contract_year, s.label, s.threshold, s.amount)
        for s in IndicatorStep.objects.all()
    }
    assert steps["Patients en ALD sans médecin traitant"] == (
        1,
        carry.STEP_LABEL,
        Decimal("100"),
        Decimal("0"),
    )
    assert steps["Taux de participation au dépistage colorectal"][2] == Decimal("35")
    ald = Indicator.objects.get(name__startswith="Patients")
    assert (
        "Cible du projet de santé : 100 (nombre)" in ald.definition
        and "Un médecin traitant" in ald.definition
    )
    assert AuditEntry.objects.filter(chain=cpts.pk, details__decision="objectives_from_health_plan").exists()


def test_an_optional_mission_not_chosen_is_left_out_and_the_same_name_twice_is_told_apart(project, porteur):
    two_sheets(project, porteur)
    carry_more = sheet_data(title="Une deuxième fiche d'accès")
    from healthplan import actions

    actions.create_sheet(project, porteur, carry_more)  # same indicator name as the first fiche
    actions.create_sheet(
        project, porteur, sheet_data(mission="quality", title="Qualité", indicators=[{"name": "Revues"}])
    )
    cpts = conversion.convert(project, porteur)
    signed = carry.sign_from_plan(cpts, porteur, signed_on=timezone.localdate(), optional=[])
    assert [i.name for i in signed.left_out] == ["Revues"]
    names = sorted(i.name for i in signed.carried)
    assert "Patients en ALD sans médecin traitant — Une deuxième fiche d'accès" in names and len(names) == 3


def test_a_refused_signature_keeps_nothing(cpts, porteur):
    with pytest.raises(ActionError):
        carry.sign_from_plan(
            cpts, porteur, signed_on=timezone.localdate() + dt.timedelta(days=800), optional=[]
        )
    assert not Contract.objects.exists() and not Indicator.objects.exists()


def test_the_signature_page_carries_the_objectives_over(client, cpts, porteur):
    login(client, porteur)
    page = client.get(reverse("aci:sign", args=[cpts.slug])).content.decode()
    assert "Les 2 indicateurs des fiches-actions du projet de santé deviendront" in page
    response = client.post(
        reverse("aci:sign", args=[cpts.slug]),
        {
            "signed_on": timezone.localdate().isoformat(),
            "population": "30000",
            "population_on": "",
            "population_source": "INSEE",
        },
        follow=True,
    )
    assert "2 objectifs repris du projet de santé" in response.content.decode()
    assert Indicator.objects.filter(contract__cpts=cpts).count() == 2


def test_the_signature_page_checks_the_optional_missions_of_the_fiches(client, project, porteur):
    from healthplan import actions

    actions.create_sheet(project, porteur, sheet_data(mission="quality", title="Revues de pertinence"))
    cpts = conversion.convert(project, porteur)
    login(client, porteur)
    page = client.get(reverse("aci:sign", args=[cpts.slug])).content.decode()
    assert 'name="optional" value="quality" checked' in page
    assert 'name="optional" value="support" checked' not in page
