"""The projet de santé pages with the test client: two porteurs write a chapter at once (merged, then refused
with the other text shown and their own kept in the form), a fiche-action with its indicators, the budget, the
document; an account outside the project gets 404."""

import pytest
from django.urls import reverse

from healthplan import actions
from healthplan.models import ActionSheet, Chapter, PlannedExpense
from healthplan.tests.conftest import two_sheets
from tests.cast import login, make_user

TEXT = "Sept communes.\nTrois MSP.\nUne coopération ancienne.\n"


def _url(name, project, *args):
    return reverse(f"healthplan:{name}", args=[project.pk, *args])


def test_the_overview_shows_chapters_fiches_by_mission_budget_and_links(client, project, porteur):
    two_sheets(project, porteur)
    actions.save_chapter(project, "contexte", TEXT, 0, porteur)
    login(client, porteur)
    page = client.get(_url("overview", project)).content.decode()
    assert "Sept communes." in page and "Dépistage du cancer colorectal" in page
    assert "Prévention" in page and page.index("Accès aux soins") < page.index("Prévention")
    assert "Taille 1" in page and _url("document", project) in page
    assert _url("sheet_new", project) in page and _url("chapter", project, "gouvernance") in page
    detail = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert _url("overview", project) in detail


def test_two_porteurs_write_the_same_chapter(client, project, porteur, coporteur):
    from django.test import Client

    other = Client()
    login(client, porteur)
    login(other, coporteur)
    assert 'value="0"' in client.get(_url("chapter", project, "contexte")).content.decode()
    client.post(_url("chapter", project, "contexte"), {"text": TEXT, "version": "0"})
    # Both open version 1.
    paule = TEXT.replace("Trois MSP.", "Deux MSP.")
    response = client.post(_url("chapter", project, "contexte"), {"text": paule, "version": "1"}, follow=True)
    assert "Chapitre « Contexte local et historique de coopération » enregistré." in response.content.decode()
    # Cora adds a line at the end: merged, and told so.
    cora = TEXT + "Un DAC.\n"
    response = other.post(_url("chapter", project, "contexte"), {"text": cora, "version": "1"}, follow=True)
    assert "fusionné avec les modifications" in response.content.decode()
    assert Chapter.objects.get().text == paule + "Un DAC."
    # Cora, still from version 1, changes the line Paule changed: refused, both texts on the page.
    mine = TEXT.replace("Trois MSP.", "Quatre MSP.")
    response = other.post(_url("chapter", project, "contexte"), {"text": mine, "version": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and "n&#x27;est pas enregistré" in page
    assert "Quatre MSP." in page  # her text, kept in the form
    assert 'data-testid="theirs">' + paule + "Un DAC.</pre>" in page  # the text stored, shown beside
    assert 'name="version" value="3"' in page  # she continues from the stored version
    assert Chapter.objects.get().version == 3 and "Quatre" not in Chapter.objects.get().text


def test_a_fiche_action_with_its_indicators_through_the_page(client, project, porteur):
    login(client, porteur)
    data = {
        "mission": "pathways",
        "title": "Parcours des personnes âgées fragiles",
        "objective": "Éviter les passages aux urgences.",
        "actions": "Repérage.\nRéunions pluriprofessionnelles.",
        "pilot": "Dr Paule Porteuse",
        "partners": "DAC 29",
        "schedule": "Année 1",
        "means": "Indemnisation des professionnels.",
        "version": "",
        "ind-TOTAL_FORMS": "2",
        "ind-INITIAL_FORMS": "0",
        "ind-0-name": "Patients inclus dans le parcours",
        "ind-0-unit": "count",
        "ind-0-direction": "higher",
        "ind-0-baseline": "0",
        "ind-0-target": "150",
        "ind-0-source_note": "",
        "ind-1-name": "",
        "ind-1-unit": "count",
        "ind-1-direction": "higher",
    }
    response = client.post(_url("sheet_new", project), data, follow=True)
    assert "Fiche-action « Parcours des personnes âgées fragiles » créée" in response.content.decode()
    sheet = ActionSheet.objects.get()
    assert [(i.name, i.target) for i in sheet.indicators.all()] == [("Patients inclus dans le parcours", 150)]
    page = client.get(_url("sheet", project, sheet.pk)).content.decode()
    assert 'value="Patients inclus dans le parcours"' in page and 'name="version" value="1"' in page
    bad = {**data, "version": "1", "ind-0-target": "beaucoup"}
    response = client.post(_url("sheet", project, sheet.pk), bad)
    assert "n&#x27;est pas un nombre" in response.content.decode()
    assert ActionSheet.objects.get().version == 1
    history = client.get(_url("sheet_history", project, sheet.pk)).content.decode()
    assert "Version 1" in history and "Réunions pluriprofessionnelles." in history


def test_the_budget_page_adds_and_removes_an_expense(client, project, porteur):
    login(client, porteur)
    response = client.post(
        _url("budget", project),
        {"label": "Coordinatrice", "category": "staff", "mission": "", "amount": "40000"},
        follow=True,
    )
    page = response.content.decode()
    assert "Dépense « Coordinatrice » ajoutée" in page and 'data-testid="balance"' in page
    expense = PlannedExpense.objects.get()
    client.post(_url("expense_remove", project, expense.pk))
    assert not PlannedExpense.objects.exists()


def test_the_document_downloads_as_docx(client, project, porteur):
    two_sheets(project, porteur)
    login(client, porteur)
    response = client.get(_url("document", project), {"format": "docx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert response.content[:2] == b"PK"


def test_an_account_outside_the_project_gets_404_and_changes_nothing(client, project, porteur):
    first, _ = two_sheets(project, porteur)
    outsider = make_user("autre@projet.test")
    login(client, outsider)
    for url in (
        _url("overview", project),
        _url("chapter", project, "contexte"),
        _url("sheet", project, first.pk),
        _url("budget", project),
    ):
        assert client.get(url).status_code == 404
    assert client.post(_url("chapter", project, "contexte"), {"text": "x", "version": "0"}).status_code == 404
    assert client.post(_url("sheet_delete", project, first.pk)).status_code == 404
    assert not Chapter.objects.exists() and ActionSheet.objects.count() == 2


@pytest.mark.parametrize("key", ["fiches", "inconnu"])
def test_an_unknown_chapter_is_404(client, project, porteur, key):
    login(client, porteur)
    assert client.get(_url("chapter", project, key)).status_code == 404


def test_a_referent_reads_without_edit_buttons_and_cannot_write(client, project, porteur, monkeypatch):
    from projects import access

    first, _ = two_sheets(project, porteur)
    referent = make_user("referente@ars.test", first_name="Rose", last_name="Référente")
    monkeypatch.setattr(access, "is_reviewer", lambda user, p: user == referent)
    login(client, referent)
    page = client.get(_url("overview", project)).content.decode()
    assert "Lecture seule" in page and "Dépistage du cancer colorectal" in page
    assert _url("sheet_new", project) not in page and _url("chapter", project, "contexte") not in page
    assert _url("sheet_history", project, first.pk) in page
    assert client.get(_url("sheet_history", project, first.pk)).status_code == 200
    assert client.get(_url("chapter", project, "contexte")).status_code == 404
    assert (
        client.post(_url("budget", project), {"label": "x", "category": "staff", "amount": "1"}).status_code
        == 404
    )
    assert not PlannedExpense.objects.exists()


def test_a_fiche_changed_at_the_same_place_meanwhile_is_refused_showing_the_other_version(
    client, project, porteur, coporteur
):
    first, _ = two_sheets(project, porteur)
    actions.save_sheet(
        project, first.pk, coporteur, {**actions.sheet_data(first), "pilot": "Dr Cora Coporteuse"}, 1
    )
    login(client, porteur)
    data = {**actions.sheet_data(first), "pilot": "Dr Paule Porteuse et l'IDEL", "version": "1"}
    data.pop("indicators")
    indicator = first.indicators.get()
    data.update(
        {
            "ind-TOTAL_FORMS": "1",
            "ind-INITIAL_FORMS": "0",
            "ind-0-name": indicator.name,
            "ind-0-unit": indicator.unit,
            "ind-0-direction": indicator.direction,
            "ind-0-baseline": "220",
            "ind-0-target": "100",
            "ind-0-source_note": indicator.source_note,
        }
    )
    page = client.post(_url("sheet", project, first.pk), data).content.decode()
    assert "aux mêmes endroits (pilote)" in page
    assert "Dr Cora Coporteuse" in page and "Dr Paule Porteuse et l&#x27;IDEL" in page  # both versions
    assert 'name="version" value="2"' in page
    assert ActionSheet.objects.get(pk=first.pk).pilot == "Dr Cora Coporteuse"
