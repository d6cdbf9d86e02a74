"""Issue 4, point 11: one care circle, full of content (a subject and a reply, a mention, a document, an
agenda event, notifications), looked at by everyone who must not see it, through every channel at once:
pages (group, messages, documents and their bytes, agenda, timeline, history, lists, search, "my agenda",
notifications), the JSON API, FHIR, the iCalendar feed, and the real-time subscriptions. Nothing of the
circle's content may appear anywhere; the patient's name neither.

Viewers: a CPTS member outside the circle (partner role), a guest invited by e-mail into another group, the
CPTS's coordinator (manages groups, reads no content), another CPTS's coordinator, a removed member, an
account with no membership, anonymous. Then the circle's own members after the consent's withdrawal and after
its closure: they still read the archive, but nothing new gets in, and the refused attempt stores nothing.

Likewise a request for a médecin traitant (gpmatching): its names and contact details reach the coordination
and the GP it is proposed to, no one else — not the member who referred it, another GP (who declined it), the
bureau, a partner, a referent, a guest, another CPTS's coordinator, an account with no membership, anonymous.

Transactional: the real-time check uses the after-commit delivery and the ASGI application, as in production.
The médecin traitant checks need no thread: they run in a transaction (fast), after-commit callbacks executed.
"""

import datetime as dt
import json
from html import unescape

import pytest
from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import APIToken
from agenda import actions as agenda_actions
from agenda.models import Event
from agenda.timing import PARIS, When
from coordination import actions
from coordination.models import Consent, Message
from documents import actions as document_actions
from documents.models import Document
from documents.tests.samples import pdf
from notifications.models import Notification
from opencpts.errors import ActionError
from privacy import actions as privacy_actions
from privacy.models import RightsRequest
from realtime import access as realtime_access
from tests.cast import login, make_user

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Glycémie 4,1 SECRET-7731"
PATIENT = "FUITEVITE"
DOC_TITLE = "Compte rendu SECRET-DOC-5520"
EVENT_TITLE = "Visite SECRET-EVT-9044"
MARKERS = (SECRET, "SECRET-7731", PATIENT, "SECRET-DOC-5520", "SECRET-EVT-9044", "Réponse confidentielle")


@pytest.fixture
def circle(communes_loaded, cast):
    patient = actions.create_patient(
        cast.cpts,
        cast.member,
        family_name=PATIENT,
        given_names="Odette",
        birth_date=dt.date(1941, 2, 3),
        sex="F",
    )
    group = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.invite(group, cast.member, cast.bureau, function="Infirmier")
    actions.answer_invitation(group, cast.bureau, accept=True)
    consent = actions.record_consent(
        group,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Partage dans le cercle",
    )
    subject = actions.post_message(
        group, cast.member, SECRET + " @Basile Bureau", subject="Suivi SECRET-7731"
    )
    actions.post_message(group, cast.bureau, "Réponse confidentielle", parent=subject)
    document = document_actions.add_document(
        group, cast.member, SimpleUploadedFile("cr.pdf", pdf("SECRET-7731")), title=DOC_TITLE
    )
    start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(9), tzinfo=PARIS)
    event = agenda_actions.create_event(
        group,
        cast.member,
        kind=Event.Kind.HOME_VISIT,
        title=EVENT_TITLE,
        when=When.between(start, start + dt.timedelta(hours=1)),
    )
    # A working group the guest belongs to, so that the guest is a real user of the network.
    working = actions.create_working_group(cast.cpts, cast.member, "Parcours chutes")
    actions.invite(working, cast.member, cast.guest)
    actions.answer_invitation(working, cast.guest, accept=True)
    assert Notification.objects.filter(user=cast.bureau, group=group).exists()  # the members were notified
    # A rights request (access) for the patient: the coordination asks the circle for its export.
    rights = privacy_actions.open_request(
        cast.cpts,
        cast.coordinator,
        kind=RightsRequest.Kind.ACCESS,
        requester="Mandataire légal",
        requester_is_patient=False,
        received_on=timezone.localdate(),
    )
    rights = privacy_actions.link_patient(rights, cast.coordinator, patient.pk)
    [task] = privacy_actions.ask_exports(rights, cast.coordinator)
    return {
        "group": group,
        "patient": patient,
        "consent": consent,
        "subject": subject,
        "document": document,
        "event": event,
        "task": task,
    }


def page_urls(cast, c) -> list[str]:
    slug, gid = cast.cpts.slug, c["group"].pk
    doc = {"slug": slug, "group_id": gid, "document_id": c["document"].pk}
    return [
        reverse("coordination:groups", args=[slug]),
        reverse("coordination:group", args=[slug, gid]),
        reverse("coordination:group_messages", args=[slug, gid]),
        reverse("coordination:history", args=[slug, gid]),
        reverse("coordination:search", args=[slug]) + "?q=confidentielle",
        reverse("coordination:search", args=[slug]) + "?q=Glyc%C3%A9mie",
        reverse("coordination:conversations", args=[slug]),
        reverse("documents:section", kwargs={"slug": slug, "group_id": gid}),
        reverse("documents:detail", kwargs=doc),
        reverse("documents:download", kwargs={**doc, "number": 1}),
        reverse("documents:preview", kwargs={**doc, "number": 1}),
        reverse("agenda:group", kwargs={"slug": slug, "group_id": gid}),
        reverse("agenda:event", kwargs={"slug": slug, "group_id": gid, "event_id": c["event"].pk}),
        reverse("agenda:timeline", kwargs={"slug": slug, "group_id": gid}),
        reverse("agenda:mine", kwargs={"slug": slug}) + "?vue=mois",
        reverse("notifications:list"),
        reverse("cpts:home", args=[slug]),
        # Privacy: notices, DPO, registre, rights requests, and the circle's export to prepare. (Not the
        # registre's PDF: its bytes are a PDF by design; nor a request's page, the coordination's own record.)
        reverse("privacy:notices"),
        reverse("privacy:notice_patients", args=[slug]),
        reverse("privacy:notice_professionals", args=[slug]),
        reverse("privacy:notice_public", args=[slug]),
        reverse("privacy:contact", args=[slug]),
        reverse("privacy:registre", args=[slug]),
        reverse("privacy:requests", args=[slug]),
        reverse("privacy:tasks", args=[slug]),
        reverse("privacy:task", args=[slug, c["task"].pk]),
    ]


def assert_nothing_in(body: bytes, where: str) -> None:
    text = unescape(body.decode("utf-8", "replace"))
    for marker in MARKERS:
        assert marker not in text, f"{marker!r} leaked through {where}"
    assert b"%PDF" not in body, f"the document's bytes leaked through {where}"


def assert_sees_nothing(cast, c, user) -> None:
    client = Client()
    if user is not None:
        login(client, user)
    for url in page_urls(cast, c):
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        assert_nothing_in(response.content, url)
    # FHIR (Cercle de soins, DocumentReference, Appointment) with the user's API token.
    api = Client()
    if user is not None:
        api.defaults["HTTP_AUTHORIZATION"] = f"Bearer {APIToken.issue(user)[1]}"
    patient = c["patient"].pk
    for url in (
        f"/fhir/CareTeam?patient=Patient/{patient}",
        f"/fhir/CareTeam/{c['group'].pk}",
        f"/fhir/Patient/{patient}",
        "/fhir/Patient",
        "/fhir/Communication",
        f"/fhir/Communication/{c['subject'].pk}",
        "/fhir/Consent",
        "/fhir/DocumentReference",
        f"/fhir/DocumentReference?patient=Patient/{patient}",
        "/fhir/Appointment",
        f"/fhir/Appointment?patient=Patient/{patient}",
    ):
        response = api.get(url)
        assert response.status_code in (200, 401, 403, 404), (url, response.status_code)
        if response.status_code == 200:
            assert response.json().get("total") == 0, url
        assert_nothing_in(response.content, url)
    # The JSON API of the CPTS (members, news): nothing about the circle either.
    for url in (f"/api/cpts/{cast.cpts.slug}/members", f"/api/cpts/{cast.cpts.slug}/news"):
        assert_nothing_in(api.get(url).content, url)
    if user is None:
        return
    # The user's own iCalendar subscription: the circle's event is not in it.
    _, raw = agenda_actions.issue_calendar_token(user)
    feed = Client().get(reverse("agenda:ical", kwargs={"token": raw}))
    assert feed.status_code == 200
    assert_nothing_in(feed.content, "the iCalendar feed")
    assert str(c["event"].uid) not in feed.content.decode()
    # Real time: the server does not subscribe their connections to the circle.
    groups, _ = realtime_access.subscriptions(user.pk)
    assert c["group"].pk not in groups
    # Notifications: none about the circle is shown to them.
    from notifications.access import notifications_of

    assert not notifications_of(user).filter(group=c["group"]).exists()


@pytest.mark.parametrize(
    "who", ["partner", "guest", "coordinator", "other_coordinator", "outsider", "anonymous"]
)
def test_people_outside_the_circle_see_nothing_anywhere(circle, cast, who):
    user = None if who == "anonymous" else getattr(cast, who)
    # Sanity: the same checks do find the content for a member (so that they can fail).
    with pytest.raises(AssertionError):
        assert_sees_nothing(cast, circle, cast.bureau)
    assert_sees_nothing(cast, circle, user)


def test_a_removed_member_sees_nothing_anymore_and_receives_nothing_new(circle, cast):
    actions.remove_member(circle["group"], cast.member, cast.bureau)
    assert_sees_nothing(cast, circle, cast.bureau)
    before = Notification.objects.filter(user=cast.bureau).count()
    actions.post_message(circle["group"], cast.member, "Après le retrait SECRET-7731", subject="Suite")
    assert Notification.objects.filter(user=cast.bureau).count() == before


def websocket_frames_for(user, during) -> list[dict]:
    """The frames the user's open WebSocket receives while ``during()`` runs (then 0.3 s of quiet)."""
    from opencpts.asgi import application
    from realtime.tests.wsclient import WebSocketClient

    client = Client()
    login(client, user)
    cookie = client.cookies["sessionid"].value
    frames = []

    async def scenario():
        from channels.db import database_sync_to_async

        ws = WebSocketClient(
            application,
            "/ws/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"host", b"testserver"),
                (b"cookie", f"sessionid={cookie}".encode()),
            ],
        )
        connected, code = await ws.connect()
        assert connected, code
        assert json.loads(await ws.receive_from(timeout=3)) == {"type": "ready"}
        await database_sync_to_async(during)()
        while not await ws.receive_nothing(timeout=0.3):
            frames.append(json.loads(await ws.receive_from(timeout=1)))
        await ws.disconnect()

    async_to_sync(scenario)()
    return frames


@pytest.mark.parametrize("who", ["partner", "coordinator", "other_coordinator", "removed"])
def test_real_time_frames_about_the_circle_reach_only_its_members(circle, cast, who):
    if who == "removed":
        actions.remove_member(circle["group"], cast.member, cast.bureau)
    user = cast.bureau if who == "removed" else getattr(cast, who)
    frames = websocket_frames_for(
        user, lambda: actions.post_message(circle["group"], cast.member, "Nouveau", subject="Nouveau sujet")
    )
    assert [f for f in frames if f.get("group") == circle["group"].pk] == []
    # ...while a member's connection gets the message event.
    frames = websocket_frames_for(
        cast.member,
        lambda: actions.post_message(circle["group"], cast.member, "Encore", subject="Encore un sujet"),
    )
    assert any(f.get("group") == circle["group"].pk and f.get("kind") == "message.posted" for f in frames), (
        frames
    )


@pytest.mark.parametrize("state", ["consent_withdrawn", "closed"])
def test_after_withdrawal_or_closure_nothing_new_gets_in_and_nothing_is_half_stored(circle, cast, state):
    group = circle["group"]
    if state == "consent_withdrawn":
        actions.withdraw_consent(circle["consent"], cast.member)
    else:
        actions.close_group(group, cast.member)
    counts = (Message.objects.count(), Document.objects.count(), Event.objects.count())
    start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=2), dt.time(9), tzinfo=PARIS)
    attempts = [
        lambda: actions.post_message(group, cast.member, "Nouveau contenu", subject="Après"),
        lambda: actions.post_message(group, cast.bureau, "Réponse tardive", parent=circle["subject"]),
        lambda: document_actions.add_document(
            group, cast.member, SimpleUploadedFile("n.pdf", pdf("Nouveau"))
        ),
        lambda: document_actions.post_message(
            group,
            cast.member,
            "Avec pièce jointe",
            subject="PJ",
            files=[SimpleUploadedFile("n.pdf", pdf("Nouveau"))],
        ),
        lambda: agenda_actions.create_event(
            group,
            cast.member,
            kind=Event.Kind.MEETING,
            title="Réunion",
            when=When.between(start, start + dt.timedelta(hours=1)),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ActionError) as refused:
            attempt()
        assert refused.value.message and refused.value.message[0].isupper()  # a French sentence, not a code
    assert (Message.objects.count(), Document.objects.count(), Event.objects.count()) == counts
    # Through the page too: a clear message, nothing stored.
    client = Client()
    login(client, cast.member)
    response = client.post(
        reverse("coordination:post_message", args=[cast.cpts.slug, group.pk]),
        {"subject": "Par la page", "body": "Contenu refusé"},
        follow=True,
    )
    body = unescape(response.content.decode())
    assert "lecture seule" in body or "consentement" in body.lower()
    assert Message.objects.count() == counts[0]
    # The members still read the archive.
    assert SECRET in unescape(
        client.get(reverse("coordination:group", args=[cast.cpts.slug, group.pk])).content.decode()
    )


# --- Médecin traitant ---------------------------------------------------------------------------------------

GP_MARKERS = ("FUITEMT", "Ursuline", "0698765432", "ursuline.fuitemt")
gp_db = pytest.mark.django_db  # not transactional (see the module's docstring)


@pytest.fixture
def gp_request(cast, django_capture_on_commit_callbacks):
    """A request referred by the partner, sent to another member GP who declined it, now proposed to the
    member (the way the pages do it: a draft, sent by the coordination, which notifies the GP)."""
    from cpts.models import Membership
    from cpts.roles import Role
    from directory.models import Professional
    from gpmatching import capacity, intake, matching
    from gpmatching.models import Proposal

    other_gp = make_user("gp2@cast.test", first_name="Gaston", last_name="Généraliste")
    other_gp.professional = Professional.objects.create(
        id_type="8",
        national_id="10000000017",
        idnat="810000000017",
        last_name="GENERALISTE",
        first_name="Gaston",
        profession_code="10",
    )
    other_gp.save()
    Membership.objects.create(cpts=cast.cpts, user=other_gp, role=Role.MEMBER)
    request = intake.submit_for_patient(
        cast.cpts,
        {
            "last_name": "Fuitemt",
            "first_name": "Ursuline",
            "birth_date": dt.date(1947, 5, 6),
            "phone": "06 98 76 54 32",
            "email": "ursuline.fuitemt@example.org",
            "commune": "01034",
            "ald": True,
            "consent": True,
        },
        cast.partner,
    ).request

    def propose(gp):
        capacity.declare(cast.cpts, gp.professional, gp, {"per_month": "3"})
        draft = Proposal.objects.create(
            cpts=cast.cpts,
            request=request,
            professional=gp.professional,
            explanation="Proposé par la matrice",
        )
        with django_capture_on_commit_callbacks(execute=True):  # the GP's notification
            return matching.send(cast.cpts, cast.coordinator, [draft.pk])[0]

    matching.decline(cast.cpts, propose(other_gp).pk, other_gp, "Patientèle complète")
    proposal = propose(cast.member)
    assert Notification.objects.filter(user=cast.member, kind="gp_proposal").exists()  # the GP was told
    return {"request": request, "proposal": proposal, "other_gp": other_gp}


def gp_urls(cast, gp) -> list[str]:
    slug, rid = cast.cpts.slug, gp["request"].pk
    waiting_list = reverse("gpmatching:waiting_list", args=[slug])
    return [
        reverse("gpmatching:request", args=[slug, rid]),
        reverse("gpmatching:request", args=[cast.other.slug, rid]),  # through another CPTS: not there
        waiting_list,
        waiting_list + "?q=Fuitemt",
        waiting_list + "?format=csv",
        reverse("gpmatching:my_proposals", args=[slug]),
        reverse("gpmatching:matching", args=[slug]),
        reverse("gpmatching:capacities", args=[slug]),
        reverse("gpmatching:my_capacity", args=[slug]),
        reverse("gpmatching:new_request", args=[slug]),
        reverse("gpmatching:dashboard", args=[slug]),
        reverse("gpmatching:dashboard", args=[slug]) + "?format=csv",
        reverse("gpmatching:map_data", args=[slug]),
        reverse("notifications:list"),
        reverse("cpts:home", args=[slug]),
    ]


def assert_gp_request_hidden(cast, gp, user) -> None:
    client = Client()
    if user is not None:
        login(client, user)
    for url in gp_urls(cast, gp):
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        text = unescape(response.content.decode("utf-8", "replace"))
        for marker in GP_MARKERS:
            assert marker not in text, f"{marker!r} leaked through {url}"
    # The request itself: refused (another CPTS's coordinator: not found in their own CPTS), never shown.
    detail = client.get(reverse("gpmatching:request", args=[cast.cpts.slug, gp["request"].pk]))
    assert detail.status_code == (302 if user is None else 403)
    if user is not None and user == cast.other_coordinator:
        assert (
            client.get(reverse("gpmatching:request", args=[cast.other.slug, gp["request"].pk])).status_code
            == 404
        )
    # The JSON API: figures without identity.
    api = Client()
    if user is not None:
        api.defaults["HTTP_AUTHORIZATION"] = f"Bearer {APIToken.issue(user)[1]}"
    url = f"/api/cpts/{cast.cpts.slug}/gp/indicators"
    response = api.get(url)
    assert response.status_code in (200, 401, 403), (url, response.status_code)
    for marker in GP_MARKERS:
        assert marker not in response.content.decode(), f"{marker!r} leaked through {url}"


@gp_db
@pytest.mark.parametrize(
    "who",
    ["outsider", "other_gp", "guest", "bureau", "partner", "referent", "other_coordinator", "anonymous"],
)
def test_a_gp_request_reaches_only_the_coordination_and_its_gp(gp_request, cast, who):
    user = {"anonymous": None, "other_gp": gp_request["other_gp"]}.get(who) or getattr(cast, who, None)
    # Sanity: the same checks do find the patient for the coordination and for the GP it is proposed to.
    for reader in (cast.coordinator, cast.member):
        with pytest.raises(AssertionError, match="leaked through"):
            assert_gp_request_hidden(cast, gp_request, reader)
    assert_gp_request_hidden(cast, gp_request, user)


@gp_db
def test_a_gp_who_declines_sees_the_request_no_more(gp_request, cast):
    client = Client()
    login(client, cast.member)
    response = client.post(
        reverse("gpmatching:answer", args=[cast.cpts.slug, gp_request["proposal"].pk]),
        {"action": "decline", "reason": "Pas de visites à domicile"},
    )
    assert response.status_code == 302
    assert_gp_request_hidden(cast, gp_request, cast.member)
