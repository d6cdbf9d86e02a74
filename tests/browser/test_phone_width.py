"""On a 360 px wide phone, no page of the application scrolls sideways: the demo (seed_demo) is walked as each
of its roles, one browser session per role, over the main pages that role may open (cpts/roles.py
PAGE_ACCESS), a care circle and its tabs included. A failure names the page and the elements that stick
out."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from coordination.models import Group, GroupMember
from cpts.models import CPTS
from cpts.roles import AUTHENTICATED, PAGE_ACCESS, role_has
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.cast import PASSWORD, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 360
DEMO_ROLES = ["coordination", "bureau", "medecin", "partenaire", "ars"]  # the demo's accounts inside its CPTS
# The main pages, by URL name, needing only the CPTS's slug (or nothing).
MAIN_PAGES = [
    "home",
    "cpts:home",
    "cpts:territory",
    "cpts:members",
    "cpts:bureau",
    "cpts:dues",
    "cpts:structures",
    "cpts:reports",
    "cpts:audit",
    "coordination:groups",
    "coordination:conversations",
    "agenda:mine",
    "news:feed",
    "directory:search",
    "directory:offer",
    "diagnostic:cpts",
    "unscheduled:search",
    "unscheduled:mine",
    "unscheduled:indicators",
    "gpmatching:waiting_list",
    "gpmatching:matching",
    "gpmatching:dashboard",
    "gpmatching:my_capacity",
    "gpmatching:my_proposals",
    "aci:cockpit",
    "aci:contract",
    "aci:indicators",
    "aci:schedule",
    "aci:payments",
    "aci:budget",
    "aci:expenses",
    "aci:report",
    "notifications:list",
    "notifications:preferences",
    "accounts:security",
    "directory:my_profile",
]
# A care circle and its tabs (for the roles that are members of one).
CIRCLE_PAGES = ["coordination:group", "coordination:history", "agenda:group", "agenda:timeline"]

# The elements that stick out of the viewport and are not inside a container scrolling (or clipping) sideways,
# the innermost ones first: what widens the page.
OFFENDERS = """(width) => {
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [...document.body.querySelectorAll('*')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > width + 0.5 && !clipped(el);
  });
  const innermost = out.filter((el) => !out.some((o) => o !== el && el.contains(o)));
  return innermost.slice(0, 5).map((el) => {
    const r = el.getBoundingClientRect();
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    return `${name} (right ${Math.round(r.right)}px) « ${(el.textContent || '').trim().slice(0, 40)} »`;
  });
}"""


def allowed(name: str, role: str) -> bool:
    rule = PAGE_ACCESS[name]["GET"]
    return rule == AUTHENTICATED or role_has(role, rule)


def circle_document(circle: Group):
    from documents.models import Document

    return Document.objects.filter(group=circle).order_by("pk").first()


def detail_pages(role: str, cpts: CPTS) -> list[str]:
    """One item of each main list: a news post, a professional of the directory (and a search with results),
    an ACI indicator."""
    from aci.models import Indicator
    from directory.models import Professional
    from news.models import Post

    urls = []
    post = Post.objects.filter(cpts=cpts).order_by("pk").first()
    if post is not None and allowed("news:post", role):
        urls.append(reverse("news:post", args=[cpts.slug, post.pk]))
    pro = Professional.objects.filter(places__commune__territory_link__cpts=cpts).order_by("pk").first()
    if pro is not None and allowed("directory:professional", role):
        urls.append(reverse("directory:professional", args=[cpts.slug, pro.pk]))
        urls.append(reverse("directory:search", args=[cpts.slug]) + "?where=Belley&profession=10")
    indicator = Indicator.objects.filter(contract__cpts=cpts).order_by("pk").first()
    if indicator is not None and allowed("aci:indicator", role):
        urls.append(reverse("aci:indicator", args=[cpts.slug, indicator.pk]))
    return urls


def pages_for(user: User, cpts: CPTS) -> list[str]:
    role = user.memberships.get(cpts=cpts).role
    urls = [
        reverse(name)
        if name
        in (
            "home",
            "notifications:list",
            "notifications:preferences",
            "accounts:security",
            "directory:my_profile",
        )
        else reverse(name, args=[cpts.slug])
        for name in MAIN_PAGES
        if allowed(name, role)
    ]
    urls += detail_pages(role, cpts)
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
        urls += [reverse(name, kwargs={"slug": cpts.slug, "group_id": circle.pk}) for name in CIRCLE_PAGES]
        document, event = circle_document(circle), circle.agenda_events.order_by("pk").first()
        if document is not None:
            urls.append(reverse("documents:detail", args=[cpts.slug, circle.pk, document.pk]))
        if event is not None:
            urls.append(reverse("agenda:event", args=[cpts.slug, circle.pk, event.pk]))
    return urls


def test_no_page_scrolls_sideways_on_a_360px_phone_for_any_demo_role(
    browser,  # noqa: F811
    live_server,
    communes_loaded,  # noqa: F811
    settings,
    tmp_path,
):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    cpts = CPTS.objects.get(slug="cpts-bugey-sud")
    problems, seen = [], 0
    for local in DEMO_ROLES:
        user = User.objects.get(email=f"{local}@demo.opencpts.test")
        user.set_password(PASSWORD)  # the demo's own password is random
        user.save(update_fields=["password"])
        urls = pages_for(user, cpts)
        context = browser.new_context(locale="fr-FR", viewport={"width": WIDTH, "height": 780})
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            log_in(page, live_server.url, user, totp_code(user))
            for url in urls:
                response = page.goto(live_server.url + url)
                # 403 for the GP's own pages when the account is not a GP: that page must fit too.
                assert response is not None and response.status in (200, 403), (
                    local,
                    url,
                    response and response.status,
                )
                seen += 1
                width = page.evaluate("document.scrollingElement.scrollWidth")
                if width > WIDTH:
                    problems.append(f"{local} {url}: {width}px wide; {page.evaluate(OFFENDERS, WIDTH)}")
        finally:
            context.close()
    assert seen >= 60
    assert not problems, "Pages wider than a 360 px phone:\n" + "\n".join(problems)
