"""The indicators page: chart, table, CSV; for coordination, bureau and referents only; bad dates
explained."""

from html import unescape

import pytest
from django.urls import reverse

from tests.cast import login
from unscheduled.tests.test_indicators import MONDAY, book, slot

pytestmark = pytest.mark.django_db


def url(cast, **query):
    from urllib.parse import urlencode

    return reverse("unscheduled:indicators", args=[cast.cpts.slug]) + (
        "?" + urlencode(query) if query else ""
    )


def test_page_chart_table_and_csv(client, world):
    s = [slot(world, MONDAY, h) for h in (9, 10)]
    book(world, s[0], "honoured", hours_before=3)
    login(client, world.cast.referent)  # the ARS / CPAM referent reads the indicators
    page = unescape(
        client.get(url(world.cast, du="2026-03-01", au="2026-03-08", par="commune")).content.decode()
    )
    assert (
        'data-chart="bar"' in page
        and "Belley" in page
        and "50 %" in page
        and "3.0 h" in page.replace(",", ".")
    )
    response = client.get(url(world.cast, du="2026-03-01", au="2026-03-08", par="commune", format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Commune;créneaux proposés;créneaux réservés")
    assert lines[1] == "Belley;2;1;0,500;1;0;3,0" and lines[-1].startswith("Total;2;1;")


def test_members_are_refused_and_bad_dates_are_explained(client, world):
    login(client, world.cast.member)
    assert client.get(url(world.cast)).status_code == 403
    client.logout()
    login(client, world.cast.coordinator)
    page = unescape(client.get(url(world.cast, du="2026-02-30", au="x")).content.decode())
    assert "Dates invalides" in page
    page = unescape(client.get(url(world.cast, du="2026-03-10", au="2026-03-01")).content.decode())
    assert "précède" in page
