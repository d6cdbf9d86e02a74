"""Export one CPTS into an encrypted archive (portability/archive.py), read by ``actions.import_cpts``.

Records, in order: ``manifest`` (source, counts), ``refs`` (the rows of REFERENCED models the tenant's rows
link to, with their natural keys), ``rows`` of each EXPORTED model in link order (primary keys and links
as in the source, remapped by the import), ``m2m`` pairs, ``content`` (the clear content of each encrypted
row, its SHA-256 checked), ``audit`` (the source chain of the CPTS, as signed by the source's key: a history
file, never inserted in the target's chain), and ``end`` with the counts again.
"""

import base64
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.log import record
from audit.models import AuditEntry
from cpts.models import CPTS
from documents.crypto import IntegrityFailure
from opencpts.errors import ActionError
from portability import archive, catalogue, contents, rows

FORMAT = 1
BATCH = 500
AUDIT_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


@dataclass
class ExportReport:
    counts: dict[str, int] = field(default_factory=dict)
    referenced: dict[str, int] = field(default_factory=dict)
    contents: int = 0
    audit_entries: int = 0
    clear_bytes: int = 0


def is_instance_admin(user) -> bool:
    return bool(user and user.is_active and (user.is_staff or user.is_superuser))


def require_instance_admin(user) -> None:
    if not is_instance_admin(user):
        raise ActionError(
            "Seul un administrateur de l'instance peut exporter ou importer les données d'une CPTS."
        )


def _referenced_ids(cpts: CPTS) -> dict[str, set]:
    """The ids of every referenced row the export needs, closed over the references' own links."""
    needed: dict[str, set] = defaultdict(set)
    for label in catalogue.EXPORTED:
        m = catalogue.model(label)
        for f in catalogue.links(m):
            target = f.related_model._meta.label
            if target in catalogue.REFERENCED:
                ids = (
                    catalogue.rows_of(label, cpts)
                    .exclude(**{f.attname: None})
                    .values_list(f.attname, flat=True)
                )
                needed[target] |= set(ids.distinct())
        for m2m in catalogue.auto_m2m(m):
            through = m2m.remote_field.through
            target_field = m2m.m2m_reverse_field_name()
            source_field = m2m.m2m_field_name()
            ids = through.objects.filter(
                **{f"{source_field}__in": catalogue.rows_of(label, cpts).values("pk")}
            )
            needed[m2m.related_model._meta.label] |= set(ids.values_list(f"{target_field}_id", flat=True))
    for label in reversed(list(catalogue.REFERENCED)):
        m, ref = catalogue.model(label), catalogue.REFERENCED[label]
        for f in catalogue.links(m):
            target = f.related_model._meta.label
            follow = f.name in ref.key or (ref.create and (not ref.fields or f.name in ref.fields))
            if follow and target in catalogue.REFERENCED:
                for chunk in rows.batched(sorted(needed[label]), BATCH):
                    ids = m._default_manager.filter(pk__in=chunk).exclude(**{f.attname: None})
                    needed[target] |= set(ids.values_list(f.attname, flat=True))
    return needed


def _write_refs(writer, needed: dict[str, set], report: ExportReport) -> None:
    for label, ref in catalogue.REFERENCED.items():
        m = catalogue.model(label)
        # a row found again is found by its key: only a row that may be created carries its other fields
        fields = rows.copied_fields(m, ref.fields or (() if ref.create else ref.key))
        fields = fields if ref.create or ref.fields else [f for f in fields if f.name in ref.key]
        wanted = sorted(needed.get(label, ()))
        report.referenced[label] = len(wanted)
        for chunk in rows.batched(wanted, BATCH):
            objs = m._default_manager.filter(pk__in=chunk).order_by("pk")
            writer.write(
                {
                    "type": "refs",
                    "model": label,
                    "rows": [{"pk": o.pk, "fields": rows.dump(o, fields)} for o in objs],
                }
            )


def _write_contents(writer, label: str, cpts: CPTS, report: ExportReport) -> None:
    m = catalogue.model(label)
    store = contents.store_for(m)
    if store is None:
        return
    for row in catalogue.rows_of(label, cpts).select_related(*store.related).iterator(chunk_size=50):
        try:
            data = contents.read_plaintext(store, row)
        except IntegrityFailure as exc:
            raise ActionError(
                f"Le contenu chiffré « {store.label} » n° {row.pk} ne se déchiffre pas ({exc}) : export "
                "interrompu, aucune archive écrite. Vérifiez OPENCPTS_DOCUMENT_KEYS "
                "(rotate_document_keys --verify)."
            ) from exc
        writer.write(
            {"type": "content", "model": label, "pk": row.pk, "data": base64.b64encode(data).decode()}
        )
        report.contents += 1
        report.clear_bytes += len(data)


def _write_model(writer, label: str, cpts: CPTS, report: ExportReport, progress, total: int) -> None:
    m = catalogue.model(label)
    fields = rows.copied_fields(m)
    n = 0
    for chunk in rows.batched(catalogue.rows_of(label, cpts).iterator(chunk_size=BATCH), BATCH):
        writer.write(
            {
                "type": "rows",
                "model": label,
                "rows": [{"pk": o.pk, "fields": rows.dump(o, fields)} for o in chunk],
            }
        )
        n += len(chunk)
        progress(label, n, total)
    report.counts[label] = n
    for m2m in catalogue.auto_m2m(m):
        through = m2m.remote_field.through
        source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        pairs = through.objects.filter(**{f"{source}__in": catalogue.rows_of(label, cpts).values("pk")})
        pairs = list(pairs.order_by("pk").values_list(f"{source}_id", f"{target}_id"))
        for chunk in rows.batched(pairs, BATCH * 4):
            writer.write({"type": "m2m", "model": label, "field": m2m.name, "pairs": chunk})
    _write_contents(writer, label, cpts, report)


def _write_audit(writer, cpts: CPTS, report: ExportReport) -> None:
    entries = AuditEntry.objects.filter(chain=cpts.pk).order_by("seq")
    for chunk in rows.batched(entries.iterator(chunk_size=2000), 2000):
        writer.write({"type": "audit", "entries": [rows.dump(e, AUDIT_FIELDS) for e in chunk]})
        report.audit_entries += len(chunk)


def export_cpts(
    cpts: CPTS, out, passphrase: str, *, by, progress: Callable[[str, int, int], None] | None = None
) -> ExportReport:
    """Write the archive of ``cpts`` to the binary file ``out`` (the caller removes it if this raises).
    Recorded as an export in the CPTS's audit chain."""
    require_instance_admin(by)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":  # one snapshot of all tables, whatever is written
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _export(cpts, out, passphrase, progress or (lambda label, n, total: None))


def _export(cpts: CPTS, out, passphrase: str, progress) -> ExportReport:
    writer = archive.Writer(out, passphrase)
    report = ExportReport()
    order = catalogue.exported_order()
    counts = {label: catalogue.rows_of(label, cpts).count() for label in order}
    writer.write(
        {
            "type": "manifest",
            "format": FORMAT,
            "exported_at": timezone.now().isoformat(),
            "source": {
                "site": settings.OPENCPTS_BASE_URL,
                "slug": cpts.slug,
                "name": cpts.name,
                "id": cpts.pk,
            },
            "counts": counts,
        }
    )
    _write_refs(writer, _referenced_ids(cpts), report)
    for label in order:
        _write_model(writer, label, cpts, report, progress, counts[label])
    _write_audit(writer, cpts, report)
    writer.write({"type": "end", "counts": report.counts, "contents": report.contents})
    writer.close()
    record(
        AuditEntry.Action.EXPORT,
        obj=cpts,
        cpts_id=cpts.pk,
        details={"export": "cpts_archive", "counts": report.counts, "contents": report.contents},
    )
    return report
