"""Every create, update and delete of a domain model lands in the audit trail.

Only field *names* are recorded, never values: the trail must not become a second copy of health
data or of secrets. Bulk loads of reference data (communes, RPPS) bypass signals and record one
entry for the whole load instead. Other writes that bypass the signals (queryset ``update()``,
``bulk_create()``, ``bulk_update()``) call ``audit.log.record_bulk`` next to the write
(audit/tests/test_bulk_writes.py checks it); queryset ``delete()`` sends ``post_delete`` per row.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_init, post_save

AUDITED_APPS = {
    "accounts",
    "cpts",
    "directory",
    "aci",
    "coordination",
    "agenda",
    "documents",
    "news",
    "unscheduled",
    "gpmatching",
    "privacy",
    "projects",
    "association",
    "healthplan",
    "otp_totp",
    "otp_static",
}
SKIPPED_MODELS = {
    "directory.rppsstagingrow",
    "directory.rppslineissue",
    "directory.geopoint",
    "accounts.ratecounter",
}  # rate-limit counters, not domain data


def _tenant_chain(instance) -> int | None:
    if instance._meta.label_lower == "cpts.cpts":
        return instance.pk
    return getattr(instance, "cpts_id", None)


def _snapshot(instance) -> dict:
    # Loaded fields only: reading a deferred field (a queryset with .only()) would query again and recurse.
    loaded = instance.__dict__
    return {f.attname: loaded[f.attname] for f in instance._meta.concrete_fields if f.attname in loaded}


def _on_init(sender, instance, **kwargs):
    if instance.pk is not None:
        instance._audit_initial = _snapshot(instance)


def _on_save(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    from audit.log import record

    if created:
        record("create", obj=instance, cpts_id=_tenant_chain(instance))
        instance._audit_initial = _snapshot(instance)
        return
    before = getattr(instance, "_audit_initial", None)
    now = _snapshot(instance)
    if before is None:
        changed = sorted(update_fields) if update_fields else ["(inconnu)"]
    else:
        changed = sorted(
            k
            for k, v in now.items()
            if (k in before and before[k] != v) or (k not in before and update_fields and k in update_fields)
        )
    if not changed:
        return
    record("update", obj=instance, cpts_id=_tenant_chain(instance), details={"fields": changed})
    instance._audit_initial = now


def _on_delete(sender, instance, **kwargs):
    from audit.log import record

    record("delete", obj=instance, cpts_id=_tenant_chain(instance))


def connect_model_signals():
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in AUDITED_APPS or label in SKIPPED_MODELS:
            continue
        post_init.connect(_on_init, sender=model, dispatch_uid=f"audit-init-{label}")
        post_save.connect(_on_save, sender=model, dispatch_uid=f"audit-save-{label}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"audit-delete-{label}")
