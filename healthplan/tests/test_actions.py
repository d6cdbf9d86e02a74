"""Chapters and fiches-actions co-edited by two porteurs without lost update; indicators checked; budget."""

from decimal import Decimal

import pytest

from audit.models import AuditEntry
from healthplan import actions, selectors
from healthplan.models import ActionSheet, Chapter, ChapterVersion, PlannedExpense, SheetIndicator
from healthplan.tests.conftest import sheet_data, two_sheets
from opencpts.errors import ActionError

TEXT = "Sept communes.\nTrois MSP.\nUne coopération ancienne autour du domicile."


def test_a_chapter_keeps_every_version_with_its_author(project, porteur, coporteur):
    first = actions.save_chapter(project, "contexte", TEXT, 0, porteur)
    assert first.changed and not first.merged and first.obj.version == 1
    second = actions.save_chapter(project, "contexte", TEXT + "\nUn DAC.", 1, coporteur)
    assert second.obj.version == 2
    again = actions.save_chapter(project, "contexte", TEXT + "\nUn DAC.", 2, coporteur)
    assert not again.changed and again.obj.version == 2  # nothing new: no version
    history = [(v.version, v.author, v.text) for v in ChapterVersion.objects.order_by("version")]
    assert history == [(1, porteur, TEXT), (2, coporteur, TEXT + "\nUn DAC.")]
    assert AuditEntry.objects.filter(object_type="healthplan.chapterversion", action="create").count() == 2


def test_two_porteurs_editing_different_lines_are_merged(project, porteur, coporteur):
    actions.save_chapter(project, "contexte", TEXT, 0, porteur)
    # Both open version 1; Paule saves first, then Cora.
    actions.save_chapter(project, "contexte", TEXT.replace("Trois MSP.", "Trois MSP et une ESP."), 1, porteur)
    saved = actions.save_chapter(project, "contexte", TEXT + "\nUn DAC depuis 2022.", 1, coporteur)
    assert saved.merged and saved.changed
    chapter = Chapter.objects.get()
    assert chapter.text == TEXT.replace("Trois MSP.", "Trois MSP et une ESP.") + "\nUn DAC depuis 2022."
    assert chapter.version == 3 and chapter.versions.get(version=3).merged


def test_two_porteurs_editing_the_same_line_the_second_is_refused_with_the_other_text(
    project, porteur, coporteur
):
    actions.save_chapter(project, "contexte", TEXT, 0, porteur)
    paule = TEXT.replace("Trois MSP.", "Deux MSP.")
    actions.save_chapter(project, "contexte", paule, 1, porteur)
    with pytest.raises(actions.EditConflict) as refused:
        actions.save_chapter(project, "contexte", TEXT.replace("Trois MSP.", "Quatre MSP."), 1, coporteur)
    assert refused.value.theirs == paule and refused.value.version == 2
    assert "Paule Porteuse" in refused.value.message and "n'est pas enregistré" in refused.value.message
    chapter = Chapter.objects.get()
    assert chapter.text == paule and chapter.version == 2 and chapter.versions.count() == 2


def test_a_version_that_does_not_exist_is_refused(project, porteur):
    with pytest.raises(ActionError, match="rechargez"):
        actions.save_chapter(project, "contexte", TEXT, 3, porteur)
    with pytest.raises(ActionError, match="Chapitre inconnu"):
        actions.save_chapter(project, "fiches", TEXT, 0, porteur)
    assert not Chapter.objects.exists()


def test_a_fiche_action_with_its_indicators_and_its_history(project, porteur):
    sheet = actions.create_sheet(project, porteur, sheet_data())
    assert sheet.version == 1 and sheet.get_mission_display().startswith("Accès aux soins")
    (ind,) = sheet.indicators.all()
    assert (ind.name, ind.unit, ind.direction, ind.baseline, ind.target) == (
        "Patients en ALD sans médecin traitant",
        "count",
        "lower",
        Decimal("220"),
        Decimal("100"),
    )
    version = sheet.versions.get()
    assert version.data["indicators"][0]["target"] == "100.00" and version.author == porteur


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"mission": "dentists"}, "mission ACI"),
        ({"title": "  "}, "intitulé"),
        ({"indicators": [{"name": "Taux", "unit": "percent", "target": "120"}]}, "au plus 100 %"),
        ({"indicators": [{"name": "Fait", "unit": "done", "target": "2"}]}, "1 \\(réalisé\\)"),
        ({"indicators": [{"name": "Nombre", "baseline": "beaucoup"}]}, "n'est pas un nombre"),
        ({"indicators": [{"name": "A"}, {"name": "a"}]}, "Deux indicateurs"),
    ],
)
def test_a_bad_fiche_is_refused_and_nothing_is_saved(project, porteur, changes, message):
    with pytest.raises(ActionError, match=message):
        actions.create_sheet(project, porteur, sheet_data(**changes))
    assert not ActionSheet.objects.exists() and not SheetIndicator.objects.exists()


def test_two_porteurs_editing_a_fiche(project, porteur, coporteur):
    sheet = actions.create_sheet(project, porteur, sheet_data())
    # Paule changes the pilot, Cora the means, both from version 1: merged.
    actions.save_sheet(project, sheet.pk, porteur, sheet_data(pilot="Dr Cora Coporteuse"), 1)
    saved = actions.save_sheet(
        project, sheet.pk, coporteur, sheet_data(means="Coordinatrice à temps plein."), 1
    )
    sheet.refresh_from_db()
    assert saved.merged and sheet.version == 3
    assert (sheet.pilot, sheet.means) == ("Dr Cora Coporteuse", "Coordinatrice à temps plein.")
    # Both change the target from version 3: the second is refused, the other version shown.
    target_120 = sheet_data(pilot="Dr Cora Coporteuse", means="Coordinatrice à temps plein.")
    target_120["indicators"][0]["target"] = "120"
    actions.save_sheet(project, sheet.pk, porteur, target_120, 3)
    target_80 = sheet_data(pilot="Dr Cora Coporteuse", means="Coordinatrice à temps plein.")
    target_80["indicators"][0]["target"] = "80"
    with pytest.raises(actions.EditConflict) as refused:
        actions.save_sheet(project, sheet.pk, coporteur, target_80, 3)
    assert refused.value.fields == ["indicators"] and refused.value.version == 4
    assert refused.value.theirs["indicators"][0]["target"] == "120.00"
    assert SheetIndicator.objects.get().target == Decimal("120")


def test_the_budget_uses_the_simulator_of_the_territory_tier_and_the_planned_expenses(project, porteur):
    two_sheets(project, porteur)
    actions.add_expense(
        project, porteur, label="Coordinatrice", category="staff", mission="", amount="40 000"
    )
    with pytest.raises(ActionError, match="positif"):
        actions.add_expense(project, porteur, label="Rien", category="staff", mission="", amount="0")
    budget = selectors.budget(project)
    assert budget.tier == 1 and budget.rows[0].label == "Fonctionnement"
    assert budget.spending == Decimal("40000") and PlannedExpense.objects.count() == 1
    assert budget.balance_first == budget.income_first - Decimal("40000") and budget.income_first > 0
    missions = {r.mission for r in budget.rows}
    assert {"access", "prevention"} <= missions


def test_the_overview_groups_the_fiches_by_mission(project, porteur):
    two_sheets(project, porteur)
    overview = selectors.overview(project)
    assert [(m.code, [s.title for s in m.sheets]) for m in overview.missions] == [
        ("access", ["Un médecin traitant pour les patients en ALD"]),
        ("prevention", ["Dépistage du cancer colorectal"]),
    ]
    assert [c.key for c in overview.before + overview.after] == [
        "contexte",
        "diagnostic",
        "gouvernance",
        "evaluation",
        "budget",
    ]
