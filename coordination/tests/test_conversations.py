"""Direct messages: conversations between two to ten professionals of the CPTS, no patient, no consent; the
two-person conversation is reused; the usual message rules apply (active members only, closed = read-only)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from accounts.models import User
from coordination import actions
from coordination.models import CONVERSATION_MAX_MEMBERS, Group, GroupMember, Message
from coordination.tests.helpers import url
from cpts.models import Membership
from cpts.roles import Role
from opencpts.errors import ActionError
from tests.cast import PASSWORD, login

pytestmark = pytest.mark.django_db


def test_a_conversation_needs_no_consent_and_its_members_are_active_at_once(
    cast, events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        group, message, created = actions.start_conversation(
            cast.cpts, cast.member, [cast.bureau, cast.partner], "Garde du week-end", "Qui est disponible ?"
        )
    assert created and group.kind == Group.Kind.CONVERSATION and group.patient is None
    assert set(group.members.filter(status=GroupMember.Status.ACTIVE).values_list("user_id", flat=True)) == {
        cast.member.pk,
        cast.bureau.pk,
        cast.partner.pk,
    }
    assert message.subject == "Garde du week-end" and message.author == cast.member
    reply = actions.post_message(group, cast.bureau, "Moi samedi.", parent=message)
    assert reply.parent == message
    assert "member.joined" in events.kinds() and "message.posted" in events.kinds()


def test_the_two_person_conversation_is_reopened_not_duplicated(cast):
    first, _, created = actions.start_conversation(
        cast.cpts, cast.member, [cast.bureau], "Premier", "Bonjour"
    )
    second, message, created_again = actions.start_conversation(
        cast.cpts, cast.bureau, [cast.member], "Retour", "Réponse"
    )
    assert created and not created_again and first == second
    assert message.group == first and first.messages.filter(parent__isnull=True).count() == 2
    # With a third person it is another conversation; once someone left, the pair starts a new one.
    trio, _, created_trio = actions.start_conversation(
        cast.cpts, cast.member, [cast.bureau, cast.partner], "À trois", "Bonjour"
    )
    assert created_trio and trio != first
    actions.leave(first, cast.bureau)
    fresh, _, created_fresh = actions.start_conversation(
        cast.cpts, cast.member, [cast.bureau], "Nouveau", "Bonjour"
    )
    assert created_fresh and fresh != first


def test_recipients_must_be_professionals_of_the_cpts(cast):
    for stranger in (cast.referent, cast.outsider, cast.other_coordinator):
        with pytest.raises(ActionError, match="ne sont pas des professionnels de la CPTS"):
            actions.start_conversation(cast.cpts, cast.member, [stranger], "Sujet", "Texte")
    with pytest.raises(ActionError, match="au moins un destinataire"):
        actions.start_conversation(cast.cpts, cast.member, [cast.member], "Sujet", "Texte")
    with pytest.raises(PermissionDenied):
        actions.start_conversation(cast.cpts, cast.referent, [cast.member], "Sujet", "Texte")
    with pytest.raises(ActionError, match="obligatoire"):
        actions.start_conversation(cast.cpts, cast.member, [cast.bureau], "Sujet", "   ")
    assert not Group.objects.filter(kind=Group.Kind.CONVERSATION).exists() and not Message.objects.exists()


def test_at_most_ten_people(cast):
    colleagues = []
    for i in range(CONVERSATION_MAX_MEMBERS):
        user = User.objects.create_user(
            f"collegue{i}@cast.test", PASSWORD, first_name="Col", last_name=f"Lègue{i}"
        )
        Membership.objects.create(cpts=cast.cpts, user=user, role=Role.MEMBER)
        colleagues.append(user)
    with pytest.raises(ActionError, match="10 personnes au plus"):
        actions.start_conversation(cast.cpts, cast.member, colleagues, "Trop", "Nombreux")
    group, _, _ = actions.start_conversation(cast.cpts, cast.member, colleagues[:9], "Dix", "Tout juste")
    with pytest.raises(ActionError, match="10 personnes au plus"):
        actions.invite(group, cast.member, cast.bureau)


def test_the_database_refuses_a_conversation_about_a_patient(cast):
    group, _, _ = actions.start_conversation(cast.cpts, cast.member, [cast.bureau], "Sujet", "Texte")
    patient = actions.create_patient(
        cast.cpts, cast.member, family_name="X", given_names="Y", birth_date=dt.date(1950, 1, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(patient=patient)


def test_closed_conversation_is_read_only_and_non_members_read_nothing(client, cast):
    group, message, _ = actions.start_conversation(cast.cpts, cast.member, [cast.bureau], "Sujet", "Texte")
    actions.close_group(group, cast.member)
    with pytest.raises(ActionError, match="clôturé"):
        actions.post_message(group, cast.bureau, "Encore ?", parent=message)
    login(client, cast.partner)
    assert client.get(url("group", cast, group_id=group.pk)).status_code == 403


def test_pages_start_list_and_remind_not_to_share_patient_data(client, cast):
    login(client, cast.member)
    page = client.get(url("new_conversation", cast)).content.decode()
    assert "Basile Bureau" in page and "Rita Référente" not in page and "Marie Membre" not in page
    response = client.post(
        url("new_conversation", cast),
        {"recipients": [cast.bureau.pk], "subject": "Planning", "body": "<b>Bonjour</b> @Basile Bureau"},
    )
    group = Group.objects.get(kind=Group.Kind.CONVERSATION)
    assert response.status_code == 302 and response["Location"].startswith(
        url("group", cast, group_id=group.pk)
    )
    page = client.get(response["Location"]).content.decode()
    assert "n'y partagez pas de données permettant d'identifier un patient" in page
    assert "&lt;b&gt;Bonjour&lt;/b&gt;" in page and '<mark class="mention">@Basile Bureau</mark>' in page
    client.logout()
    login(client, cast.bureau)
    page = client.get(url("conversations", cast)).content.decode()
    assert "Marie Membre" in page and "<title>(1) Messages directs" in page
    # The menu's entry, with its count and the words read by a screen reader (templates/_shell_menu.html).
    assert (
        '<span class="menu-label">Messages directs</span><span class="nav-badge">1'
        '<span class="sr-only"> message non lu</span></span>' in page
    )


def test_bad_input_on_the_page_keeps_nothing(client, cast):
    login(client, cast.member)
    response = client.post(
        url("new_conversation", cast), {"recipients": [cast.referent.pk], "subject": "X", "body": "Y"}
    )
    assert response.status_code == 200 and "Destinataire inconnu" in response.content.decode()
    response = client.post(url("new_conversation", cast), {"subject": "", "body": ""})
    assert "Choisissez au moins un destinataire." in response.content.decode()
    assert not Group.objects.filter(kind=Group.Kind.CONVERSATION).exists()
