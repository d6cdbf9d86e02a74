"""axe-core on the main pages of each role: no critical or serious violation.

The demo (seed_demo) is opened in Chromium as a visitor (login page, public médecin-traitant form, privacy
notices) and as the GP (medecin@), the coordinator (coordination@, with a rights request of the demo's CPTS)
and the ARS referent (ars@), one browser context and one login per role. On each page axe-core (the pinned
npm package, tests/browser/axe_core.py) runs with its default rules; a failure lists, per page, each rule
with its impact and the first elements it names.
"""

import pytest
from django.core.management import call_command
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import User
from coordination.models import Group, GroupMember
from cpts.models import CPTS
from privacy import actions as privacy_actions
from privacy.models import RightsRequest
from tests.browser import axe_core
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.browser.test_phone_width import allowed
from tests.cast import PASSWORD, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = ("critical", "serious")
ROLES = ["medecin", "coordination", "ars"]
# The main pages, by URL name (with the CPTS's slug unless listed in NO_SLUG), opened by the roles allowed.
PAGES = [
    "home",
    "cpts:home",
    "coordination:groups",
    "unscheduled:mine",
    "unscheduled:search",
    "directory:search",
    "gpmatching:my_proposals",
    "gpmatching:my_capacity",
    "gpmatching:waiting_list",
    "gpmatching:dashboard",
    "aci:cockpit",
    "cpts:reports",
    "diagnostic:cpts",
    "news:feed",
    "agenda:mine",
    "notifications:list",
    "accounts:security",
    "privacy:contact",
    "privacy:registre",
    "privacy:requests",
    "privacy:new_request",
    "privacy:tasks",
]
NO_SLUG = {"home", "notifications:list", "accounts:security"}
# The visitor's pages: login, the public médecin-traitant form, the privacy notices.
PUBLIC_PAGES = [
    "gpmatching:public_form",
    "privacy:notice_patients",
    "privacy:notice_professionals",
    "privacy:notice_public",
]
# Violations waiting for their owner's fix, by (URL name, axe rule), with the reason: each must leave the list
# once fixed (the test fails when a listed violation no longer occurs). Empty since issue 16.
AWAITING: dict[tuple[str, str], str] = {}
GP_ONLY = {"gpmatching:my_proposals", "gpmatching:my_capacity"}  # a GP's own pages (403 for other accounts)

# Runs axe on the document and keeps the blocking violations, each with its first elements.
RUN_AXE = """async (impacts) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter((v) => impacts.includes(v.impact)).map((v) => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ' ' + n.html.slice(0, 120)),
    count: v.nodes.length,
  }));
}"""


def urls_for(user: User | None, cpts: CPTS) -> list[str]:
    if user is None:
        return [
            reverse("accounts:login"),
            reverse("privacy:notices"),
            *(reverse(name, args=[cpts.slug]) for name in PUBLIC_PAGES),
        ]
    role = user.memberships.get(cpts=cpts).role
    urls = [
        reverse(name) if name in NO_SLUG else reverse(name, args=[cpts.slug])
        for name in PAGES
        if allowed(name, role) and (name not in GP_ONLY or user.email.startswith("medecin@"))
    ]
    if allowed("privacy:request", role):
        rights = RightsRequest.objects.filter(cpts=cpts).order_by("pk").first()
        urls.append(reverse("privacy:request", kwargs={"slug": cpts.slug, "request_id": rights.pk}))
    circle = (
        Group.objects.filter(
            cpts=cpts,
            kind=Group.Kind.CARE_CIRCLE,
            members__user=user,
            members__status=GroupMember.Status.ACTIVE,
        )
        .order_by("pk")
        .first()
    )
    if circle is not None:
        urls.append(reverse("coordination:group", kwargs={"slug": cpts.slug, "group_id": circle.pk}))
    return urls


def violations_of(page, name: str, awaited: set) -> list[str]:
    """The blocking violations of the page, those of AWAITING aside (noted in ``awaited``)."""
    found = page.evaluate(RUN_AXE, list(BLOCKING))
    awaited.update((name, v["rule"]) for v in found if (name, v["rule"]) in AWAITING)
    return [
        f"  {v['rule']} ({v['impact']}, {v['count']} éléments) : {v['help']}\n"
        + "\n".join(f"      {node}" for node in v["nodes"])
        for v in found
        if (name, v["rule"]) not in AWAITING
    ]


def test_main_pages_of_each_role_have_no_serious_axe_violation(
    browser,  # noqa: F811
    live_server,
    communes_loaded,  # noqa: F811
    settings,
    tmp_path,
):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    cpts = CPTS.objects.get(slug="cpts-bugey-sud")
    # A rights request (« Droits des personnes ») to show its page to the coordination.
    privacy_actions.open_request(
        cpts,
        User.objects.get(email="coordination@demo.opencpts.test"),
        kind=RightsRequest.Kind.ACCESS,
        requester="Jeanne Démo",
        received_on=timezone.localdate(),
    )
    source = axe_core.script()
    report, seen, awaited = [], 0, set()
    for local in [None, *ROLES]:
        user = None
        if local is not None:
            user = User.objects.get(email=f"{local}@demo.opencpts.test")
            user.set_password(PASSWORD)  # the demo's own password is random
            user.save(update_fields=["password"])
        context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
        context.add_init_script(script=source)  # in every page, before its own scripts (not subject to CSP)
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            if user is not None:
                log_in(page, live_server.url, user, totp_code(user))
            for url in urls_for(user, cpts):
                response = page.goto(live_server.url + url)
                assert response is not None and response.status == 200, (
                    local,
                    url,
                    response and response.status,
                )
                seen += 1
                problems = violations_of(page, resolve(url).view_name, awaited)
                if problems:
                    report.append(f"{local or 'visiteur'} {url}\n" + "\n".join(problems))
        finally:
            context.close()
    assert seen >= 30
    assert not report, "Violations axe critiques ou graves :\n" + "\n".join(report)
    fixed = sorted(set(AWAITING) - awaited)
    assert not fixed, f"Ces violations ne se produisent plus : retirez-les de AWAITING : {fixed}"
