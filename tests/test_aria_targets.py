"""Every reference between elements of a page points to an element that exists: ``aria-describedby``,
``aria-labelledby``, ``aria-controls`` and ``label[for]``. The demo (seed_demo) is crawled with the
Django test client as each of its roles and as a visitor: the main pages of each role (the list of the
360 px test), then every page they link to (one page per URL name, two links deep), so that the forms
behind the buttons (« Nouvelle actualité », « Ajouter un événement »…) are rendered too. A failure names
the page, the element and the missing id.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse

from accounts.models import User
from cpts.models import CPTS
from cpts.roles import PAGE_ACCESS
from tests.browser.test_phone_width import DEMO_ROLES, pages_for
from tests.cast import PASSWORD, login

pytestmark = pytest.mark.django_db

REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls")
# Links not followed: they leave the page's HTML (files, exports, feeds) or end the session.
SKIPPED_NAMES = {
    "accounts:logout",
    "cpts:audit_export",
    "aci:report_pdf",
    "aci:report_xlsx",
    "aci:evidence_download",
    "agenda:ical",
    "documents:download",
    "documents:preview",
    "cpts:territory_geojson",
    "gpmatching:map_data",
    "healthz",
}
DEPTH = 2


class References(HTMLParser):
    """The ids of a page and the references to ids, with the element that makes each reference."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.references: list[tuple[str, str, str]] = []  # (attribute, id, element)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        element = f"<{tag}" + "".join(f' {k}="{v}"' for k, v in attrs if k in ("id", "name", "class")) + ">"
        for attribute in REFERENCES:
            for target in (values.get(attribute) or "").split():
                self.references.append((attribute, target, element))
        if tag == "label" and values.get("for") is not None:
            self.references.append(("label for", values["for"], element))
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])

    handle_startendtag = handle_starttag

    def missing(self) -> list[str]:
        return [
            f"{element} {attribute}={target!r}"
            for attribute, target, element in self.references
            if target not in self.ids
        ]


def url_name(url: str) -> str | None:
    parts = urlsplit(url)
    if (
        parts.scheme
        or parts.netloc
        or not parts.path.startswith("/")
        or parts.path.startswith(("/static/", "/media/"))
    ):
        return None
    try:
        return resolve(parts.path).view_name
    except Resolver404:
        return None


def crawl(client, start: list[str]) -> tuple[int, list[str]]:
    """Pages seen and the broken references found, from ``start`` and ``DEPTH`` links further."""
    seen_names: set[str] = set()
    seen_urls: set[str] = set()
    problems: list[str] = []
    frontier, pages = list(start), 0
    for _ in range(DEPTH + 1):
        following = []
        for url in frontier:
            name = url_name(url)
            if (
                url in seen_urls
                or name is None
                or name in SKIPPED_NAMES
                or "GET" not in PAGE_ACCESS.get(name, {})
            ):
                continue
            # The start pages are all rendered; further down, one page per URL name is enough.
            if url not in start and name in seen_names:
                continue
            seen_urls.add(url)
            seen_names.add(name)
            response = client.get(url)
            if response.streaming or response.status_code != 200:
                continue
            if not response["Content-Type"].startswith("text/html"):
                continue
            pages += 1
            parser = References()
            parser.feed(response.content.decode())
            problems += [f"{url} ({name}): {m}" for m in parser.missing()]
            following += parser.links
        frontier = following
    return pages, problems


def test_every_aria_and_label_reference_of_the_demo_points_to_an_existing_id(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    cpts = CPTS.objects.get(slug="cpts-bugey-sud")
    pages, problems = 0, []
    public = [
        reverse("accounts:login"),
        reverse("accounts:register"),
        reverse("accounts:password_reset"),
        reverse("gpmatching:public_form", args=[cpts.slug]),
    ]
    seen, found = crawl(client, public)
    pages, problems = pages + seen, problems + [f"visiteur {p}" for p in found]
    for local in DEMO_ROLES:
        user = User.objects.get(email=f"{local}@demo.opencpts.test")
        user.set_password(PASSWORD)  # the demo's own password is random
        user.save(update_fields=["password"])
        client.logout()
        login(client, user)
        seen, found = crawl(client, pages_for(user, cpts))
        pages, problems = pages + seen, problems + [f"{local} {p}" for p in found]
    assert pages >= 100
    problems = sorted(set(problems))
    assert not problems, f"{len(problems)} references to ids that do not exist:\n" + "\n".join(problems)


def test_a_field_with_help_and_errors_is_described_by_both():
    from django import forms
    from django.template.loader import render_to_string

    class Form(forms.Form):
        name = forms.CharField(label="Nom", help_text="Tel qu'inscrit au RPPS.")
        kind = forms.ChoiceField(
            label="Type",
            choices=[("a", "Annonce"), ("b", "Événement")],
            widget=forms.RadioSelect,
            help_text="Un seul.",
        )

    page = References()
    page.feed(render_to_string("_form.html", {"form": Form(data={})}))
    assert not page.missing()
    described = {
        (attribute, target) for attribute, target, element in page.references if "id_name" in element
    }
    assert described == {("aria-describedby", "id_name_helptext"), ("aria-describedby", "id_name_error")}
    fieldset = [target for attribute, target, element in page.references if element.startswith("<fieldset")]
    assert fieldset == ["id_kind_helptext", "id_kind_error"]


def test_a_form_sent_back_with_errors_still_points_to_existing_ids(client, cast):
    login(client, cast.coordinator)
    response = client.post(reverse("news:create", args=[cast.cpts.slug]), {"kind": "event", "title": ""})
    assert response.status_code == 200
    page = References()
    page.feed(response.content.decode())
    errors = [target for attribute, target, element in page.references if target.endswith("_error")]
    assert errors and not page.missing(), page.missing()
