"""A project's creation, its porteurs and invitations, its stages; and its conversion into the CPTS."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from cpts import actions as cpts_actions
from cpts import territory as cpts_territory
from cpts.models import CPTS, Membership, TerritoryCommune
from cpts.roles import Role
from directory.models import Professional
from opencpts.errors import ActionError
from projects import access, actions, conversion
from projects import territory as rules
from projects.models import Invitation, Project, ProjectMember, Stage, StageChange


def test_creating_a_project_makes_its_creator_porteur_at_intention(porteur):
    project = actions.create_project(porteur, "  CPTS de l'Odet  ")
    assert project.name == "CPTS de l'Odet" and project.stage == Stage.INTENTION
    assert project.porteurs.get().role == ProjectMember.Role.PORTEUR
    assert StageChange.objects.get(project=project).reached_on == timezone.localdate()
    with pytest.raises(ActionError) as err:
        actions.create_project(porteur, " ")
    assert err.value.field == "name"


def test_only_members_reach_a_project(project, porteur):
    stranger = User.objects.create_user("stranger@projet.test", "x", is_staff=True)
    assert access.access_project(porteur, project.pk)[0] == project
    with pytest.raises(Http404):
        access.access_project(stranger, project.pk)
    assert list(access.projects_of(porteur)) == [project]
    assert list(access.projects_of(stranger)) == []


def test_invite_by_email_then_accept(project, porteur):
    colleague = User.objects.create_user("coll@projet.test", "x", first_name="Colin", last_name="Collègue")
    invitation = actions.invite(project, porteur, email="COLL@projet.test")
    assert list(access.invitations_for(colleague)) == [invitation]
    with pytest.raises(ActionError, match="déjà en attente"):
        actions.invite(project, porteur, email="coll@projet.test")
    actions.answer_invitation(colleague, invitation.pk, accept=True)
    assert project.porteurs.get(user=colleague).role == ProjectMember.Role.CO_PORTEUR
    with pytest.raises(ActionError, match="porte déjà"):
        actions.invite(project, porteur, email="coll@projet.test")


def test_invite_an_unknown_email_is_refused_in_french(project, porteur):
    with pytest.raises(ActionError, match="Aucun compte") as err:
        actions.invite(project, porteur, email="personne@nulle.part")
    assert err.value.field == "email"
    assert not Invitation.objects.exists()


def test_invite_a_directory_entry_answered_by_the_account_linked_later(project, porteur):
    pro = Professional.objects.create(
        id_type="8",
        national_id="10000000007",
        idnat="810000000007",
        last_name="Kiné",
        first_name="Karl",
        profession_code="70",
    )
    invitation = actions.invite(project, porteur, professional_id=pro.pk)
    assert invitation.user is None
    someone = User.objects.create_user("someone@projet.test", "x")
    with pytest.raises(ActionError):
        actions.answer_invitation(someone, invitation.pk, accept=True)
    # An account that only declared itself the holder of the entry does not see it (a claim, not a proof).
    claimant = User.objects.create_user("claimant@projet.test", "x", professional=pro)
    assert not access.invitations_for(claimant).exists()
    with pytest.raises(ActionError):
        actions.answer_invitation(claimant, invitation.pk, accept=True)
    claimant.delete()
    # The holder proven by a Pro Santé Connect login answers it.
    karl = User.objects.create_user("karl@projet.test", "x", professional=pro, external_idnat=pro.idnat)
    actions.answer_invitation(karl, invitation.pk, accept=False)
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.DECLINED
    assert not project.porteurs.filter(user=karl).exists()


def test_an_invitation_by_directory_entry_goes_to_its_proven_holder_only(project, porteur):
    pro = Professional.objects.create(
        id_type="8",
        national_id="10000000015",
        idnat="810000000015",
        last_name="Sage",
        first_name="Sonia",
        profession_code="50",
    )
    User.objects.create_user("declared@projet.test", "x", professional=pro)  # self-declared: a claim
    assert actions.invite(project, porteur, professional_id=pro.pk).user is None


def test_stages_move_forward_only_with_dates_in_order(project, porteur):
    with pytest.raises(ActionError, match="depuis la page de l'AMI"):
        actions.record_stage(project, Stage.AMI, timezone.localdate(), porteur)
    with pytest.raises(ActionError, match="futur"):
        actions.record_stage(project, Stage.LETTER, timezone.localdate() + dt.timedelta(days=1), porteur)
    with pytest.raises(ActionError, match="précéder"):
        actions.record_stage(project, Stage.LETTER, timezone.localdate() - dt.timedelta(days=400), porteur)
    actions.record_stage(project, Stage.LETTER, timezone.localdate(), porteur)
    project.refresh_from_db()
    assert project.stage == Stage.LETTER
    with pytest.raises(ActionError, match="déjà à l'étape"):
        actions.record_stage(project, Stage.LETTER, timezone.localdate(), porteur)
    for stage, proof in ((Stage.HEALTH_PROJECT, "l'ARS le valide"), (Stage.ASSOCIATION, "RNA, SIRET"),
                         (Stage.ACI, "se signe dans la CPTS")):  # fmt: skip
        with pytest.raises(ActionError, match=proof):
            actions.record_stage(project, stage, timezone.localdate(), porteur)
    project.refresh_from_db()
    assert project.stage == Stage.LETTER


def test_conversion_creates_the_cpts_with_territory_members_and_stage(project, porteur, fouesnant_communes):
    colleague = User.objects.create_user("coll@projet.test", "x")
    ProjectMember.objects.create(project=project, user=colleague, role=ProjectMember.Role.CO_PORTEUR)
    rules.add_communes(project, fouesnant_communes, porteur)
    actions.record_stage(project, Stage.LETTER, timezone.localdate(), porteur)
    cpts = conversion.convert(Project.objects.get(pk=project.pk), porteur)
    assert cpts.name == "CPTS du Pays Fouesnantais" and cpts.slug == "cpts-du-pays-fouesnantais"
    assert cpts.stage == CPTS.Stage.LETTER
    assert TerritoryCommune.objects.filter(cpts=cpts).count() == 7
    roles = dict(Membership.objects.filter(cpts=cpts).values_list("user__email", "role"))
    assert roles == {porteur.email: Role.COORDINATOR, colleague.email: Role.BUREAU}
    project.refresh_from_db()
    assert project.cpts == cpts and project.converted_at
    with pytest.raises(ActionError, match="déjà devenu"):
        conversion.convert(project, porteur)
    with pytest.raises(rules.TerritoryError, match="se modifie désormais dans la CPTS"):
        rules.add_communes(project, fouesnant_communes[:1], porteur)


def test_conversion_conflict_names_the_cpts_and_creates_nothing(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes, porteur)
    other = cpts_actions.create_cpts(name="CPTS Déjà Là")
    cpts_territory.add_communes(other, fouesnant_communes[-1:], porteur)
    with pytest.raises(ActionError) as err:
        conversion.convert(project, porteur)
    assert err.value.conflict and "CPTS Déjà Là" in err.value.message
    assert list(CPTS.objects.values_list("name", flat=True)) == ["CPTS Déjà Là"]
    project.refresh_from_db()
    assert project.cpts is None


def test_conversion_with_a_taken_name_is_refused(project, porteur, fouesnant_communes):
    rules.add_communes(project, fouesnant_communes, porteur)
    cpts_actions.create_cpts(name="CPTS du Pays Fouesnantais")
    with pytest.raises(ActionError, match="existe déjà"):
        conversion.convert(project, porteur)
    cpts = conversion.convert(project, porteur, name="CPTS Fouesnant et Odet")
    assert cpts.name == "CPTS Fouesnant et Odet"


def test_only_a_porteur_converts_even_when_the_action_is_called_directly(
    project, porteur, fouesnant_communes
):
    colleague = User.objects.create_user("co@projet.test", "x")
    ProjectMember.objects.create(project=project, user=colleague, role=ProjectMember.Role.CO_PORTEUR)
    outsider = User.objects.create_user("dehors@projet.test", "x")
    rules.add_communes(project, fouesnant_communes, porteur)
    for who in (colleague, outsider, None):
        with pytest.raises(ActionError, match="Seul un porteur"):
            conversion.convert(project, who)
    assert not CPTS.objects.exists()


def test_a_receiver_of_project_converted_that_refuses_undoes_the_conversion(
    project, porteur, fouesnant_communes
):
    from projects.signals import project_converted

    seen = []

    def refuse(sender, project, cpts, by, **kwargs):
        seen.append((project.pk, cpts.name, by))
        raise ActionError("Refusé par un dossier.")

    rules.add_communes(project, fouesnant_communes, porteur)
    project_converted.connect(refuse)
    try:
        with pytest.raises(ActionError, match="Refusé par un dossier"):
            conversion.convert(project, porteur)
    finally:
        project_converted.disconnect(refuse)
    assert seen == [(project.pk, "CPTS du Pays Fouesnantais", porteur)]
    assert not CPTS.objects.exists() and not TerritoryCommune.objects.exists()


def test_read_project_is_for_members_and_404_for_anyone_else(project, porteur):
    from projects import access

    assert access.read_project(porteur, project.pk) == (project, project.porteurs.get(user=porteur))
    with pytest.raises(Http404):
        access.read_project(User.objects.create_user("autre@projet.test", "x"), project.pk)
    with pytest.raises(Http404):
        access.read_project(porteur, project.pk + 1000)


def test_conversion_carries_the_structures_associated_as_partners(project, porteur, fouesnant_communes):
    from cpts.models import PartnerStructure
    from directory.models import Structure

    known = Structure.objects.create(
        name="Centre hospitalier de Cornouaille", kind="hopital", finess="290000017"
    )
    rules.add_communes(project, fouesnant_communes, porteur)
    actions.add_partner(project, porteur, name="CH Cornouaille", kind="hopital", finess="290000017")
    actions.add_partner(project, porteur, name="MSP de Fouesnant", kind="msp")
    cpts = conversion.convert(project, porteur)
    partners = {p.structure.name: p.structure for p in PartnerStructure.objects.filter(cpts=cpts)}
    assert set(partners) == {"Centre hospitalier de Cornouaille", "MSP de Fouesnant"}
    assert partners["Centre hospitalier de Cornouaille"].pk == known.pk  # the directory's entry, not a copy
    assert partners["MSP de Fouesnant"].kind == "msp"
    assert Structure.objects.count() == 2


def test_figures_typed_for_the_project_follow_it_into_the_cpts(project, porteur, fouesnant_communes):
    from diagnostic import typed

    rules.add_communes(project, fouesnant_communes, porteur)
    row = typed.Typed("Patients en ALD", "%", "", "2024", "21,5")
    typed.add_figure(project, porteur, row)
    cpts = conversion.convert(project, porteur)
    assert [f.indicator for f in typed.figures_of(cpts)] == ["Patients en ALD"]
    assert typed.figures_of(project) == []


def test_a_project_become_its_cpts_is_read_only_history(project, porteur, fouesnant_communes):
    """After the conversion the CPTS's roles decide: nobody invites, adds a structure or rewrites the projet
    de santé through the project any more (projects/access.py:lock_open)."""
    from healthplan import actions as plan

    newcomer = User.objects.create_user("nouveau@projet.test", "x")
    pending = actions.invite(project, porteur, email=newcomer.email)
    plan.save_chapter(project, "contexte", "Avant.", 0, porteur)
    rules.add_communes(project, fouesnant_communes, porteur)
    conversion.convert(project, porteur)
    refused = "il reste son historique"
    with pytest.raises(ActionError, match=refused):
        actions.invite(project, porteur, email="autre@projet.test")
    with pytest.raises(ActionError, match=refused):
        actions.answer_invitation(newcomer, pending.pk, accept=True)
    with pytest.raises(ActionError, match=refused):
        actions.add_partner(project, porteur, name="EHPAD", kind="ehpad")
    with pytest.raises(ActionError, match=refused):
        plan.save_chapter(project, "contexte", "Après.", 1, porteur)
    assert not project.porteurs.filter(user=newcomer).exists()
    assert project.health_plan.chapters.get(key="contexte").text == "Avant."


def test_only_the_ars_the_dossiers_go_to_moves_the_stage_by_validating(project, porteur, fouesnant_communes):
    """A commune of the Ain on the border makes the ARS Auvergne-Rhône-Alpes a reader of the project, not the
    one that validates its projet de santé: that is the ARS Bretagne, the addressee of its dossiers."""
    from projects import reviews
    from territory.models import Commune

    admin = User.objects.create_user("admin@projet.test", "x", is_staff=True)
    for email, code in (("ars-aura@projet.test", "84"), ("ars-bzh@projet.test", "53")):
        User.objects.create_user(email, "x")
        reviews.grant_referent(admin, email=email, body="ARS", code=code)
    rules.add_communes(project, [*fouesnant_communes, Commune.objects.get(insee="01034")], porteur)
    aura, bretagne = (
        User.objects.get(email="ars-aura@projet.test"),
        User.objects.get(email="ars-bzh@projet.test"),
    )

    reviews.decide(aura, project, "sante", "validated")
    project.refresh_from_db()
    assert project.stage == Stage.INTENTION
    reviews.decide(bretagne, project, "sante", "validated")
    project.refresh_from_db()
    assert project.stage == Stage.HEALTH_PROJECT
