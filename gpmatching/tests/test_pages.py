"""The médecin traitant pages through the Django test client: the public form (e-mail confirmation, spam
traps, per-IP limit, French errors), the coordination's pages (waiting list and its CSV, a request and its
actions, entry by a member, CSV import, matching and sending, rules, capacities, dashboard), the GP's pages
(capacity, proposals, answers) and who may not see a request."""

import datetime as dt
import html
import io
import re
import time
import types

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from directory.models import PracticePlace
from gpmatching import capacity as capacity_rules
from gpmatching import intake, matching, priority, spam
from gpmatching.models import Capacity, ImportBatch, MatchingRun, Placement, Proposal, Request
from territory.models import Commune
from tests.cast import login

pytestmark = pytest.mark.django_db

BELLEY = "01034"
AMBERIEU = "01004"  # in the other CPTS's territory
BIRTH = dt.date(1955, 3, 15)


def url(name, cast, *args):
    return reverse(f"gpmatching:{name}", args=[cast.cpts.slug, *args])


def old_stamp(seconds=10):
    """The stamp of a form shown ``seconds`` ago, signed as the page signs it (each one different)."""
    return spam.form_stamp(now=time.time() - seconds)


def html_text(response) -> str:
    return html.unescape(response.content.decode())


def nir_for(birth: dt.date) -> str:
    base = f"1{birth.year % 100:02d}{birth.month:02d}01034123"
    return f"{base}{97 - int(base) % 97:02d}"


def public_data(**extra):
    data = {
        "last_name": "Durand",
        "first_name": "Paul",
        "birth_date": BIRTH.isoformat(),
        "nir": "",
        "phone": "06 12 34 56 78",
        "email": "paul.durand@example.org",
        "address": "",
        "commune": BELLEY,
        "situations": ["ald"],
        "reason": "retirement",
        "comment": "",
        "consent": "on",
        "website": "",
        "stamp": old_stamp(),
    }
    data.update(extra)
    return data


def member_data(**extra):
    data = {
        "last_name": "Martin",
        "first_name": "Jeanne",
        "birth_date": "1948-06-01",
        "nir": "",
        "phone": "06 11 22 33 44",
        "email": "",
        "address": "",
        "commune": BELLEY,
        "situations": ["ald"],
        "reason": "",
        "comment": "",
        "consent": "on",
    }
    data.update(extra)
    return data


def waiting(cast, last="Durand", first="Paul", birth=BIRTH, **extra):
    data = {
        "last_name": last,
        "first_name": first,
        "birth_date": birth,
        "phone": "0612345678",
        "commune": BELLEY,
        "consent": True,
        "reason": "retirement",
    }
    data.update(extra)
    return intake.submit_for_patient(cast.cpts, data, cast.coordinator).request


@pytest.fixture
def gp_place(cast):
    """cast.member is a GP (profession 10): his practice in Belley, with the commune's coordinates."""
    belley = Commune.objects.get(insee=BELLEY)
    return PracticePlace.objects.create(
        professional=cast.member.professional,
        label="Cabinet du Dr Membre",
        address="1 rue de la Paix",
        postal_code="01300",
        commune=belley,
        latitude=belley.latitude,
        longitude=belley.longitude,
        phone="0479000001",
        is_primary=True,
    )


@pytest.fixture
def gp(cast, gp_place):
    """The GP declared 3 new patients a month within 20 km."""
    capacity_rules.declare(
        cast.cpts,
        cast.member.professional,
        cast.member,
        {"per_month": 3, "max_distance_km": 20, "place": gp_place.pk},
    )
    return cast.member


def sent_proposal(cast, request):
    run = matching.run(cast.cpts, cast.coordinator)
    assert run.placed == 1
    proposal = Proposal.objects.get(request=request, status=Proposal.Status.DRAFT)
    matching.send(cast.cpts, cast.coordinator, [proposal.pk])
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
    return proposal


# The public form --------------------------------------------------------------------------------------------


def test_the_public_form_lists_the_territory_communes_only(client, cast):
    response = client.get(reverse("gpmatching:public_form", args=[cast.cpts.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{BELLEY}"' in html and "Belley (01300)" in html
    assert f'value="{AMBERIEU}"' not in html  # the other CPTS's commune
    assert 'name="stamp"' in html and 'name="website"' in html
    assert "Envoyer ma demande" in html


def test_a_public_request_is_kept_unconfirmed_mailed_and_confirmed_by_a_post(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gpmatching:public_form", args=[cast.cpts.slug]), public_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("gpmatching:public_done", args=[cast.cpts.slug])
    item = Request.objects.get()
    assert item.status == Request.Status.UNCONFIRMED and item.source == Request.Source.PUBLIC
    assert item.ald and item.commune_id == BELLEY and item.last_name == "Durand"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["paul.durand@example.org"] and item.reference in message.body
    link = re.search(r"https?://\S+/medecin-traitant/confirmer/(\S+)/", message.body)
    assert link, message.body
    confirm_url = reverse("gpmatching:public_confirm", args=[link.group(1)])

    html = client.get(response["Location"]).content.decode()
    assert f'data-testid="reference">{item.reference}<' in html
    assert "ouvrez le lien qu'il contient" in html
    # The thank-you page is shown once: reloading it goes back to the form.
    assert client.get(response["Location"]).status_code == 302

    page = client.get(confirm_url)  # what a mail scanner following the link does
    assert page.status_code == 200 and "Je confirme ma demande" in page.content.decode()
    item.refresh_from_db()
    assert item.status == Request.Status.UNCONFIRMED

    page = client.post(confirm_url)
    assert page.status_code == 200
    assert "votre demande est confirmée" in page.content.decode() and item.reference in page.content.decode()
    item.refresh_from_db()
    assert item.status == Request.Status.WAITING and item.confirmed_at is not None
    again = client.post(confirm_url)
    assert again.status_code == 400 and "déjà servi" in again.content.decode()


def test_a_public_request_without_email_waits_for_a_phone_call(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gpmatching:public_form", args=[cast.cpts.slug]), public_data(email=""), follow=True
        )
    html = response.content.decode()
    item = Request.objects.get()
    assert item.status == Request.Status.UNCONFIRMED and item.reference in html
    assert "vous appellera pour confirmer" in html
    assert mail.outbox == []


SUCCESS = "Votre demande est enregistrée"
CONFIRM = "Merci de confirmer l'envoi"
REFUSED = "Envoi refusé"


def _shown(response, name):
    return re.search(rf'name="{name}" value="([^"]+)"', response.content.decode()).group(1)


def test_a_filled_honeypot_is_refused_and_nothing_is_stored(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gpmatching:public_form", args=[cast.cpts.slug]),
            public_data(website="http://spam.example"),
            follow=True,
        )
    assert response.status_code == 400 and response.redirect_chain == []
    html = html_text(response)
    assert REFUSED in html and "Aucune demande n'a été enregistrée" in html and SUCCESS not in html
    assert not Request.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("stamp", ["", "forged", "unsigned"])
def test_a_missing_or_forged_stamp_is_refused_and_nothing_is_stored(client, cast, stamp):
    value = {
        "": "",
        "forged": signing.dumps(int(time.time()) - 60, salt="other"),
        "unsigned": str(int(time.time()) - 60),
    }[stamp]
    response = client.post(reverse("gpmatching:public_form", args=[cast.cpts.slug]), public_data(stamp=value))
    assert response.status_code == 400
    assert REFUSED in html_text(response) and SUCCESS not in html_text(response)
    assert not Request.objects.exists()


def test_a_person_too_fast_is_asked_to_confirm_then_the_request_is_stored_once(client, cast):
    form = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    response = client.post(form, public_data(stamp=spam.form_stamp()))

    assert response.status_code == 200 and not Request.objects.exists()
    html = html_text(response)
    assert CONFIRM in html and "Confirmer l'envoi" in html and SUCCESS not in html
    assert 'value="Durand"' in response.content.decode()  # what was typed is kept
    stamp, confirmation = _shown(response, "stamp"), _shown(response, "confirmation")

    response = client.post(form, public_data(stamp=stamp, confirmation=confirmation), follow=True)

    assert SUCCESS in html_text(response) and Request.objects.count() == 1
    # The same confirmation sent again (a double tap, a replay) adds nothing and says so.
    again = client.post(form, public_data(stamp=stamp, confirmation=confirmation), follow=True)
    assert Request.objects.count() == 1
    assert SUCCESS not in html_text(again) and "rien n'a été ajouté" in html_text(again)


@pytest.mark.parametrize("tampered", ["forged", "other_stamp"])
def test_a_tampered_confirmation_is_refused_and_nothing_is_stored(client, cast, tampered):
    form = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    stamp = spam.form_stamp()
    confirmation = {
        "forged": signing.dumps({"s": "x"}, salt="other"),
        "other_stamp": spam.confirm_token(spam.form_stamp()),
    }[tampered]

    response = client.post(form, public_data(stamp=stamp, confirmation=confirmation))

    assert response.status_code == 400 and REFUSED in html_text(response)
    assert not Request.objects.exists()


def test_an_expired_stamp_asks_to_confirm_with_a_new_one(client, cast):
    form = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    response = client.post(form, public_data(stamp=spam.form_stamp(now=time.time() - spam.MAX_AGE - 60)))
    assert response.status_code == 200 and CONFIRM in html_text(response)
    response = client.post(
        form, public_data(stamp=_shown(response, "stamp"), confirmation=_shown(response, "confirmation"))
    )
    assert response.status_code == 302 and Request.objects.count() == 1


def test_the_success_page_is_never_shown_without_a_stored_request(client, cast):
    done = reverse("gpmatching:public_done", args=[cast.cpts.slug])
    assert client.get(done).status_code == 302
    session = client.session
    session["gp_request_done"] = {"reference": "", "email": False}
    session.save()
    assert SUCCESS not in html_text(client.get(done, follow=True))


def test_the_sixth_submission_from_one_address_within_the_hour_is_refused(client, cast):
    form = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    for k in range(spam.PER_IP_PER_HOUR):
        response = client.post(form, public_data(first_name=f"Paul{k}"), REMOTE_ADDR="192.0.2.7")
        assert response.status_code == 302
    assert Request.objects.count() == 5
    response = client.post(form, public_data(first_name="Sixième"), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    assert "Trop de demandes envoyées depuis votre connexion" in response.content.decode()
    assert Request.objects.count() == 5
    # Another address is not affected.
    assert client.post(form, public_data(first_name="Autre"), REMOTE_ADDR="192.0.2.8").status_code == 302
    assert Request.objects.count() == 6


def test_a_stamp_already_used_stores_nothing_more_and_the_form_gets_a_new_one(client, cast):
    form = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    stamp = old_stamp(30)
    assert client.post(form, public_data(stamp=stamp)).status_code == 302

    response = client.post(form, public_data(first_name="Pierre", stamp=stamp), REMOTE_ADDR="192.0.2.9")

    assert response.status_code == 200
    assert "Ce formulaire a déjà été envoyé" in response.content.decode()
    assert Request.objects.count() == 1
    shown = re.search(r'name="stamp" value="([^"]+)"', response.content.decode()).group(1)
    assert shown != stamp


def test_a_request_refused_by_the_rules_does_not_use_its_stamp_nor_count(client, cast):
    form = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    stamp = old_stamp(30)
    for _ in range(spam.PER_IP_PER_HOUR + 1):
        response = client.post(form, public_data(commune=AMBERIEU, stamp=stamp), REMOTE_ADDR="192.0.2.10")
        assert response.status_code == 200 and "Trop de demandes" not in response.content.decode()

    assert client.post(form, public_data(stamp=stamp), REMOTE_ADDR="192.0.2.10").status_code == 302
    assert Request.objects.count() == 1


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            {"consent": ""},
            "Votre accord au traitement de ces informations est nécessaire pour vous inscrire.",
        ),
        (
            {"birth_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
            "Date de naissance impossible : elle est dans le futur.",
        ),
        ({"birth_date": "1990-02-31"}, "Date de naissance invalide (jour/mois/année)."),
        ({"birth_date": "1880-01-01"}, "Date de naissance impossible : plus de 120 ans."),
        ({"commune": "99999"}, "Commune inconnue : « 99999 » n&#x27;est pas un code INSEE de commune."),
        (
            {"commune": AMBERIEU},
            "Ambérieu-en-Bugey n&#x27;est pas dans le territoire de la CPTS Test Bugey. Elle relève de la "
            "CPTS Test Voisine.",
        ),
        ({"nir": "12345"}, "Numéro de sécurité sociale invalide"),
        ({"nir": nir_for(dt.date(1960, 7, 1))}, "ne correspond pas à la date de naissance"),
        ({"phone": "", "email": ""}, "Indiquez au moins un moyen de vous joindre : téléphone ou e-mail."),
        ({"phone": "12"}, "Numéro de téléphone invalide"),
        ({"reason": ""}, "Ce champ est obligatoire."),
    ],
)
def test_a_bad_public_request_is_refused_in_french_and_nothing_is_stored(client, cast, bad, message):
    response = client.post(reverse("gpmatching:public_form", args=[cast.cpts.slug]), public_data(**bad))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'class="error" role="alert"' in html
    assert not Request.objects.exists()
    assert 'value="Durand"' in html  # what was typed is kept


def test_a_valid_nir_matching_the_birth_date_is_kept(client, cast):
    response = client.post(
        reverse("gpmatching:public_form", args=[cast.cpts.slug]),
        public_data(nir=nir_for(BIRTH)[:5] + " " + nir_for(BIRTH)[5:]),
    )
    assert response.status_code == 302
    assert Request.objects.get().nir == nir_for(BIRTH)


def test_a_form_sent_back_with_an_error_keeps_its_first_stamp(client, cast):
    """The person who only ticks the consent box and sends again at once is not taken for a robot."""
    form = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    first = old_stamp(20)
    response = client.post(form, public_data(consent="", stamp=first))
    assert response.status_code == 200 and not Request.objects.exists()
    shown = re.search(r'name="stamp" value="([^"]+)"', response.content.decode()).group(1)
    assert shown == first
    assert client.post(form, public_data(stamp=shown)).status_code == 302
    assert Request.objects.count() == 1
    # A forged stamp is not sent back: the page signs a new one.
    response = client.post(form, public_data(birth_date="", stamp="forged"))
    shown = re.search(r'name="stamp" value="([^"]+)"', response.content.decode()).group(1)
    assert shown != "forged" and spam.too_fast(shown)
    assert response.status_code == 400 and not Request.objects.filter(first_name="Paul").count() > 1


def test_the_public_form_of_an_unknown_cpts_is_404(client, cast):
    assert client.get(reverse("gpmatching:public_form", args=["pas-de-cpts"])).status_code == 404


# The coordination: waiting list, a request, entry by a member -----------------------------------------------


def test_the_waiting_list_filters_and_its_csv_export_is_audited(client, cast, monkeypatch):
    today = dt.date(
        2026, 3, 30
    )  # a 30th: the 70th birthday falls on a day the 28th-of-the-month shortcut misses
    durand = waiting(cast, ald=True)
    martin = waiting(cast, "Martin", "Jeanne", dt.date(1956, 3, 30))  # 70 today
    petit = waiting(cast, "Petit", "Léo", dt.date(1990, 1, 2), c2s=True)
    unconfirmed = intake.submit_public(
        cast.cpts,
        {
            "last_name": "Leroy",
            "first_name": "Anne",
            "birth_date": BIRTH,
            "phone": "0611111111",
            "commune": BELLEY,
            "reason": "moved",
            "consent": True,
        },
    ).request
    monkeypatch.setattr(
        "gpmatching.views.timezone", types.SimpleNamespace(localdate=lambda *a: today, now=timezone.now)
    )
    login(client, cast.coordinator)
    response = client.get(url("waiting_list", cast))
    assert response.status_code == 200
    html = response.content.decode()
    assert all(r.reference in html for r in (durand, martin, petit)) and unconfirmed.reference not in html
    assert "DURAND Paul" in html and "ALD (+30)" in html
    assert 'data-testid="waiting-total">3<' in html

    def refs(**params):
        html = client.get(url("waiting_list", cast), params).content.decode()
        return {r.reference for r in (durand, martin, petit, unconfirmed) if r.reference in html}

    assert refs(critere="ald") == {durand.reference}
    assert refs(critere="precarite") == {petit.reference}
    assert refs(critere="70") == {durand.reference, martin.reference}
    assert refs(q="durand") == {durand.reference}
    assert refs(q=petit.reference.lower()) == {petit.reference}
    assert refs(etat="a-confirmer") == {unconfirmed.reference}
    assert refs(commune=BELLEY) == {durand.reference, martin.reference, petit.reference}
    assert refs(commune=AMBERIEU) == set()

    before = AuditEntry.objects.filter(action="export").count()
    export = client.get(url("waiting_list", cast), {"critere": "ald", "format": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert "attachment" in export["Content-Disposition"]
    text = export.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("référence;état;priorité") and len(lines) == 2
    assert durand.reference in lines[1] and ";Durand;Paul;15/03/1955;Belley;" in lines[1]
    entries = AuditEntry.objects.filter(
        action="export", cpts_id=cast.cpts.pk, object_type="gpmatching.request"
    )
    assert entries.count() == before + 1 and entries.last().details["lignes"] == 1


def test_the_waiting_list_only_reads_and_shows_the_priorities_of_the_daily_refresh(client, cast):
    from django.core.management import call_command

    item = waiting(cast)
    months_ago = timezone.localdate() - dt.timedelta(days=100)
    Request.objects.filter(pk=item.pk).update(waiting_since=months_ago, priority_on=months_ago)
    login(client, cast.coordinator)
    response = client.get(url("waiting_list", cast))
    assert response.status_code == 200
    item.refresh_from_db()
    assert (
        item.priority_on == months_ago and "Attente de 3 mois" not in response.content.decode()
    )  # a read writes nothing
    call_command("gp_daily", stdout=io.StringIO())  # the daily job (and every matching) refreshes the scores
    item.refresh_from_db()
    assert item.priority_on == timezone.localdate() and item.priority == 10 + 25 + 3 * 2
    assert "Attente de 3 mois (+6)" in client.get(url("waiting_list", cast)).content.decode()


def test_the_request_page_records_a_view_and_shows_the_priority(client, cast):
    item = waiting(cast, ald=True, comment="Sort peu de chez lui")
    login(client, cast.coordinator)
    response = client.get(url("request", cast, item.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "DURAND Paul" in html and "ALD (+30)" in html and "Sort peu de chez lui" in html
    assert "Demande reçue" in html  # the history
    assert AuditEntry.objects.filter(
        action="view", object_type="gpmatching.request", object_id=str(item.pk), actor_id=cast.coordinator.pk
    ).exists()


def test_withdrawing_needs_a_reason(client, cast):
    item = waiting(cast)
    login(client, cast.coordinator)
    action = url("request_action", cast, item.pk)
    response = client.post(action, {"action": "withdraw", "reason": "  "}, follow=True)
    assert "Indiquez pourquoi la demande est retirée" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Request.Status.WAITING
    response = client.post(
        action, {"action": "withdraw", "reason": "Médecin trouvé par ailleurs"}, follow=True
    )
    assert "Demande retirée." in response.content.decode()
    item.refresh_from_db()
    assert item.status == Request.Status.WITHDRAWN
    assert "Médecin trouvé par ailleurs" in response.content.decode()  # in the history


def test_the_coordination_confirms_a_request_by_phone(client, cast):
    item = intake.submit_public(
        cast.cpts,
        {
            "last_name": "Leroy",
            "first_name": "Anne",
            "birth_date": BIRTH,
            "phone": "0611111111",
            "commune": BELLEY,
            "reason": "moved",
            "consent": True,
        },
    ).request
    login(client, cast.coordinator)
    assert "Confirmer (vérifiée par téléphone)" in client.get(url("request", cast, item.pk)).content.decode()
    response = client.post(url("request_action", cast, item.pk), {"action": "confirm"}, follow=True)
    html = response.content.decode()
    assert "Demande confirmée." in html and "Confirmer (vérifiée par téléphone)" not in html
    item.refresh_from_db()
    assert item.status == Request.Status.WAITING
    again = client.post(url("request_action", cast, item.pk), {"action": "confirm"}, follow=True)
    assert "Cette demande est déjà confirmée." in again.content.decode()


def test_a_member_enters_a_patient_and_a_duplicate_is_recognised(client, cast):
    login(client, cast.member)
    page = client.get(url("new_request", cast))
    assert page.status_code == 200 and 'name="website"' not in page.content.decode()
    response = client.post(url("new_request", cast), member_data(), follow=True)
    assert response.redirect_chain[-1][0] == url("new_request", cast)
    item = Request.objects.get()
    assert item.status == Request.Status.WAITING and item.source == Request.Source.MEMBER
    assert item.created_by == cast.member
    assert (
        f"Patient inscrit sur la liste d&#x27;attente. Référence : {item.reference}."
        in response.content.decode()
    )

    response = client.post(
        url("new_request", cast), member_data(first_name="JEANNE", situations=["c2s"]), follow=True
    )
    html = response.content.decode()
    assert f"Ce patient était déjà inscrit : sa demande {item.reference} a été complétée." in html
    assert Request.objects.count() == 1
    item.refresh_from_db()
    assert item.ald and item.c2s


def test_a_member_entry_with_an_address_only_is_accepted_but_without_consent_refused(client, cast):
    login(client, cast.member)
    response = client.post(url("new_request", cast), member_data(consent=""))
    assert response.status_code == 200
    assert "Confirmez que le patient a donné son accord à son inscription." in response.content.decode()
    assert not Request.objects.exists()
    response = client.post(url("new_request", cast), member_data(phone="", address="3 rue Centrale"))
    assert response.status_code == 302
    assert Request.objects.get().address == "3 rue Centrale"


def test_a_coordinator_entering_a_patient_lands_on_the_request(client, cast):
    login(client, cast.coordinator)
    response = client.post(url("new_request", cast), member_data(situations=["pregnancy"]))
    item = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == url("request", cast, item.pk)
    assert item.pregnancy and item.created_by == cast.coordinator


def test_the_member_form_speaks_of_the_patient(client, cast):
    login(client, cast.member)
    html = client.get(url("new_request", cast)).content.decode()
    assert "La patiente est enceinte" in html and "Le patient est en situation de handicap" in html
    assert "Je suis" not in html and "J&#x27;ai une maladie" not in html and "J&#x27;ai besoin" not in html


# Import -----------------------------------------------------------------------------------------------------

CSV_GOOD_AND_BAD = (
    "nom;prenom;date_naissance;commune;telephone;ald\n"
    "Bernard;Luc;02/04/1950;01034;0612000001;oui\n"
    "Thomas;Eva;31/02/1990;01034;0612000002;non\n"
    "Robert;Léa;12/12/1988;01034;0612000003;non\n"
)


def upload(client, cast, content: str, name="liste.csv", encoding="utf-8"):
    return client.post(
        url("import", cast),
        {"file": SimpleUploadedFile(name, content.encode(encoding), "text/csv"), "attest": "on"},
    )


def test_an_import_with_a_bad_line_shows_it_and_applies_only_when_told_to_skip_it(client, cast):
    login(client, cast.coordinator)
    assert client.get(url("import", cast)).status_code == 200
    response = upload(client, cast, CSV_GOOD_AND_BAD)
    assert response.status_code == 302, response.content.decode()[:3000]
    batch = ImportBatch.objects.get()
    assert response["Location"] == url("import_preview", cast, batch.pk)
    html = client.get(response["Location"]).content.decode()
    assert "3 lignes lues" in html and "2 valides" in html and "1 en erreur" in html
    assert '<td class="num">3</td><td>Date « 31/02/1990 » illisible : JJ/MM/AAAA attendu.</td>' in html
    assert "Bernard" in html and "Robert" in html

    response = client.post(url("import_preview", cast, batch.pk), {"action": "apply"})
    assert response.status_code == 200
    assert "1 ligne en erreur" in response.content.decode()
    assert not Request.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW

    response = client.post(
        url("import_preview", cast, batch.pk), {"action": "apply", "skip_errors": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("waiting_list", cast)
    assert "2 demandes créées, aucun doublon fusionné." in response.content.decode()
    assert set(Request.objects.values_list("last_name", flat=True)) == {"Bernard", "Robert"}
    assert set(Request.objects.values_list("source", "status").distinct()) == {("import", "waiting")}
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.created == 2 and batch.rows == []
    html = client.get(url("import_preview", cast, batch.pk)).content.decode()
    assert (
        "Cet import a le statut « Importée » : il ne peut plus être modifié." in html
        and "Bernard" not in html
    )
    again = client.post(url("import_preview", cast, batch.pk), {"action": "apply", "skip_errors": "1"})
    assert again.status_code == 200 and "Cet import a déjà été traité." in again.content.decode()
    assert Request.objects.count() == 2


def test_an_import_with_wrong_columns_is_refused_on_the_upload_form(client, cast):
    login(client, cast.coordinator)
    response = upload(client, cast, "name;firstname;birth;town\nBernard;Luc;02/04/1950;01034\n")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Colonnes obligatoires absentes : nom, prenom, date_naissance, commune." in html
    assert "Colonnes non reconnues : name, firstname, birth, town." in html
    assert not ImportBatch.objects.exists()


def test_an_import_without_the_attestation_is_refused(client, cast):
    login(client, cast.coordinator)
    response = client.post(
        url("import", cast), {"file": SimpleUploadedFile("l.csv", CSV_GOOD_AND_BAD.encode())}
    )
    assert response.status_code == 200
    assert "Confirmez que les patients ont été informés." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_import_can_be_cancelled(client, cast):
    login(client, cast.coordinator)
    upload(client, cast, CSV_GOOD_AND_BAD.replace("31/02/1990", "01/02/1990"), encoding="cp1252")
    batch = ImportBatch.objects.get()
    assert batch.issues == [] and len(batch.rows) == 3 and batch.rows[2]["first_name"] == "Léa"
    response = client.post(url("import_preview", cast, batch.pk), {"action": "cancel"}, follow=True)
    assert "Import annulé" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED and not Request.objects.exists()


# Matching, rules, capacities, dashboard ---------------------------------------------------------------------


def test_matching_proposes_with_explanations_and_sends(client, cast, gp):
    item = waiting(cast, ald=True)
    far = waiting(cast, "Loin", "Louis", dt.date(1970, 1, 1), home_visits=True)  # the GP makes no home visits
    login(client, cast.coordinator)
    assert client.get(url("matching", cast)).status_code == 200
    response = client.post(url("matching", cast), follow=True)
    html = response.content.decode()
    assert "1 attribution proposée sur 2 demandes en attente" in html
    run = MatchingRun.objects.get()
    assert run.placed == 1 and run.optimal
    draft = Proposal.objects.get(status=Proposal.Status.DRAFT)
    assert draft.request == item and draft.professional == cast.member.professional
    assert (
        '<td data-testid="explanation">Proposé au Dr Marie Membre, 0,0 km, capacité restante 2</td>' in html
    )
    assert "Sans proposition" in html and far.reference in html
    assert AuditEntry.objects.filter(action="view", object_type="gpmatching.proposal").exists()

    response = client.post(url("send", cast), {"action": "send", "proposal": [draft.pk]}, follow=True)
    assert "1 proposition envoyée aux médecins." in response.content.decode()
    draft.refresh_from_db()
    item.refresh_from_db()
    assert draft.status == Proposal.Status.SENT and draft.sent_by == cast.coordinator
    assert item.status == Request.Status.PROPOSED
    assert "En attente de réponse des médecins" in response.content.decode()

    again = client.post(url("send", cast), {"action": "send", "proposal": [draft.pk]}, follow=True)
    assert "Rien n&#x27;a été envoyé." in again.content.decode()
    nothing = client.post(url("send", cast), {"action": "send"}, follow=True)
    assert "Aucune proposition choisie." in nothing.content.decode()


def test_discarding_a_sent_proposal_puts_the_request_back(client, cast, gp):
    item = waiting(cast)
    proposal = sent_proposal(cast, item)
    login(client, cast.coordinator)
    response = client.post(url("send", cast), {"action": "discard", "proposal": [proposal.pk]}, follow=True)
    assert "1 proposition écartée ou retirée." in response.content.decode()
    item.refresh_from_db()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DISCARDED and item.status == Request.Status.WAITING


def test_changing_the_rules_recomputes_the_priorities(client, cast):
    item = waiting(cast, ald=True)
    assert item.priority == 10 + 30 + 25  # base, ALD, 70 and over (born 1955)
    login(client, cast.coordinator)
    assert client.get(url("policy", cast)).status_code == 200
    policy = priority.policy_for(cast.cpts)
    data = {
        k: v
        for k, v in model_to_dict(policy).items()
        if k
        in (
            "base",
            "ald",
            "age_70",
            "precarity",
            "chronic",
            "disability",
            "pregnancy",
            "home_visits",
            "per_month_waiting",
            "max_waiting_points",
            "keep_after_placement_days",
            "keep_waiting_months",
            "remind_after_days",
            "expire_after_days",
        )
    }
    response = client.post(url("policy", cast), dict(data, ald=50), follow=True)
    assert "Règles enregistrées ; les priorités ont été recalculées." in response.content.decode()
    item.refresh_from_db()
    assert item.priority == 10 + 50 + 25 and ["ALD", 50] in item.priority_reasons
    policy.refresh_from_db()
    assert policy.updated_by == cast.coordinator

    bad = client.post(url("policy", cast), dict(data, remind_after_days=20, expire_after_days=10))
    assert bad.status_code == 200 and "L&#x27;expiration doit venir après la relance." in bad.content.decode()
    policy.refresh_from_db()
    assert policy.expire_after_days == 15


def test_the_capacities_page_shows_the_gps_and_the_projection(client, cast, gp):
    capacity_rules.declare(
        cast.cpts,
        cast.member.professional,
        cast.coordinator,
        {
            "per_month": 4,
            "patients": 1200,
            "retirement_on": (timezone.localdate() + dt.timedelta(days=400)).isoformat(),
        },
    )
    waiting(cast)
    login(client, cast.coordinator)
    response = client.get(url("capacities", cast))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dr Marie Membre" in html and 'data-testid="at-risk">1200<' in html
    proj = capacity_rules.projection(cast.cpts)
    assert len(proj.months) == 12 and proj.capacity[0] == 4
    assert (
        f'<tr><td>{proj.months[0]}</td><td class="num">{proj.demand[0]}</td><td class="num">4</td></tr>'
        in html
    )
    assert 'data-chart="line" data-axis="x"' in html
    assert f"?professionnel={cast.member.professional.pk}" in html


def test_the_dashboard_its_csv_and_its_map_for_a_referent(client, cast, gp):
    waiting(cast, ald=True)
    waiting(cast, "Petit", "Léo", dt.date(1990, 1, 2), c2s=True)
    Placement.objects.create(
        cpts=cast.cpts,
        placed_on=timezone.localdate(),
        commune_id=BELLEY,
        professional=cast.member.professional,
        ald=True,
        age_70=False,
        precarity=False,
        waited_days=40,
        source="member",
        request_reference="MT-2026-XXXXXX",
    )
    login(client, cast.referent)
    response = client.get(url("dashboard", cast))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="dash-waiting">2<' in html and 'data-testid="dash-placed">1<' in html
    assert "patients en attente (ALD 1, 70+ 1, précarité 1)" in html
    assert f'data-demand="{url("map_data", cast)}"' in html
    assert "DURAND" not in html and "Petit" not in html  # figures, no identity

    export = client.get(url("dashboard", cast), {"format": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    text = export.content.decode("utf-8-sig")
    assert (
        text.startswith("mois;patients placés;dont ALD") and f"{timezone.localdate():%Y-%m};1;1;0;0" in text
    )
    assert "01034;Belley;2" in text
    assert AuditEntry.objects.filter(
        action="export", object_type="gpmatching.indicators", cpts_id=cast.cpts.pk, actor_id=cast.referent.pk
    ).exists()

    data = client.get(url("map_data", cast)).json()
    assert data["demand"] == [
        {
            "insee": BELLEY,
            "name": "Belley",
            "lat": pytest.approx(data["demand"][0]["lat"]),
            "lon": pytest.approx(data["demand"][0]["lon"]),
            "count": 2,
        }
    ]
    assert data["demand"][0]["lat"] is not None
    assert data["gps"] == [
        {
            "lat": pytest.approx(data["gps"][0]["lat"]),
            "lon": pytest.approx(data["gps"][0]["lon"]),
            "per_month": 3,
            "remaining": 3,
            "unavailable": "",
        }
    ]


def test_the_referent_sees_no_waiting_list(client, cast):
    waiting(cast)
    login(client, cast.referent)
    assert client.get(url("waiting_list", cast)).status_code == 403
    assert client.get(url("waiting_list", cast), {"format": "csv"}).status_code == 403


# The GP -----------------------------------------------------------------------------------------------------


def test_the_gp_declares_a_capacity(client, cast, gp_place):
    login(client, cast.member)
    page = client.get(url("my_capacity", cast))
    assert page.status_code == 200
    assert (
        "Ma capacité d'accueil" in page.content.decode() and "Cabinet du Dr Membre" in page.content.decode()
    )
    response = client.post(
        url("my_capacity", cast),
        {
            "per_month": "4",
            "max_distance_km": "15",
            "min_age": "",
            "max_age": "",
            "place": str(gp_place.pk),
            "communes": [BELLEY],
            "home_visits": "on",
            "patients": "900",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Capacité d&#x27;accueil enregistrée." in html
    assert 'data-testid="remaining">Places restantes ce mois-ci : <strong>4</strong> sur 4.' in html
    capacity = Capacity.objects.get()
    assert capacity.per_month == 4 and capacity.max_distance_km == 15 and capacity.home_visits
    assert capacity.place == gp_place and list(capacity.communes.values_list("insee", flat=True)) == [BELLEY]
    assert capacity.updated_by == cast.member
    # The form shows what was declared.
    assert 'name="per_month" value="4"' in html


def test_the_coordination_edits_a_gp_capacity(client, cast, gp):
    login(client, cast.coordinator)
    pro = cast.member.professional
    page = client.get(url("my_capacity", cast), {"professionnel": pro.pk})
    html = page.content.decode()
    assert page.status_code == 200 and "Capacité d'accueil du Dr Membre" in html
    assert f'name="professionnel" value="{pro.pk}"' in html and 'name="per_month" value="3"' in html
    response = client.post(url("my_capacity", cast), {"professionnel": pro.pk, "per_month": "0"})
    assert response.status_code == 302 and response["Location"].endswith(f"?professionnel={pro.pk}")
    assert Capacity.objects.get().per_month == 0 and Capacity.objects.get().updated_by == cast.coordinator
    assert client.get(url("my_capacity", cast), {"professionnel": "999999"}).status_code == 404


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"per_month": "-2"}, "Le nombre de nouveaux patients par mois ne peut pas être négatif."),
        ({"per_month": ""}, "Le nombre de nouveaux patients par mois est obligatoire."),
        (
            {"per_month": "3", "min_age": "60", "max_age": "18"},
            "L&#x27;âge maximal doit être supérieur ou égal à l&#x27;âge minimal.",
        ),
    ],
)
def test_a_bad_capacity_is_refused_in_french_and_nothing_is_saved(client, cast, gp_place, bad, message):
    login(client, cast.member)
    response = client.post(url("my_capacity", cast), bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'class="error" role="alert"' in html
    assert not Capacity.objects.exists()


def test_the_gp_sees_a_sent_proposal_and_accepts_it(client, cast, gp):
    item = waiting(cast, ald=True)
    proposal = sent_proposal(cast, item)
    login(client, cast.member)
    response = client.get(url("my_proposals", cast))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f"DURAND Paul, {item.age_on(timezone.localdate())} ans" in html
        and "Belley" in html
        and "J'accepte ce patient" in html
    )
    seen = AuditEntry.objects.filter(
        action="view",
        object_type="gpmatching.request",
        actor_id=cast.member.pk,
        object_label="patients proposés au médecin",
    ).get()
    assert seen.details["ids"] == [item.pk]  # one entry naming every request shown
    # He may open the request proposed to him (without its history).
    page = client.get(url("request", cast, item.pk))
    assert page.status_code == 200 and "DURAND Paul" in page.content.decode()
    assert "Historique" not in page.content.decode()

    response = client.post(url("answer", cast, proposal.pk), {"action": "accept"}, follow=True)
    html = response.content.decode()
    assert "Merci : le patient est informé et la demande est close." in html
    assert "Patients acceptés" in html and "06 12 34 56 78" in html  # stored 0612345678, shown grouped
    item.refresh_from_db()
    proposal.refresh_from_db()
    assert item.status == Request.Status.PLACED and item.placed_with == cast.member.professional
    assert proposal.status == Proposal.Status.ACCEPTED and proposal.answered_by == cast.member
    assert Placement.objects.filter(cpts=cast.cpts, request_reference=item.reference).count() == 1


def test_the_gp_declines_only_with_a_reason(client, cast, gp):
    item = waiting(cast)
    proposal = sent_proposal(cast, item)
    login(client, cast.member)
    response = client.post(
        url("answer", cast, proposal.pk), {"action": "decline", "reason": " "}, follow=True
    )
    assert "Indiquez le motif du refus" in response.content.decode()
    proposal.refresh_from_db()
    item.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT and item.status == Request.Status.PROPOSED
    response = client.post(
        url("answer", cast, proposal.pk), {"action": "decline", "reason": "Patientèle complète"}, follow=True
    )
    assert "Refus enregistré" in response.content.decode()
    proposal.refresh_from_db()
    item.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED and proposal.decline_reason == "Patientèle complète"
    assert item.status == Request.Status.WAITING
    # Declined: the GP no longer sees the request.
    page = client.get(url("request", cast, item.pk))
    assert page.status_code == 403 and "DURAND" not in page.content.decode()


# Privacy ----------------------------------------------------------------------------------------------------


def test_the_bureau_member_who_is_not_a_physician_cannot_read_a_request(client, cast):
    item = waiting(cast)
    login(client, cast.bureau)
    response = client.get(url("request", cast, item.pk))
    assert response.status_code == 403
    assert "DURAND" not in response.content.decode() and "Durand" not in response.content.decode()
    assert client.get(url("my_proposals", cast)).status_code == 403
    assert client.get(url("my_capacity", cast)).status_code == 403
    assert not AuditEntry.objects.filter(action="view", object_type="gpmatching.request").exists()


def test_a_gp_cannot_read_a_request_not_proposed_to_him(client, cast, gp):
    item = waiting(cast)
    login(client, cast.member)
    response = client.get(url("request", cast, item.pk))
    assert response.status_code == 403 and "DURAND" not in response.content.decode()
    assert "DURAND" not in client.get(url("my_proposals", cast)).content.decode()
    assert client.get(url("waiting_list", cast)).status_code == 403
    assert client.get(url("matching", cast)).status_code == 403


def test_a_gp_cannot_answer_a_proposal_made_to_another(client, cast, gp):
    item = waiting(cast)
    proposal = sent_proposal(cast, item)
    cast.bureau.professional = cast.member.professional.__class__.objects.create(
        id_type="8",
        national_id="10000000025",
        idnat="810000000025",
        last_name="AUTRE",
        first_name="Alain",
        profession_code="10",
    )
    cast.bureau.save()
    login(client, cast.bureau)
    response = client.post(url("answer", cast, proposal.pk), {"action": "accept"}, follow=True)
    assert "Cette proposition ne vous est pas adressée." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


def test_another_cpts_coordinator_sees_nothing(client, cast):
    item = waiting(cast)
    login(client, cast.other_coordinator)
    # Through this CPTS's address: not a member, refused.
    response = client.get(url("request", cast, item.pk))
    assert response.status_code == 403 and "DURAND" not in response.content.decode()
    # Through their own CPTS's address: the request is not theirs, unknown.
    own = reverse("gpmatching:request", args=[cast.other.slug, item.pk])
    response = client.get(own)
    assert response.status_code == 404 and "DURAND" not in response.content.decode()
    action = reverse("gpmatching:request_action", args=[cast.other.slug, item.pk])
    assert client.post(action, {"action": "withdraw", "reason": "x"}).status_code == 404
    item.refresh_from_db()
    assert item.status == Request.Status.WAITING
    waiting_list = client.get(reverse("gpmatching:waiting_list", args=[cast.other.slug])).content.decode()
    assert "DURAND" not in waiting_list and item.reference not in waiting_list
    assert client.get(url("waiting_list", cast)).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, cast):
    item = waiting(cast)
    response = client.get(url("request", cast, item.pk))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
