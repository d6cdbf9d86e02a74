"""The annual activity report of a contract year (aci.report, aci/views_report.py): what it says, the PDF
(read back with a real PDF parser), the XLSX workbook (read back with openpyxl) and the pages."""

import datetime as dt
import io
import os
import re
from decimal import Decimal

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from aci import budget, contracts, indicators, report
from aci.indicators import StepInput
from aci.models import Contract, ExpectedPayment
from audit.models import AuditEntry
from documents.pdf import tiny_pdf
from tests.cast import login

pytestmark = pytest.mark.django_db

CORE = ["access", "crisis", "pathways", "prevention"]
SIGNED = dt.date(2025, 1, 15)
TODAY = dt.date(2026, 3, 1)  # year 1 (15/01/2025 – 14/01/2026) is over, year 2 is running
INDICATOR = "Participation au dépistage organisé du cancer du sein"
DEJAVU = report.font_files() is not None


@pytest.fixture
def contract(cast) -> Contract:
    c = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=SIGNED,
        missions=CORE,
        population=34_086,
        population_on=dt.date(2025, 1, 1),
        population_source="INSEE",
    )
    contracts.compute_schedule(c, cast.coordinator, "Signature du contrat")
    screening = indicators.define(
        c,
        cast.coordinator,
        mission="prevention",
        name=INDICATOR,
        unit="percent",
        definition="Part des femmes de 50 à 74 ans du territoire ayant réalisé une mammographie de dépistage "
        "dans l'année, selon le bilan du centre régional de coordination des dépistages.",
    )
    indicators.set_steps(
        screening,
        cast.coordinator,
        1,
        [StepInput("Socle", "60", "2000"), StepInput("Objectif", "70", "5000")],
    )
    indicators.record_result(screening, cast.coordinator, 1, "72,4", note="bilan CRCDC 2025")
    indicators.add_evidence(
        screening,
        cast.coordinator,
        1,
        "Bilan du dépistage 2025",
        "bilan-depistage.pdf",
        tiny_pdf(["Bilan du dépistage organisé", "Taux : 72,4 %"]),
    )
    budget.record_expense(
        c,
        cast.coordinator,
        spent_on=dt.date(2025, 3, 10),
        mission="prevention",
        category="events",
        label="Soirée « Octobre rose »",
        amount="1250,50",
    )
    budget.record_expense(
        c,
        cast.coordinator,
        spent_on=dt.date(2025, 6, 30),
        mission="",
        category="staff",
        label="Salaire de la coordinatrice (juin)",
        amount="3000",
    )
    budget.record_expense(
        c,
        cast.coordinator,
        spent_on=dt.date(2026, 2, 1),
        mission="",
        category="staff",
        label="Salaire (année 2)",
        amount="999",
    )
    budget.set_budget_line(c, cast.coordinator, year=1, mission="", category="staff", amount="40000")
    budget.record_payment(
        c,
        cast.coordinator,
        received_on=dt.date(2025, 2, 1),
        amount="50000",
        label="Fonctionnement année 1 (à la signature)",
    )
    return c


def test_build_gathers_the_year_figures(cast, contract):
    data = report.build(contract, 1, by=cast.coordinator, today=TODAY)
    assert data.cpts_name == cast.cpts.name and data.year == 1
    assert (data.first, data.last) == (SIGNED, dt.date(2026, 1, 14)) and data.counted_to == dt.date(
        2026, 1, 14
    )
    assert not data.running and data.tier == 1 and data.population == 34_086 and data.communes == 1
    missions = {m.code: m for m in data.missions}
    assert list(missions) == ["access", "crisis", "pathways", "prevention"]
    prevention = missions["prevention"]
    assert prevention.maximum == Decimal("10000") and prevention.earned == Decimal("5000")
    [line] = prevention.indicators
    assert line.name == INDICATOR and line.value == Decimal("72.40") and line.origin == "saisi"
    assert line.step_label == "Objectif" and line.earned == Decimal("5000") and line.source_label == "saisie"
    assert line.result_text == "72,4\u00a0%" and line.evidence == 1
    assert [s.text for s in line.steps] == [
        "Socle : ≥ 60\u00a0% → 2\u202f000\u00a0€",
        "Objectif : ≥ 70\u00a0% → 5\u202f000\u00a0€",
    ]
    # The crisis mission's variable part is payable only when a crisis is declared (as in the schedule).
    assert missions["crisis"].maximum is None and "crise" in missions["crisis"].note
    assert missions["access"].maximum == Decimal("25000") and missions["pathways"].maximum == Decimal("25000")
    assert data.earned == Decimal("5000") and data.maximum == Decimal("60000")
    assert data.attainment == Decimal("5000") / Decimal("60000")
    # Deadlines of the contract (access starts within 6 months of the signature).
    assert missions["access"].start_due == dt.date(2025, 7, 15)
    # Money: the year's expenses only (not year 2's), planned budget, received, expected from the schedule.
    assert data.spent == Decimal("4250.50") and data.planned == Decimal("40000.00")
    assert {r.label: (r.planned, r.spent) for r in data.by_category} == {
        "Équipe de coordination (salaires, charges)": (Decimal("40000.00"), Decimal("3000.00")),
        "Événements et réunions": (Decimal("0"), Decimal("1250.50")),
    }
    assert data.received == Decimal("50000.00")
    expected = sum(
        p.amount for p in ExpectedPayment.objects.filter(schedule__contract=contract, contract_year=1)
    )
    assert data.expected == expected and expected > Decimal("50000")
    [evidence] = data.evidence
    assert (evidence.indicator, evidence.title, evidence.filename) == (
        INDICATOR,
        "Bilan du dépistage 2025",
        "bilan-depistage.pdf",
    )
    assert evidence.added_by == "Colette Coord" and evidence.size > 100
    # Activity figures come from aci.sources over the year (nothing recorded on the platform here).
    figures = {f.key: f for g in data.activity for f in g.figures}
    assert figures["gp_placed"].value == Decimal("0") and figures["snp_offered"].value == Decimal("0")
    assert figures["members"].value >= 1


def test_a_running_year_and_a_year_not_started(cast, contract):
    running = report.build(contract, 2, today=TODAY)
    assert running.running and running.counted_to == TODAY and running.spent == Decimal("999.00")
    assert running.evidence == [] and running.earned == 0
    ahead = report.build(contract, 3, today=TODAY)
    assert ahead.counted_to is None
    assert all(f.value is None for g in ahead.activity for f in g.figures)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))


def test_the_pdf_holds_the_report_in_unicode(cast, contract):
    if not DEJAVU:
        if os.environ.get("CI"):
            pytest.fail("DejaVu Sans is required in CI (fonts-dejavu-core, installed by .ci/run)")
        pytest.skip(
            "DejaVu Sans absent (apt-get install fonts-dejavu-core): the fallback test covers the PDF"
        )
    data = report.build(contract, 1, by=cast.coordinator, today=TODAY)
    content = report.to_pdf(data)
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata.author == cast.cpts.name
    assert "Rapport d'activité ACI — année 1" in reader.metadata.title
    text = flat(pdf_text(content))
    assert cast.cpts.name in text
    assert "Rapport d'activité — année 1 du contrat ACI (du 15/01/2025 au 14/01/2026)" in text
    assert INDICATOR in text and "72,4 %" in text and "Objectif" in text
    assert "5 000 €" in text and "4 250,50 €" in text and "Bilan du dépistage 2025" in text
    for section in (
        "1. Contrat et missions",
        "2. Indicateurs et résultats",
        "3. Activité de l'année",
        "4. Financement et budget",
        "5. Justificatifs",
    ):
        assert section in text
    pages = len(reader.pages)
    assert "Page 1 / " + str(pages) in text and f"Page {pages} / {pages}" in text


def test_the_pdf_falls_back_to_the_core_font_without_dejavu(cast, contract, tmp_path):
    data = report.build(contract, 1, by=cast.coordinator, today=TODAY)
    with override_settings(OPENCPTS_PDF_FONT_DIR=str(tmp_path)):
        assert report.font_files() is None
        content = report.to_pdf(data)
    assert content.startswith(b"%PDF-") and b"Helvetica" in content and b"DejaVu" not in content
    text = flat(pdf_text(content))
    assert cast.cpts.name in text and INDICATOR in text and "72,4 %" in text
    assert "5 000 EUR" in text and "Page 1 / " in text
    assert "Rapport d'activité - année 1 du contrat ACI" in text


def test_the_pdf_survives_many_rows_and_long_text(cast, contract):
    for i in range(40):
        ind = indicators.define(
            contract,
            cast.coordinator,
            mission="pathways",
            name=f"Parcours n° {i} " + "x" * 60,
            definition="Une définition longue qui doit passer à la ligne dans la cellule. "
            * (4 if i else 200),
        )  # the first one is longer than a page
        indicators.record_result(ind, cast.coordinator, 1, str(i))
    data = report.build(contract, 1, today=TODAY)
    content = report.to_pdf(data)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 4
    text = flat(pdf_text(content))
    assert "Parcours n° 39" in text and f"Page {len(reader.pages)} / {len(reader.pages)}" in text


def test_the_workbook_has_numbers_formats_and_a_chart(cast, contract):
    data = report.build(contract, 1, by=cast.coordinator, today=TODAY)
    wb = openpyxl.load_workbook(io.BytesIO(report.to_xlsx(data)))
    assert wb.sheetnames == ["Synthèse", "Indicateurs", "Activité", "Budget", "Justificatifs"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws["A1"].font.b
    synthesis = wb["Synthèse"]
    assert len(synthesis._charts) == 1
    rows = {r[0].value: r[1] for r in synthesis.iter_rows(min_row=2) if r[0].value}
    assert (
        rows["Part variable gagnée"].value == 5000
        and rows["Part variable gagnée"].number_format == report.EUR_FORMAT
    )
    assert rows["Dépenses"].value == pytest.approx(4250.5)
    assert rows["Taux d'atteinte"].number_format == report.PCT_FORMAT
    ws = wb["Indicateurs"]
    header = [c.value for c in ws[1]]
    line = next(r for r in ws.iter_rows(min_row=2) if r[1].value == INDICATOR)
    result, earned = line[header.index("Résultat")], line[header.index("Montant gagné")]
    assert (
        isinstance(result.value, float)
        and result.value == pytest.approx(0.724)
        and "%" in result.number_format
    )
    assert earned.value == 5000 and earned.number_format == '#,##0.00 "€"'
    assert line[header.index("Palier atteint")].value == "Objectif"
    budget_rows = {r[1].value: r for r in wb["Budget"].iter_rows(min_row=2) if r[1].value}
    assert budget_rows["Événements et réunions"][3].value == pytest.approx(1250.5)
    justificatifs = wb["Justificatifs"]
    assert justificatifs["C2"].value == "Bilan du dépistage 2025" and isinstance(
        justificatifs["G2"].value, dt.datetime
    )


def test_the_fallback_transliterates_to_latin1():
    assert (
        report.latin1("12\u202f500\u00a0€ — « cœur » ≥ 70 % → l’objectif…")
        == "12 500\u00a0EUR - « coeur » >= 70 % -> l'objectif..."
    )


# --- Pages --------------------------------------------------------------------------------------------------


def url(cast, name, year=None):
    base = f"/c/{cast.cpts.slug}/aci/rapport/"
    return base if name == "page" else f"{base}{year}.{name}"


def test_the_page_previews_the_report(client, cast, contract):
    login(client, cast.coordinator)
    response = client.get(url(cast, "page"), {"annee": 1})
    assert response.status_code == 200
    html = response.content.decode()
    assert INDICATOR in html and "Télécharger le PDF" in html and "Télécharger le classeur (XLSX)" in html
    assert (
        f"/c/{cast.cpts.slug}/aci/rapport/1.pdf" in html and f"/c/{cast.cpts.slug}/aci/rapport/1.xlsx" in html
    )
    assert "4\u202f250,50\u00a0€" in html and "Bilan du dépistage 2025" in html
    default = client.get(url(cast, "page"))
    assert default.status_code == 200
    assert f"Rapport d'activité ACI — année {indicators.current_year(contract)}" in default.content.decode()
    assert client.get(url(cast, "page"), {"annee": 9}).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "referent"])
def test_coordinator_and_referent_download_the_pdf_and_the_workbook(client, cast, contract, who):
    login(client, getattr(cast, who))
    before = AuditEntry.objects.filter(action="export", object_type="aci.report").count()
    pdf = client.get(url(cast, "pdf", 1))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="rapport-aci-{cast.cpts.slug}-annee-1.pdf"'
    assert pdf.content.startswith(b"%PDF-")
    xlsx = client.get(url(cast, "xlsx", 1))
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == report.XLSX_CONTENT_TYPE
    assert xlsx["Content-Disposition"] == f'attachment; filename="rapport-aci-{cast.cpts.slug}-annee-1.xlsx"'
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "Synthèse"
    entries = AuditEntry.objects.filter(action="export", object_type="aci.report").order_by("pk")
    assert entries.count() == before + 2
    assert [e.object_label for e in entries][-2:] == [
        "rapport d'activité ACI, année 1 (PDF)",
        "rapport d'activité ACI, année 1 (XLSX)",
    ]
    assert all(e.cpts_id == cast.cpts.pk and e.actor_id == getattr(cast, who).pk for e in list(entries)[-2:])


def test_refusals(client, cast, contract):
    anonymous = client.get(url(cast, "pdf", 1))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(
        reverse("accounts:login") + "?next="
    )
    login(client, cast.member)
    assert client.get(url(cast, "pdf", 1)).status_code == 403
    assert client.get(url(cast, "xlsx", 1)).status_code == 403
    assert client.get(url(cast, "page")).status_code == 403
    client.logout()
    login(client, cast.coordinator)
    assert client.get(url(cast, "pdf", 9)).status_code == 404
    assert client.get(url(cast, "xlsx", 0)).status_code == 404
    # Another CPTS's slug: the coordinator has no role there.
    assert client.get(f"/c/{cast.other.slug}/aci/rapport/1.pdf").status_code == 403
    assert not AuditEntry.objects.filter(action="export", object_type="aci.report").exists()


def test_without_a_contract_the_report_goes_to_the_cockpit(client, cast):
    login(client, cast.coordinator)
    for target in (url(cast, "page"), url(cast, "pdf", 1), url(cast, "xlsx", 1)):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"] == f"/c/{cast.cpts.slug}/aci/"


def test_typed_text_is_never_a_formula_in_the_workbook(cast, contract):
    indicators.define(
        contract, cast.coordinator, mission="pathways", name='=HYPERLINK("http://x.test","clic")'
    )
    wb = openpyxl.load_workbook(io.BytesIO(report.to_xlsx(report.build(contract, 1, cast.coordinator))))
    cells = [
        c
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert cells and all(c.data_type == "s" for c in cells)
