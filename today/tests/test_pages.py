"""The « Aujourd'hui » page (cpts:home) through the real login: each role's blocks and none of the others', an
empty block said in one line, the links each block leads to, and the audit entries of what shows a patient's
data."""

import datetime as dt
import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agenda.timing import PARIS
from audit.models import AuditEntry
from coordination import actions as coordination
from coordination.tests.helpers import circle_with_consent
from tests.cast import login
from unscheduled.models import Booking, Slot
from unscheduled.tests.conftest import make_world

pytestmark = pytest.mark.django_db

COORDINATION = ["gp-queue", "membership", "no-contract", "unfilled", "off-track", "deadlines"]
PROFESSIONAL = ["bookings", "unread", "proposals", "events"]


def home(client, cast, user) -> str:
    login(client, user)
    response = client.get(reverse("cpts:home", args=[cast.cpts.slug]))
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def blocks(page: str) -> list[str]:
    return re.findall(r'data-block="([^"]+)"', page)


def test_a_member_sees_their_blocks_and_never_the_coordinations(client, cast):
    world = make_world(cast)
    start = dt.datetime.combine(timezone.localdate(), dt.time(18, 30), tzinfo=PARIS)
    slot = Slot.objects.create(
        cpts=cast.cpts,
        professional=world.gp,
        place=world.gp_place,
        start=start,
        end=start + dt.timedelta(minutes=20),
        created_by=cast.member,
        show_cpts=True,
        status=Slot.Status.BOOKED,
    )
    booking = Booking.objects.create(
        cpts=cast.cpts,
        slot=slot,
        family_name="Dupuis",
        given_names="Léa",
        motif="Otite",
        booked_by=cast.partner,
    )
    page = home(client, cast, cast.member)
    assert "<h1>Aujourd'hui</h1>" in page
    assert sorted(blocks(page)) == sorted(PROFESSIONAL)
    assert blocks(page)[0] == "bookings"  # what needs the person comes first
    assert "18 h 30" in page and "DUPUIS Léa" in page
    assert reverse("unscheduled:booking", args=[cast.cpts.slug, booking.pk]) in page
    assert "Publier des créneaux" in page and reverse("unscheduled:publish", args=[cast.cpts.slug]) in page
    # Empty blocks in one line each.
    assert "Aucun message non lu." in page and "Aucun événement dans les 7 prochains jours." in page
    assert "Aucun patient en attente de votre réponse." in page
    # The booking's patient is on the page: traced.
    entry = AuditEntry.objects.filter(object_type="unscheduled.booking", action="view").latest("pk")
    assert entry.details["booking_ids"] == [booking.pk] and entry.details["page"] == "aujourd'hui"


def test_a_member_without_bookings_reads_one_line_and_the_publish_shortcut(client, cast):
    make_world(cast)
    page = home(client, cast, cast.member)
    assert "Aucun rendez-vous aujourd'hui ni demain." in page
    assert "Publier des créneaux" in page


def test_the_preview_of_an_unread_message_is_traced_per_group(client, cast):
    circle = circle_with_consent(cast, cast.bureau, family_name="APERCU")
    coordination.post_message(
        circle, cast.bureau, "Tension 13/8 ce matin, traitement inchangé.", subject="Suivi"
    )
    page = home(client, cast, cast.member)
    assert "Basile : Tension 13/8 ce matin, traitement inchangé." in page
    assert reverse("coordination:group", args=[cast.cpts.slug, circle.pk]) in page
    assert AuditEntry.objects.filter(
        object_type="coordination.group", object_id=str(circle.pk), action="view", details__page="aujourd'hui"
    ).exists()
    # The coordinator manages the circle without reading it: no preview, no trace.
    other = home(client, cast, cast.coordinator)
    assert "Tension 13/8" not in other and "APERCU" not in other


def test_the_coordinator_sees_the_coordination_blocks_first(client, cast):
    page = home(client, cast, cast.coordinator)
    found = blocks(page)
    assert set(COORDINATION) - {"off-track", "deadlines"} <= set(found)
    assert "reports" not in found and "proposals" not in found and "bookings" not in found
    assert "Aucune demande d'adhésion en attente." in page
    assert "Aucun contrat ACI enregistré." in page


def test_a_referent_sees_the_reports_and_nothing_of_the_care(client, cast):
    page = home(client, cast, cast.referent)
    assert blocks(page) == ["reports", "no-contract"]  # the empty one last
    assert reverse("gpmatching:dashboard", args=[cast.cpts.slug]) in page
    assert reverse("aci:report", args=[cast.cpts.slug]) in page
    assert "Publier des créneaux" not in page


def test_the_territory_is_a_link_away(client, cast):
    page = home(client, cast, cast.member)
    assert reverse("cpts:territory", args=[cast.cpts.slug]) in page
    assert 'data-testid="population"' not in page and "data-geojson" not in page


def test_an_instance_administrator_gets_one_line_and_the_territory(client, cast):
    page = home(client, cast, cast.admin)
    assert blocks(page) == [] and "Rien ne vous attend ici aujourd'hui." in page
    assert reverse("cpts:territory", args=[cast.cpts.slug]) in page
