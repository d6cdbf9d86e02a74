"""Roles inside a CPTS and what each may do. The single source of the permission matrix.

docs/PERMISSIONS.md is generated from this module (``manage.py permission_matrix``) and a test
checks that the document matches it.
"""

from django.db import models

from opencpts.french import gendered


class Role(models.TextChoices):
    # Labels without inclusive endings: one person's role is said by ``role_title`` (« Coordinatrice »).
    COORDINATOR = "coordinator", "Coordination"
    BUREAU = "bureau", "Membre du bureau"
    MEMBER = "member", "Professionnel adhérent"
    PARTNER = "partner", "Personnel d'une structure partenaire"
    REFERENT = "referent", "Référent institutionnel (ARS / CPAM)"
    # An external professional invited by e-mail into a coordination group (coordination.invitations).
    GUEST = "guest", "Professionnel invité (hors adhérents)"


# A role said of one person, masculine and feminine (« Coordinateur », « Coordinatrice »). A role absent here
# reads the same for everyone; a person whose gender is unknown gets the role's label.
ROLE_TITLES: dict[str, tuple[str, str]] = {
    Role.COORDINATOR: ("Coordinateur", "Coordinatrice"),
    Role.MEMBER: ("Professionnel adhérent", "Professionnelle adhérente"),
    Role.REFERENT: ("Référent institutionnel (ARS / CPAM)", "Référente institutionnelle (ARS / CPAM)"),
    Role.GUEST: ("Professionnel invité (hors adhérents)", "Professionnelle invitée (hors adhérents)"),
}


def role_title(role: str, civility: str = "") -> str:
    """The role of one person: « Coordinatrice » for a woman, « Coordination » when her gender is unknown."""
    label = Role(role).label
    if role not in ROLE_TITLES:
        return label
    masculine, feminine = ROLE_TITLES[role]
    return gendered(masculine, feminine, civility, label)


# Permissions, by name. Instance administrators (User.is_staff) create CPTS and manage reference data;
# inside a CPTS they have no implicit right to patient data.
PERMISSIONS: dict[str, str] = {
    "cpts.view_home": "Voir l'accueil de la CPTS (« Aujourd'hui » : ce qui attend la personne)",
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
    "cpts.search_directory": "Rechercher dans l'annuaire de l'offre de soins",
    "cpts.use_coordination": "Utiliser la messagerie de coordination (groupes, patients)",
    "cpts.manage_coordination": (
        "Régler la messagerie de coordination (durée de conservation des cercles clôturés)"
    ),
    # The news feed is not clinical: every role reads it (news/access.py).
    "cpts.read_news": "Lire les actualités de la CPTS",
    "cpts.comment_news": "Commenter les actualités",
    "cpts.publish_news": "Publier des actualités (annonces, événements, informations), modifier les siennes",
    "cpts.moderate_news": "Épingler les actualités, retirer les publications et commentaires d'autrui",
    "cpts.use_snp": "Soins non programmés : publier ses créneaux, chercher et réserver ceux des autres",
    "cpts.manage_gp_requests": (
        "Médecin traitant : gérer la liste d'attente des patients sans médecin traitant, "
        "importer, proposer des attributions"
    ),
    "cpts.refer_gp_requests": (
        "Médecin traitant : inscrire un patient sur la liste d'attente (sans voir la liste)"
    ),
    "cpts.take_gp_patients": (
        "Médecin traitant : déclarer sa capacité d'accueil, répondre aux patients proposés"
    ),
    "cpts.view_contract": (
        "Contrat ACI : lire le contrat, les indicateurs, l'échéancier, le budget et les rapports"
    ),
    "cpts.manage_contract": (
        "Contrat ACI : signer, avenants, indicateurs et résultats, versements, budget et dépenses"
    ),
    "cpts.manage_privacy": (
        "Données personnelles : délégué à la protection des données, droits des personnes (sans lire le "
        "contenu des cercles), registre des traitements"
    ),
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.COORDINATOR: set(PERMISSIONS),
    Role.BUREAU: {
        "cpts.view_home",
        "cpts.view_members",
        "cpts.view_territory",
        "cpts.view_dues",
        "cpts.manage_dues",
        "cpts.view_bureau",
        "cpts.view_structures",
        "cpts.view_reports",
        "cpts.search_directory",
        "cpts.use_coordination",
        "cpts.read_news",
        "cpts.comment_news",
        "cpts.publish_news",
        "cpts.use_snp",
        "cpts.refer_gp_requests",
        "cpts.take_gp_patients",
        "cpts.view_contract",
    },
    Role.MEMBER: {
        "cpts.view_home",
        "cpts.view_members",
        "cpts.view_territory",
        "cpts.view_bureau",
        "cpts.view_structures",
        "cpts.search_directory",
        "cpts.use_coordination",
        "cpts.read_news",
        "cpts.comment_news",
        "cpts.use_snp",
        "cpts.refer_gp_requests",
        "cpts.take_gp_patients",
    },
    Role.PARTNER: {
        "cpts.view_home",
        "cpts.view_members",
        "cpts.view_territory",
        "cpts.view_structures",
        "cpts.search_directory",
        "cpts.use_coordination",
        "cpts.read_news",
        "cpts.comment_news",
        "cpts.use_snp",
        "cpts.refer_gp_requests",
    },
    # ARS and CPAM referents read the contract, its dashboard and reports; they change nothing.
    Role.REFERENT: {
        "cpts.view_home",
        "cpts.view_territory",
        "cpts.view_reports",
        "cpts.read_news",
        "cpts.view_contract",
    },
    # Least privilege: the groups they were invited to, nothing else of the CPTS.
    Role.GUEST: {"cpts.use_coordination"},
}

# Adhérents of the CPTS (the association's members): the only roles counted in membership figures (member
# counts, membership rate, ACI "members" indicator) and the only ones that may hold a bureau post. Partner
# staff, ARS / CPAM referents and invited guests take part in the platform but are not adhérents. Use
# Membership.objects.adherents() (cpts/models.py) rather than these tuples in queries.
ADHERENT_ROLES = (Role.COORDINATOR, Role.BUREAU, Role.MEMBER)
NON_ADHERENT_ROLES = tuple(role for role in Role if role not in ADHERENT_ROLES)


def is_adherent(role: str) -> bool:
    return role in ADHERENT_ROLES


# Roles that can reach patient data (care circles, requests...): a second factor is compulsory.

PATIENT_DATA_ROLES = (Role.COORDINATOR, Role.BUREAU, Role.MEMBER, Role.PARTNER, Role.GUEST)


def role_has(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS.get(role, set())


# An instance administrator creates CPTS, builds a first territory and appoints the first coordinator;
# nothing more inside a CPTS (least privilege: no member list, no audit, no dues).
INSTANCE_ADMIN_PERMISSIONS = {
    "cpts.view_home",
    "cpts.view_territory",
    "cpts.edit_territory",
    "cpts.edit_settings",
}


# Who may reach each page and each JSON API operation. The single source for docs/PERMISSIONS.md and for
# tests/test_permission_matrix.py, which checks every URL of the project against it for every role.
# A rule is a permission of PERMISSIONS (checked in the CPTS named by the URL), or one of:
PUBLIC = "public"  # anyone, even without an account
AUTHENTICATED = "authenticated"  # any logged-in account; the view only reads or writes the user's own data
STAFF = "staff"  # instance administrator (User.is_staff)

ACCESS_RULE_LABELS: dict[str, str] = {
    PUBLIC: "public (sans connexion)",
    AUTHENTICATED: "tout compte connecté",
    STAFF: "administrateur de l'instance",
}

# Pages, by URL name: the rule for each accepted HTTP method. A method not listed is answered 405 to whoever
# passes the rule of the listed methods (a view without method restriction lists GET only).
PAGE_ACCESS: dict[str, dict[str, str]] = {
    "home": {"GET": AUTHENTICATED},
    "healthz": {"GET": PUBLIC},
    "accounts:login": {"GET": PUBLIC, "POST": PUBLIC},
    "accounts:logout": {"POST": PUBLIC},
    "accounts:register": {"GET": PUBLIC, "POST": PUBLIC},
    # Pro Santé Connect (404 while it is off: no PSC_CLIENT_ID).
    "accounts:psc_login": {"GET": PUBLIC},
    "accounts:psc_callback": {"GET": PUBLIC},
    "accounts:psc_confirm": {"GET": PUBLIC, "POST": PUBLIC},
    "accounts:psc_link": {"POST": AUTHENTICATED},
    "accounts:psc_unlink": {"POST": AUTHENTICATED},
    "accounts:otp_verify": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "accounts:otp_setup": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "accounts:recovery_codes": {"POST": AUTHENTICATED},
    "accounts:security": {"GET": AUTHENTICATED},
    "accounts:api_tokens": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "accounts:revoke_api_token": {"POST": AUTHENTICATED},
    # The user's own trusted devices only (accounts.trust).
    "accounts:revoke_trusted_device": {"POST": AUTHENTICATED},
    "accounts:revoke_all_trusted_devices": {"POST": AUTHENTICATED},
    "accounts:password_reset": {"GET": PUBLIC, "POST": PUBLIC},
    "accounts:password_reset_done": {"GET": PUBLIC},
    "accounts:password_reset_confirm": {"GET": PUBLIC},
    "accounts:password_reset_complete": {"GET": PUBLIC},
    "directory:my_profile": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "directory:add_place": {"POST": AUTHENTICATED},
    "directory:delete_place": {"POST": AUTHENTICATED},
    # The user's own notifications only (notifications.access); the page a notification leads to applies its
    # rules.
    "notifications:list": {"GET": AUTHENTICATED},
    "notifications:open": {"GET": AUTHENTICATED},
    "notifications:mark_read": {"POST": AUTHENTICATED},
    "notifications:mark_all_read": {"POST": AUTHENTICATED},
    "notifications:preferences": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    # Web Push: the user's own browsers (notifications.push); the web app manifest and service worker.
    "notifications:push_subscribe": {"POST": AUTHENTICATED},
    "notifications:push_unsubscribe": {"POST": AUTHENTICATED},
    "notifications:manifest": {"GET": PUBLIC},
    "notifications:service_worker": {"GET": PUBLIC},
    "directory:search": {"GET": "cpts.search_directory"},
    "directory:professional": {"GET": "cpts.search_directory"},
    "directory:offer": {"GET": "cpts.view_reports"},
    # The diagnostic territorial of the CPTS's territory: every count for those who see the territory.
    "diagnostic:cpts": {"GET": "cpts.view_territory"},
    # Figures typed in from Rézone CPTS for the territory: read with it, typed by those who change it.
    "diagnostic:cpts_typed": {"GET": "cpts.view_territory", "POST": "cpts.edit_territory"},
    # Datasets imported per commune, reference data of the instance: any account reads the list; importing and
    # removing are refused by the action to an account that is neither the instance administrator nor linked
    # to its professional record (removing: the uploader or the administrator) — diagnostic/access.py.
    "diagnostic:datasets": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "diagnostic:delete_dataset": {"POST": AUTHENTICATED},
    "cpts:list": {"GET": AUTHENTICATED},
    "cpts:create": {"GET": STAFF, "POST": STAFF},
    # Failed and stuck background jobs, « Relancer » (jobs/views.py).
    "jobs:status": {"GET": STAFF, "POST": STAFF},
    # « Modèles de documents »: the registered DOCX templates, their replacement and reset (docgen/views.py).
    "docgen:list": {"GET": STAFF},
    "docgen:template": {"GET": STAFF, "POST": STAFF},
    "docgen:download": {"GET": STAFF},
    "docgen:download_default": {"GET": STAFF},
    "docgen:reset": {"POST": STAFF},
    "cpts:home": {"GET": "cpts.view_home"},
    # The full menu (cpts/navigation.py): the entries the user may open, in that CPTS if a member, else in
    # the user's own.
    "cpts:menu": {"GET": AUTHENTICATED},
    "cpts:join": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "cpts:territory": {"GET": "cpts.view_territory"},
    "cpts:territory_geojson": {"GET": "cpts.view_territory"},
    "cpts:territory_search": {"GET": "cpts.edit_territory"},
    "cpts:territory_add": {"POST": "cpts.edit_territory"},
    "cpts:territory_remove": {"POST": "cpts.edit_territory"},
    "cpts:members": {"GET": "cpts.view_members"},
    "cpts:member_role": {"POST": "cpts.manage_membership"},
    "cpts:requests": {"GET": "cpts.manage_membership"},
    "cpts:request_accept": {"POST": "cpts.manage_membership"},
    "cpts:request_refuse": {"POST": "cpts.manage_membership"},
    "cpts:dues": {"GET": "cpts.view_dues", "POST": "cpts.manage_dues"},
    "cpts:bureau": {"GET": "cpts.view_bureau", "POST": "cpts.manage_bureau"},
    "cpts:structures": {"GET": "cpts.view_structures", "POST": "cpts.manage_structures"},
    "cpts:audit": {"GET": "cpts.view_audit"},
    "cpts:audit_export": {"GET": "cpts.view_audit"},
    "cpts:reports": {"GET": "cpts.view_reports"},
    "cpts:settings": {"GET": "cpts.edit_settings", "POST": "cpts.edit_settings"},
    "coordination:groups": {"GET": "cpts.use_coordination"},
    "coordination:new_patient": {"GET": "cpts.use_coordination", "POST": "cpts.use_coordination"},
    "coordination:new_group": {"GET": "cpts.use_coordination", "POST": "cpts.use_coordination"},
    "coordination:group": {
        "GET": "cpts.use_coordination"
    },  # and an active member of the group (coordination.access)
    "coordination:post_message": {"POST": "cpts.use_coordination"},
    "coordination:group_messages": {"GET": "cpts.use_coordination"},  # and an active member of the group
    # The other sections of a group, each on its own URL: and an active member of the group.
    "coordination:members": {"GET": "cpts.use_coordination"},
    "coordination:consents": {"GET": "cpts.use_coordination"},  # a care circle only
    "coordination:documents": {"GET": "cpts.use_coordination"},
    "coordination:informations": {"GET": "cpts.use_coordination"},
    "coordination:edit_message": {"POST": "cpts.use_coordination"},
    "coordination:delete_message": {"POST": "cpts.use_coordination"},
    "coordination:invite": {"POST": "cpts.use_coordination"},
    "coordination:answer_invitation": {"POST": "cpts.use_coordination"},
    "coordination:leave": {"POST": "cpts.use_coordination"},
    "coordination:remove_member": {"POST": "cpts.use_coordination"},
    "coordination:close": {"POST": "cpts.use_coordination"},
    "coordination:reopen": {"POST": "cpts.use_coordination"},
    "coordination:record_consent": {"POST": "cpts.use_coordination"},
    "coordination:withdraw_consent": {"POST": "cpts.use_coordination"},
    "coordination:edit_group": {
        "GET": "cpts.use_coordination",
        "POST": "cpts.use_coordination",
    },  # and a manager
    # Correct the patient's identity (rectification): and an active member of the open care circle.
    "coordination:edit_patient": {"GET": "cpts.use_coordination", "POST": "cpts.use_coordination"},
    "coordination:history": {
        "GET": "cpts.use_coordination"
    },  # and an active member or a manager of the group
    "coordination:search": {"GET": "cpts.use_coordination"},  # results: the groups the user reads now
    "coordination:conversations": {"GET": "cpts.use_coordination"},
    "coordination:new_conversation": {"GET": "cpts.use_coordination", "POST": "cpts.use_coordination"},
    "coordination:settings": {"GET": "cpts.manage_coordination", "POST": "cpts.manage_coordination"},
    "coordination:my_invitations": {"GET": AUTHENTICATED},  # invitations by e-mail addressed to the user
    "coordination:answer_email_invitation": {"POST": AUTHENTICATED},  # the user's own invitations only
    "coordination:email_invitation": {
        "GET": PUBLIC,
        "POST": PUBLIC,
    },  # the e-mail's link (token), see coordination.invitations
    # Calendar: "Mon agenda" and the subscription are the user's own; a group's calendar, events and timeline
    # follow the rules of the group (agenda.access: read by its active members; scheduling needs an open group
    # and, in a care circle, a valid consent).
    "agenda:mine": {"GET": "cpts.use_coordination"},
    "agenda:subscription": {"GET": "cpts.use_coordination", "POST": "cpts.use_coordination"},
    "agenda:revoke_subscription": {"POST": "cpts.use_coordination"},
    "agenda:group": {"GET": "cpts.use_coordination"},
    "agenda:new_event": {"GET": "cpts.use_coordination", "POST": "cpts.use_coordination"},
    "agenda:event": {"GET": "cpts.use_coordination"},
    "agenda:edit_event": {"GET": "cpts.use_coordination", "POST": "cpts.use_coordination"},
    "agenda:cancel_event": {"POST": "cpts.use_coordination"},
    "agenda:timeline": {"GET": "cpts.use_coordination"},
    # No session: the secret token in the URL is the credential (unknown or revoked: 404); the feed holds the
    # events of the groups the token's owner may read at request time, without clinical content.
    "agenda:ical": {"GET": PUBLIC},
    # Documents of a group: and the rules of the group (documents.access: read by its active members; adding
    # needs an open group and, in a care circle, a valid consent).
    "documents:section": {"GET": "cpts.use_coordination"},
    "documents:upload": {"POST": "cpts.use_coordination"},
    "documents:detail": {"GET": "cpts.use_coordination"},
    "documents:new_version": {"POST": "cpts.use_coordination"},
    "documents:delete": {"POST": "cpts.use_coordination"},
    "documents:download": {"GET": "cpts.use_coordination"},
    "documents:preview": {"GET": "cpts.use_coordination"},
    "news:feed": {"GET": "cpts.read_news"},
    "news:create": {"GET": "cpts.publish_news", "POST": "cpts.publish_news"},
    "news:post": {"GET": "cpts.read_news"},
    "news:comments": {"GET": "cpts.read_news"},
    "news:edit": {
        "GET": "cpts.publish_news",
        "POST": "cpts.publish_news",
    },  # and the post's author (news.access)
    "news:pin": {"POST": "cpts.moderate_news"},
    "news:unpin": {"POST": "cpts.moderate_news"},
    "news:delete": {"POST": "cpts.publish_news"},  # the post's author, or a moderator (news.access)
    "news:comment": {"POST": "cpts.comment_news"},
    "news:edit_comment": {"POST": "cpts.comment_news"},  # the comment's author
    "news:delete_comment": {"POST": "cpts.comment_news"},  # the comment's author, or a moderator
    # Soins non programmés: the permission is not enough to manage a professional's slots or to see a booking;
    # unscheduled.access decides (the professional, their delegates and the coordination manage; a booking is
    # seen by whoever booked it and by those who manage the slot). Another CPTS's slot or booking: 404.
    "unscheduled:mine": {"GET": "cpts.use_snp"},
    "unscheduled:publish": {"GET": "cpts.use_snp", "POST": "cpts.use_snp"},  # and manage the professional
    "unscheduled:pattern_pause": {"POST": "cpts.use_snp"},  # and manage the professional
    "unscheduled:bulk": {"POST": "cpts.use_snp"},  # and manage the professional of every slot
    "unscheduled:copy_week": {"POST": "cpts.use_snp"},  # and manage the professional
    "unscheduled:search": {"GET": "cpts.use_snp"},
    "unscheduled:book": {"GET": "cpts.use_snp", "POST": "cpts.use_snp"},
    "unscheduled:booking": {"GET": "cpts.use_snp"},  # and booked it, or manage the slot
    "unscheduled:cancel": {"POST": "cpts.use_snp"},  # and booked it, or manage the slot
    "unscheduled:reschedule": {"POST": "cpts.use_snp"},  # and booked it, or manage the slot
    "unscheduled:outcome": {"POST": "cpts.use_snp"},  # and manage the slot
    "unscheduled:indicators": {"GET": "cpts.view_reports"},
    # Médecin traitant (gpmatching.access): the public form and its confirmation link need no account; the
    # list, requests, imports and matching are the coordination's; a GP sees only what is proposed to them.
    "gpmatching:public_form": {"GET": PUBLIC, "POST": PUBLIC},
    "gpmatching:public_done": {"GET": PUBLIC},
    "gpmatching:public_confirm": {"GET": PUBLIC, "POST": PUBLIC},
    "gpmatching:waiting_list": {"GET": "cpts.manage_gp_requests"},
    "gpmatching:request": {"GET": "cpts.take_gp_patients"},  # the coordination, or the GP it is proposed to
    "gpmatching:request_action": {"POST": "cpts.manage_gp_requests"},
    "gpmatching:new_request": {"GET": "cpts.refer_gp_requests", "POST": "cpts.refer_gp_requests"},
    "gpmatching:import": {"GET": "cpts.manage_gp_requests", "POST": "cpts.manage_gp_requests"},
    "gpmatching:import_preview": {"GET": "cpts.manage_gp_requests", "POST": "cpts.manage_gp_requests"},
    "gpmatching:matching": {"GET": "cpts.manage_gp_requests", "POST": "cpts.manage_gp_requests"},
    "gpmatching:send": {"POST": "cpts.manage_gp_requests"},
    "gpmatching:policy": {"GET": "cpts.manage_gp_requests", "POST": "cpts.manage_gp_requests"},
    "gpmatching:capacities": {"GET": "cpts.manage_gp_requests"},
    "gpmatching:my_capacity": {"GET": "cpts.take_gp_patients", "POST": "cpts.take_gp_patients"},  # physicians
    "gpmatching:my_proposals": {"GET": "cpts.take_gp_patients"},
    "gpmatching:answer": {"POST": "cpts.take_gp_patients"},  # the GP the proposal is addressed to
    "gpmatching:dashboard": {"GET": "cpts.view_reports"},
    # ACI cockpit: read by the coordination, the bureau and the ARS / CPAM referents; changed by the
    # coordination.
    "aci:cockpit": {"GET": "cpts.view_contract"},
    "aci:sign": {"GET": "cpts.manage_contract", "POST": "cpts.manage_contract"},
    "aci:contract": {"GET": "cpts.view_contract"},
    "aci:mission_dates": {"POST": "cpts.manage_contract"},
    "aci:amend": {"POST": "cpts.manage_contract"},
    "aci:schedule": {"GET": "cpts.view_contract"},
    "aci:recompute": {"POST": "cpts.manage_contract"},
    "aci:payments": {"GET": "cpts.view_contract", "POST": "cpts.manage_contract"},
    "aci:budget": {"GET": "cpts.view_contract", "POST": "cpts.manage_contract"},
    "aci:expenses": {"GET": "cpts.view_contract", "POST": "cpts.manage_contract"},
    "aci:expense_delete": {"POST": "cpts.manage_contract"},
    "aci:expenses_import": {"GET": "cpts.manage_contract", "POST": "cpts.manage_contract"},
    "aci:indicators": {"GET": "cpts.view_contract"},
    "aci:indicator_new": {"GET": "cpts.manage_contract", "POST": "cpts.manage_contract"},
    "aci:indicator": {"GET": "cpts.view_contract"},
    "aci:indicator_edit": {"GET": "cpts.manage_contract", "POST": "cpts.manage_contract"},
    "aci:indicator_steps": {"POST": "cpts.manage_contract"},
    "aci:indicator_result": {"POST": "cpts.manage_contract"},
    "aci:indicator_rows": {
        "GET": "cpts.view_contract"
    },  # the rows a computed figure counts, without identity
    "aci:evidence_add": {"POST": "cpts.manage_contract"},
    "aci:evidence_download": {"GET": "cpts.view_contract"},
    "aci:evidence_delete": {"POST": "cpts.manage_contract"},
    "aci:close_year": {"POST": "cpts.manage_contract"},
    "aci:report": {"GET": "cpts.view_contract"},
    "aci:report_pdf": {"GET": "cpts.view_contract"},
    "aci:report_xlsx": {"GET": "cpts.view_contract"},
    "gpmatching:map_data": {"GET": "cpts.view_reports"},
    # Data-protection duties (privacy): notices are public; the DPO, the registre and the rights requests are
    # the coordination's; the export of a care circle for a request is produced by a member who reads the
    # circle (privacy.actions.task_to_produce), never by the coordination.
    "privacy:notices": {"GET": PUBLIC},
    "privacy:notice_patients": {"GET": PUBLIC},
    "privacy:notice_professionals": {"GET": PUBLIC},
    "privacy:notice_public": {"GET": PUBLIC},
    "privacy:contact": {"GET": "cpts.manage_privacy", "POST": "cpts.manage_privacy"},
    "privacy:registre": {"GET": "cpts.manage_privacy"},
    "privacy:registre_pdf": {"GET": "cpts.manage_privacy"},
    "privacy:requests": {"GET": "cpts.manage_privacy"},
    "privacy:new_request": {"GET": "cpts.manage_privacy", "POST": "cpts.manage_privacy"},
    "privacy:request": {"GET": "cpts.manage_privacy"},
    "privacy:request_link": {"POST": "cpts.manage_privacy"},
    "privacy:request_ask": {"POST": "cpts.manage_privacy"},
    "privacy:request_apply": {"POST": "cpts.manage_privacy"},
    "privacy:request_close": {"POST": "cpts.manage_privacy"},
    "privacy:request_export": {"GET": "cpts.manage_privacy"},
    "privacy:tasks": {"GET": "cpts.use_coordination"},  # the pending exports of the circles the user reads
    "privacy:task": {"GET": "cpts.use_coordination", "POST": "cpts.use_coordination"},  # and reads the circle
    # Projects of CPTS (before the CPTS exists): any account starts one and answers its invitations; a
    # project's pages answer its porteurs and co-porteurs only, 404 for anyone else (projects/access.py), and
    # its conversion a porteur only (403 for a co-porteur).
    "projects:list": {"GET": AUTHENTICATED},
    "projects:create": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:answer_invitation": {"POST": AUTHENTICATED},
    "projects:detail": {"GET": AUTHENTICATED},
    "projects:stage": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:territory": {"GET": AUTHENTICATED},
    "projects:territory_geojson": {"GET": AUTHENTICATED},
    "projects:territory_search": {"GET": AUTHENTICATED},
    "projects:territory_add": {"POST": AUTHENTICATED},
    "projects:territory_remove": {"POST": AUTHENTICATED},
    "projects:porteurs": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:invitation_cancel": {"POST": AUTHENTICATED},
    "projects:partners": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:partner_remove": {"POST": AUTHENTICATED},
    "projects:ami": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:ami_send": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:ami_document": {"GET": AUTHENTICATED},
    "projects:letter": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:letter_send": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:letter_document": {"GET": AUTHENTICATED},
    "projects:diagnostic": {"GET": AUTHENTICATED},  # read_project: members, and ARS/CPAM referents read-only
    # Figures typed in from Rézone CPTS: read like the diagnostic, typed by the project's members only.
    "projects:diagnostic_typed": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "projects:submission_file": {"GET": AUTHENTICATED},
    "projects:convert": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    # « Suivi » of the ARS and CPAM referents (oversight/views.py): open to an active referent
    # (projects.models.Referent), 404 for any other account; a project's pages to the referents of its
    # territory only (projects/access.py:review_project). Designating them: the instance administrator.
    "oversight:home": {"GET": AUTHENTICATED},
    "oversight:map": {"GET": AUTHENTICATED},
    "oversight:project": {"GET": AUTHENTICATED},
    "oversight:project_diagnostic": {"GET": AUTHENTICATED},
    "oversight:submission_file": {"GET": AUTHENTICATED},
    "oversight:comment": {"POST": AUTHENTICATED},
    "oversight:decide": {"POST": AUTHENTICATED},
    "oversight:cpts": {"GET": AUTHENTICATED},
    "oversight:referents": {"GET": STAFF, "POST": STAFF},
    "oversight:revoke": {"POST": STAFF},
    # The association of a project (association/views.py): read by the project's readers (its porteurs, and
    # read-only its ARS and CPAM referents), changed by its porteurs and co-porteurs; 404 for anyone else.
    "association:overview": {"GET": AUTHENTICATED},
    "association:statutes": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "association:reglement": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "association:founders": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "association:founders_from_porteurs": {"POST": AUTHENTICATED},
    "association:founder_remove": {"POST": AUTHENTICATED},
    "association:documents": {"GET": AUTHENTICATED},
    "association:document": {"GET": AUTHENTICATED},
    "association:convocation": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "association:minutes": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "association:identifiers": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    # The projet de santé of a project (healthplan/views.py): read by its porteurs and co-porteurs (and,
    # read-only, its ARS and CPAM referents: projects.access.read_project), changed by its members only; 404
    # for anyone else.
    "healthplan:overview": {"GET": AUTHENTICATED},
    "healthplan:document": {"GET": AUTHENTICATED},
    "healthplan:chapter": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "healthplan:chapter_history": {"GET": AUTHENTICATED},
    "healthplan:sheet_new": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "healthplan:sheet": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "healthplan:sheet_history": {"GET": AUTHENTICATED},
    "healthplan:sheet_delete": {"POST": AUTHENTICATED},
    "healthplan:budget": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "healthplan:expense_remove": {"POST": AUTHENTICATED},
    # ACI reference data: the financing simulator (no CPTS needed, e.g. a CPTS in project).
    "aci:simulator": {"GET": AUTHENTICATED},
    "admin:index": {"GET": STAFF},  # stands for the whole Django admin (model permissions apply inside)
}

# JSON API operations, by URL name (namespace ``api``): (HTTP method, rule). Every operation requires
# authentication (session with second factor, or token); PUBLIC here means the documentation routes.
API_ACCESS: dict[str, tuple[str, str]] = {
    "api:openapi-json": ("GET", PUBLIC),
    "api:openapi-view": ("GET", PUBLIC),
    "api:search_communes": ("GET", AUTHENTICATED),
    "api:aci_grid": ("GET", AUTHENTICATED),
    "api:aci_simulation": ("GET", AUTHENTICATED),
    "api:list_cpts": ("GET", AUTHENTICATED),
    "api:get_cpts": ("GET", "cpts.view_home"),
    "api:get_territory": ("GET", "cpts.view_territory"),
    "api:add_commune": ("POST", "cpts.edit_territory"),
    "api:add_epci": ("POST", "cpts.edit_territory"),
    "api:remove_commune": ("DELETE", "cpts.edit_territory"),
    "api:list_members": ("GET", "cpts.view_members"),
    "api:members_stats": ("GET", "cpts.view_members"),
    "api:list_structures": ("GET", "cpts.view_structures"),
    "api:add_structure": ("POST", "cpts.manage_structures"),
    "api:list_requests": ("GET", "cpts.manage_membership"),
    "api:create_request": ("POST", AUTHENTICATED),
    "api:accept_request": ("POST", "cpts.manage_membership"),
    "api:refuse_request": ("POST", "cpts.manage_membership"),
    "api:search_directory": ("GET", "cpts.search_directory"),
    "api:get_professional": ("GET", "cpts.search_directory"),
    "api:nearest": ("GET", "cpts.search_directory"),
    "api:offer": ("GET", "cpts.view_reports"),
    "api:list_news": ("GET", "cpts.read_news"),
    "api:get_news_post": ("GET", "cpts.read_news"),
    "api:add_news_comment": ("POST", "cpts.comment_news"),
    "api:list_snp_slots": ("GET", "cpts.use_snp"),
    "api:book_snp_slot": ("POST", "cpts.use_snp"),
    "api:cancel_snp_booking": ("POST", "cpts.use_snp"),  # and booked it, or manage the slot
    "api:gp_indicators": ("GET", "cpts.view_reports"),
    "api:aci_contract": ("GET", "cpts.view_contract"),
    "api:aci_schedule": ("GET", "cpts.view_contract"),
    "api:aci_indicators": ("GET", "cpts.view_contract"),
}


# FHIR (/fhir): national directory data, read-only, not tied to one CPTS. Checked by fhirapi.http.authorised.
FHIR_PERMISSION = "cpts.search_directory"
FHIR_ACCESS_LABEL = (
    "Lecture seule (GET ; autre méthode : 405). `metadata` est public. Les ressources exigent un jeton "
    f"(Bearer) ou une session avec second facteur, d'un compte ayant `{FHIR_PERMISSION}` dans au moins une "
    "CPTS, ou d'un administrateur de l'instance ; sinon 401 (OperationOutcome)."
)

# Real time: the WebSocket /ws/ (not an HTTP URL name; realtime.consumers, rules in realtime/access.py).
REALTIME_ACCESS_LABEL = (
    "WebSocket `/ws/` (même origine). Refusé sans session (code 4401) ou sans second facteur quand le rôle "
    "l'exige (4403). Aucun abonnement n'est demandé par le navigateur : le serveur abonne la connexion aux "
    "groupes dont l'utilisateur peut lire le contenu (membre actif avec un rôle d'accès aux données "
    "patient), au fil d'actualités de ses CPTS et à ses propres notifications ; chaque événement n'est "
    "transmis qu'à son public calculé au moment de l'événement, sans contenu (identifiants seulement)."
)

# The SAS interface /fhir/sas/Slot (fhirapi/views_sas.py): not a user's access but a machine's.
SAS_ACCESS_LABEL = (
    "`GET /fhir/sas/Slot` et `/fhir/sas/metadata` : l'agrégateur national du SAS uniquement, authentifié "
    "par son certificat client IGC-Santé (mTLS terminé par le reverse proxy ; CN et OU autorisés par "
    "`OPENCPTS_SAS_ALLOWED_CN` et `OPENCPTS_SAS_ALLOWED_OU`) ; sinon 403 (OperationOutcome). Seuls les "
    "créneaux libres que le professionnel a ouverts à au moins un type TRE_R314, dans une CPTS dotée d'un "
    "FINESS, sont exposés."
)
