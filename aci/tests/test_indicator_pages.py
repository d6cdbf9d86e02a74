"""The objectives and indicators pages of the ACI cockpit: the year's indicators and the variable part earned,
the indicator form, steps and results, justificatifs (upload, download, deletion), the rows behind a computed
figure (page and CSV, audited), closing a year, and who may do what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from aci import contracts
from aci import indicators as rules
from aci.indicators import StepInput
from aci.models import Evidence, Indicator, IndicatorResult, IndicatorStep
from audit.models import AuditEntry
from documents.tests import samples
from gpmatching.models import Placement
from tests.cast import login

pytestmark = pytest.mark.django_db

SIGNED = dt.date(2025, 1, 15)
CORE = ["access", "crisis", "pathways", "prevention"]
NNBSP, NBSP = "\u202f", "\u00a0"


def logged(user) -> Client:
    client = Client()
    login(client, user)
    return client


def url(cast, name, *args, cpts=None):
    return reverse(f"aci:{name}", args=[(cpts or cast.cpts).slug, *args])


def sign(cpts, by):
    return contracts.sign(
        cpts,
        by,
        signed_on=SIGNED,
        missions=CORE,
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )


@pytest.fixture
def contract(cast):
    return sign(cast.cpts, cast.coordinator)


@pytest.fixture
def screening(contract, cast):
    ind = rules.define(
        contract,
        cast.coordinator,
        mission="prevention",
        name="Dépistage du cancer du sein",
        unit=Indicator.Unit.PERCENT,
    )
    rules.set_steps(
        ind,
        cast.coordinator,
        1,
        [
            StepInput("Socle", "69.70", "1000"),
            StepInput("Intermédiaire", "72.40", "2500"),
            StepInput("Objectif", "75", "3500"),
        ],
    )
    rules.record_result(ind, cast.coordinator, 1, "73")
    return ind


@pytest.fixture
def placed(contract, cast):
    for on, ref, ald in (
        (dt.date(2025, 2, 1), "MT-P1", False),
        (dt.date(2025, 5, 3), "MT-P2", True),
        (dt.date(2026, 3, 1), "MT-ANNEE2", True),
    ):
        Placement.objects.create(
            cpts=cast.cpts, placed_on=on, request_reference=ref, source="public", ald=ald
        )
    Placement.objects.create(
        cpts=cast.other, placed_on=dt.date(2025, 5, 3), request_reference="MT-VOISIN", source="public"
    )
    return rules.define(
        contract, cast.coordinator, mission="access", name="Patients ayant trouvé un MT", source="gp_placed"
    )


@pytest.fixture
def coordinator(cast):
    return logged(cast.coordinator)


def audits(action, object_type):
    return list(AuditEntry.objects.filter(action=action, object_type=object_type).order_by("seq"))


# --- The year's indicators ----------------------------------------------------------------------------------


def test_the_list_shows_each_mission_its_indicators_and_the_amount_earned(
    coordinator, cast, screening, placed
):
    page = coordinator.get(url(cast, "indicators") + "?annee=1").content.decode()
    assert "Dépistage du cancer du sein" in page and "Patients ayant trouvé un MT" in page
    assert f"2{NNBSP}500{NBSP}€" in page  # 73 % reaches the intermediate step
    assert f"sur 10{NNBSP}000{NBSP}€ au maximum" in page  # prevention, tier 1
    # The crisis variable part is paid only for a declared crisis: left out of the year's maximum.
    assert "aucune n'est déclarée pour l'année 1" in page
    assert f"part variable obtenue sur 60{NNBSP}000{NBSP}€ au maximum" in page  # 25 000 + 25 000 + 10 000
    assert (
        "calculé par la plateforme : Patients sans médecin traitant ayant trouvé un médecin traitant" in page
    )
    assert "saisie manuelle" in page and "calculé en direct" in page and "saisi" in page
    assert '<progress max="100" value="97"' in page  # 73 of the most demanding 75
    assert 'data-chart="bar"' in page and 'data-testid="missions-table"' in page
    assert url(cast, "indicator_new") in page and url(cast, "close_year") in page
    assert "Arrêter les résultats de l'année 1" in page
    assert 'aria-current="page"' in page  # the cockpit sub-navigation


def test_the_list_defaults_to_the_running_year_and_without_a_contract_goes_to_the_cockpit(cast):
    client = logged(cast.coordinator)
    response = client.get(url(cast, "indicators"))
    assert response.status_code == 302 and response["Location"] == url(cast, "cockpit")
    contract = sign(cast.cpts, cast.coordinator)
    page = client.get(url(cast, "indicators") + "?annee=abc").content.decode()
    year = rules.current_year(contract)
    assert f'<option value="{year}" selected>' in page


# --- Defining an indicator ----------------------------------------------------------------------------------


def test_an_indicator_is_created_through_the_form_and_a_computed_source_sets_its_unit(
    coordinator, cast, contract
):
    page = coordinator.get(url(cast, "indicator_new")).content.decode()
    assert "impose son unité et son sens" in page and 'name="source"' in page
    response = coordinator.post(
        url(cast, "indicator_new"),
        {
            "mission": "access",
            "name": "ALD sans médecin traitant",
            "definition": "Liste d'attente",
            "source": "gp_waiting_ald",
            "unit": "percent",
            "direction": "higher",
            "source_note": "",
            "baseline": "120",
        },
    )
    ind = Indicator.objects.get()
    assert response.status_code == 302 and response["Location"] == url(cast, "indicator", ind.pk)
    assert (ind.name, ind.unit, ind.direction, ind.source, ind.baseline) == (
        "ALD sans médecin traitant",
        "count",
        "lower",
        "gp_waiting_ald",
        Decimal(120),
    )
    again = coordinator.post(
        url(cast, "indicator_new"),
        {
            "mission": "access",
            "name": "ald sans médecin traitant",
            "source": "manual",
            "unit": "count",
            "direction": "higher",
        },
    )
    assert again.status_code == 200 and "s&#x27;appelle déjà" in again.content.decode()
    assert Indicator.objects.count() == 1
    edited = coordinator.post(
        url(cast, "indicator_edit", ind.pk),
        {
            "mission": "access",
            "name": "ALD sans MT",
            "source": "manual",
            "unit": "count",
            "direction": "lower",
            "baseline": "130",
        },
    )
    assert edited.status_code == 302
    ind.refresh_from_db()
    assert (ind.name, ind.source, ind.baseline) == ("ALD sans MT", "manual", Decimal(130))


def test_a_percent_baseline_above_100_is_refused_on_the_form(coordinator, cast, contract):
    response = coordinator.post(
        url(cast, "indicator_new"),
        {
            "mission": "prevention",
            "name": "Dépistage",
            "source": "manual",
            "unit": "percent",
            "direction": "higher",
            "baseline": "101",
        },
    )
    assert response.status_code == 200 and "au plus 100 %" in response.content.decode()
    assert not Indicator.objects.exists()


# --- One indicator: steps, result, justificatifs ------------------------------------------------------------


def steps_post(year, *rows):
    data = {"annee": str(year)}
    for i, (label, threshold, amount) in enumerate(rows):
        data.update({f"label_{i}": label, f"threshold_{i}": threshold, f"amount_{i}": amount})
    for i in range(len(rows), 5):
        data.update({f"label_{i}": "", f"threshold_{i}": "", f"amount_{i}": ""})
    return data


def test_the_steps_form_saves_and_bad_steps_show_the_french_error_and_save_nothing(
    coordinator, cast, screening
):
    page = coordinator.get(url(cast, "indicator", screening.pk) + "?annee=2").content.decode()
    assert page.count('name="threshold_') == 5 and url(cast, "indicator_steps", screening.pk) in page
    response = coordinator.post(
        url(cast, "indicator_steps", screening.pk),
        steps_post(2, ("Socle", "70", "1 000"), ("Objectif", "76,5", "4000")),
        follow=True,
    )
    assert "Paliers de l&#x27;année 2 enregistrés (2 paliers)." in response.content.decode()
    assert list(
        IndicatorStep.objects.filter(indicator=screening, contract_year=2)
        .order_by("threshold")
        .values_list("threshold", "amount")
    ) == [(Decimal(70), Decimal(1000)), (Decimal("76.5"), Decimal(4000))]
    bad = coordinator.post(
        url(cast, "indicator_steps", screening.pk),
        steps_post(2, ("Socle", "70", "1000"), ("Objectif", "101", "4000")),
    )
    body = bad.content.decode()
    assert bad.status_code == 200
    assert "Le seuil du palier « Objectif » est une part : au plus 100 %." in body
    assert 'value="101"' in body  # the posted rows come back to be corrected
    over = coordinator.post(
        url(cast, "indicator_steps", screening.pk), steps_post(2, ("Objectif", "80", "12000"))
    )
    assert over.status_code == 200 and "plus que sa part variable dans la grille" in over.content.decode()
    assert IndicatorStep.objects.filter(indicator=screening, contract_year=2).count() == 2
    assert IndicatorStep.objects.filter(indicator=screening, contract_year=1).count() == 3


def test_a_manual_result_is_saved_from_the_page(coordinator, cast, screening):
    response = coordinator.post(
        url(cast, "indicator_result", screening.pk), {"annee": "2", "value": "74,2", "note": "Requête CPAM"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?annee=2#resultat")
    result = IndicatorResult.objects.get(indicator=screening, contract_year=2)
    assert (result.value, result.note) == (Decimal("74.2"), "Requête CPAM")
    bad = coordinator.post(url(cast, "indicator_result", screening.pk), {"annee": "2", "value": "beaucoup"})
    assert bad.status_code == 200 and "« beaucoup » n&#x27;est pas un nombre" in bad.content.decode()
    assert IndicatorResult.objects.get(indicator=screening, contract_year=2).value == Decimal("74.2")


def test_a_justificatif_is_uploaded_downloaded_and_deleted(coordinator, cast, screening):
    data = samples.pdf("Compte rendu de la campagne")
    response = coordinator.post(
        url(cast, "evidence_add", screening.pk),
        {"annee": "1", "title": "Compte rendu", "file": samples.upload("cr.pdf", data)},
        follow=True,
    )
    body = response.content.decode()
    assert "Justificatif « Compte rendu » ajouté" in body and 'enctype="multipart/form-data"' in body
    evidence = Evidence.objects.get()
    assert evidence.contract_year == 1 and bytes(evidence.ciphertext) != data
    assert (
        url(cast, "evidence_download", evidence.pk) in body
        and url(cast, "evidence_delete", evidence.pk) in body
    )
    download = coordinator.get(url(cast, "evidence_download", evidence.pk))
    assert download.status_code == 200 and download.content == data
    assert download["Content-Type"] == "application/pdf"
    assert (
        download["Content-Disposition"].startswith("attachment")
        and "cr.pdf" in download["Content-Disposition"]
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    exported = audits("export", "aci.evidence")
    assert [(e.object_id, e.actor_id, e.cpts_id) for e in exported] == [
        (str(evidence.pk), cast.coordinator.pk, cast.cpts.pk)
    ]
    deleted = coordinator.post(url(cast, "evidence_delete", evidence.pk))
    assert deleted.status_code == 302 and deleted["Location"].endswith("?annee=1#justificatifs")
    assert not Evidence.objects.exists()
    assert [e.object_id for e in audits("delete", "aci.evidence")] == [str(evidence.pk)]


def test_a_refused_file_shows_the_reason_and_stores_nothing(coordinator, cast, screening):
    response = coordinator.post(
        url(cast, "evidence_add", screening.pk),
        {"annee": "1", "title": "Facture", "file": samples.upload("facture.pdf", samples.pe_executable())},
    )
    assert response.status_code == 200 and "exécutable" in response.content.decode()
    missing = coordinator.post(url(cast, "evidence_add", screening.pk), {"annee": "1", "title": "Rien"})
    assert missing.status_code == 200 and "Choisissez un fichier" in missing.content.decode()
    assert not Evidence.objects.exists()


def test_a_tampered_justificatif_is_refused_and_audited(coordinator, cast, screening):
    evidence = rules.add_evidence(
        screening, cast.coordinator, 1, "Preuve", "preuve.pdf", samples.pdf("SECRET")
    )
    tampered = bytearray(evidence.ciphertext)
    tampered[-1] ^= 0x01
    Evidence.objects.filter(pk=evidence.pk).update(ciphertext=bytes(tampered))
    response = coordinator.get(url(cast, "evidence_download", evidence.pk))
    assert response.status_code == 500 and b"%PDF" not in response.content
    assert "ne passe pas le contrôle d&#x27;intégrité" in response.content.decode()
    decision = audits("decision", "aci.evidence")
    assert len(decision) == 1 and decision[0].details["decision"] == "evidence_integrity_failure"
    assert not audits("export", "aci.evidence")


# --- Computed figures: where the number comes from ----------------------------------------------------------


def test_a_computed_indicator_shows_its_rows_and_records_the_view(coordinator, cast, placed):
    page = coordinator.get(url(cast, "indicator", placed.pk) + "?annee=1").content.decode()
    assert "D'où vient ce chiffre ?" in page
    assert "MT-P1" in page and "MT-P2" in page and "MT-ANNEE2" not in page and "MT-VOISIN" not in page
    assert "2 lignes comptées" in page and url(cast, "indicator_rows", placed.pk) + "?annee=1" in page
    assert url(cast, "indicator_result", placed.pk) not in page  # computed: no result form
    viewed = audits("view", "aci.indicator")
    assert [(e.object_id, e.details["lignes"], e.details["annee"]) for e in viewed] == [
        (str(placed.pk), 2, 1)
    ]


def test_the_rows_of_a_computed_indicator_download_as_csv(coordinator, cast, placed, screening):
    response = coordinator.get(url(cast, "indicator_rows", placed.pk) + "?annee=1")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffDate;Référence de la demande;Commune;ALD;")
    lines = text.strip().splitlines()
    assert (
        len(lines) == 3
        and lines[1].startswith("01/02/2025;MT-P1;")
        and lines[2].startswith("03/05/2025;MT-P2;;oui")
    )
    exported = audits("export", "aci.indicator")
    assert [(e.object_id, e.details["lignes"]) for e in exported] == [(str(placed.pk), 2)]
    assert coordinator.get(url(cast, "indicator_rows", screening.pk)).status_code == 404


def test_closing_a_year_from_the_page_stores_the_computed_results(coordinator, cast, placed):
    response = coordinator.post(url(cast, "close_year"), {"annee": "1"}, follow=True)
    assert (
        "Résultats de l&#x27;année 1 arrêtés : 1 indicateur calculé enregistré." in response.content.decode()
    )
    result = IndicatorResult.objects.get(indicator=placed, contract_year=1)
    assert (result.value, result.rows_counted, result.computed) == (Decimal(2), 2, True)
    refused = coordinator.post(url(cast, "close_year"), {"annee": "9"}, follow=True)
    assert "Année du contrat entre 1 et 5." in refused.content.decode()


# --- Who may do what ----------------------------------------------------------------------------------------


def test_the_referent_reads_but_every_change_is_forbidden(cast, screening, placed):
    evidence = rules.add_evidence(screening, cast.coordinator, 1, "Preuve", "preuve.pdf", samples.pdf())
    client = logged(cast.referent)
    for path in (
        url(cast, "indicators"),
        url(cast, "indicator", screening.pk),
        url(cast, "indicator", placed.pk),
        url(cast, "indicator_rows", placed.pk),
        url(cast, "evidence_download", evidence.pk),
    ):
        assert client.get(path).status_code == 200, path
    page = client.get(url(cast, "indicator", screening.pk)).content.decode()
    assert (
        url(cast, "indicator_steps", screening.pk) not in page
        and url(cast, "evidence_add", screening.pk) not in page
    )
    assert url(cast, "evidence_delete", evidence.pk) not in page
    assert url(cast, "indicator_new") not in client.get(url(cast, "indicators")).content.decode()
    for path in (url(cast, "indicator_new"), url(cast, "indicator_edit", screening.pk)):
        assert client.get(path).status_code == 403, path
    posts = [
        (
            url(cast, "indicator_new"),
            {"mission": "access", "name": "X", "source": "manual", "unit": "count", "direction": "higher"},
        ),
        (
            url(cast, "indicator_edit", screening.pk),
            {
                "mission": "prevention",
                "name": "X",
                "source": "manual",
                "unit": "percent",
                "direction": "higher",
            },
        ),
        (url(cast, "indicator_steps", screening.pk), steps_post(1, ("Socle", "50", "10"))),
        (url(cast, "indicator_result", screening.pk), {"annee": "1", "value": "10"}),
        (
            url(cast, "evidence_add", screening.pk),
            {"annee": "1", "file": samples.upload("a.pdf", samples.pdf())},
        ),
        (url(cast, "evidence_delete", evidence.pk), {}),
        (url(cast, "close_year"), {"annee": "1"}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 403, path
    assert Indicator.objects.count() == 2 and Evidence.objects.count() == 1
    assert IndicatorResult.objects.get(indicator=screening, contract_year=1).value == Decimal(73)
    assert not IndicatorResult.objects.filter(indicator=placed).exists()


def test_a_member_cannot_read_the_indicators(cast, screening):
    client = logged(cast.member)
    assert client.get(url(cast, "indicators")).status_code == 403
    assert client.get(url(cast, "indicator", screening.pk)).status_code == 403


def test_objects_of_another_cpts_are_not_found(coordinator, cast, screening):
    other_contract = sign(cast.other, cast.other_coordinator)
    theirs = rules.define(
        other_contract,
        cast.other_coordinator,
        mission="prevention",
        name="Leur indicateur",
        unit=Indicator.Unit.PERCENT,
    )
    evidence = rules.add_evidence(theirs, cast.other_coordinator, 1, "Leur preuve", "p.pdf", samples.pdf())
    assert coordinator.get(url(cast, "evidence_download", evidence.pk)).status_code == 404
    assert coordinator.post(url(cast, "evidence_delete", evidence.pk)).status_code == 404
    assert coordinator.get(url(cast, "indicator", theirs.pk)).status_code == 404
    assert (
        coordinator.post(
            url(cast, "indicator_steps", theirs.pk), steps_post(1, ("S", "50", "10"))
        ).status_code
        == 404
    )
    assert (
        coordinator.post(
            url(cast, "evidence_add", theirs.pk),
            {"annee": "1", "file": samples.upload("a.pdf", samples.pdf())},
        ).status_code
        == 404
    )
    assert Evidence.objects.filter(indicator=theirs).count() == 1 and not theirs.steps.exists()
    # The other coordinator cannot reach them through cast.cpts's address either (no role there).
    assert logged(cast.other_coordinator).get(url(cast, "evidence_download", evidence.pk)).status_code == 403


def test_readers_outside_the_waiting_list_see_the_rows_without_request_references(cast, placed):
    referent = logged(cast.referent)
    page = referent.get(url(cast, "indicator", placed.pk) + "?annee=1").content.decode()
    assert "2 lignes comptées" in page and "01/02/2025" in page
    assert "MT-P1" not in page and "Référence de la demande" not in page
    text = referent.get(url(cast, "indicator_rows", placed.pk) + "?annee=1").content.decode("utf-8")
    assert text.startswith("\ufeffDate;Commune;ALD;") and "MT-P" not in text
