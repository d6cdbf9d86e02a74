"""Objectives and indicators of the contract (aci.indicators): definitions, graded steps per year, the step
reached and the variable part earned, results (entered or computed from the platform's activity, closed per
year), attainment feeding the payment schedule, and the justificatifs encrypted at rest."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aci import contracts
from aci import indicators as rules
from aci.indicators import StepInput
from aci.models import Evidence, ExpectedPayment, Indicator, IndicatorResult, IndicatorStep
from coordination import actions as coordination
from documents import crypto
from documents.tests import samples
from gpmatching.models import Placement
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db

CORE = ["access", "crisis", "pathways", "prevention"]
SIGNED = dt.date(2025, 1, 15)  # year 1: 15/01/2025 – 14/01/2026
NNBSP = "\u202f"


def sign(cast, **kw):
    args = {
        "signed_on": SIGNED,
        "missions": CORE,
        "population": 34_086,
        "population_on": dt.date(2025, 1, 1),
        "population_source": "INSEE",
    }
    args.update(kw)
    return contracts.sign(cast.cpts, cast.coordinator, **args)


def define(contract, by, name, mission="access", **kw):
    return rules.define(contract, by, mission=mission, name=name, **kw)


def steps(*rows):
    return [StepInput(label, threshold, amount) for label, threshold, amount in rows]


SCREENING = steps(
    ("Socle", "69,70", "1000"), ("Intermédiaire", "72.40", "2 500"), ("Objectif", "75 %", "3500")
)
ALD = steps(("≤ 50", "50", "9000"), ("51 à 100", "100", "6000"), ("101 à 219", "219", "3000"))


@pytest.fixture
def contract(cast):
    return sign(cast)


@pytest.fixture
def screening(contract, cast):
    ind = define(
        contract,
        cast.coordinator,
        "Dépistage du cancer du sein",
        mission="prevention",
        unit=Indicator.Unit.PERCENT,
        baseline="68,5",
    )
    rules.set_steps(ind, cast.coordinator, 1, SCREENING)
    return ind


@pytest.fixture
def ald(contract, cast):
    ind = define(
        contract,
        cast.coordinator,
        "Patients en ALD sans médecin traitant",
        unit=Indicator.Unit.COUNT,
        direction=Indicator.Direction.LOWER,
    )
    rules.set_steps(ind, cast.coordinator, 1, ALD)
    return ind


# --- define -------------------------------------------------------------------------------------------------


def test_a_computed_source_forces_its_unit_and_direction(contract, cast):
    ind = define(
        contract,
        cast.coordinator,
        "ALD en attente",
        source="gp_waiting_ald",
        unit=Indicator.Unit.PERCENT,
        direction=Indicator.Direction.HIGHER,
    )
    assert (ind.unit, ind.direction, ind.computed) == ("count", "lower", True)
    rate = define(
        contract, cast.coordinator, "Remplissage SNP", source="snp_fill_rate", unit=Indicator.Unit.DAYS
    )
    assert (rate.unit, rate.direction) == ("percent", "higher")
    manual = define(
        contract,
        cast.coordinator,
        "Délai du guichet",
        unit=Indicator.Unit.DAYS,
        direction=Indicator.Direction.LOWER,
        baseline="45",
    )
    assert (manual.unit, manual.direction, manual.baseline, manual.computed) == (
        "days",
        "lower",
        Decimal(45),
        False,
    )


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"mission": "quality"}, "Cette mission n'est pas au contrat."),
        ({"source": "nimporte"}, "Source de calcul inconnue."),
        ({"unit": Indicator.Unit.PERCENT, "baseline": "100,5"}, "au plus 100 %"),
        ({"baseline": "-3"}, "ne peut pas être négatif"),
        ({"baseline": "beaucoup"}, "n'est pas un nombre"),
        ({"name": "   "}, "Donnez un intitulé"),
    ],
)
def test_bad_definitions_are_refused_in_french_and_save_nothing(contract, cast, kw, message):
    args = {"name": "Un indicateur", "mission": "access"}
    args.update(kw)
    with pytest.raises(ActionError) as refused:
        rules.define(contract, cast.coordinator, **args)
    assert message in refused.value.message
    assert not Indicator.objects.exists()


def test_two_indicators_cannot_share_a_name_but_an_edit_keeps_its_own(contract, cast, screening):
    with pytest.raises(ActionError, match="s'appelle déjà « dépistage du cancer du sein »"):
        define(contract, cast.coordinator, "dépistage du cancer du sein")
    other = define(contract, cast.coordinator, "Autre")
    with pytest.raises(ActionError, match="s'appelle déjà"):
        define(contract, cast.coordinator, "Dépistage du  cancer du sein", indicator=other)
    edited = define(
        contract,
        cast.coordinator,
        "Dépistage du cancer du sein",
        mission="prevention",
        unit=Indicator.Unit.PERCENT,
        definition="Taux de participation",
        indicator=screening,
    )
    assert edited.pk == screening.pk and edited.definition == "Taux de participation"
    assert Indicator.objects.count() == 2


# --- set_steps ----------------------------------------------------------------------------------------------


def step_rows(ind, year=1):
    return list(
        IndicatorStep.objects.filter(indicator=ind, contract_year=year)
        .order_by("threshold")
        .values_list("label", "threshold", "amount")
    )


def test_steps_are_parsed_in_french_and_stored(screening):
    assert step_rows(screening) == [
        ("Socle", Decimal("69.70"), Decimal(1000)),
        ("Intermédiaire", Decimal("72.40"), Decimal(2500)),
        ("Objectif", Decimal(75), Decimal(3500)),
    ]


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            steps(("Socle", "70", "1000"), ("Objectif", "100,5", "2000")),
            "Le seuil du palier « Objectif » est une part : au plus 100 %.",
        ),
        (steps(("Socle", "70", "1000"), ("Bis", "70,00", "2000")), "Deux paliers ont le même seuil."),
        (
            steps(("Socle", "70", "2000"), ("Objectif", "75", "1000")),
            "Le palier « Objectif », plus exigeant que « Socle », ne peut pas rapporter moins.",
        ),
        (steps(("Socle", "70", "mille")), "Le montant du palier « Socle » : « mille » n'est pas un nombre."),
        (steps(("Socle", "70", "-5")), "ne peut pas être négatif"),
        (steps(("Socle", "70", "10001")), "plus que sa part variable dans la grille (10" + NNBSP + "000 €)"),
    ],
)
def test_bad_steps_are_refused_and_the_previous_ones_stay(screening, cast, rows, message):
    before = step_rows(screening)
    with pytest.raises(ActionError) as refused:
        rules.set_steps(screening, cast.coordinator, 1, rows)
    assert message in refused.value.message
    assert step_rows(screening) == before


def test_a_more_demanding_step_cannot_earn_less_when_lower_is_better(ald, cast):
    with pytest.raises(
        ActionError, match="« ≤ 50 », plus exigeant que « ≤ 100 », ne peut pas rapporter moins"
    ):
        rules.set_steps(ald, cast.coordinator, 1, steps(("≤ 50", "50", "3000"), ("≤ 100", "100", "6000")))
    assert [a for *_, a in step_rows(ald)] == [Decimal(9000), Decimal(6000), Decimal(3000)]


def test_the_steps_of_a_mission_cannot_promise_more_than_its_variable_part(ald, cast, contract):
    # Accès aux soins, tier 1: 25 000 € of variable part a year; the ALD indicator already promises 9 000 €.
    assert rules.variable_maximum(contract, "access", 1) == Decimal(25_000)
    waiting = define(
        contract,
        cast.coordinator,
        "Délai du guichet unique",
        unit=Indicator.Unit.DAYS,
        direction=Indicator.Direction.LOWER,
    )
    with pytest.raises(ActionError) as refused:
        rules.set_steps(waiting, cast.coordinator, 1, steps(("Objectif", "30", "17000")))
    assert refused.value.message == (
        f"Les paliers de la mission pour l'année 1 promettraient 26{NNBSP}000 €, plus que "
        f"sa part variable dans la grille (25{NNBSP}000 €)."
    )
    assert not IndicatorStep.objects.filter(indicator=waiting).exists()
    rules.set_steps(waiting, cast.coordinator, 1, steps(("Objectif", "30", "16000")))  # exactly the maximum
    rules.set_steps(
        waiting, cast.coordinator, 2, steps(("Objectif", "30", "25000"))
    )  # another year: its own budget
    assert step_rows(waiting, 2) == [("Objectif", Decimal(30), Decimal(25_000))]


def test_replacing_the_steps_of_a_year_leaves_the_other_years_alone(screening, cast):
    rules.set_steps(screening, cast.coordinator, 2, steps(("Socle", "70", "1500")))
    rules.set_steps(screening, cast.coordinator, 2, steps(("Socle", "71", "2000"), ("", "74", "4000")))
    assert step_rows(screening, 2) == [
        ("Socle", Decimal(71), Decimal(2000)),
        ("Palier 2", Decimal(74), Decimal(4000)),
    ]
    assert len(step_rows(screening, 1)) == 3
    rules.set_steps(screening, cast.coordinator, 2, [])  # nothing: the year's steps are removed
    assert step_rows(screening, 2) == [] and len(step_rows(screening, 1)) == 3
    with pytest.raises(ActionError, match="Année du contrat entre 1 et 5"):
        rules.set_steps(screening, cast.coordinator, 6, steps(("Socle", "70", "1000")))


# --- reached ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, label, amount",
    [
        ("73", "Intermédiaire", 2500),
        ("69.70", "Socle", 1000),
        ("69.69", None, 0),
        ("75", "Objectif", 3500),
        ("98", "Objectif", 3500),
    ],
)
def test_the_best_step_reached_when_higher_is_better(screening, value, label, amount):
    step = rules.reached(screening, list(screening.steps.filter(contract_year=1)), Decimal(value))
    assert (step.label if step else None, step.amount if step else 0) == (label, amount)


@pytest.mark.parametrize(
    "value, label, amount",
    [
        ("80", "51 à 100", 6000),
        ("50", "≤ 50", 9000),
        ("12", "≤ 50", 9000),
        ("219", "101 à 219", 3000),
        ("250", None, 0),
    ],
)
def test_the_best_step_reached_when_lower_is_better(ald, value, label, amount):
    step = rules.reached(ald, list(ald.steps.filter(contract_year=1)), Decimal(value))
    assert (step.label if step else None, step.amount if step else 0) == (label, amount)


def test_no_value_reaches_nothing(ald):
    assert rules.reached(ald, list(ald.steps.all()), None) is None


# --- results ------------------------------------------------------------------------------------------------


def test_a_manual_result_is_recorded_then_corrected(screening, cast):
    rules.record_result(screening, cast.coordinator, 1, "72,4 %", "Requête CPAM  du 3 mars")
    rules.record_result(screening, cast.coordinator, 1, "73", "Requête CPAM corrigée")
    result = IndicatorResult.objects.get(indicator=screening)
    assert (result.contract_year, result.value, result.computed, result.note, result.entered_by) == (
        1,
        Decimal(73),
        False,
        "Requête CPAM corrigée",
        cast.coordinator,
    )


@pytest.mark.parametrize(
    "value, message",
    [
        ("-1", "Le résultat ne peut pas être négatif."),
        ("beaucoup", "Le résultat : « beaucoup » n'est pas un nombre."),
        ("100,01", "Le résultat est une part : au plus 100 %."),
        ("", "n'est pas un nombre"),
    ],
)
def test_bad_results_are_refused(screening, cast, value, message):
    with pytest.raises(ActionError) as refused:
        rules.record_result(screening, cast.coordinator, 1, value)
    assert message in refused.value.message
    assert not IndicatorResult.objects.exists()


def test_a_computed_result_is_not_entered_by_hand(contract, cast):
    placed = define(contract, cast.coordinator, "Patients ayant trouvé un MT", source="gp_placed")
    with pytest.raises(ActionError, match="calculé par la plateforme : il ne se saisit pas"):
        rules.record_result(placed, cast.coordinator, 1, "12")
    assert not IndicatorResult.objects.exists()


def place(cpts, on, ref, **flags):
    return Placement.objects.create(cpts=cpts, placed_on=on, request_reference=ref, source="public", **flags)


@pytest.fixture
def placements(cast):
    """Year 1 (15/01/2025 – 14/01/2026) of cast.cpts: three placements, two in ALD; others outside."""
    return {
        "in": [
            place(cast.cpts, dt.date(2025, 1, 15), "MT-A1", waited_days=10),
            place(cast.cpts, dt.date(2025, 6, 2), "MT-A2", ald=True, waited_days=40),
            place(cast.cpts, dt.date(2026, 1, 14), "MT-A3", ald=True, age_70=True, waited_days=7),
        ],
        "out": [
            place(cast.cpts, dt.date(2025, 1, 14), "MT-AVANT", ald=True),
            place(cast.cpts, dt.date(2026, 1, 15), "MT-APRES", ald=True),
            place(cast.other, dt.date(2025, 6, 2), "MT-VOISIN", ald=True),
        ],
    }


def test_computed_sources_count_the_platform_activity_and_list_exactly_those_rows(contract, cast, placements):
    placed = define(contract, cast.coordinator, "Patients ayant trouvé un MT", source="gp_placed")
    placed_ald = define(contract, cast.coordinator, "dont ALD", source="gp_placed_ald")
    median = define(contract, cast.coordinator, "Attente médiane", source="gp_median_waited")
    fig = rules.figure(placed, 1)
    assert fig.value == Decimal(3) and fig.rows_counted == 3
    assert [row[1] for row in fig.rows] == ["MT-A1", "MT-A2", "MT-A3"]
    assert fig.columns[:2] == ["Date", "Référence de la demande"]
    assert [row[3] for row in fig.rows] == ["", "oui", "oui"]
    fig_ald = rules.figure(placed_ald, 1)
    assert fig_ald.value == Decimal(2) and [row[1] for row in fig_ald.rows] == ["MT-A2", "MT-A3"]
    assert rules.figure(median, 1).value == Decimal(10)
    assert [row[1] for row in rules.figure(placed, 2).rows] == ["MT-APRES"]


def test_care_circles_opened_in_the_year_are_counted(cast):
    today = timezone.localdate()
    contract = sign(cast, signed_on=today - dt.timedelta(days=100))  # year 1 runs today
    circles = define(
        contract, cast.coordinator, "Cercles de soins", mission="pathways", source="care_circles"
    )
    assert rules.figure(circles, 1).value == Decimal(0)
    patient = coordination.create_patient(
        cast.cpts, cast.member, family_name="INDICATEUR", given_names="Paul", birth_date=dt.date(1950, 3, 1)
    )
    circle = coordination.open_care_circle(cast.cpts, cast.member, patient)
    coordination.create_working_group(cast.cpts, cast.member, "Groupe de travail (pas un cercle)")
    fig = rules.figure(circles, 1)
    assert fig.value == Decimal(1)
    assert fig.rows == [(f"Cercle n° {circle.pk}", today, circle.get_status_display())]
    assert "INDICATEUR" not in str(fig.rows)  # no patient identity in the rows


def test_closing_a_year_stores_the_computed_values_with_the_rows_counted(
    contract, cast, placements, screening
):
    placed = define(contract, cast.coordinator, "Patients ayant trouvé un MT", source="gp_placed")
    placed_ald = define(contract, cast.coordinator, "dont ALD", source="gp_placed_ald")
    rules.record_result(screening, cast.coordinator, 1, "73")
    stored = rules.close_year(contract, cast.coordinator, 1)
    assert {r.indicator_id for r in stored} == {placed.pk, placed_ald.pk}
    rows = {
        r.indicator_id: (r.value, r.rows_counted, r.computed, r.entered_by)
        for r in IndicatorResult.objects.filter(computed=True)
    }
    assert rows == {
        placed.pk: (Decimal(3), 3, True, cast.coordinator),
        placed_ald.pk: (Decimal(2), 2, True, cast.coordinator),
    }
    assert IndicatorResult.objects.get(indicator=screening).value == Decimal(
        73
    )  # the manual result untouched
    # After the closure the year shows the stored figure, even if the activity changes.
    place(cast.cpts, dt.date(2025, 9, 1), "MT-TARD")
    status = {s.indicator.pk: s for m in rules.year_status(contract, 1) for s in m.indicators}
    assert (status[placed.pk].value, status[placed.pk].origin, status[placed.pk].rows_counted) == (
        Decimal(3),
        "arrêté",
        3,
    )
    assert rules.figure(placed, 1).value == Decimal(4)  # the live figure moved; closing again updates it
    rules.close_year(contract, cast.coordinator, 1)
    assert IndicatorResult.objects.get(indicator=placed).value == Decimal(4)
    with pytest.raises(ActionError, match="Année du contrat entre 1 et 5"):
        rules.close_year(contract, cast.coordinator, 0)


def test_the_year_status_sums_the_indicators_of_a_mission_and_caps_at_the_grid_maximum(cast):
    contract = sign(cast, population=45_000)  # tier 2: 30 000 € of variable part for access
    assert contract.tier == 2
    first = define(contract, cast.coordinator, "Patients de 16 ans et plus avec un MT (gain)")
    second = define(contract, cast.coordinator, "Médecins volontaires")
    rules.set_steps(first, cast.coordinator, 1, steps(("Objectif", "700", "20000")))
    rules.set_steps(second, cast.coordinator, 1, steps(("Socle", "5", "4000"), ("Objectif", "10", "10000")))
    rules.record_result(first, cast.coordinator, 1, "750")
    rules.record_result(second, cast.coordinator, 1, "6")
    access = next(m for m in rules.year_status(contract, 1) if m.code == "access")
    earned = {s.indicator.pk: (s.earned, s.promised, s.origin) for s in access.indicators}
    assert earned == {
        first.pk: (Decimal(20_000), Decimal(20_000), "saisi"),
        second.pk: (Decimal(4_000), Decimal(10_000), "saisi"),
    }
    assert (access.maximum, access.earned, access.attainment) == (
        Decimal(30_000),
        Decimal(24_000),
        Decimal("0.8"),
    )
    rules.record_result(second, cast.coordinator, 1, "12")
    # An amendment dated at the signature applies from year 1 (tier 1: 25 000 €).
    contracts.change_tier(contract, cast.coordinator, 34_086, SIGNED, "INSEE")
    contract.refresh_from_db()
    access = next(m for m in rules.year_status(contract, 1) if m.code == "access")
    assert sum(s.earned for s in access.indicators) == Decimal(30_000)
    assert (access.maximum, access.earned, access.attainment) == (
        Decimal(25_000),
        Decimal(25_000),
        Decimal(1),
    )
    prevention = next(m for m in rules.year_status(contract, 1) if m.code == "prevention")
    assert (prevention.indicators, prevention.earned, prevention.attainment) == ([], Decimal(0), Decimal(0))


def test_attainment_of_a_closed_year_feeds_the_payment_schedule(contract, cast, ald, screening):
    contract.missions.filter(mission__code__in=["access", "prevention"]).update(
        started_on=SIGNED
    )  # full years
    rules.record_result(ald, cast.coordinator, 1, "80")  # 6 000 € of 25 000 €
    rules.record_result(screening, cast.coordinator, 1, "73")  # 2 500 € of 10 000 €
    attainment = rules.attainment(contract)
    assert attainment == {("access", 1): Decimal("0.24"), ("prevention", 1): Decimal("0.25")}
    schedule = contracts.compute_schedule(contract, cast.coordinator, "Résultats de l'année 1", attainment)
    variable = {
        (p.mission, p.contract_year): p.amount
        for p in ExpectedPayment.objects.filter(schedule=schedule, part="variable")
    }
    assert variable[("access", 1)] == Decimal(6_000)  # 25 000 × 24 %
    assert variable[("prevention", 1)] == Decimal(2_500)
    assert variable[("access", 2)] == Decimal(25_000)  # a year without results: the maximum
    assert variable[("pathways", 2)] == Decimal(25_000)  # a mission without indicators: the maximum


# --- justificatifs ------------------------------------------------------------------------------------------


def test_a_justificatif_is_stored_encrypted_and_read_back(screening, cast):
    data = samples.pdf("Liste d'émargement de la soirée dépistage")
    evidence = rules.add_evidence(screening, cast.coordinator, 1, "  Émargement  ", "émargement.pdf", data)
    evidence.refresh_from_db()
    stored = bytes(evidence.ciphertext)
    assert stored and stored != data and b"%PDF" not in stored
    assert (evidence.title, evidence.content_type, evidence.size) == (
        "Émargement",
        "application/pdf",
        len(data),
    )
    assert evidence.filename.endswith(".pdf")
    assert rules.evidence_content(evidence) == data
    year = next(m for m in rules.year_status(screening.contract, 1) if m.code == "prevention")
    assert year.indicators[0].evidence == 1


def test_a_tampered_justificatif_fails_its_integrity_check(screening, cast):
    evidence = rules.add_evidence(screening, cast.coordinator, 1, "Preuve", "preuve.pdf", samples.pdf())
    tampered = bytearray(evidence.ciphertext)
    tampered[len(tampered) // 2] ^= 0x01
    Evidence.objects.filter(pk=evidence.pk).update(ciphertext=bytes(tampered))
    evidence.refresh_from_db()
    with pytest.raises(crypto.IntegrityFailure):
        rules.evidence_content(evidence)
    # The ciphertext of another justificatif does not pass for this one (its own associated data).
    other = rules.add_evidence(screening, cast.coordinator, 1, "Autre", "autre.pdf", samples.pdf())
    Evidence.objects.filter(pk=evidence.pk).update(
        key_id=other.key_id, nonce=other.nonce, ciphertext=other.ciphertext
    )
    evidence.refresh_from_db()
    with pytest.raises(crypto.IntegrityFailure):
        rules.evidence_content(evidence)


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("facture.pdf", samples.pe_executable(), "exécutable"),
        ("page.pdf", samples.HTML, "HTML"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_refused_files_leave_no_justificatif(screening, cast, name, data, reason):
    with pytest.raises(ActionError) as refused:
        rules.add_evidence(screening, cast.coordinator, 1, "Preuve", name, data)
    assert reason in refused.value.message and refused.value.field == "file"
    assert not Evidence.objects.exists()


def test_removing_a_justificatif(screening, cast):
    evidence = rules.add_evidence(screening, cast.coordinator, 1, "Preuve", "preuve.png", samples.png())
    rules.remove_evidence(evidence)
    assert not Evidence.objects.exists()


def test_an_indicator_with_steps_keeps_its_direction_and_mission(ald, cast, contract):
    with pytest.raises(ActionError, match="inverserait"):
        rules.define(
            contract,
            cast.coordinator,
            mission="access",
            name=ald.name,
            unit=Indicator.Unit.COUNT,
            direction=Indicator.Direction.HIGHER,
            indicator=ald,
        )
    with pytest.raises(ActionError, match="Changer la mission"):
        rules.define(
            contract,
            cast.coordinator,
            mission="pathways",
            name=ald.name,
            unit=Indicator.Unit.COUNT,
            direction=Indicator.Direction.LOWER,
            indicator=ald,
        )
    ald.refresh_from_db()
    assert (ald.direction, ald.mission.mission.code) == ("lower", "access")


def test_a_number_too_large_for_the_database_is_refused_in_french(contract, cast):
    meetings = define(contract, cast.coordinator, "Réunions pluriprofessionnelles", mission="pathways")
    with pytest.raises(ActionError, match="trop grand"):
        rules.record_result(meetings, cast.coordinator, 1, "99999999999999")
    assert not IndicatorResult.objects.filter(indicator=meetings).exists()
