"""Unread counts (per group, in one query; totals in the navigation and the title), the group page's subject
filter and text search, and the CPTS-wide message search limited to the groups one reads right now."""

import pytest

from audit.models import AuditEntry
from coordination import actions, selectors
from coordination.models import Group
from coordination.tests.helpers import circle_with_consent, url, working_group
from tests.cast import login

pytestmark = pytest.mark.django_db


def test_unread_counts_exclude_my_messages_deleted_ones_and_read_ones(cast):
    group = working_group(cast, cast.bureau)
    actions.post_message(group, cast.member, "Le mien", subject="Sujet A")
    first = actions.post_message(group, cast.bureau, "Premier", subject="Sujet B")
    actions.post_message(group, cast.bureau, "Réponse", parent=first)
    deleted = actions.post_message(group, cast.bureau, "Effacé", subject="Sujet C")
    actions.delete_message(deleted, cast.bureau)
    assert selectors.unread_totals(cast.member, cast.cpts) == {"groups": 2, "conversations": 0}
    actions.mark_read(first, cast.member)
    [row] = selectors.my_groups(cast.member, cast.cpts)
    assert row.unread == 1
    assert selectors.unread_totals(cast.bureau, cast.cpts)["groups"] == 1  # the member's subject


def test_groups_page_lists_unread_counts_in_one_query(client, cast, django_assert_max_num_queries):
    for i in range(6):
        group = working_group(cast, cast.bureau, title=f"Groupe {i}")
        for j in range(i):
            actions.post_message(group, cast.bureau, f"Message {j}", subject=f"Sujet {j}")
    rows = None
    with django_assert_max_num_queries(2):  # the membership, then the groups with their counts
        rows = list(selectors.my_groups(cast.member, cast.cpts))
    assert sorted(r.unread for r in rows) == [0, 1, 2, 3, 4, 5]
    login(client, cast.member)
    with django_assert_max_num_queries(22):  # the whole page: independent of the number of groups
        response = client.get(url("groups", cast))
    page = response.content.decode()
    assert "<title>(15) Mes groupes" in page
    assert "15 non lus" in page
    # the navigation's total, on the « Messages » destination
    assert '<span class="nav-badge">15<span class="sr-only"> messages non lus</span></span>' in page


def test_reading_the_group_clears_its_unread_count(client, cast):
    group = working_group(cast, cast.bureau)
    actions.post_message(group, cast.bureau, "À lire", subject="Nouveau")
    login(client, cast.member)
    assert selectors.unread_totals(cast.member, cast.cpts)["groups"] == 1
    client.get(url("group", cast, group_id=group.pk))
    assert selectors.unread_totals(cast.member, cast.cpts)["groups"] == 0


def test_group_page_filters_by_subject_and_by_text(client, cast):
    group = working_group(cast, cast.bureau)
    kine = actions.post_message(group, cast.member, "Séances de kinésithérapie", subject="Rééducation")
    actions.post_message(group, cast.bureau, "Le pansement est à refaire", parent=kine)
    actions.post_message(group, cast.member, "Ordonnance renouvelée", subject="Traitement")
    login(client, cast.member)
    page = client.get(url("group", cast, group_id=group.pk), {"sujet": kine.pk}).content.decode()
    assert "Rééducation" in page and "Ordonnance renouvelée" not in page
    assert f"messages/fil/?sujet={kine.pk}" in page  # the live refresh keeps the filter
    page = client.get(url("group", cast, group_id=group.pk), {"q": "PANSEMENT"}).content.decode()
    assert "Le pansement est à refaire" in page and "Ordonnance renouvelée" not in page
    page = client.get(url("group_messages", cast, group_id=group.pk), {"q": "ordonnance"}).content.decode()
    assert "Ordonnance renouvelée" in page and "Séances de kinésithérapie" not in page
    page = client.get(url("group", cast, group_id=group.pk), {"q": "introuvable"}).content.decode()
    assert "Aucun sujet ne correspond à ce filtre." in page
    page = client.get(url("group", cast, group_id=group.pk), {"sujet": "999999"}).content.decode()
    assert "Ce sujet n'existe pas dans ce groupe" in page and "Ordonnance renouvelée" in page


def test_search_across_groups_with_excerpt_paged_and_audited(client, cast):
    circle = circle_with_consent(cast, cast.bureau)
    group = working_group(cast, cast.bureau)
    actions.post_message(
        circle, cast.bureau, "Prévoir un <script>alert(1)</script> bilan sanguin jeudi", subject="Biologie"
    )
    actions.post_message(group, cast.member, "Réunion sur le bilan annuel", subject="Organisation")
    actions.post_message(group, cast.member, "Sans rapport", subject="Autre")
    login(client, cast.member)
    response = client.get(url("search", cast), {"q": "BILAN"})
    page = response.content.decode()
    assert response.status_code == 200 and "2 messages trouvés" in page
    assert "<mark>bilan</mark> sanguin" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    assert "Biologie" in page and "Organisation" in page and "Sans rapport" not in page
    assert AuditEntry.objects.filter(
        action="view", object_type="coordination.group", object_id=str(circle.pk), details__page="search"
    ).exists()
    for i in range(25):
        actions.post_message(group, cast.member, f"Bilan numéro {i}", subject=f"Bilan {i}")
    page = client.get(url("search", cast), {"q": "bilan", "page": "2"}).content.decode()
    assert "Page 2 sur 2" in page and "27 messages trouvés" in page


def test_search_needs_two_characters(client, cast):
    login(client, cast.member)
    page = client.get(url("search", cast), {"q": "a"}).content.decode()
    assert "Saisissez au moins 2 caractères." in page


def test_search_shows_nothing_to_a_removed_member_a_non_member_or_another_role(client, cast):
    group = working_group(cast, cast.bureau, cast.partner)
    actions.post_message(group, cast.member, "Information confidentielle", subject="Secret")
    actions.remove_member(group, cast.member, cast.partner)
    for user in (cast.partner, cast.coordinator, cast.guest):  # removed, never a member, guest of the CPTS
        assert not selectors.search_messages(user, cast.cpts, "confidentielle").exists()
        client.logout()
        login(client, user)
        page = client.get(url("search", cast), {"q": "confidentielle"}).content.decode()
        assert "Aucun message trouvé." in page and "Information confidentielle" not in page
    assert selectors.search_messages(cast.bureau, cast.cpts, "confidentielle").count() == 1
    assert not selectors.search_messages(cast.member, cast.other, "confidentielle").exists()


def test_conversations_are_counted_apart(cast):
    group, _, _ = actions.start_conversation(cast.cpts, cast.bureau, [cast.member], "Question", "Rapide ?")
    assert group.kind == Group.Kind.CONVERSATION
    assert selectors.unread_totals(cast.member, cast.cpts) == {"groups": 0, "conversations": 1}
    assert not list(selectors.my_groups(cast.member, cast.cpts))
