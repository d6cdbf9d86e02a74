"""The care circle as a conversation: each section of a group on its own URL (read by its members only,
each read audited), the conversation (newest at the bottom, « Lu par »), the composer's rules (a message
without a subject continues the last one, the same token twice is one message), the group list by last
activity with a preview, and its bounded number of queries."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from coordination import actions, selectors
from coordination.models import Message
from coordination.templatetags.coordination_tags import day_label, when
from coordination.tests.helpers import circle_with_consent, url, working_group
from opencpts.errors import ActionError
from tests.cast import login

pytestmark = pytest.mark.django_db

TABS = ["group", "members", "consents", "documents", "informations", "history"]
TOKEN = "jeton-du-composeur-0001"


def views_of(group, page: str | None) -> int:
    entries = AuditEntry.objects.filter(
        action="view", object_type="coordination.group", object_id=str(group.pk)
    )
    return sum(1 for e in entries if (e.details or {}).get("page") == page)


# --- Tabs, each on its own URL ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABS)
def test_each_tab_has_its_url_its_header_and_is_audited(client, cast, name):
    circle = circle_with_consent(cast, cast.bureau)
    login(client, cast.member)
    page_key = {"group": None, "history": "history"}.get(name, name)
    before = views_of(circle, page_key)
    response = client.get(url(name, cast, group_id=circle.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="group-tabs"' in page and "MARTIN" in page  # the compact header names the patient
    assert 'aria-current="page"' in page
    for other in TABS:
        assert url(other, cast, group_id=circle.pk) in page  # the tab bar links every section
    assert views_of(circle, page_key) == before + 1  # the read of patient data is recorded


@pytest.mark.parametrize("name", TABS)
@pytest.mark.parametrize("role", ["partner", "coordinator", "other_coordinator", "referent"])
def test_non_members_are_refused_on_every_tab_and_nothing_leaks(cast, name, role):
    circle = circle_with_consent(cast, cast.bureau)
    client = Client()
    login(client, cast.by_role()[role])
    response = client.get(url(name, cast, group_id=circle.pk))
    if (
        name == "history" and role == "coordinator"
    ):  # the coordinator manages the group: its history, no title
        assert response.status_code == 200 and 'class="group-tabs"' not in response.content.decode()
    else:
        assert response.status_code in (403, 404)
    assert "MARTIN" not in response.content.decode() and "Paulette" not in response.content.decode()


def test_a_group_of_another_cpts_is_not_found(client, cast):
    circle = circle_with_consent(cast)
    login(client, cast.other_coordinator)
    for name in TABS:
        response = client.get(url(name, cast, group_id=circle.pk).replace(cast.cpts.slug, cast.other.slug))
        assert response.status_code == 404, name


def test_a_working_group_has_no_consents_tab(client, cast):
    group = working_group(cast, cast.bureau)
    login(client, cast.member)
    page = client.get(url("group", cast, group_id=group.pk)).content.decode()
    assert url("consents", cast, group_id=group.pk) not in page
    assert client.get(url("consents", cast, group_id=group.pk)).status_code == 404


def test_actions_lead_back_to_their_tab(client, cast):
    circle = circle_with_consent(cast)
    login(client, cast.member)
    response = client.post(url("invite", cast, group_id=circle.pk), {"user": cast.bureau.pk, "function": ""})
    assert response["Location"] == url("members", cast, group_id=circle.pk)
    consent = circle.consents.get()
    response = client.post(url("withdraw_consent", cast, group_id=circle.pk, consent_id=consent.pk))
    assert response["Location"] == url("consents", cast, group_id=circle.pk)


# --- The conversation ---------------------------------------------------------------------------------------


def test_messages_newest_at_the_bottom_with_replies_and_read_receipts(client, cast):
    circle = circle_with_consent(cast, cast.bureau)
    first = actions.post_message(circle, cast.member, "Pansement à refaire", subject="Soins")
    other = actions.post_message(circle, cast.member, "Ordonnance renouvelée", subject="Traitement")
    actions.post_message(circle, cast.bureau, "Je passe jeudi", parent=first)
    actions.mark_read(other, cast.bureau)
    login(client, cast.member)
    page = client.get(url("group", cast, group_id=circle.pk)).content.decode()
    order = [page.index(text) for text in ("Pansement à refaire", "Ordonnance renouvelée", "Je passe jeudi")]
    assert order == sorted(order)  # oldest first, newest at the bottom
    assert "Réponse de Basile Bureau" in page
    assert "Sujet : « Soins »" in page  # the reply recalls its subject: the previous message was another one
    assert "Lu par 1 membre" in page  # the last message, read by the author and the member: the author aside
    assert page.count('class="receipts"') == 1


def test_a_message_without_subject_continues_the_last_subject(cast):
    circle = circle_with_consent(cast, cast.bureau)
    first = actions.post_message(circle, cast.member, "Premier", continue_thread=True)
    assert first.parent is None and first.subject == actions.DEFAULT_SUBJECT
    second = actions.post_message(circle, cast.bureau, "Suite", continue_thread=True)
    assert second.parent == first
    topic = actions.post_message(circle, cast.member, "Autre chose", subject="Kiné", continue_thread=True)
    assert topic.parent is None and topic.subject == "Kiné"
    assert actions.post_message(circle, cast.bureau, "Oui", continue_thread=True).parent == topic
    assert (
        actions.post_message(circle, cast.bureau, "Et là", parent=first, continue_thread=True).parent == first
    )
    with pytest.raises(ActionError, match="Sujet : ce champ est obligatoire"):
        actions.post_message(circle, cast.member, "Sans sujet")  # without continue_thread, as before


def test_the_same_token_twice_is_one_message(cast, events, django_capture_on_commit_callbacks):
    circle = circle_with_consent(cast, cast.bureau)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.post_message(circle, cast.member, "Une fois", subject="S", token=TOKEN)
        again = actions.post_message(circle, cast.member, "Une fois", subject="S", token=TOKEN)
    assert again.pk == message.pk and again.duplicate and not message.duplicate
    assert Message.objects.count() == 1 and events.kinds().count("message.posted") == 1
    # Another author may use the same token; in another group it is refused.
    actions.post_message(circle, cast.bureau, "Moi aussi", subject="S", token=TOKEN)
    assert Message.objects.count() == 2
    group = working_group(cast)
    with pytest.raises(ActionError, match="Envoi non reconnu"):
        actions.post_message(group, cast.member, "Ailleurs", subject="S", token=TOKEN)
    with pytest.raises(ActionError, match="Envoi non reconnu"):
        actions.post_message(circle, cast.member, "Texte", subject="S", token="<script>")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_the_same_token_posted_concurrently_is_one_message(cast):
    circle = circle_with_consent(cast, cast.bureau)
    barrier, results, errors = threading.Barrier(4), [], []

    def post():
        try:
            barrier.wait()
            results.append(
                actions.post_message(circle, cast.member, "Double tap", token=TOKEN, continue_thread=True)
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Message.objects.filter(body="Double tap").count() == 1
    assert len({m.pk for m in results}) == 1 and sum(not m.duplicate for m in results) == 1


# --- The group list -----------------------------------------------------------------------------------------


def test_the_group_list_by_last_activity_with_a_preview_and_unread_counts(client, cast):
    old = working_group(cast, cast.bureau, title="Ancien groupe")
    circle = circle_with_consent(cast, cast.bureau)
    quiet = working_group(cast, title="Groupe silencieux")
    actions.post_message(old, cast.bureau, "Réunion reportée au mois prochain", subject="Réunion")
    actions.post_message(circle, cast.bureau, "Pansement refait ce matin, plaie propre " * 5, subject="Soins")
    deleted = actions.post_message(old, cast.member, "Effacé", subject="Effacé")
    actions.delete_message(deleted, cast.member)
    login(client, cast.member)
    page = client.get(url("groups", cast)).content.decode()
    titles = [page.index(t) for t in (circle.title, "Ancien groupe", "Groupe silencieux")]
    # The deleted message still counts as activity (the old group comes first), its text never shows.
    assert titles[1] < titles[0] < titles[2]
    assert "Basile : Réunion reportée au mois prochain" in page and "Effacé" not in page
    assert "Basile : Pansement refait ce matin, plaie propre" in page and "…" in page
    assert "1 message non lu" in page
    assert quiet.title in page and "aucun message" in page


def test_the_group_list_order_is_the_last_activity(cast):
    first = working_group(cast, cast.bureau, title="Premier")
    second = working_group(cast, cast.bureau, title="Second")
    actions.post_message(second, cast.bureau, "Un", subject="S")
    actions.post_message(first, cast.bureau, "Deux", subject="S")
    rows = list(selectors.my_groups(cast.member, cast.cpts))
    assert [g.title for g in rows] == ["Premier", "Second"]
    assert rows[0].last_body == "Deux" and rows[0].unread == 1


def test_the_group_list_takes_a_bounded_number_of_queries(client, cast):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("groups", cast)).status_code == 200
        return len(captured)

    group = working_group(cast, cast.bureau, title="Groupe 0")
    actions.post_message(group, cast.bureau, "Bonjour", subject="S")
    login(client, cast.member)
    queries()  # the first page after the login saves the user's last CPTS
    few = queries()
    for i in range(1, 6):
        group = working_group(cast, cast.bureau, title=f"Groupe {i}")
        actions.post_message(group, cast.bureau, f"Message {i}", subject="S")
    assert queries() == few  # no query per group


PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_times_as_a_conversation_list_says_them():
    now = dt.datetime(2026, 12, 7, 20, 0, tzinfo=PARIS)  # a Monday
    assert when(dt.datetime(2026, 12, 7, 18, 30, tzinfo=PARIS), now) == "18 h 30"
    assert when(dt.datetime(2026, 12, 6, 9, 0, tzinfo=PARIS), now) == "hier"
    assert when(dt.datetime(2026, 12, 3, 9, 0, tzinfo=PARIS), now) == "jeu."
    assert when(dt.datetime(2026, 11, 1, 9, 0, tzinfo=PARIS), now) == "1er nov."
    assert when(dt.datetime(2025, 12, 24, 9, 0, tzinfo=PARIS), now) == "24 déc. 2025"
    assert day_label(dt.datetime(2026, 12, 7, 8, 0, tzinfo=PARIS), now) == "Aujourd'hui"
    assert day_label(dt.datetime(2026, 12, 6, 8, 0, tzinfo=PARIS), now) == "Hier"
    assert day_label(dt.datetime(2026, 12, 3, 8, 0, tzinfo=PARIS), now) == "Jeudi 3 décembre"


def test_previews_cut_at_a_word():
    assert selectors.preview("  Bonjour\n  Inès  ") == "Bonjour Inès"
    cut = selectors.preview("mot " * 40)
    assert cut.endswith("…") and len(cut) <= selectors.PREVIEW_CHARS + 1 and "  " not in cut


def test_a_closed_group_shows_no_composer(client, cast):
    group = working_group(cast, cast.bureau)
    actions.post_message(group, cast.member, "Avant", subject="S")
    actions.close_group(group, cast.member)
    login(client, cast.member)
    page = client.get(url("group", cast, group_id=group.pk)).content.decode()
    assert 'id="composer"' not in page and "lecture seule" in page


def test_direct_messages_list_the_last_words_too(client, cast):
    actions.start_conversation(cast.cpts, cast.member, [cast.bureau], "Planning", "Qui garde samedi ?")
    login(client, cast.bureau)
    page = client.get(url("conversations", cast)).content.decode()
    assert "Marie : Qui garde samedi ?" in page and "1 message non lu" in page
