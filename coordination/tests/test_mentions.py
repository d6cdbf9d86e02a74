"""@mentions: found by name (case and accents aside), stored, told to the mentioned members only, rendered
escaped and highlighted; ambiguous names mention nobody and the author is told."""

import pytest

from accounts.models import User
from coordination import actions, mentions
from coordination.models import Message, MessageMention
from coordination.tests.helpers import circle_with_consent, url, working_group
from cpts.models import Membership
from cpts.roles import Role
from tests.cast import PASSWORD, login

PEOPLE = [
    (1, "Marie", "Membre"),
    (2, "Basile", "Bureau"),
    (3, "Hélène", "Éloi"),
    (4, "Paul", "Martin"),
    (5, "Jeanne", "Martin"),
]


def test_full_name_or_last_name_without_case_nor_accents():
    table = mentions.name_table(PEOPLE)
    parsed = mentions.find("Bonjour @marie membre et @BUREAU, voir aussi @helene eloi.", table)
    assert parsed.user_ids == [1, 2, 3]
    assert parsed.ambiguous == []


def test_the_longest_name_wins_and_a_shared_last_name_is_ambiguous():
    table = mentions.name_table(PEOPLE)
    assert mentions.find("@Paul Martin passe demain", table).user_ids == [4]
    parsed = mentions.find("@Martin passe demain", table)
    assert parsed.user_ids == [] and parsed.ambiguous == ["Martin"]


def test_email_addresses_partial_names_and_unknown_names_are_not_mentions():
    table = mentions.name_table(PEOPLE)
    assert mentions.find("Écrire à jean@membre.fr ou @Membrey, ou @Dupont", table).user_ids == []
    assert mentions.find("@Membre.", table).user_ids == [1]  # punctuation ends a name


def test_highlight_escapes_everything_and_marks_only_mentions():
    table = mentions.name_table(PEOPLE)
    html = mentions.highlight('<script>alert("@Membre")</script>\n@Membre <b>gras</b>', table)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;gras&lt;/b&gt;" in html
    assert html.count('<mark class="mention">@Membre</mark>') == 2
    assert "<br>" in html


@pytest.mark.django_db
def test_mentions_are_stored_and_told_to_the_mentioned_members_only(
    cast, events, django_capture_on_commit_callbacks
):
    circle = circle_with_consent(cast, cast.bureau, cast.partner)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.post_message(
            circle, cast.member, "Merci @Basile Bureau, et @otto outsider ?", subject="Passage"
        )
    assert list(message.mentions.values_list("user_id", flat=True)) == [cast.bureau.pk]
    mentioned = [e for e in events if e.kind == "message.mentioned"]
    assert len(mentioned) == 1
    assert mentioned[0].data["user_ids"] == [cast.bureau.pk] and mentioned[0].object_id == message.pk


@pytest.mark.django_db
def test_a_removed_member_is_not_mentioned(cast, events, django_capture_on_commit_callbacks):
    circle = circle_with_consent(cast, cast.bureau, cast.partner)
    actions.remove_member(circle, cast.member, cast.partner)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.post_message(circle, cast.member, "@Pablo Partenaire ?", subject="Retiré")
    assert not message.mentions.exists()
    assert "message.mentioned" not in events.kinds()


@pytest.mark.django_db
def test_ambiguous_name_mentions_nobody_and_the_author_is_told(client, cast):
    twin = User.objects.create_user("twin@cast.test", PASSWORD, first_name="Bernard", last_name="Bureau")
    Membership.objects.create(cpts=cast.cpts, user=twin, role=Role.MEMBER)
    group = working_group(cast, cast.bureau, twin)
    login(client, cast.member)
    response = client.post(
        url("post_message", cast, group_id=group.pk),
        {"subject": "Réunion", "body": "@Bureau, pouvez-vous confirmer ? @Bernard Bureau aussi"},
        follow=True,
    )
    page = response.content.decode()
    assert "Mention ambiguë" in page and "@Bureau" in page
    message = Message.objects.get(subject="Réunion")
    assert list(message.mentions.values_list("user_id", flat=True)) == [twin.pk]


@pytest.mark.django_db
def test_editing_adds_new_mentions_only_once(cast, events, django_capture_on_commit_callbacks):
    group = working_group(cast, cast.bureau, cast.partner)
    message = actions.post_message(group, cast.member, "Pour @Bureau", subject="Ordre du jour")
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_message(message, cast.member, "Pour @Bureau et @Partenaire")
    mentioned = [e for e in events if e.kind == "message.mentioned"]
    assert [e.data["user_ids"] for e in mentioned] == [[cast.partner.pk]]
    assert set(MessageMention.objects.filter(message=message).values_list("user_id", flat=True)) == {
        cast.bureau.pk,
        cast.partner.pk,
    }
    actions.edit_message(message, cast.member, "Plus personne")
    assert not MessageMention.objects.filter(message=message).exists()


@pytest.mark.django_db
def test_the_page_highlights_mentions_and_keeps_html_inert(client, cast):
    group = working_group(cast, cast.bureau)
    actions.post_message(
        group, cast.member, "<img src=x onerror=alert(1)> @Basile Bureau", subject="<b>Sujet</b>"
    )
    login(client, cast.bureau)
    page = client.get(url("group", cast, group_id=group.pk)).content.decode()
    assert '<mark class="mention">@Basile Bureau</mark>' in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>Sujet</b>" not in page and "&lt;b&gt;Sujet&lt;/b&gt;" in page
    assert "@Marie Membre" in page  # the helper text lists whom one may mention
