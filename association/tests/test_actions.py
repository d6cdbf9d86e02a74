"""The association's write paths: what is refused (French message, nothing written), the stage reached with
the identifiers, and the SIRET carried into the CPTS when the project becomes it (projects.signals)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from association import actions, rules
from association.models import College, ConstitutiveAssembly, FoundingMember, LegalEntity, Statutes
from association.tests.conftest import OTHER_SIRET, SIRET
from audit.models import AuditEntry
from cpts import actions as cpts_actions
from opencpts.errors import ActionError
from projects import actions as project_actions
from projects import conversion
from projects.models import Stage, StageChange

TODAY = timezone.localdate


def _initial(project):
    data = actions.initial_statutes(project)
    return data, data.pop("colleges")


def test_initial_statutes_name_the_cpts_and_cite_the_law(project):
    data, colleges = _initial(project)
    assert data["name"] == "Communauté Professionnelle Territoriale de Santé du Pays Fouesnantais"
    assert data["short_name"] == "CPTS du Pays Fouesnantais"
    assert "L. 1434-12" in data["purpose"] and "crises sanitaires graves" in data["purpose"]
    assert "7 communes" in data["territory"]
    assert [c["kind"] for c in colleges] == ["liberal", "etablissement", "salarie"]


def test_save_statutes_keeps_choices_and_colleges(statutes, project):
    statutes.refresh_from_db()
    assert statutes.seat_address.startswith("2 rue de la Mairie")
    assert [c.name for c in statutes.colleges.all()] == [
        "Collège des professionnels de santé libéraux",
        "Collège des établissements, structures et associations",
        "Collège des professionnels salariés",
    ]
    assert statutes.colleges.first().dues == Decimal("30.00")
    assert rules.seats_of(statutes.colleges.all()).total == 12
    assert rules.warnings(statutes) == []
    assert AuditEntry.objects.filter(details__decision="statutes_saved", object_id=str(statutes.pk)).exists()


def test_colleges_are_updated_in_place_renamed_and_removed(statutes, project, porteur):
    liberal, establishment, salaried = statutes.colleges.all()
    founder = actions.add_founder(project, porteur, name="A", profession="Infirmière", college_id=salaried.pk)
    data, _ = _initial(project)
    rows = [
        {
            **College.objects.filter(pk=establishment.pk).values()[0],
            "name": "Collège des libéraux",
            "id": establishment.pk,
        },
        {
            **College.objects.filter(pk=liberal.pk).values()[0],
            "name": "Collège des établissements",
            "id": liberal.pk,
        },
    ]
    actions.save_statutes(project, data, rows, porteur)
    names = dict(College.objects.filter(statutes=statutes).values_list("pk", "name"))
    assert names == {establishment.pk: "Collège des libéraux", liberal.pk: "Collège des établissements"}
    founder.refresh_from_db()
    assert founder.college is None  # its collège was removed; the founder stays


@pytest.mark.parametrize(
    "change, message",
    [
        ({"dues": "1000000000000"}, "n'est pas une cotisation plausible"),
        ({"dues": "-5"}, "ne peut pas être négatif"),
        ({"dues": "12,345"}, "au centime près"),
        ({"dues": "trente"}, "n'est pas un montant"),
        ({"board_seats": "0"}, "au moins un siège"),
        ({"board_seats": "999"}, "entre 0 et 30"),
    ],
)
def test_absurd_college_values_are_refused_and_nothing_saved(project, porteur, change, message):
    data, colleges = _initial(project)
    colleges[0].update(change)
    with pytest.raises(ActionError) as exc:
        actions.save_statutes(project, data, colleges, porteur)
    assert message in exc.value.message and exc.value.message.startswith("Collège n° 1")
    assert not Statutes.objects.filter(project=project).exists()
    assert not College.objects.exists()


def test_a_board_without_seats_is_refused(project, porteur):
    data, colleges = _initial(project)
    for c in colleges:
        c.update(voting="consultative", board_seats=0)
    with pytest.raises(ActionError, match="0 siège : entre 3 et 60"):
        actions.save_statutes(project, data, colleges, porteur)


def test_convention_college_cannot_sit_and_bureau_needs_a_president(project, porteur):
    data, colleges = _initial(project)
    colleges[1]["voting"] = "convention"
    with pytest.raises(ActionError, match="par convention ne siège pas"):
        actions.save_statutes(project, data, colleges, porteur)
    colleges[1].update(board_seats=0)
    data["bureau_roles"] = ["secretaire", "tresorier"]
    with pytest.raises(ActionError, match="au moins un président") as exc:
        actions.save_statutes(project, data, colleges, porteur)
    assert exc.value.field == "bureau_roles"


def test_libéraux_without_a_majority_are_warned_not_refused(project, porteur):
    data, colleges = _initial(project)
    colleges[0]["board_seats"] = 5  # 5 of 10
    statutes = actions.save_statutes(project, data, colleges, porteur)
    (warning,) = rules.warnings(statutes)
    assert "n'ont pas la majorité du conseil d'administration (5 sièges sur 10)" in warning


def test_rules_need_statutes_and_replace_the_articles(project, porteur):
    with pytest.raises(ActionError, match="Enregistrez d'abord les choix des statuts"):
        actions.save_rules(project, [{"title": "A", "text": "B"}], porteur)
    data, colleges = _initial(project)
    actions.save_statutes(project, data, colleges, porteur)
    actions.save_rules(
        project, [{"title": "Adhésion", "text": "Au bureau."}, {"title": "", "text": ""}], porteur
    )
    actions.save_rules(project, [{"title": "Cotisation", "text": "Fixée par l'AG."}], porteur)
    assert list(project.statutes.rule_items.values_list("title", flat=True)) == ["Cotisation"]
    with pytest.raises(ActionError, match="Article n° 1 : indiquez son titre et son texte"):
        actions.save_rules(project, [{"title": "Sans texte", "text": ""}], porteur)
    assert list(project.statutes.rule_items.values_list("title", flat=True)) == ["Cotisation"]


def test_porteurs_become_founders_once(project, porteur, statutes):
    co = User.objects.create_user("co@asso.test", "x", first_name="Côme", last_name="Co")
    project.porteurs.create(user=co, role="co_porteur")
    added = actions.add_porteurs_as_founders(project, porteur)
    assert sorted(f.name for f in added) == ["Côme Co", "Paule Porteuse"]
    assert actions.add_porteurs_as_founders(project, porteur) == []
    assert project.founding_members.count() == 2


def test_founder_needs_a_name_a_profession_and_a_college_of_this_project(project, porteur, statutes):
    with pytest.raises(ActionError, match="Indiquez le nom"):
        actions.add_founder(project, porteur, name=" ", profession="Médecin")
    other = project_actions.create_project(porteur, "Autre projet")
    data, colleges = _initial(other)
    foreign = actions.save_statutes(other, data, colleges, porteur).colleges.first()
    with pytest.raises(ActionError, match="Choisissez un collège"):
        actions.add_founder(project, porteur, name="X", profession="Médecin", college_id=foreign.pk)
    actions.add_founder(project, porteur, name="X", profession="Médecin")
    with pytest.raises(ActionError, match="déjà membre fondateur"):
        actions.add_founder(project, porteur, name="x", profession="Médecin")


def _convene(project, porteur, held_on=None):
    return actions.save_convocation(
        project,
        {
            "held_on": held_on or TODAY() - dt.timedelta(days=30),
            "held_at": dt.time(20, 0),
            "place": "Salle du Celtique, Fouesnant",
            "agenda": "Adoption des statuts\n\nÉlection du conseil d'administration",
            "convened_on": (held_on or TODAY() - dt.timedelta(days=30)) - dt.timedelta(days=15),
        },
        porteur,
    )


def test_convocation_dates_are_checked(project, porteur):
    with pytest.raises(ActionError, match="dans le futur"):
        actions.save_convocation(project, {"convened_on": TODAY() + dt.timedelta(days=1)}, porteur)
    with pytest.raises(ActionError, match="avant l'assemblée"):
        actions.save_convocation(
            project, {"held_on": TODAY() - dt.timedelta(days=5), "convened_on": TODAY()}, porteur
        )
    assembly = _convene(project, porteur)
    assert assembly.agenda == "Adoption des statuts\nÉlection du conseil d'administration"


def _rows(founders, **by_index):
    rows = {f.pk: {"attendance": "present", "elected_to_board": True, "bureau_role": ""} for f in founders}
    for i, row in by_index.items():
        rows[founders[int(i[1:])].pk].update(row)
    return rows


MINUTES = {
    "chaired_by": "Paule Porteuse",
    "secretary_name": "Inès Le Bihan",
    "votes_for": 3,
    "votes_against": 0,
    "abstentions": 0,
    "resolutions": "Cotisations fixées.",
}


def test_minutes_record_attendance_votes_and_elections(project, porteur, founders):
    with pytest.raises(ActionError, match="Enregistrez d'abord la date"):
        actions.save_minutes(project, MINUTES, {}, porteur)
    _convene(project, porteur)
    rows = _rows(founders, f0={"bureau_role": "president"}, f1={"bureau_role": "tresorier"})
    assembly = actions.save_minutes(project, MINUTES, rows, porteur)
    assert assembly.minutes_recorded_at and assembly.statutes_adopted
    president = FoundingMember.objects.get(bureau_role="president")
    assert president.name == "Paule Porteuse" and president.elected_to_board
    # roles swap on a correction (the unique role is freed first)
    rows = _rows(founders, f0={"bureau_role": "tresorier"}, f1={"bureau_role": "president"})
    actions.save_minutes(project, MINUTES, rows, porteur)
    assert FoundingMember.objects.get(bureau_role="president").name == "Inès Le Bihan"


@pytest.mark.parametrize(
    "minutes, rows, message",
    [
        ({"votes_for": 4}, {}, "4 voix exprimées ou abstentions pour 3 fondateurs"),
        ({"votes_for": ""}, {}, "Indiquez les voix pour"),
        ({}, {"f1": {"attendance": "absent"}, "f2": {"attendance": "absent"}}, "pour 1 fondateurs"),
        ({}, {"f0": {"bureau_role": ""}}, "Indiquez le président élu"),
        ({}, {"f1": {"bureau_role": "president"}}, "Deux fondateurs sont élus président"),
        ({}, {"f1": {"bureau_role": "secretaire_adjoint"}}, "n'existe pas dans le bureau des statuts"),
    ],
)
def test_minutes_refuse_inconsistent_numbers_and_roles(project, porteur, founders, minutes, rows, message):
    _convene(project, porteur)
    base = {"f0": {"bureau_role": "president"}}
    with pytest.raises(ActionError, match=message):
        actions.save_minutes(project, {**MINUTES, **minutes}, _rows(founders, **{**base, **rows}), porteur)
    assert not ConstitutiveAssembly.objects.filter(minutes_recorded_at__isnull=False).exists()
    assert not FoundingMember.objects.exclude(attendance="").exists()


def test_minutes_wait_for_the_assembly(project, porteur, founders):
    _convene(project, porteur, held_on=TODAY() + dt.timedelta(days=10))
    with pytest.raises(ActionError, match="son PV s'écrit une fois tenue"):
        actions.save_minutes(project, MINUTES, _rows(founders, f0={"bureau_role": "president"}), porteur)


# --- Identifiers ---------------------------------------------------------------------------------------


def _record(project, porteur, **changes):
    data = {"rna": "W294001234", "siret": SIRET, "published_on": TODAY() - dt.timedelta(days=3)}
    data.update(changes)
    return actions.record_legal_entity(project, porteur, **data)


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"rna": "294001234"}, "rna", "W suivi de 9 chiffres"),
        ({"rna": "W2940012345"}, "rna", "W suivi de 9 chiffres"),
        ({"siret": "73282932000075"}, "siret", "clé de contrôle"),
        ({"siret": "7328293200007"}, "siret", "14 chiffres"),
        ({"published_on": TODAY() + dt.timedelta(days=1)}, "published_on", "ne peut pas être dans le futur"),
        (
            {"declared_on": TODAY() - dt.timedelta(days=1), "published_on": TODAY() - dt.timedelta(days=2)},
            "declared_on",
            "précède la publication",
        ),
    ],
)
def test_identifiers_are_validated(project, porteur, change, field, message):
    with pytest.raises(ActionError) as exc:
        _record(project, porteur, **change)
    assert message in exc.value.message and exc.value.field == field
    assert not LegalEntity.objects.exists()
    project.refresh_from_db()
    assert project.stage == Stage.INTENTION


def test_identifiers_move_the_project_to_the_association_stage(project, porteur):
    entity = _record(project, porteur, rna="w 294 001 234", siret="732 829 320 00074")
    assert (entity.rna, entity.siret) == ("W294001234", SIRET)
    project.refresh_from_db()
    assert project.stage == Stage.ASSOCIATION
    change = StageChange.objects.get(project=project, stage=Stage.ASSOCIATION)
    assert change.reached_on == TODAY() - dt.timedelta(days=3) and "W294001234" in change.note
    assert AuditEntry.objects.filter(details__decision="legal_entity_recorded").count() == 1
    # corrected later: the row is updated, the stage stays
    _record(project, porteur, siret=OTHER_SIRET)
    assert LegalEntity.objects.get().siret == OTHER_SIRET
    assert StageChange.objects.filter(project=project, stage=Stage.ASSOCIATION).count() == 1


def test_publication_cannot_precede_the_last_stage(porteur):
    recent = project_actions.create_project(porteur, "Projet récent")
    with pytest.raises(ActionError, match="ne peut pas précéder celle de l'étape précédente") as exc:
        _record(recent, porteur)
    assert exc.value.field == "published_on" and not LegalEntity.objects.exists()


def test_identifiers_after_the_assembly_only(project, porteur):
    _convene(project, porteur, held_on=TODAY() - dt.timedelta(days=2))
    with pytest.raises(ActionError, match="après son AG constitutive"):
        _record(project, porteur, published_on=TODAY() - dt.timedelta(days=3))


def test_a_siret_is_unique_across_the_instance(project, porteur):
    cpts_actions.create_cpts(name="CPTS de Quimper", stage="aci").__class__.objects.filter(
        name="CPTS de Quimper"
    ).update(siret=SIRET)
    with pytest.raises(ActionError, match="déjà celui de la CPTS de Quimper") as exc:
        _record(project, porteur)
    assert exc.value.conflict
    other = project_actions.create_project(porteur, "Autre projet", on=TODAY() - dt.timedelta(days=30))
    _record(other, porteur, siret=OTHER_SIRET, rna="W294009999")
    with pytest.raises(ActionError, match="association du projet « Autre projet »"):
        _record(project, porteur, siret=OTHER_SIRET)
    with pytest.raises(ActionError, match="RNA est déjà celui"):
        _record(project, porteur, siret="12345678200010", rna="W294009999")


def test_conversion_carries_the_siret_and_the_date_into_the_cpts(project, porteur, statutes):
    published = TODAY() - dt.timedelta(days=3)
    _record(project, porteur, published_on=published)
    cpts = conversion.convert(project, porteur)
    cpts.refresh_from_db()
    assert (cpts.siret, cpts.founded_on) == (SIRET, published)
    assert cpts.address == "2 rue de la Mairie, 29170 Fouesnant"
    assert AuditEntry.objects.filter(
        chain=cpts.pk, details__decision="association_identifiers_carried"
    ).exists()


def test_after_conversion_the_association_is_the_cpts_history_and_its_identifiers_do_not_change(
    project, porteur
):
    """A co-porteur becomes a bureau member of the CPTS, who may not change its settings: through the
    project's pages nobody rewrites the CPTS's SIRET (projects/access.py:lock_open)."""
    cpts = conversion.convert(project, porteur)
    with pytest.raises(ActionError, match="devenu la CPTS du Pays Fouesnantais"):
        _record(project, porteur, published_on=TODAY() - dt.timedelta(days=1))
    cpts.refresh_from_db()
    assert (cpts.siret, cpts.founded_on) == ("", None)
    assert not LegalEntity.objects.filter(project=project).exists()


def test_a_siret_taken_meanwhile_refuses_the_conversion(project, porteur):
    _record(project, porteur)
    other = cpts_actions.create_cpts(name="CPTS voisine", stage="aci")
    type(other).objects.filter(pk=other.pk).update(siret=SIRET)
    with pytest.raises(ActionError, match="déjà celui de la CPTS voisine"):
        conversion.convert(project, porteur)
    project.refresh_from_db()
    assert project.cpts_id is None


def test_a_founder_changes_college_within_the_project_only(project, porteur, founders):
    other = project_actions.create_project(porteur, "Autre projet")
    data, colleges = _initial(other)
    foreign = actions.save_statutes(other, data, colleges, porteur).colleges.first()
    with pytest.raises(ActionError, match="Choisissez un collège"):
        actions.set_founder_college(project, founders[0].pk, foreign.pk)
    salaried = project.statutes.colleges.get(kind="salarie")
    actions.set_founder_college(project, founders[0].pk, salaried.pk)
    founders[0].refresh_from_db()
    assert founders[0].college == salaried
    assert AuditEntry.objects.filter(details__decision="founder_college_set").count() == 1


def test_a_siret_recorded_at_the_same_moment_elsewhere_is_refused_by_the_database(
    project, porteur, monkeypatch
):
    other = project_actions.create_project(porteur, "Autre projet", on=TODAY() - dt.timedelta(days=30))
    _record(other, porteur)
    monkeypatch.setattr(actions, "_check_siret_free", lambda project, siret: None)  # as if checked before it
    with pytest.raises(ActionError, match="vient d'être enregistré") as exc:
        _record(project, porteur, rna="W294000001")
    assert exc.value.conflict
    project.refresh_from_db()
    assert project.stage == Stage.INTENTION and LegalEntity.objects.count() == 1
