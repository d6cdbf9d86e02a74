"""Roles inside a CPTS and what each may do. The single source of the permission matrix.

docs/PERMISSIONS.md is generated from this module (``manage.py permission_matrix``) and a test
checks that the document matches it.
"""

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinateur·rice"
    BUREAU = "bureau", "Membre du bureau"
    MEMBER = "member", "Professionnel adhérent"
    PARTNER = "partner", "Personnel d'une structure partenaire"
    REFERENT = "referent", "Référent institutionnel (ARS / CPAM)"


# Permissions, by name. Instance administrators (User.is_staff) create CPTS and manage reference data;
# inside a CPTS they have no implicit right to patient data.
PERMISSIONS: dict[str, str] = {
    "cpts.view_home": "Voir l'accueil de la CPTS (chiffres, carte)",
    "cpts.view_members": "Voir l'annuaire des adhérents",
    "cpts.view_territory": "Voir le territoire et la taille ACI",
    "cpts.edit_territory": "Modifier le territoire (communes, EPCI)",
    "cpts.manage_membership": "Accepter ou refuser les adhésions, gérer les rôles",
    "cpts.view_dues": "Voir les cotisations",
    "cpts.manage_dues": "Enregistrer les cotisations",
    "cpts.view_bureau": "Voir le bureau",
    "cpts.manage_bureau": "Modifier le bureau",
    "cpts.view_structures": "Voir les structures partenaires",
    "cpts.manage_structures": "Ajouter ou modifier des structures partenaires",
    "cpts.view_reports": "Voir les rapports et indicateurs",
    "cpts.view_audit": "Consulter et exporter le journal d'audit",
    "cpts.edit_settings": "Modifier les informations de la CPTS",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.COORDINATOR: set(PERMISSIONS),
    Role.BUREAU: {
        "cpts.view_home", "cpts.view_members", "cpts.view_territory", "cpts.view_dues", "cpts.manage_dues",
        "cpts.view_bureau", "cpts.view_structures", "cpts.view_reports",
    },
    Role.MEMBER: {
        "cpts.view_home", "cpts.view_members", "cpts.view_territory", "cpts.view_bureau", "cpts.view_structures",
    },
    Role.PARTNER: {"cpts.view_home", "cpts.view_members", "cpts.view_territory", "cpts.view_structures"},
    Role.REFERENT: {"cpts.view_home", "cpts.view_territory", "cpts.view_reports"},
}

# Roles that can reach patient data (care circles, requests...): a second factor is compulsory.
PATIENT_DATA_ROLES = (Role.COORDINATOR, Role.BUREAU, Role.MEMBER, Role.PARTNER)


def role_has(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS.get(role, set())

# An instance administrator creates CPTS, builds a first territory and appoints the first coordinator;
# nothing more inside a CPTS (least privilege: no member list, no audit, no dues).
INSTANCE_ADMIN_PERMISSIONS = {"cpts.view_home", "cpts.view_territory", "cpts.edit_territory", "cpts.edit_settings"}
