"""The page shell on the demo (templates/base.html, cpts/navigation.py, static/js/shell.js): on a phone a
bottom bar with the role's destinations and a « Menu » drawer grouped by theme that Escape closes; on a
desktop the same menu as a sidebar; at 360 px every role's home keeps the bottom bar in view without sideways
scrolling or hiding the end of the page; without JavaScript « Menu » is a page."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from cpts.models import CPTS
from tests.browser.conftest import browser, log_in  # noqa: F401 - the shared Chromium fixtures
from tests.cast import PASSWORD, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
BARS = {
    "medecin": ["Aujourd'hui", "Messages", "Soins non programmés", "Annuaire", "Menu"],
    "coordination": ["Aujourd'hui", "Messages", "Médecin traitant", "Contrat ACI", "Menu"],
}
GROUPS = {
    "medecin": ["Au quotidien", "Patients et soins", "Vie de la CPTS", "Mon compte"],
    "coordination": ["Au quotidien", "Patients et soins", "Vie de la CPTS", "Pilotage", "Mon compte"],
}
HOME_ROLES = ["coordination", "bureau", "medecin", "partenaire", "ars"]


@pytest.fixture
def demo(live_server, communes_loaded, settings, tmp_path):  # noqa: F811
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    return CPTS.objects.get(slug="cpts-bugey-sud")


def demo_user(local: str) -> User:
    user = User.objects.get(email=f"{local}@demo.opencpts.test")
    user.set_password(PASSWORD)  # the demo's own password is random
    user.save(update_fields=["password"])
    TOTPDevice.objects.filter(user=user).update(last_t=-1)  # a second login within one 30 s step
    return user


def bar_labels(page) -> list[str]:
    bar = page.get_by_role("navigation", name="Navigation principale")
    return [t.strip() for t in bar.locator(".bar-label").all_inner_texts()]


def test_phone_bottom_bar_and_menu_drawer_then_desktop_sidebar(browser, live_server, demo):  # noqa: F811
    from playwright.sync_api import expect

    for local in ("medecin", "coordination"):
        user = demo_user(local)
        context = browser.new_context(locale="fr-FR", viewport=PHONE)
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            log_in(page, live_server.url, user, totp_code(user))
            page.goto(live_server.url + reverse("cpts:home", args=[demo.slug]))
            bar = page.get_by_role("navigation", name="Navigation principale")
            assert bar.is_visible() and bar_labels(page) == BARS[local], local
            current = bar.locator("[aria-current=page]")
            assert current.count() == 1 and current.inner_text().strip() == "Aujourd'hui"
            assert not page.locator(".sidebar").is_visible()

            # « Menu » opens the drawer, grouped by theme; Escape closes it and gives the focus back.
            menu = bar.get_by_role("button", name="Menu")
            assert menu.get_attribute("aria-expanded") == "false"
            menu.click()
            drawer = page.get_by_role("dialog", name="CPTS Bugey Sud")
            drawer.wait_for()
            assert menu.get_attribute("aria-expanded") == "true"
            headings = [h.strip() for h in drawer.locator(".menu-group-title").all_inner_texts()]
            assert [h.lower() for h in headings] == [g.lower() for g in GROUPS[local]], local
            assert drawer.get_by_role("link", name="Annuaire").is_visible()
            assert drawer.get_by_role("button", name="Se déconnecter").is_visible()
            assert page.evaluate("document.getElementById('nav-drawer').contains(document.activeElement)")
            page.keyboard.press("Escape")
            drawer.wait_for(state="hidden")
            expect(menu).to_have_attribute("aria-expanded", "false")  # the dialog's close event comes after
            page.wait_for_function("document.activeElement.closest('.bottombar') !== null")

            # The drawer leads somewhere: the directory, the bar then marks it as the current section.
            menu.click()
            drawer.get_by_role("link", name="Annuaire").click()
            page.wait_for_url(f"**{reverse('directory:search', args=[demo.slug])}")
            if local == "medecin":
                assert bar.locator("[aria-current=page]").inner_text().strip() == "Annuaire"

            # A desktop: the same menu as a sidebar, no bottom bar.
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(live_server.url + reverse("cpts:home", args=[demo.slug]))
            sidebar = page.get_by_role("navigation", name="Menu", exact=True)
            assert sidebar.is_visible() and not bar.is_visible()
            headings = [h.strip() for h in sidebar.locator(".menu-group-title").all_inner_texts()]
            assert [h.lower() for h in headings] == [g.lower() for g in GROUPS[local]]
            assert sidebar.get_by_role("link", name="Offre de soins du territoire").count() == (
                1 if local == "coordination" else 0
            )
            assert not page.get_by_role("button", name="Menu").is_visible()
        finally:
            context.close()


def test_every_role_home_keeps_the_bottom_bar_at_360px_without_sideways_scroll(
    browser,  # noqa: F811
    live_server,
    demo,
):
    problems = []
    for local in HOME_ROLES:
        user = demo_user(local)
        context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            log_in(page, live_server.url, user, totp_code(user))
            for url in (reverse("cpts:home", args=[demo.slug]), reverse("cpts:menu", args=[demo.slug])):
                page.goto(live_server.url + url)
                bar = page.locator(".bottombar")
                if not bar.is_visible():
                    problems.append(f"{local} {url}: no bottom bar")
                    continue
                width = page.evaluate("document.scrollingElement.scrollWidth")
                if width > 360:
                    problems.append(f"{local} {url}: {width}px wide")
                # Scrolled to the end, the footer ends above the bar: the bar hides nothing.
                page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
                gap = page.evaluate(
                    "document.querySelector('.bottombar').getBoundingClientRect().top"
                    " - document.querySelector('.footer').getBoundingClientRect().bottom"
                )
                if gap < -0.5:
                    problems.append(f"{local} {url}: the bar covers {-gap}px of the page")
                small = page.evaluate(
                    "[...document.querySelectorAll('.bottombar a, .bottombar button, .topbar .iconbtn')]"
                    ".filter(e => { const r = e.getBoundingClientRect();"
                    " return r.width < 44 || r.height < 44; })"
                    ".map(e => e.textContent.trim())"
                )
                if small:
                    problems.append(f"{local} {url}: targets under 44 px: {small}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_without_javascript_the_menu_button_leads_to_the_menu_page(browser, live_server, demo):  # noqa: F811
    user = demo_user("medecin")
    context = browser.new_context(locale="fr-FR", viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, user, totp_code(user))
        page.goto(live_server.url + reverse("cpts:home", args=[demo.slug]))
        page.get_by_role("navigation", name="Navigation principale").get_by_role(
            "button", name="Menu"
        ).click()
        page.wait_for_url(f"**{reverse('cpts:menu', args=[demo.slug])}*")
        menu = page.get_by_role("navigation", name="Menu complet")
        assert menu.get_by_role("link", name="Mes créneaux").is_visible()
        assert menu.get_by_role("link", name="Offre de soins du territoire").count() == 0
    finally:
        context.close()
