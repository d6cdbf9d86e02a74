"""Invitation by e-mail of a professional outside the CPTS: hashed single-use token, 14 days, neutral e-mail,
account creation with accounts' password rules, guest membership, second factor at first login; existing
accounts; expired, reused and forged links; bad addresses."""

import datetime as dt
import re
from html import unescape
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coordination import actions, invitations
from coordination.models import EmailInvitation, GroupMember
from coordination.tests.helpers import circle_with_consent, url, working_group
from cpts.models import Membership
from cpts.roles import Role
from opencpts.errors import ActionError
from tests.cast import login

pytestmark = pytest.mark.django_db

NEW = {
    "first_name": "Inès",
    "last_name": "Invitée",
    "password": "Une-Phrase-Longue-2026",
    "password2": "Une-Phrase-Longue-2026",
}


def invite(group, by, email, token="jeton-de-test"):
    with mock.patch("coordination.invitations.secrets.token_urlsafe", return_value=token):
        return invitations.invite_by_email(group, by, email)


def link(token="jeton-de-test"):
    return reverse("coordination:email_invitation", kwargs={"token": token})


def test_invitation_by_the_group_page_sends_a_neutral_email_and_stores_only_the_hash(
    client, cast, events, django_capture_on_commit_callbacks
):
    circle = circle_with_consent(cast)
    login(client, cast.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invite", cast, group_id=circle.pk),
            {"user": "", "email": "Infirmiere.Hopital@Exemple.FR", "function": "IDE"},
        )
    assert response.status_code == 302
    invitation = EmailInvitation.objects.get()
    assert invitation.email == "infirmiere.hopital@exemple.fr" and invitation.group == circle
    assert invitation.invited_by == cast.member and invitation.status == EmailInvitation.Status.PENDING
    assert abs(invitation.expires_at - (timezone.now() + dt.timedelta(days=14))) < dt.timedelta(minutes=1)
    [email] = mail.outbox
    assert email.to == ["infirmiere.hopital@exemple.fr"] and cast.cpts.name in email.subject
    token = re.search(r"/invitation/([^/\s]+)/", email.body).group(1)
    assert invitation.token_hash == invitations.hash_token(token) and token not in invitation.token_hash
    for secret in ("MARTIN", "Paulette", circle.title):  # no patient, no title naming them
        assert secret not in email.body and secret not in email.subject
    invited = [e for e in events if e.kind == "member.invited"]
    assert invited and invited[0].data["invitation_id"] == invitation.pk


def test_a_malformed_address_is_a_french_form_error_and_nothing_is_created(client, cast):
    group = working_group(cast)
    login(client, cast.member)
    response = client.post(
        url("invite", cast, group_id=group.pk),
        {"user": "", "email": "pas-une-adresse@", "function": ""},
        follow=True,
    )
    assert "Adresse e-mail invalide" in response.content.decode()
    response = client.post(
        url("invite", cast, group_id=group.pk), {"user": "", "email": "", "function": ""}, follow=True
    )
    assert (
        "Choisissez un professionnel à inviter ou saisissez son adresse e-mail." in response.content.decode()
    )
    with pytest.raises(ActionError, match="Adresse e-mail invalide"):
        invitations.invite_by_email(group, cast.member, "a@b")
    assert not EmailInvitation.objects.exists() and not mail.outbox


def test_the_link_creates_the_account_the_guest_membership_and_the_group_membership(
    client, cast, events, django_capture_on_commit_callbacks
):
    circle = circle_with_consent(cast)
    invite(circle, cast.member, "ext@exemple.fr")
    page = client.get(link()).content.decode()
    assert "ext@exemple.fr" in page and "Créer votre compte" in page and "MARTIN" not in page
    weak = client.post(link(), {**NEW, "password": "court", "password2": "court"})
    assert weak.status_code == 200 and not User.objects.filter(email="ext@exemple.fr").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link(), {**NEW, "email": "pirate@exemple.fr"})  # the address cannot be changed
    assert response.status_code == 200 and "Votre compte est créé" in response.content.decode()
    user = User.objects.get(email="ext@exemple.fr")
    assert not User.objects.filter(email="pirate@exemple.fr").exists()
    assert Membership.objects.get(cpts=cast.cpts, user=user).role == Role.GUEST
    assert GroupMember.objects.get(group=circle, user=user).status == GroupMember.Status.ACTIVE
    invitation = EmailInvitation.objects.get()
    assert invitation.status == EmailInvitation.Status.ACCEPTED and invitation.used_by == user
    assert "member.joined" in events.kinds()
    # Used once: the same link now says so and creates nothing.
    again = client.post(link(), {**NEW, "first_name": "Autre"})
    assert again.status_code == 410 and "déjà été utilisé" in again.content.decode()
    assert User.objects.filter(email="ext@exemple.fr").count() == 1
    # First login: the second factor must be set up before anything else.
    response = client.post(
        reverse("accounts:login"), {"email": "ext@exemple.fr", "password": NEW["password"]}
    )
    assert response.status_code == 302
    response = client.get(url("group", cast, group_id=circle.pk))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))


def test_expired_forged_and_cancelled_links_create_nothing(client, cast):
    group = working_group(cast)
    invitation = invite(group, cast.member, "tard@exemple.fr", token="jeton-expire")
    EmailInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.post(link("jeton-expire"), NEW)
    assert response.status_code == 410 and "a expiré" in response.content.decode()
    response = client.get(link("jeton-invente"))
    assert response.status_code == 404 and "n'est pas valide" in unescape(response.content.decode())
    response = client.post(link("jeton-invente"), NEW)
    assert response.status_code == 404
    invite(group, cast.member, "deux@exemple.fr", token="premier")
    invite(group, cast.member, "deux@exemple.fr", token="second")  # replaces the first one
    assert client.get(link("premier")).status_code == 410
    assert client.get(link("second")).status_code == 200
    actions.close_group(group, cast.member)
    response = client.get(link("second"))
    assert response.status_code == 410 and "clôturé" in response.content.decode()
    assert not User.objects.filter(email__in=["tard@exemple.fr", "deux@exemple.fr"]).exists()
    with pytest.raises(ActionError, match="clôturé"):
        invitations.invite_by_email(group, cast.member, "trois@exemple.fr")


def test_an_existing_account_gets_the_invitation_in_its_pending_invitations(client, cast):
    group = working_group(cast)
    invitation = invite(group, cast.member, "OUTSIDER@cast.test")
    assert invitation.user == cast.outsider
    login(client, cast.outsider)
    page = client.get(reverse("coordination:my_invitations")).content.decode()
    assert cast.cpts.name in page and "Accepter" in page
    response = client.post(
        reverse("coordination:answer_email_invitation", args=[invitation.pk]), {"answer": "accept"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(cpts=cast.cpts, user=cast.outsider).role == Role.GUEST
    assert GroupMember.objects.get(group=group, user=cast.outsider).status == GroupMember.Status.ACTIVE
    assert client.get(url("group", cast, group_id=group.pk)).status_code == 200
    # Not logged in, an address with an account: the link asks to log in rather than create a second account.
    client.logout()
    account = User.objects.create_user(
        "compte@exemple.fr", NEW["password"], first_name="Cé", last_name="Compte"
    )
    other = invite(working_group(cast, title="Autre groupe"), cast.member, account.email, token="autre")
    page = client.get(link("autre")).content.decode()
    assert "Un compte existe déjà pour cette adresse" in page
    response = client.post(link("autre"), NEW)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert EmailInvitation.objects.get(pk=other.pk).status == EmailInvitation.Status.PENDING


def test_another_account_cannot_use_the_link_nor_answer_someone_elses_invitation(client, cast):
    group = working_group(cast)
    invitation = invite(group, cast.member, "quelquun@exemple.fr")
    login(client, cast.outsider)
    assert "avec un autre compte" in client.get(link()).content.decode()
    assert client.post(link(), {"answer": "accept"}).status_code == 403
    assert (
        client.post(
            reverse("coordination:answer_email_invitation", args=[invitation.pk]), {"answer": "accept"}
        ).status_code
        == 404
    )
    assert EmailInvitation.objects.get(pk=invitation.pk).status == EmailInvitation.Status.PENDING
    assert not Membership.objects.filter(cpts=cast.cpts, user=cast.outsider).exists()


def test_members_of_the_cpts_are_invited_the_usual_way_or_refused(cast):
    group = working_group(cast)
    member = invitations.invite_by_email(group, cast.member, cast.bureau.email)
    assert isinstance(member, GroupMember) and member.status == GroupMember.Status.INVITED
    with pytest.raises(ActionError, match="rôle qui ne donne pas accès"):
        invitations.invite_by_email(group, cast.member, cast.referent.email)
    Membership.objects.filter(cpts=cast.cpts, user=cast.partner).update(active=False)
    with pytest.raises(ActionError, match="n'est plus adhérente"):
        invitations.invite_by_email(group, cast.member, cast.partner.email)
    assert not EmailInvitation.objects.exists()


def test_only_members_and_managers_invite(client, cast):
    group = working_group(cast)
    login(client, cast.bureau)
    response = client.post(url("invite", cast, group_id=group.pk), {"user": "", "email": "x@exemple.fr"})
    assert response.status_code == 403 and not EmailInvitation.objects.exists()
