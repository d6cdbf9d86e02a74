"""Requests coming in (gpmatching.intake) and their priority (gpmatching.priority): refusals in French that
write nothing, the public form's confirmation by e-mail, duplicates of one person merged, the reference, the
score."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from gpmatching import intake, priority
from gpmatching.models import Policy, Request, RequestEvent
from gpmatching.tests.conftest import AMBERIEU, ARTEMARE, BRENS
from opencpts.errors import ActionError

pytestmark = pytest.mark.django_db


def years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def nir_for(sex: str, birth: dt.date, commune: str = "01034", order: str = "123") -> str:
    from stdnum.fr import nir

    body = f"{sex}{birth.year % 100:02d}{birth.month:02d}{commune}{order}"
    return body + nir.calc_check_digits(body)


TODAY = timezone.localdate()
NIR_1980_05 = nir_for("1", dt.date(1980, 5, 10))

BAD = [
    ({"last_name": "  "}, "last_name", "Le nom est obligatoire."),
    ({"first_name": ""}, "first_name", "Le prénom est obligatoire."),
    ({"last_name": "X" * 101}, "last_name", "Le nom est trop long (100 caractères au plus)."),
    ({"birth_date": None}, "birth_date", "La date de naissance est obligatoire (jour, mois, année)."),
    ({"birth_date": "1980-02-31"}, "birth_date", "La date de naissance est obligatoire (jour, mois, année)."),
    (
        {"birth_date": TODAY + dt.timedelta(days=1)},
        "birth_date",
        "Date de naissance impossible : elle est dans le futur.",
    ),
    ({"birth_date": years_ago(TODAY, 121)}, "birth_date", "Date de naissance impossible : plus de 120 ans."),
    ({"commune": "99999"}, "commune", "Commune inconnue : « 99999 » n'est pas un code INSEE de commune."),
    ({"commune": ""}, "commune", "La commune est obligatoire."),
    (
        {"commune": AMBERIEU},
        "commune",
        "Ambérieu-en-Bugey n'est pas dans le territoire de la CPTS Test Bugey. Elle relève de la "
        "CPTS Test Voisine.",
    ),
    ({"commune": ARTEMARE}, "commune", "Artemare n'est pas dans le territoire de la CPTS Test Bugey."),
    (
        {"nir": "1 80 05 01 034"},
        "nir",
        "Numéro de sécurité sociale invalide : 15 caractères dont une clé de contrôle "
        "correcte (13 chiffres + 2 de clé).",
    ),
    (
        {"nir": NIR_1980_05[:-2] + "00"},
        "nir",
        "Numéro de sécurité sociale invalide : 15 caractères dont une clé de "
        "contrôle correcte (13 chiffres + 2 de clé).",
    ),
    (
        {"nir": nir_for("1", dt.date(1981, 5, 1))},
        "nir",
        "Le numéro de sécurité sociale ne correspond pas à la date de "
        "naissance (année et mois de naissance en 2e à 5e chiffres).",
    ),
    (
        {"nir": nir_for("2", dt.date(1980, 6, 1))},
        "nir",
        "Le numéro de sécurité sociale ne correspond pas à la date de "
        "naissance (année et mois de naissance en 2e à 5e chiffres).",
    ),
    (
        {"phone": "", "email": ""},
        "phone",
        "Indiquez au moins un moyen de joindre le patient : téléphone, e-mail ou adresse.",
    ),
    (
        {"phone": "12 34"},
        "phone",
        "Numéro de téléphone invalide : 10 chiffres (06 12 34 56 78) ou +33 suivi de 9 chiffres.",
    ),
    ({"email": "pas-une-adresse"}, "email", "Adresse e-mail invalide."),
    ({"reason": "boredom"}, "reason", "Raison inconnue."),
    ({"consent": False}, "consent", "Confirmez que le patient a donné son accord à son inscription."),
]


@pytest.mark.parametrize("bad, field, message", BAD)
def test_every_bad_member_submission_is_refused_in_french_and_writes_nothing(gp_world, bad, field, message):
    with pytest.raises(ActionError) as refused:
        intake.submit_for_patient(gp_world.cpts, gp_world.patient(**bad), gp_world.cast.member)
    assert (refused.value.message, refused.value.field) == (message, field)
    assert Request.objects.count() == 0 and RequestEvent.objects.count() == 0


@pytest.mark.parametrize(
    "bad, field, message",
    [
        (
            {"phone": "", "email": "", "address": "3 rue Neuve"},
            "phone",
            "Indiquez au moins un moyen de vous joindre : téléphone ou e-mail.",
        ),
        ({"reason": ""}, "reason", "Dites-nous pourquoi vous n'avez pas de médecin traitant."),
        (
            {"consent": ""},
            "consent",
            "Votre accord au traitement de ces informations est nécessaire pour vous inscrire.",
        ),
        (
            {"commune": AMBERIEU},
            "commune",
            "Ambérieu-en-Bugey n'est pas dans le territoire de la CPTS Test Bugey. Elle relève de "
            "la CPTS Test Voisine.",
        ),
    ],
)
def test_bad_public_submissions_are_refused_and_write_nothing(gp_world, bad, field, message):
    with pytest.raises(ActionError) as refused:
        intake.submit_public(gp_world.cpts, gp_world.patient(**{"reason": "moved", **bad}))
    assert (refused.value.message, refused.value.field) == (message, field)
    assert Request.objects.count() == 0 and RequestEvent.objects.count() == 0


def test_a_member_may_give_only_an_address_and_120_years_is_still_possible(gp_world):
    made = gp_world.request(
        phone="",
        email="",
        address="  3   rue Neuve ",
        birth_date=years_ago(TODAY, 121) + dt.timedelta(days=1),
    )
    assert made.address == "3 rue Neuve" and made.age_on(TODAY) == 120
    assert made.status == Request.Status.WAITING and made.source == Request.Source.MEMBER


def test_valid_nir_is_kept_compact_with_its_key(gp_world):
    spaced = " ".join(
        [
            NIR_1980_05[0],
            NIR_1980_05[1:3],
            NIR_1980_05[3:5],
            NIR_1980_05[5:7],
            NIR_1980_05[7:10],
            NIR_1980_05[10:13],
            NIR_1980_05[13:],
        ]
    )
    made = gp_world.request(nir=spaced, phone="+33 6 12 34 56 78")
    assert made.nir == NIR_1980_05 and made.phone == "+33612345678"


def test_reference_format_and_uniqueness(gp_world):
    refs = [gp_world.request().reference for _ in range(5)]
    pattern = re.compile(rf"^MT-{TODAY.year}-[{intake.REFERENCE_ALPHABET}]{{6}}$")
    assert all(pattern.match(r) for r in refs), refs
    assert len(set(refs)) == 5
    assert not any(c in "".join(r[8:] for r in refs) for c in "01IO")


def test_public_submission_waits_for_its_confirmation_link_which_works_once(gp_world):
    result = intake.submit_public(gp_world.cpts, gp_world.patient(email="Jean@Example.org", reason="moved"))
    made = result.request
    made.refresh_from_db()
    assert made.status == Request.Status.UNCONFIRMED and made.source == Request.Source.PUBLIC
    assert made.email == "jean@example.org" and made.confirmed_at is None and made.created_by is None
    assert len(result.token) >= 40 and result.token not in made.confirmation_token_hash
    assert made.confirmation_token_hash == intake._hash(result.token)
    assert list(made.events.values_list("kind", flat=True)) == [RequestEvent.Kind.CREATED]

    with pytest.raises(ActionError, match="n'est pas valable"):
        intake.confirm_by_token("not-the-token")
    confirmed = intake.confirm_by_token(result.token)
    assert confirmed.request.pk == made.pk and not confirmed.merged
    made.refresh_from_db()
    assert made.status == Request.Status.WAITING and made.confirmed_at is not None
    assert made.confirmation_token_hash == ""
    assert list(made.events.values_list("kind", "detail")) == [
        (RequestEvent.Kind.CREATED, "Formulaire public"),
        (RequestEvent.Kind.CONFIRMED, "lien reçu par e-mail"),
    ]
    with pytest.raises(ActionError) as again:
        intake.confirm_by_token(result.token)
    assert again.value.message == (
        "Ce lien de confirmation n'est pas valable : il a déjà servi ou la demande n'existe plus."
    )
    assert made.events.count() == 2


def test_public_submission_with_a_phone_only_has_no_token_and_is_confirmed_by_the_coordination(gp_world):
    result = intake.submit_public(gp_world.cpts, gp_world.patient(reason="never"))
    assert result.token == "" and result.request.confirmation_token_hash == ""
    with pytest.raises(ActionError):
        intake.confirm_by_token("")
    done = intake.confirm_by_coordinator(result.request, gp_world.cast.coordinator)
    assert done.request.status == Request.Status.WAITING
    with pytest.raises(ActionError, match="déjà confirmée"):
        intake.confirm_by_coordinator(result.request, gp_world.cast.coordinator)


def test_expired_confirmation_link_is_refused_and_changes_nothing(gp_world):
    result = intake.submit_public(gp_world.cpts, gp_world.patient(email="a@example.org", reason="moved"))
    late = timezone.now() + dt.timedelta(days=intake.CONFIRMATION_DAYS, minutes=1)
    with pytest.raises(ActionError) as refused:
        intake.confirm_by_token(result.token, now=late)
    assert (
        refused.value.message == "Ce lien de confirmation a expiré (7 jours). Déposez une nouvelle demande."
    )
    made = Request.objects.get(pk=result.request.pk)
    assert made.status == Request.Status.UNCONFIRMED and made.confirmation_token_hash
    # Still within the delay: accepted.
    in_time = timezone.now() + dt.timedelta(days=intake.CONFIRMATION_DAYS - 1)
    assert intake.confirm_by_token(result.token, now=in_time).request.status == Request.Status.WAITING


def test_member_duplicate_by_names_and_birth_date_merges_into_the_existing_request(gp_world):
    first = gp_world.request(
        last_name="Lefèvre",
        first_name="Élodie",
        ald=True,
        phone="0612345678",
        waiting_since=dt.date(2025, 3, 1),
    )
    result = intake.submit_for_patient(
        gp_world.cpts,
        gp_world.patient(
            last_name="LEFEVRE",
            first_name="elodie",
            c2s=True,
            home_visits=True,
            phone="0698765432",
            waiting_since=dt.date(2025, 9, 1),
            comment="Sort peu",
        ),
        gp_world.cast.member,
    )
    assert result.merged and result.request.pk == first.pk
    assert Request.objects.count() == 1
    merged = Request.objects.get(pk=first.pk)
    assert (merged.ald, merged.c2s, merged.home_visits, merged.ame, merged.pregnancy) == (
        True,
        True,
        True,
        False,
        False,
    )
    assert merged.waiting_since == dt.date(2025, 3, 1)  # the oldest is kept
    assert merged.phone == "0698765432" and merged.comment == "Sort peu"
    assert merged.last_name == "Lefèvre"
    event = merged.events.get(kind=RequestEvent.Kind.MERGED)
    assert event.actor == gp_world.cast.member
    assert (
        event.detail
        == "Nouvelle inscription (saisie par un professionnel) ; complété : c2s, home_visits, phone, comment"
    )
    # The priority follows the new situation (C2S and home visits now count).
    labels = [label for label, _ in merged.priority_reasons]
    assert "Précarité (C2S/AME)" in labels and "Visites à domicile" in labels
    # An older request date moves the waiting time back.
    intake.submit_for_patient(
        gp_world.cpts,
        gp_world.patient(last_name="Lefevre", first_name="Elodie", waiting_since=dt.date(2024, 11, 5)),
        gp_world.cast.member,
    )
    merged.refresh_from_db()
    assert merged.waiting_since == dt.date(2024, 11, 5)
    assert merged.events.filter(kind=RequestEvent.Kind.MERGED).count() == 2 and Request.objects.count() == 1


def test_member_duplicate_by_nir_merges_even_with_other_names(gp_world):
    first = gp_world.request(last_name="Martin", first_name="Luc", nir=NIR_1980_05)
    result = intake.submit_for_patient(
        gp_world.cpts,
        gp_world.patient(last_name="Martin-Durand", first_name="Luc", nir=NIR_1980_05, commune=BRENS),
        gp_world.cast.coordinator,
    )
    assert result.merged and result.request.pk == first.pk and Request.objects.count() == 1
    merged = Request.objects.get(pk=first.pk)
    assert merged.commune_id == BRENS  # the newer address wins, with its coordinates
    assert merged.latitude == gp_world.communes[BRENS].latitude
    # Another person (different birth date, no NIR) is not a duplicate.
    other = intake.submit_for_patient(
        gp_world.cpts,
        gp_world.patient(last_name="Martin", first_name="Luc", birth_date=dt.date(1980, 5, 11)),
        gp_world.cast.coordinator,
    )
    assert not other.merged and Request.objects.count() == 2


def test_closed_requests_are_not_merged_into(gp_world):
    first = gp_world.request(last_name="Roux", first_name="Ana")
    intake.withdraw(first, gp_world.cast.coordinator, "Médecin trouvé par ailleurs")
    again = intake.submit_for_patient(
        gp_world.cpts, gp_world.patient(last_name="Roux", first_name="Ana"), gp_world.cast.coordinator
    )
    assert not again.merged and again.request.pk != first.pk


def test_public_duplicate_merges_only_at_confirmation_and_keeps_no_personal_data(gp_world):
    existing = gp_world.request(last_name="Petit", first_name="Zoé", waiting_since=dt.date(2025, 6, 1))
    result = intake.submit_public(
        gp_world.cpts,
        gp_world.patient(
            last_name="Petit",
            first_name="Zoe",
            email="zoe@example.org",
            reason="moved",
            ald=True,
            nir=NIR_1980_05,
            address="5 rue Haute",
            comment="Urgent",
        ),
    )
    assert not result.merged and result.request.pk != existing.pk
    existing.refresh_from_db()
    assert (
        not existing.ald and existing.email == ""
    )  # a stranger cannot change someone's request before confirming
    assert existing.events.filter(kind=RequestEvent.Kind.MERGED).count() == 0

    confirmed = intake.confirm_by_token(result.token)
    assert confirmed.merged and confirmed.request.pk == existing.pk
    existing.refresh_from_db()
    assert existing.ald and existing.email == "zoe@example.org" and existing.status == Request.Status.WAITING
    assert existing.waiting_since == dt.date(2025, 6, 1)
    duplicate = Request.objects.get(pk=result.request.pk)
    assert duplicate.status == Request.Status.MERGED and duplicate.merged_into_id == existing.pk
    assert duplicate.closed_at is not None and duplicate.confirmation_token_hash == ""
    assert [
        duplicate.last_name,
        duplicate.first_name,
        duplicate.nir,
        duplicate.email,
        duplicate.phone,
        duplicate.address,
        duplicate.comment,
        duplicate.identity_key,
    ] == [""] * 8
    assert duplicate.birth_date is None
    # Nor the health situation (now in the request it merged into).
    assert not any(getattr(duplicate, flag) for flag in intake.FLAGS) and duplicate.ald is False
    assert (duplicate.reason, duplicate.priority, duplicate.priority_reasons) == ("", 0, [])
    assert (
        duplicate.events.get(kind=RequestEvent.Kind.MERGED).detail == f"Fusionnée dans {existing.reference}"
    )
    assert existing.events.get(kind=RequestEvent.Kind.MERGED).detail.startswith(
        f"Doublon {duplicate.reference} (lien reçu par e-mail)"
    )
    assert Request.objects.filter(status__in=Request.OPEN).count() == 1


def test_withdraw_needs_a_reason_and_closes_the_request(gp_world):
    made = gp_world.request()
    with pytest.raises(ActionError) as refused:
        intake.withdraw(made, gp_world.cast.coordinator, "  ")
    assert refused.value.field == "reason"
    assert Request.objects.get(pk=made.pk).status == Request.Status.WAITING
    intake.withdraw(made, gp_world.cast.coordinator, "Déménagement")
    made.refresh_from_db()
    assert made.status == Request.Status.WITHDRAWN and made.closed_at is not None
    with pytest.raises(ActionError, match="n'est plus en cours"):
        intake.withdraw(made, gp_world.cast.coordinator, "Encore")


def test_priority_score_and_its_reasons(gp_world):
    day = dt.date(2026, 6, 15)
    policy = priority.policy_for(gp_world.cpts)
    made = gp_world.request(
        birth_date=dt.date(1950, 3, 1), ald=True, chronic=True, ame=True, waiting_since=dt.date(2026, 1, 16)
    )
    points, reasons = priority.score(made, policy, day)
    # 4 months (16 January to 15 June is not yet 5); chronic illness does not add to an ALD.
    assert reasons == [
        ["Demande", 10],
        ["ALD", 30],
        ["70 ans et plus", 25],
        ["Précarité (C2S/AME)", 25],
        ["Attente de 4 mois", 8],
    ]
    assert points == 98
    assert priority.reasons_text(reasons).startswith("Demande (+10), ALD (+30), 70 ans et plus (+25)")
    # Not yet 70 the day before the birthday; the waiting points are capped.
    young = gp_world.request(
        birth_date=dt.date(1956, 6, 16),
        chronic=True,
        pregnancy=True,
        disability=True,
        home_visits=True,
        waiting_since=dt.date(2024, 1, 1),
    )
    points, reasons = priority.score(young, policy, day)
    assert reasons == [
        ["Demande", 10],
        ["Maladie chronique", 10],
        ["Handicap", 10],
        ["Grossesse", 10],
        ["Visites à domicile", 5],
        ["Attente de 29 mois", 24],
    ]
    assert points == 69
    assert priority.score(young, policy, dt.date(2026, 6, 16))[1][1] == ["70 ans et plus", 25]


def test_policy_changes_alter_the_scores_when_refreshed(gp_world, today):
    ald = gp_world.request(ald=True)
    plain = gp_world.request()
    assert (ald.priority, plain.priority) == (40, 10)
    assert ald.priority_on == today
    Policy.objects.filter(cpts=gp_world.cpts).update(ald=50, base=5)
    assert priority.refresh(gp_world.cpts, today) == 0  # already computed today: unchanged without force
    assert Request.objects.get(pk=ald.pk).priority == 40
    assert priority.refresh(gp_world.cpts, today, force=True) == 2
    ald.refresh_from_db()
    plain.refresh_from_db()
    assert (ald.priority, plain.priority) == (55, 5)
    assert ald.priority_reasons == [["Demande", 5], ["ALD", 50]]
    # A point set to 0 drops the reason.
    Policy.objects.filter(cpts=gp_world.cpts).update(ald=0)
    assert priority.refresh(gp_world.cpts, today, force=True) == 1
    ald.refresh_from_db()
    assert ald.priority_reasons == [["Demande", 5]] and ald.priority == 5
    # Closed requests are left alone; a later day recomputes the open ones.
    intake.withdraw(plain, gp_world.cast.coordinator, "Parti")
    Policy.objects.filter(cpts=gp_world.cpts).update(base=7)
    assert priority.refresh(gp_world.cpts, today + dt.timedelta(days=1)) == 1
    assert Request.objects.get(pk=plain.pk).priority == 5 and Request.objects.get(pk=ald.pk).priority == 7
