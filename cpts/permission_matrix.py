"""docs/PERMISSIONS.md, generated from cpts/roles.py (``manage.py permission_matrix``).

The URL walk is shared with tests/test_permission_matrix.py, which fails when a URL of the project is
missing from ``PAGE_ACCESS`` / ``API_ACCESS``.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from cpts.roles import (
    ACCESS_RULE_LABELS,
    API_ACCESS,
    FHIR_ACCESS_LABEL,
    INSTANCE_ADMIN_PERMISSIONS,
    PAGE_ACCESS,
    PERMISSIONS,
    REALTIME_ACCESS_LABEL,
    ROLE_PERMISSIONS,
    SAS_ACCESS_LABEL,
    Role,
    is_adherent,
)

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, e.g. "cpts:home"
    route: str  # the pattern, e.g. "c/<slug:slug>/"


def iter_routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every named URL pattern of the project, with its full pattern, in declaration order."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from iter_routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield Route(f"{namespace}{p.name or ''}", "/" + prefix + str(p.pattern))


def page_routes() -> dict[str, str]:
    """URL name -> pattern, for the pages (not the Django admin beyond its index, not the JSON API)."""
    out: dict[str, str] = {}
    for r in iter_routes():
        if r.name.startswith(("api:", "fhir:")) or (r.name.startswith("admin:") and r.name != "admin:index"):
            continue
        out.setdefault(r.name, r.route)
    return out


def api_routes() -> dict[str, str]:
    out: dict[str, str] = {}
    for r in iter_routes():
        if r.name.startswith("api:"):
            out.setdefault(r.name, r.route)
    return out


def rule_label(rule: str | None) -> str:
    if rule is None:
        return "—"
    if rule in ACCESS_RULE_LABELS:
        return ACCESS_RULE_LABELS[rule]
    if rule not in PERMISSIONS:
        raise KeyError(f"Règle d'accès inconnue : {rule!r}")
    return f"`{rule}`"


def _row(cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def render_markdown() -> str:
    roles = list(Role)
    lines = [
        "# Matrice des permissions",
        "",
        "Document généré par `python manage.py permission_matrix --write` à partir de `cpts/roles.py` "
        "(`PERMISSIONS`, `ROLE_PERMISSIONS`, `INSTANCE_ADMIN_PERMISSIONS`, `PAGE_ACCESS`, `API_ACCESS`). "
        "Ne le modifiez pas à la main : `tests/test_permission_matrix.py` vérifie qu'il correspond au code, "
        "et que chaque page et chaque opération de l'API se comporte ainsi pour chaque rôle.",
        "",
        "## Rôles",
        "",
    ]
    for role in roles:
        kind = (
            "adhérent : compté dans les chiffres d'adhésion, cotise, peut occuper une fonction au bureau"
            if is_adherent(role)
            else "non adhérent : compté dans aucun chiffre d'adhésion, aucune fonction au bureau"
        )
        lines.append(f"- **{role.label}** (`{role.value}`) : rôle dans une CPTS, {kind} ;")
    lines += [
        "- **Administrateur de l'instance** (`is_staff`) : crée les CPTS et gère les données de référence ; "
        "dans une CPTS, il n'a que les droits listés ci-dessous (aucun accès aux données des adhérents).",
        "",
        "Un compte sans adhésion active dans une CPTS (ou adhérent d'une autre CPTS) n'y a aucun droit : "
        "les pages de la CPTS lui répondent 403.",
        "",
        "Un projet de CPTS (`/projets/`, avant que la CPTS existe) n'est pas une CPTS : tout compte "
        "connecté en crée un ; les pages d'un projet répondent à ses porteurs et co-porteurs seulement (404 "
        "pour tout autre compte, administrateur de l'instance compris : `projects/access.py`), et seul un "
        "porteur en fait la CPTS (403 pour un co-porteur).",
        "",
        "## Permissions par rôle",
        "",
        _row(["Permission", "Description", *(r.label for r in roles), "Administrateur de l'instance"]),
        _row(["---"] * (len(roles) + 3)),
    ]
    for perm, description in PERMISSIONS.items():
        cells = ["✔" if perm in ROLE_PERMISSIONS.get(r, set()) else "—" for r in roles]
        cells.append("✔" if perm in INSTANCE_ADMIN_PERMISSIONS else "—")
        lines.append(_row([f"`{perm}`", description, *cells]))

    pages = page_routes()
    lines += [
        "",
        "## Pages",
        "",
        "Règle exigée par chaque page, par méthode HTTP. Une permission s'évalue dans la CPTS désignée par "
        "l'adresse. Sans droit : 403 ; sans connexion : redirection vers la page de connexion. "
        "« — » : méthode non acceptée (405 pour qui satisfait la règle de l'autre méthode).",
        "",
        _row(["Page (nom d'URL)", "Adresse", "GET", "POST"]),
        _row(["---"] * 4),
    ]
    for name, route in pages.items():
        access = PAGE_ACCESS.get(name, {})
        lines.append(
            _row([f"`{name}`", f"`{route}`", rule_label(access.get("GET")), rule_label(access.get("POST"))])
        )
    lines += [
        "",
        "Données importées du diagnostic territorial (`diagnostic:datasets`) : données de référence de toute "
        "l'instance (un indicateur par commune, avec sa source, son millésime et sa licence). Tout compte "
        "connecté voit la liste ; seuls l'administrateur de l'instance et un compte dont le lien à sa "
        "fiche de professionnel de santé est prouvé par une connexion Pro Santé Connect importent (un lien "
        "déclaré par la personne elle-même ne suffit pas ; la personne est enregistrée et l'import "
        "journalisé) ; seuls la "
        "personne qui a importé un jeu et l'administrateur le retirent (`diagnostic/access.py`). Le "
        "diagnostic d'une CPTS (`diagnostic:cpts`) montre tous les effectifs ; sa version publique masque "
        "les effectifs de 1 à 5 (secret statistique).",
    ]

    lines += [
        "",
        "## API JSON",
        "",
        "Toute opération exige une authentification (session avec second facteur, ou jeton) : sans elle, "
        "401. Sans droit dans la CPTS : 403.",
        "",
        _row(["Opération (nom d'URL)", "Méthode", "Adresse", "Règle"]),
        _row(["---"] * 4),
    ]
    for name, route in api_routes().items():
        if name not in API_ACCESS:
            continue  # technical route (the API root answers 404)
        method, rule = API_ACCESS[name]
        lines.append(_row([f"`{name}`", method, f"`{route}`", rule_label(rule)]))
    lines += [
        "",
        "## FHIR (`/fhir`)",
        "",
        FHIR_ACCESS_LABEL,
        "",
        _row(["Point d'accès (nom d'URL)", "Adresse"]),
        _row(["---"] * 2),
    ]
    for name, route in fhir_routes().items():
        if name.startswith("fhir:sas_"):
            continue
        lines.append(_row([f"`{name}`", f"`{route}`"]))
    lines += ["", "## Interface SAS (`/fhir/sas/`)", "", SAS_ACCESS_LABEL]
    lines += ["", "## Temps réel (`/ws/`)", "", REALTIME_ACCESS_LABEL]
    return "\n".join(lines) + "\n"


def fhir_routes() -> dict[str, str]:
    return {r.name: r.route for r in iter_routes() if r.name.startswith("fhir:")}
