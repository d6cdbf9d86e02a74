"""Editing a group (initiator or coordinator, open groups only) and a group's history read from the audit
trail (active members and managers only, paged, never content, its own view audited)."""

from html import unescape

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEntry
from coordination import actions, history
from coordination.models import Group
from coordination.tests.helpers import circle_with_consent, url, working_group
from opencpts.errors import ActionError
from tests.cast import login

pytestmark = pytest.mark.django_db


def test_initiator_and_coordinator_edit_others_are_refused(cast, events, django_capture_on_commit_callbacks):
    group = working_group(cast, cast.bureau)
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_group(group, cast.member, "Parcours plaies", "Nouvelle description")
    assert "group.edited" in events.kinds()
    actions.edit_group(group, cast.coordinator, "Parcours plaies chroniques", "")
    group.refresh_from_db()
    assert (group.title, group.description) == ("Parcours plaies chroniques", "")
    for intruder in (cast.bureau, cast.partner, cast.other_coordinator):
        with pytest.raises(PermissionDenied):
            actions.edit_group(group, intruder, "Piraté", "")
    with pytest.raises(ActionError, match="obligatoire"):
        actions.edit_group(group, cast.member, "   ", "")
    actions.close_group(group, cast.member)
    with pytest.raises(ActionError, match="clôturé"):
        actions.edit_group(group, cast.member, "Après clôture", "")
    assert Group.objects.get(pk=group.pk).title == "Parcours plaies chroniques"


def test_edit_page_escapes_and_refuses_bad_input(client, cast):
    group = working_group(cast)
    login(client, cast.member)
    page = client.get(url("edit_group", cast, group_id=group.pk))
    assert page.status_code == 200 and 'value="Parcours diabète"' in page.content.decode()
    response = client.post(url("edit_group", cast, group_id=group.pk), {"title": "", "description": "x"})
    assert response.status_code == 200 and "obligatoire" in response.content.decode()
    response = client.post(
        url("edit_group", cast, group_id=group.pk),
        {"title": "<script>alert(1)</script>", "description": "<i>desc</i>"},
    )
    assert response.status_code == 302
    page = client.get(url("group", cast, group_id=group.pk)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<i>desc</i>" not in page
    client.logout()
    login(client, cast.bureau)
    assert client.get(url("edit_group", cast, group_id=group.pk)).status_code == 403


def test_history_tells_who_did_what_without_content(client, cast):
    circle = circle_with_consent(cast, cast.bureau)
    subject = actions.post_message(
        circle, cast.member, "Tension 14/9, à surveiller", subject="Suivi tensionnel"
    )
    actions.post_message(circle, cast.bureau, "Vu, je repasse demain @Marie Membre", parent=subject)
    actions.edit_message(subject, cast.member, "Tension 13/8")
    actions.delete_message(subject, cast.member)
    consent = circle.consents.get()
    actions.withdraw_consent(consent, cast.member)
    actions.invite(circle, cast.member, cast.partner)
    actions.answer_invitation(circle, cast.partner, accept=True)
    actions.leave(circle, cast.partner)
    actions.remove_member(circle, cast.member, cast.bureau)
    actions.close_group(circle, cast.member)
    login(client, cast.member)
    response = client.get(url("history", cast, group_id=circle.pk))
    page = unescape(response.content.decode())
    for line in (
        "a créé le groupe",
        "Marie Membre a invité Basile Bureau",
        "Basile Bureau a rejoint le groupe",
        "Marie Membre a enregistré un consentement",
        f"Marie Membre a publié un sujet (message n° {subject.pk})",
        "Basile Bureau a répondu",
        "Basile Bureau a mentionné Marie Membre",
        f"Marie Membre a modifié le message n° {subject.pk}",
        f"Marie Membre a supprimé le message n° {subject.pk}",
        "enregistré le retrait du consentement",
        "Pablo Partenaire a quitté le groupe",
        "Marie Membre a retiré Basile Bureau du groupe",
        "Marie Membre a clôturé le groupe",
    ):
        assert line in page, line
    for secret in ("Tension", "Suivi tensionnel", "je repasse"):
        assert secret not in page
    assert (
        AuditEntry.objects.filter(
            action="view", object_type="coordination.group", object_id=str(circle.pk), details__page="history"
        ).count()
        == 1
    )
    views_only = unescape(
        client.get(url("history", cast, group_id=circle.pk), {"type": "consultations"}).content.decode()
    )
    assert "a consulté l'historique du groupe" in views_only and "a clôturé le groupe" not in views_only


def test_history_is_for_active_members_and_managers(client, cast):
    group = working_group(cast, cast.bureau, cast.partner)
    actions.remove_member(group, cast.member, cast.partner)
    for user, status in (
        (cast.bureau, 200),
        (cast.coordinator, 200),
        (cast.partner, 403),
        (cast.guest, 403),
        (cast.referent, 403),
        (cast.other_coordinator, 403),
    ):
        client.logout()
        login(client, user)
        assert client.get(url("history", cast, group_id=group.pk)).status_code == status, user


def test_history_of_a_circle_hides_its_title_from_a_manager_who_does_not_read_it(client, cast):
    circle = circle_with_consent(cast)
    login(client, cast.coordinator)
    page = client.get(url("history", cast, group_id=circle.pk)).content.decode()
    assert "MARTIN" not in page and f"n° {circle.pk}" in page


def test_history_is_paged(cast):
    group = working_group(cast)
    for i in range(60):
        actions.post_message(group, cast.member, f"Message {i}", subject=f"Sujet {i}")
    entries = history.entries(group)
    assert entries.count() == 61  # creation + 60 subjects
    lines = history.describe(list(entries[:50]))
    assert len(lines) == 50 and lines[0].text.startswith("Marie Membre a publié un sujet")
