"""The menu (cpts/navigation.py): every page of the README is in the menu of each role allowed to open it,
no entry leads to a page the role may not open, and the phone's bottom bar holds each role's daily
destinations."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve, reverse

from coordination import actions as coordination
from cpts import navigation
from cpts.roles import AUTHENTICATED, PAGE_ACCESS, PUBLIC, ROLE_PERMISSIONS, STAFF, Role
from tests.cast import login

ALL_CONDITIONS = {"physician", "several_cpts"}

# The pages a person opens from the menu, by URL name: those of the README's « What is there » (found below
# from its paths, plus the ones it names by their label) and the main pages of each area.
MAIN_PAGES = {
    "cpts:home",
    "cpts:territory",
    "cpts:members",
    "cpts:requests",
    "cpts:dues",
    "cpts:bureau",
    "cpts:structures",
    "cpts:audit",
    "cpts:reports",
    "cpts:settings",
    "cpts:list",
    "directory:search",
    "directory:offer",
    "diagnostic:cpts",
    "directory:my_profile",
    "coordination:groups",
    "coordination:conversations",
    "coordination:settings",
    "agenda:mine",
    "news:feed",
    "notifications:list",
    "notifications:preferences",
    "unscheduled:search",
    "unscheduled:mine",
    "unscheduled:indicators",
    "gpmatching:waiting_list",
    "gpmatching:new_request",
    "gpmatching:my_proposals",
    "gpmatching:my_capacity",
    "gpmatching:dashboard",
    "aci:cockpit",
    "aci:simulator",
    "accounts:security",
    "accounts:api_tokens",
    "admin:index",
    "jobs:status",
    "docgen:list",
    "privacy:requests",
    "privacy:registre",
    "privacy:contact",
    "privacy:tasks",
    "privacy:notice_professionals",
    "projects:list",
    "oversight:referents",
}
# README paths reached from a page of the menu rather than from the menu itself.
REACHED_FROM_A_PAGE = {
    "home": "redirects to the user's CPTS",
    "diagnostic:datasets": "reached from a diagnostic (« Données importées »)",
    "oversight:home": "in the menu of active ARS and CPAM referents only (a condition, not a permission)",
}
# Entries a role allowed to open the page does not get, and why (the rule is the item's, in navigation.py).
NARROWED = {
    "gpmatching:new_request": (
        lambda perms: "cpts.manage_gp_requests" in perms,
        "the coordination reaches it from the waiting list",
    ),
    "aci:simulator": (
        lambda perms: "cpts.view_contract" not in perms,
        "shown to those who read the contract",
    ),
}


def readme_pages() -> set[str]:
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    table = text.split("## What is there", 1)[1].split("\n## ", 1)[0]
    names = set()
    for path in re.findall(r"`(/[^`\s]*)`", table):
        path = path.split("?", 1)[0]
        if path.startswith(("/api/", "/fhir/")):
            continue
        name = resolve(path).view_name
        if name in PAGE_ACCESS and PAGE_ACCESS[name].get("GET") not in (PUBLIC, None):
            names.add(name)
    return names


def allowed(name: str, permissions: set[str], is_staff: bool = False) -> bool:
    rule = PAGE_ACCESS[name]["GET"]
    if rule in (PUBLIC, AUTHENTICATED):
        return True
    if rule == STAFF:
        return is_staff
    return rule in permissions


def menu_names(permissions, is_staff=False, conditions=ALL_CONDITIONS):
    return {item.url_name for item in navigation.menu(permissions, conditions, is_staff)}


def test_the_items_are_sound():
    assert navigation.check() == []


def test_the_readme_pages_are_main_pages():
    found = readme_pages()
    assert {"directory:search", "directory:offer", "agenda:mine", "news:feed", "unscheduled:mine"} <= found
    assert found - MAIN_PAGES - set(REACHED_FROM_A_PAGE) == set(), "a README page missing from MAIN_PAGES"


@pytest.mark.parametrize("role", list(Role.values))
def test_each_role_reaches_from_the_menu_every_main_page_it_may_open(role):
    perms = set(ROLE_PERMISSIONS[role])
    expected = {
        name
        for name in MAIN_PAGES
        if allowed(name, perms) and not (name in NARROWED and NARROWED[name][0](perms))
    }
    assert menu_names(perms) == expected


def test_an_instance_administrator_without_membership_gets_the_account_pages_and_the_admin():
    assert menu_names(set(), is_staff=True) == {
        "notifications:list",
        "directory:my_profile",
        "accounts:security",
        "notifications:preferences",
        "accounts:api_tokens",
        "cpts:list",
        "projects:list",
        "admin:index",
        "jobs:status",
        "docgen:list",
        "oversight:referents",
    }
    assert "admin:index" not in menu_names(set(ROLE_PERMISSIONS[Role.COORDINATOR]))


def test_no_entry_leads_to_a_page_refused_to_the_role():
    for role, perms in ROLE_PERMISSIONS.items():
        for item in navigation.menu(set(perms), ALL_CONDITIONS):
            assert allowed(item.url_name, set(perms)), (role, item.url_name)


def test_conditions_narrow_the_gp_pages_to_physicians_and_the_switcher_to_several_cpts():
    perms = set(ROLE_PERMISSIONS[Role.MEMBER])
    plain = menu_names(perms, conditions=set())
    assert "gpmatching:my_proposals" not in plain and "gpmatching:my_capacity" not in plain
    assert "cpts:list" not in plain
    assert {"gpmatching:my_proposals", "gpmatching:my_capacity", "cpts:list"} <= menu_names(perms)


@pytest.mark.parametrize(
    "role, bar",
    [
        (Role.MEMBER, ["Aujourd'hui", "Messages", "Soins non programmés", "Annuaire"]),
        (Role.BUREAU, ["Aujourd'hui", "Messages", "Soins non programmés", "Annuaire"]),
        (Role.PARTNER, ["Aujourd'hui", "Messages", "Soins non programmés", "Annuaire"]),
        (Role.COORDINATOR, ["Aujourd'hui", "Messages", "Médecin traitant", "Contrat ACI"]),
        (Role.REFERENT, ["Aujourd'hui", "Contrat ACI", "Rapports", "Médecin traitant"]),
        (Role.GUEST, ["Messages"]),
    ],
)
def test_the_bottom_bar_holds_the_daily_destinations_of_the_role(role, bar):
    perms = set(ROLE_PERMISSIONS[role])
    items = navigation.bottom_bar(navigation.menu(perms, ALL_CONDITIONS), perms)
    assert [i.bar_label for i in items] == bar
    if role == Role.REFERENT:
        assert [i.url_name for i in items][-1] == "gpmatching:dashboard"


def test_the_current_entry_follows_the_section():
    perms = set(ROLE_PERMISSIONS[Role.MEMBER])
    items = navigation.menu(perms, ALL_CONDITIONS)
    bar = navigation.bottom_bar(items, perms)
    assert navigation.current(items, "coordination:conversations").url_name == "coordination:conversations"
    assert navigation.current(bar, "coordination:conversations").url_name == "coordination:groups"
    assert navigation.current(bar, "agenda:timeline").url_name == "coordination:groups"
    assert navigation.current(bar, "directory:professional").url_name == "directory:search"
    assert navigation.current(bar, "news:feed") is None
    assert navigation.current(bar, None) is None


# --- The shell in pages -------------------------------------------------------------------------------


def test_a_page_shows_the_bottom_bar_the_grouped_menu_and_the_unread_count(client, cast):
    group, _, _ = coordination.start_conversation(cast.cpts, cast.bureau, [cast.member], "Sujet", "Texte")
    login(client, cast.member)
    page = client.get(reverse("directory:search", args=[cast.cpts.slug])).content.decode()
    bar = page.split('<nav class="bottombar" aria-label="Navigation principale">', 1)[1].split("</nav>", 1)[0]
    labels = re.findall(r'<span class="bar-label">([^<]+)</span>', bar)
    assert labels == ["Aujourd&#x27;hui", "Messages", "Soins non programmés", "Annuaire", "Menu"]
    annuaire = re.search(r'<a href="([^"]+)"( aria-current="page")?>(?:(?!</a>).)*Annuaire', bar, re.S)
    assert annuaire.group(1) == reverse("directory:search", args=[cast.cpts.slug]) and annuaire.group(2)
    assert bar.count('aria-current="page"') == 1
    assert '1<span class="sr-only"> message non lu</span>' in bar  # the conversation, on « Messages »
    assert 'aria-expanded="false"' in bar and f'action="{reverse("cpts:menu", args=[cast.cpts.slug])}"' in bar
    for group_label in ("Au quotidien", "Patients et soins", "Vie de la CPTS", "Mon compte"):
        assert f">{group_label}</h2>" in page
    assert "Pilotage</h2>" not in page  # a professional reads no report nor contract
    assert 'id="nav-drawer"' in page and "Offre de soins" not in page  # directory:offer needs view_reports


def test_the_menu_page_works_without_javascript_for_every_member_and_falls_back_for_others(client, cast):
    url = reverse("cpts:menu", args=[cast.cpts.slug])
    login(client, cast.referent)
    page = client.get(url).content.decode()
    menu = page.split('aria-label="Menu complet"', 1)[1].split("</nav>", 1)[0]
    assert "Contrat ACI" in menu and "Rapports" in menu and "Offre de soins du territoire" in menu
    assert "Soins non programmés</span>" not in menu and "Se déconnecter" in menu
    client.logout()
    login(client, cast.outsider)  # no CPTS: the account's own pages
    response = client.get(url)
    menu = response.content.decode().split('aria-label="Menu complet"', 1)[1].split("</nav>", 1)[0]
    assert response.status_code == 200 and "Sécurité" in menu and "Annuaire" not in menu
    assert client.get(reverse("cpts:menu", args=["inconnue"])).status_code == 404


def test_an_account_page_keeps_the_menu_of_the_last_cpts(client, cast):
    login(client, cast.coordinator)
    client.get(reverse("cpts:home", args=[cast.cpts.slug]))
    page = client.get(reverse("accounts:security")).content.decode()
    assert '<span class="bar-label">Contrat ACI</span>' in page and cast.cpts.name in page
    assert re.search(r'href="/compte/securite/" aria-current="page"', page)
