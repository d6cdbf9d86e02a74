"""The menu of the platform: every destination a person reaches from the page shell, in one list.

Each ``Item`` names a page by its URL name; who sees it is not written here but read from the page's own
rule in ``cpts/roles.py:PAGE_ACCESS`` (its GET rule), so the menu never offers a page that would answer 403.
An item may narrow further with ``needs`` (a condition of the person, computed by the context processor:
``physician``, ``several_cpts``, ``referent``) or ``unless`` (a permission that makes it redundant).

The bottom bar of a phone (4 destinations + « Menu ») is derived from the same items: ``bottom`` lists
(permission, rank) pairs; the first pair whose permission the person holds gives the item's rank, and the four
visible items of lowest rank fill the bar. A professional gets Aujourd'hui, Messages, Soins non programmés,
Annuaire; a coordinator (who manages the waiting list and the contract) Aujourd'hui, Messages, Médecin
traitant, Contrat ACI; an ARS / CPAM referent Aujourd'hui, Contrat ACI, Rapports, Médecin traitant.

To add a page to the menu, add one ``Item`` line to ``ITEMS`` (the page's URL name must be in PAGE_ACCESS).
``cpts/tests/test_navigation.py`` checks that every page of the README is in the menu of each role allowed to
open it. Rendering: ``cpts/context_processors.py:navigation`` and ``templates/_shell_menu.html``.
"""

from dataclasses import dataclass, field

from cpts.roles import AUTHENTICATED, PAGE_ACCESS, PERMISSIONS, PUBLIC, STAFF

# The groups of the full menu, in order: (key, label).
GROUPS: list[tuple[str, str]] = [
    ("daily", "Au quotidien"),
    ("care", "Patients et soins"),
    ("cpts", "Vie de la CPTS"),
    ("steering", "Pilotage"),
    ("account", "Mon compte"),
]
GROUP_LABELS = dict(GROUPS)

BOTTOM_SIZE = 4  # destinations in a phone's bottom bar, « Menu » being the fifth


@dataclass(frozen=True)
class Item:
    url_name: str
    label: str
    group: str
    icon: str = "dot"  # templates/icons/<icon>.svg
    short: str = ""  # the label under the icon of the bottom bar (default: ``label``)
    bottom: tuple[
        tuple[str, int], ...
    ] = ()  # (permission, rank): in the bottom bar when the permission is held
    badge: str = ""  # a count shown beside the item: "messages", "groups", "conversations"
    bar_badge: str = ""  # the count shown in the bottom bar (default: ``badge``)
    needs: tuple[str, ...] = ()  # conditions of the person (context processor): "physician", "several_cpts"
    unless: str = ""  # a permission that makes the item redundant (the person reaches the page another way)
    sections: tuple[str, ...] = ()  # URL names or "namespace:" prefixes this item stands for (aria-current)
    cpts_scoped: bool = True  # the URL takes the CPTS's slug
    extra: tuple[str, ...] = field(default=())  # permissions needed besides the page's GET rule

    @property
    def rule(self) -> str:
        return PAGE_ACCESS[self.url_name]["GET"]

    @property
    def bar_label(self) -> str:
        return self.short or self.label


ITEMS: list[Item] = [
    # Au quotidien
    Item(
        "cpts:home", "Aujourd'hui", "daily", "home", bottom=(("cpts.view_home", 1),), sections=("cpts:home",)
    ),
    Item(
        "coordination:groups",
        "Cercles de soins et groupes",
        "daily",
        "chat",
        short="Messages",
        bottom=(("cpts.use_coordination", 2),),
        badge="groups",
        bar_badge="messages",  # groups and direct messages: the bar has no separate entry for the latter
        sections=("coordination:", "documents:", "agenda:group", "agenda:event", "agenda:timeline"),
    ),
    Item(
        "coordination:conversations",
        "Messages directs",
        "daily",
        "mail",
        badge="conversations",
        sections=("coordination:conversations", "coordination:new_conversation"),
    ),
    Item("agenda:mine", "Mon agenda", "daily", "calendar", sections=("agenda:mine", "agenda:subscription")),
    Item("news:feed", "Actualités", "daily", "news", sections=("news:",)),
    Item("notifications:list", "Notifications", "daily", "bell", cpts_scoped=False),
    # Patients et soins
    Item(
        "unscheduled:search",
        "Soins non programmés",
        "care",
        "clock",
        bottom=(("cpts.use_snp", 5),),
        sections=("unscheduled:search", "unscheduled:book", "unscheduled:booking"),
    ),
    Item(
        "unscheduled:mine",
        "Mes créneaux",
        "care",
        "slots",
        sections=("unscheduled:mine", "unscheduled:publish"),
    ),
    Item(
        "directory:search",
        "Annuaire",
        "care",
        "search",
        bottom=(("cpts.search_directory", 6),),
        sections=("directory:search", "directory:professional"),
    ),
    Item(
        "gpmatching:waiting_list",
        "Médecin traitant : liste d'attente",
        "care",
        "stethoscope",
        short="Médecin traitant",
        bottom=(("cpts.manage_gp_requests", 3),),
        sections=("gpmatching:",),
    ),
    Item(
        "gpmatching:my_proposals",
        "Patients qui me sont proposés",
        "care",
        "stethoscope",
        needs=("physician",),
        sections=("gpmatching:my_proposals", "gpmatching:request"),
    ),
    Item("gpmatching:my_capacity", "Ma capacité d'accueil", "care", "people", needs=("physician",)),
    Item("privacy:tasks", "Copies demandées par des patients", "care", "list", sections=("privacy:task",)),
    Item(
        "gpmatching:new_request",
        "Inscrire un patient sans médecin traitant",
        "care",
        "user-plus",
        unless="cpts.manage_gp_requests",  # the waiting list's own tabs lead there
    ),
    # Vie de la CPTS
    Item("cpts:territory", "Territoire", "cpts", "map"),
    Item("directory:offer", "Offre de soins du territoire", "cpts", "chart"),
    Item("diagnostic:cpts", "Diagnostic territorial", "cpts", "chart"),
    Item("cpts:members", "Adhérents", "cpts", "people"),
    Item("cpts:requests", "Demandes d'adhésion", "cpts", "user-plus"),
    Item("cpts:dues", "Cotisations", "cpts", "euro"),
    Item("cpts:bureau", "Bureau", "cpts", "people"),
    Item("cpts:structures", "Structures partenaires", "cpts", "building"),
    # Pilotage
    Item(
        "aci:cockpit",
        "Contrat ACI",
        "steering",
        "contract",
        bottom=(("cpts.manage_contract", 4), ("cpts.view_contract", 7)),
        sections=("aci:",),
    ),
    Item(
        "cpts:reports",
        "Rapports",
        "steering",
        "chart",
        bottom=(("cpts.view_reports", 8),),
        sections=("cpts:reports",),
    ),
    Item(
        "gpmatching:dashboard",
        "Médecin traitant : tableau de bord",
        "steering",
        "stethoscope",
        short="Médecin traitant",
        bottom=(("cpts.view_reports", 9),),
        sections=("gpmatching:dashboard",),
    ),
    Item("unscheduled:indicators", "Soins non programmés : indicateurs", "steering", "chart"),
    Item("cpts:audit", "Journal d'audit", "steering", "list"),
    Item("coordination:settings", "Réglages de la messagerie", "steering", "gear"),
    Item("cpts:settings", "Paramètres de la CPTS", "steering", "gear"),
    Item("privacy:requests", "Droits des personnes", "steering", "list", sections=("privacy:request",)),
    Item("privacy:registre", "Registre des traitements", "steering", "list", sections=("privacy:registre",)),
    Item("privacy:contact", "Délégué à la protection des données", "steering", "lock"),
    Item(
        "aci:simulator",
        "Simulateur de financement ACI",
        "steering",
        "euro",
        cpts_scoped=False,
        extra=("cpts.view_contract",),  # open to every account, useful to those who read the contract
    ),
    # Mon compte
    Item("directory:my_profile", "Mon profil", "account", "user", cpts_scoped=False),
    Item("accounts:security", "Sécurité", "account", "lock", cpts_scoped=False),
    Item("notifications:preferences", "Préférences de notification", "account", "bell", cpts_scoped=False),
    Item("accounts:api_tokens", "Jetons d'API", "account", "key", cpts_scoped=False),
    Item("privacy:notice_professionals", "Vos données personnelles", "account", "lock"),
    Item("cpts:list", "Changer de CPTS", "account", "swap", needs=("several_cpts",), cpts_scoped=False),
    Item("projects:list", "Projets de CPTS", "account", "map", cpts_scoped=False, sections=("projects:",)),
    Item(
        "oversight:home",
        "Suivi ARS / CPAM",
        "account",
        "map",
        needs=("referent",),  # an active ARS / CPAM referent (projects.models.Referent)
        cpts_scoped=False,
        sections=("oversight:home", "oversight:project", "oversight:project_diagnostic", "oversight:cpts"),
    ),
    Item("admin:index", "Administration de l'instance", "account", "gear", cpts_scoped=False),
    Item("jobs:status", "Tâches de fond", "account", "gear", cpts_scoped=False),
    Item("docgen:list", "Modèles de documents", "account", "list", cpts_scoped=False, sections=("docgen:",)),
    Item("oversight:referents", "Référents ARS et CPAM", "account", "people", cpts_scoped=False),
]


# The badges' counts come from the apps that own them: each registers a provider in its AppConfig.ready
# (coordination: unread messages), so the menu, low in the layers, imports none of the apps built on cpts.
_COUNT_PROVIDERS: list = []


def register_counts(provider) -> None:
    """``provider(request, user, cpts, permissions) -> dict[str, int]``: badge counts by badge name."""
    if provider not in _COUNT_PROVIDERS:
        _COUNT_PROVIDERS.append(provider)


def badge_counts(request, user, cpts, permissions: set[str]) -> dict[str, int]:
    """Every registered provider's counts for this request (called once, on the first badge shown)."""
    totals: dict[str, int] = {}
    for provider in _COUNT_PROVIDERS:
        totals |= provider(request, user, cpts, permissions)
    return totals


def _allowed(rule: str, permissions: set[str], is_staff: bool) -> bool:
    if rule in (PUBLIC, AUTHENTICATED):
        return True
    if rule == STAFF:
        return is_staff
    return rule in permissions


def visible(
    item: Item, permissions: set[str], conditions: set[str] = frozenset(), is_staff: bool = False
) -> bool:
    """Whether ``item`` is in the menu of a person holding ``permissions`` (in the current CPTS, empty outside
    one) and meeting ``conditions``."""
    if item.cpts_scoped and not permissions:
        return False
    if not _allowed(item.rule, permissions, is_staff):
        return False
    if any(p not in permissions for p in item.extra):
        return False
    if item.unless and item.unless in permissions:
        return False
    return all(c in conditions for c in item.needs)


def menu(permissions: set[str], conditions: set[str] = frozenset(), is_staff: bool = False) -> list[Item]:
    """The items of the full menu, in order."""
    return [item for item in ITEMS if visible(item, permissions, conditions, is_staff)]


def grouped(items: list[Item]) -> list[tuple[str, str, list[Item]]]:
    """(key, label, items) for each group holding at least one of ``items``."""
    return [
        (key, label, [i for i in items if i.group == key])
        for key, label in GROUPS
        if any(i.group == key for i in items)
    ]


def bottom_rank(item: Item, permissions: set[str]) -> int | None:
    for permission, rank in item.bottom:
        if permission in permissions:
            return rank
    return None


def bottom_bar(items: list[Item], permissions: set[str]) -> list[Item]:
    """The (at most four) destinations of the phone's bottom bar among the visible ``items``."""
    ranked = [(bottom_rank(i, permissions), n, i) for n, i in enumerate(items)]
    ranked = sorted((r, n, i) for r, n, i in ranked if r is not None)
    return [i for _, _, i in ranked[:BOTTOM_SIZE]]


def current(items: list[Item], view_name: str | None) -> Item | None:
    """The item standing for the page ``view_name``: its own page first, then the longest section matching."""
    if not view_name:
        return None
    for item in items:
        if item.url_name == view_name:
            return item
    best, length = None, 0
    for item in items:
        for section in item.sections:
            hit = view_name.startswith(section) if section.endswith(":") else view_name == section
            if hit and len(section) > length:
                best, length = item, len(section)
    return best


def check() -> list[str]:
    """Problems in ITEMS (unknown URL names, permissions or groups, duplicates): empty when sound."""
    problems = []
    seen = set()
    for item in ITEMS:
        if item.url_name not in PAGE_ACCESS or "GET" not in PAGE_ACCESS[item.url_name]:
            problems.append(f"{item.url_name}: not a page of PAGE_ACCESS")
        if item.group not in GROUP_LABELS:
            problems.append(f"{item.url_name}: unknown group {item.group}")
        for permission in (
            [p for p, _ in item.bottom] + list(item.extra) + ([item.unless] if item.unless else [])
        ):
            if permission not in PERMISSIONS:
                problems.append(f"{item.url_name}: unknown permission {permission}")
        if item.url_name in seen:
            problems.append(f"{item.url_name}: twice")
        seen.add(item.url_name)
    return problems
