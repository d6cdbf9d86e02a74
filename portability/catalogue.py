"""What one CPTS's archive holds: every model of the project is classified here, once.

- ``EXPORTED``: tenant-owned rows (a ``cpts`` column, or a required cascading link to such a row, e.g. the
  ACI contract's missions); copied with new primary keys, every link remapped.
- ``REFERENCED``: rows the tenant's rows point to but do not own (accounts, directory entries, communes,
  reference grids); found again in the target by a natural key, created there only when ``create`` says so.
- ``LEFT_OUT``: everything else, each with the reason.

``portability/tests/test_catalogue.py`` fails when a model is in none of them (a new app or model must be
classified before it can be forgotten by an export) and checks that the ownership found by walking the
model graph (``owned_models``) matches ``EXPORTED`` plus the tenant-owned models left out.
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import models

from cpts.models import CPTS, TenantModel

ROOT = "cpts.CPTS"

# Tenant-owned models copied into the archive (the order is computed from their links: exported_order()).
EXPORTED = frozenset(
    {
        ROOT,
        "cpts.TerritoryCommune",  # re-added through cpts.territory.add_communes (two CPTS never share one)
        "cpts.Membership",
        "cpts.MembershipRequest",
        "cpts.Dues",
        "cpts.BureauPosition",
        "cpts.PartnerStructure",
        "coordination.Patient",
        "coordination.Relative",
        "coordination.Group",
        "coordination.GroupMember",
        "coordination.Consent",
        "coordination.Message",
        "privacy.PrivacyContact",
        "privacy.RightsRequest",  # the record of a person's rights requests travels with the CPTS
        "privacy.CircleTask",
        "coordination.MessageRevision",
        "coordination.ReadReceipt",
        "coordination.MessageMention",
        "coordination.CoordinationSettings",
        "agenda.Event",
        "agenda.EventParticipant",
        "agenda.EventChange",
        "documents.Document",
        "documents.DocumentVersion",
        "documents.DocumentBlob",  # content carried in clear inside the encrypted archive, re-encrypted
        "news.Post",
        "news.PostRevision",
        "news.Comment",
        "news.CommentRevision",
        "unscheduled.AvailabilityPattern",
        "unscheduled.Slot",
        "unscheduled.Booking",
        "unscheduled.Delegation",
        "gpmatching.Policy",
        "gpmatching.Request",
        "gpmatching.RequestEvent",
        "gpmatching.Capacity",
        "gpmatching.MatchingRun",
        "gpmatching.Proposal",
        "gpmatching.Placement",
        "gpmatching.ImportBatch",
        "aci.Contract",
        "aci.ContractMission",
        "aci.Amendment",
        "aci.Schedule",
        "aci.ExpectedPayment",
        "aci.ReceivedPayment",
        "aci.Indicator",
        "aci.IndicatorStep",
        "aci.IndicatorResult",
        "aci.Evidence",  # content carried in clear inside the encrypted archive, re-encrypted
        "aci.Expense",
        "aci.BudgetLine",
    }
)


@dataclass(frozen=True)
class Reference:
    """How a row the tenant points to is found again in the target instance.

    ``key``: the natural key's fields (links inside a key are matched through the target rows found for
    them). ``any_of``: match on the first non-empty field of ``key`` (a structure by FINESS, else SIRET),
    and create a new row when all are empty. ``create``: a missing row is created from the archive's copy
    (``fields``: the fields copied, all of them when empty); otherwise the import is refused."""

    key: tuple[str, ...]
    create: bool
    why: str
    fields: tuple[str, ...] = ()
    any_of: bool = False


# In the order they are resolved: a reference's own links point to the ones above it.
REFERENCED: dict[str, Reference] = {
    "territory.Commune": Reference(
        ("insee",), False, "official geography: the target loads the same vintage (load_communes)"
    ),
    "territory.DatasetVersion": Reference(
        ("dataset", "package", "package_version"), False, "the vintage a signed ACI contract used"
    ),
    "aci.TierGrid": Reference(("name",), False, "ACI grids, loaded by migration"),
    "aci.GridMission": Reference(("grid", "code"), False, "ACI grids, loaded by migration"),
    "directory.Professional": Reference(
        ("idnat",), True, "national directory (RPPS): created when the target's extract lacks it"
    ),
    "directory.Structure": Reference(
        ("finess", "siret"), True, "national directory: by FINESS, else SIRET", any_of=True
    ),
    "directory.PracticePlace": Reference(
        ("professional", "activity_key"), True, "national directory: a professional's place of practice"
    ),
    "accounts.User": Reference(
        ("email",),
        True,
        "accounts by e-mail; a new one is created without password (reset by « mot de passe oublié ») "
        "nor second factor nor instance rights",
        fields=("email", "first_name", "last_name", "phone", "professional", "is_synthetic"),
    ),
}

TENANT_LEFT_OUT = {
    "coordination.EmailInvitation": "pending invitations are bearer links to the source instance's address: "
    "invite again from the target",
    "notifications.Notification": "in-app notices of the source instance, derived from events; unread "
    "counts start afresh",
}

LEFT_OUT = {
    **TENANT_LEFT_OUT,
    "audit.AuditEntry": "the target's chain records the import; the source chain travels as a history "
    "file in the archive, never inserted",
    "audit.AuditChainHead": "state of the target's own chains",
    "accounts.APIToken": "secrets of the source instance",
    "accounts.TrustedDevice": "secrets of the source instance's browsers",
    "accounts.RateCounter": "rate-limit counters",
    "accounts.User_groups": "Django permissions are not used for tenants (cpts/roles.py)",
    "accounts.User_user_permissions": "Django permissions are not used for tenants (cpts/roles.py)",
    "agenda.CalendarToken": "a person's secret feed address on the source instance",
    "notifications.NotificationPreference": "a person's settings on the source instance",
    "notifications.PushSubscription": "bound to the source instance's VAPID key",
    "otp_totp.TOTPDevice": "second-factor secrets: enrolled again on the target",
    "accounts.ProSanteConnectDevice": "the PSC second-factor marker: made again at the next PSC login",
    "otp_static.StaticDevice": "second-factor secrets: enrolled again on the target",
    "otp_static.StaticToken": "second-factor secrets: enrolled again on the target",
    "directory.GeoPoint": "derived from the directory (geographic search)",
    "directory.RppsImportRun": "the source's RPPS loads",
    "directory.RppsStagingRow": "the source's RPPS loads",
    "directory.RppsLineIssue": "the source's RPPS loads",
    "territory.Region": "official geography (load_communes)",
    "territory.Departement": "official geography (load_communes)",
    "territory.EPCI": "official geography (load_communes)",
    "territory.PostalCode": "official geography (load_communes)",
    "nomenclature.Concept": "NOS code systems, loaded by migration; referenced by code, not by link",
    "aci.SizeTier": "ACI grids, loaded by migration",
    "aci.GridAmount": "ACI grids, loaded by migration",
    "admin.LogEntry": "Django admin history of the source instance",
    "auth.Permission": "Django internals",
    "auth.Group": "Django internals",
    "auth.Group_permissions": "Django internals",
    "contenttypes.ContentType": "Django internals",
    "sessions.Session": "sessions of the source instance",
    "jobs.JobFailure": "failures of the source instance's background jobs",
    # A projet de CPTS is owned by no CPTS (Project.cpts is only set, nullable, when it becomes one): it stays
    # on its instance as the history of how the CPTS was created; what it handed over (territory, members,
    # stage) is the CPTS's own rows, exported above.
    "projects.Project": "a project before its CPTS, owned by no CPTS: stays on the instance as its history",
    "projects.StageChange": "a project's history (projects.Project)",
    "projects.ProjectMember": "a project's porteurs (projects.Project); the CPTS's memberships are exported",
    "projects.Invitation": "a project's invitations (projects.Project)",
    "projects.Partner": "a project's structures (projects.Project)",
    "projects.ProjectCommune": "a project's communes (projects.Project); the CPTS's territory is exported",
    "projects.AmiDossier": "a project's AMI (projects.Project)",
    "projects.LetterDossier": "a project's lettre d'intention (projects.Project)",
    "projects.Submission": "a dossier sent by a project (projects.Project), kept with it",
    "projects.Referent": "an ARS / CPAM referent of a région or département: the instance's, not a CPTS's",
    "projects.Review": "a referent's comment or decision on a project's dossier (projects.Project)",
    # The association of a project: the project's history too (what the CPTS keeps of it, SIRET, date of
    # creation and seat, is carried into the CPTS row at the conversion, exported above).
    "association.Statutes": "a project's statuts draft (projects.Project); the CPTS keeps its SIRET and seat",
    "association.College": "a project's statuts draft (association.Statutes)",
    "association.RuleItem": "a project's règlement intérieur draft (association.Statutes)",
    "association.FoundingMember": "a project's founding members (projects.Project), kept with it",
    "association.ConstitutiveAssembly": "a project's AG constitutive (projects.Project), kept with it",
    "association.LegalEntity": "a project's association identifiers, carried into the CPTS row at conversion",
    "healthplan.HealthPlan": "a project's projet de santé (projects.Project): stays with the project; its "
    "objectives are in the CPTS's ACI contract (exported)",
    "healthplan.Chapter": "a chapter of a projet de santé (healthplan.HealthPlan)",
    "healthplan.ChapterVersion": "a chapter's history (healthplan.HealthPlan)",
    "healthplan.ActionSheet": "a fiche-action of a projet de santé (healthplan.HealthPlan)",
    "healthplan.ActionSheetVersion": "a fiche-action's history (healthplan.HealthPlan)",
    "healthplan.SheetIndicator": "a fiche-action's indicator (healthplan.HealthPlan); the contract's are "
    "exported",
    "healthplan.PlannedExpense": "a projet de santé's budget line (healthplan.HealthPlan)",
    "docgen.TemplateOverride": "the source instance's document templates (instance-wide, not a CPTS's)",
    "diagnostic.AgeStructure": "INSEE census by commune (load_age_structure)",
    "diagnostic.ImportedDataset": "reference figures of the instance, imported per commune, not the CPTS's",
    "diagnostic.ImportedValue": "reference figures of the instance, imported per commune, not the CPTS's",
    # Typed in for a project or a CPTS (a generic owner): sources re-read on Rézone CPTS; not carried over.
    "diagnostic.TypedFigure": "figures typed in from Rézone CPTS for one territory, re-typed at the source",
}
# The job queue (PostgreSQL only, jobs/engine.py): the source instance's work in progress, not data.
if "procrastinate.contrib.django" in settings.INSTALLED_APPS:
    LEFT_OUT |= {
        f"procrastinate.{name}": "the source instance's job queue (jobs/engine.py)"
        for name in (
            "ProcrastinateJob",
            "ProcrastinateEvent",
            "ProcrastinateWorker",
            "ProcrastinatePeriodicDefer",
        )
    }


def model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def all_labels() -> set[str]:
    return {m._meta.label for m in apps.get_models(include_auto_created=True)}


def owner_field(m: type[models.Model]) -> str | None:
    """The link that makes a model tenant-owned: ``cpts`` for a TenantModel, else its first required
    cascading link to a tenant-owned model (an ACI contract's missions, schedules...)."""
    if issubclass(m, TenantModel):
        return "cpts"
    for field in m._meta.concrete_fields:
        if not field.is_relation or field.null or field.related_model is m:
            continue
        if field.remote_field.on_delete is models.CASCADE and is_owned(field.related_model):
            return field.name
    return None


@cache
def is_owned(m: type[models.Model]) -> bool:
    return m is CPTS or owner_field(m) is not None


def owned_models() -> set[str]:
    """Every tenant-owned model, found by walking the links (auto-created tables left aside)."""
    return {m._meta.label for m in apps.get_models() if is_owned(m)}


def links(m: type[models.Model]) -> list[models.Field]:
    """Concrete links (foreign keys, one-to-one) of a model."""
    return [f for f in m._meta.concrete_fields if f.is_relation]


def exported_order() -> list[str]:
    """EXPORTED sorted so that every row comes after the rows it links to (self-links left for later)."""
    first = (ROOT, "cpts.TerritoryCommune")  # a territory taken elsewhere is refused before the rest is read
    pending = set(EXPORTED)
    order: list[str] = []
    while pending:
        ready = sorted(
            (
                label
                for label in pending
                if all(
                    f.related_model._meta.label not in pending or f.related_model._meta.label == label
                    for f in links(model(label))
                )
            ),
            key=lambda label: (label not in first, label),
        )
        if not ready:
            raise RuntimeError(f"links in a cycle between exported models: {sorted(pending)}")
        order += ready
        pending -= set(ready)
    return order


def rows_of(label: str, cpts: CPTS):
    """The queryset of one exported model's rows belonging to ``cpts``, by its ownership path."""
    from cpts.scoping import scoped

    m = model(label)
    if m is CPTS:
        return CPTS.objects.filter(pk=cpts.pk)
    owner = owner_field(m)
    if owner == "cpts":
        return scoped(m, cpts).order_by("pk")
    parent = m._meta.get_field(owner).related_model
    return m._default_manager.filter(
        **{f"{owner}__in": rows_of(parent._meta.label, cpts).values("pk")}
    ).order_by("pk")


def auto_m2m(m: type[models.Model]) -> list[models.ManyToManyField]:
    """Many-to-many fields whose table Django creates (the others are exported models themselves)."""
    return [f for f in m._meta.many_to_many if f.remote_field.through._meta.auto_created]


def carried_tables() -> set[str]:
    """The tables Django creates for the many-to-many fields of exported models (``m2m`` records)."""
    return {f.remote_field.through._meta.label for label in EXPORTED for f in auto_m2m(model(label))}
