"""Import a CPTS archive (portability/export.py) into this instance, all or nothing.

One transaction: the CPTS is created (refused if its slug or name exists), its communes added through the
one rule that keeps territories apart (``cpts.territory.add_communes``), the referenced rows found by their
natural keys (or created, when ``catalogue.REFERENCED`` allows), every exported row copied with a new
primary key and its links remapped, each encrypted content re-encrypted under this instance's current key.
Every write is in this instance's audit chain of the new CPTS (``record_bulk`` per batch, a final decision
entry); the source's chain is handed to ``on_history`` (a history file), never inserted. A wrong passphrase,
an altered or truncated archive, a missing reference or a collision raise ``ActionError`` (French) and leave
nothing behind.
"""

import base64
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction

from accounts.models import User
from audit.log import record, record_bulk
from audit.models import AuditEntry
from cpts.models import CPTS
from cpts.territory import add_communes
from documents.crypto import IntegrityFailure
from documents.models import DocumentVersion
from opencpts.errors import ActionError
from opencpts.french import count
from portability import archive, catalogue, contents, rows
from portability.export import FORMAT, require_instance_admin
from territory.models import Commune

CONTENT_FLUSH_BYTES = 32 << 20


@dataclass
class ImportReport:
    cpts: CPTS | None = None
    counts: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    contents: int = 0
    history: int = 0
    source: dict = field(default_factory=dict)


def _altered(detail: str) -> archive.ArchiveError:
    return archive.ArchiveError(f"Archive invalide ({detail}) : import annulé, rien n'a été écrit.")


class _Import:
    def __init__(self, by, progress, on_history):
        self.by, self.progress, self.on_history = by, progress, on_history
        self.maps: dict[str, dict] = defaultdict(dict)  # label -> {source pk: target pk}
        self.deferred: dict[str, list] = defaultdict(list)  # label -> [(target pk, attname, source pk)]
        self.report = ImportReport()
        self.expected: dict[str, int] = {}
        self.pending_contents: list = []
        self.pending_bytes = 0
        self.ended = False

    def handle(self, rec: dict) -> None:
        handler = {
            "manifest": self._manifest,
            "refs": self._refs,
            "rows": self._rows,
            "m2m": self._m2m,
            "content": self._content,
            "audit": self._audit,
            "end": self._end,
        }.get(rec.get("type"))
        if handler is None or self.ended or (rec.get("type") != "manifest" and not self.expected):
            raise _altered(f"enregistrement inattendu « {rec.get('type')} »")
        handler(rec)

    # -- links and values

    def _values(self, m, label: str, data: dict) -> tuple[dict, list]:
        """Decoded values by attname, links remapped; self-links put aside (set once all rows exist)."""
        values, later = {}, []
        for name, raw in data.items():
            try:
                f = m._meta.get_field(name)
            except Exception as exc:  # noqa: BLE001 - FieldDoesNotExist: another version of the schema
                raise _altered(f"champ inconnu {label}.{name} : versions différentes d'OpenCPTS ?") from exc
            value = rows.decode(f, raw)
            if f.is_relation and value is not None:
                target = f.related_model._meta.label
                if target == label and label in catalogue.EXPORTED and not f.primary_key:
                    later.append((f.attname, value))
                    value = None
                elif value in self.maps[target]:
                    value = self.maps[target][value]
                else:
                    raise _altered(f"{label}.{name} désigne une ligne absente de l'archive")
            values[f.attname] = value
        return values, later

    # -- records

    def _manifest(self, rec: dict) -> None:
        if self.expected or rec.get("format") != FORMAT:
            raise _altered("format d'archive inconnu")
        self.expected = dict(rec.get("counts") or {})
        self.report.source = dict(rec.get("source") or {})
        unknown = set(self.expected) - catalogue.EXPORTED
        if unknown:
            raise _altered(f"modèles inconnus de cette instance : {', '.join(sorted(unknown))}")

    def _refs(self, rec: dict) -> None:
        label = rec.get("model")
        ref = catalogue.REFERENCED.get(label)
        if ref is None or self.report.cpts is not None:
            raise _altered(f"référence inattendue « {label} »")
        m = catalogue.model(label)
        missing = []
        for row in rec["rows"]:
            values, _ = self._values(m, label, row["fields"])
            found = _find(m, ref, values, row["pk"])
            if found is not None:
                self.report.found[label] = self.report.found.get(label, 0) + 1
            elif ref.create:
                found = _create_reference(m, values)
                self.report.created[label] = self.report.created.get(label, 0) + 1
            else:
                missing.append(str(row["pk"]))
                continue
            self.maps[label][row["pk"]] = found
        if missing:
            raise ActionError(
                f"Import refusé : il manque à cette instance {count(len(missing), 'ligne', 'lignes')} de "
                f"« {m._meta.verbose_name} » ({', '.join(missing[:10])}{'…' if len(missing) > 10 else ''}). "
                "Chargez les mêmes "
                "données de référence (load_communes, migrations) avant d'importer."
            )

    def _rows(self, rec: dict) -> None:
        label = rec.get("model")
        if label not in catalogue.EXPORTED:
            raise _altered(f"modèle inattendu « {label} »")
        if label == catalogue.ROOT:
            return self._root(rec["rows"])
        if self.report.cpts is None:
            raise _altered("lignes avant la CPTS")
        if label == "cpts.TerritoryCommune":
            return self._territory(rec["rows"])
        return self._copy(label, rec["rows"])

    def _root(self, data: list) -> None:
        if self.report.cpts is not None or len(data) != 1:
            raise _altered("une seule CPTS par archive")
        values, _ = self._values(CPTS, catalogue.ROOT, data[0]["fields"])
        if CPTS.objects.filter(slug=values.get("slug")).exists():
            raise ActionError(
                f"Import refusé : une CPTS d'identifiant « {values.get('slug')} » existe déjà sur cette "
                "instance.",
                conflict=True,
            )
        if CPTS.objects.filter(name=values.get("name")).exists():
            raise ActionError(
                f"Import refusé : une CPTS nommée « {values.get('name')} » existe déjà sur cette instance.",
                conflict=True,
            )
        with rows.keeping_times([CPTS]):
            cpts = CPTS.objects.create(**values)
        self.report.cpts = cpts
        self.maps[catalogue.ROOT][data[0]["pk"]] = cpts.pk
        self.report.counts[catalogue.ROOT] = 1

    def _territory(self, data: list) -> None:
        label = "cpts.TerritoryCommune"
        by_insee = {}
        for row in data:
            values, _ = self._values(catalogue.model(label), label, row["fields"])
            by_insee[values["commune_id"]] = row["pk"]
        communes = list(Commune.objects.filter(insee__in=by_insee).order_by("insee"))
        for link in add_communes(self.report.cpts, communes, self.by):
            self.maps[label][by_insee[link.commune_id]] = link.pk
        self._count(label, len(data))

    def _copy(self, label: str, data: list) -> None:
        m = catalogue.model(label)
        if contents.written_with_content(m):
            return self._await_contents(label, m, data)
        store = contents.store_for(m)
        objs, later = [], []
        for row in data:
            values, deferred = self._values(m, label, row["fields"])
            if store is not None:
                values |= contents.placeholder(store)
            objs.append(m(**values))
            later.append((row["pk"], deferred))
        try:
            with transaction.atomic(), rows.keeping_times([m]):
                m._default_manager.bulk_create(objs)
        except IntegrityError as exc:
            raise ActionError(
                f"Import refusé : des lignes « {m._meta.verbose_name} » entrent en conflit avec des données "
                f"de cette instance ({exc}). Rien n'a été écrit.",
                conflict=True,
            ) from exc
        for obj, (old, deferred) in zip(objs, later, strict=True):
            self.maps[label][old] = obj.pk
            self.deferred[label] += [(obj.pk, attname, target) for attname, target in deferred]
        record_bulk("create", m, [o.pk for o in objs], cpts_id=self.report.cpts.pk, details={"import": True})
        self._count(label, len(objs))

    def _count(self, label: str, n: int) -> None:
        self.report.counts[label] = self.report.counts.get(label, 0) + n
        self.progress(label, self.report.counts[label], self.expected.get(label, 0))

    def _m2m(self, rec: dict) -> None:
        label = rec.get("model")
        if label not in catalogue.EXPORTED:
            raise _altered(f"modèle inattendu « {label} »")
        m2m = catalogue.model(label)._meta.get_field(rec.get("field"))
        through = m2m.remote_field.through
        target = m2m.related_model._meta.label
        try:
            pairs = [(self.maps[label][a], self.maps[target][b]) for a, b in rec["pairs"]]
        except KeyError as exc:
            raise _altered(f"{label}.{m2m.name} désigne une ligne absente de l'archive") from exc
        source_name, target_name = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        links = [through(**{f"{source_name}_id": a, f"{target_name}_id": b}) for a, b in pairs]
        through.objects.bulk_create(links)
        record_bulk(
            "create", through, [x.pk for x in links], cpts_id=self.report.cpts.pk, details={"import": True}
        )

    def _await_contents(self, label: str, m, data: list) -> None:
        """Document blobs: their rows are written with their contents (``_content``), by the documents app."""
        for row in data:
            values, _ = self._values(m, label, row["fields"])
            self.maps[label][row["pk"]] = values[m._meta.pk.attname]
        self._count(label, len(data))

    def _content(self, rec: dict) -> None:
        label = rec.get("model")
        m = catalogue.model(label) if label in catalogue.EXPORTED else None
        store = contents.store_for(m) if m else None
        new_pk = self.maps[label].get(rec.get("pk")) if store else None
        if new_pk is None:
            raise _altered("contenu sans sa ligne")
        data = base64.b64decode(rec["data"])
        try:
            if contents.written_with_content(m):
                contents.write_document(DocumentVersion.objects.get(pk=new_pk), data)
            else:
                row = m._default_manager.select_related(*store.related).get(pk=new_pk)
                self.pending_contents.append((row, contents.encrypt_into(store, row, data)))
                self.pending_bytes += len(data)
        except IntegrityFailure as exc:
            raise _altered(f"contenu « {store.label} » n° {rec.get('pk')} : {exc}") from exc
        self.report.contents += 1
        if self.pending_bytes > CONTENT_FLUSH_BYTES or len(self.pending_contents) >= 100:
            self._flush_contents()

    def _flush_contents(self) -> None:
        by_model = defaultdict(list)
        names = defaultdict(set)
        for row, fields in self.pending_contents:
            by_model[type(row)].append(row)
            names[type(row)] |= set(fields)
        for m, objs in by_model.items():
            m._default_manager.bulk_update(objs, sorted(names[m]))
            record_bulk("update", m, [o.pk for o in objs], names[m], cpts_id=self.report.cpts.pk)
        self.pending_contents, self.pending_bytes = [], 0

    def _audit(self, rec: dict) -> None:
        entries = rec.get("entries") or []
        self.report.history += len(entries)
        if self.on_history:
            self.on_history(entries)

    def _end(self, rec: dict) -> None:
        if self.report.cpts is None:
            raise _altered("aucune CPTS")
        self._flush_contents()
        self._link_later()
        if rec.get("counts") != self.expected or rec.get("contents") != self.report.contents:
            raise _altered("les comptes de fin ne correspondent pas")
        mismatched = [label for label, n in self.expected.items() if self.report.counts.get(label, 0) != n]
        if mismatched:
            raise _altered(f"lignes manquantes : {', '.join(mismatched)}")
        for label, mapped in self.maps.items():
            m = catalogue.model(label)
            store = contents.store_for(m)
            if store is None:
                continue
            written = catalogue.rows_of(label, self.report.cpts).exclude(key_id="").count()
            if written != len(mapped):
                raise _altered(f"contenu « {store.label} » manquant")
        self.ended = True

    def _link_later(self) -> None:
        for label, items in self.deferred.items():
            m = catalogue.model(label)
            for chunk in rows.batched(items, 500):
                objs = {o.pk: o for o in m._default_manager.filter(pk__in=[pk for pk, _, _ in chunk])}
                names = set()
                for pk, attname, old_target in chunk:
                    if old_target not in self.maps[label]:
                        raise _altered(f"{label} désigne une ligne absente de l'archive")
                    setattr(objs[pk], attname, self.maps[label][old_target])
                    names.add(attname)
                m._default_manager.bulk_update(list(objs.values()), sorted(names))
                fields = [n.removesuffix("_id") for n in names]
                record_bulk("update", m, list(objs), fields, cpts_id=self.report.cpts.pk)


def _find(m: type[models.Model], ref: catalogue.Reference, values: dict, source_pk):
    """The target's row for a reference, by its natural key; None when absent (or when ``any_of`` finds every
    key field empty)."""
    key = {}
    for name in ref.key:
        f = m._meta.get_field(name)
        key[f.attname] = source_pk if f.primary_key else values.get(f.attname)
    if ref.any_of:
        key = next(({k: v} for k, v in key.items() if v), None)
        if key is None:
            return None
    return m._default_manager.filter(**key).values_list("pk", flat=True).first()


def _create_reference(m: type[models.Model], values: dict):
    if m is User:
        professional = values.pop("professional_id", None)
        if professional and User.objects.filter(professional_id=professional).exists():
            professional = None  # that professional's record is already another account's here
        user = User.objects.create_user(values.pop("email"), None, professional_id=professional, **values)
        return user.pk
    obj = m(**values)
    obj.save()
    return obj.pk


def import_cpts(
    source,
    passphrase: str,
    *,
    by,
    progress: Callable[[str, int, int], None] | None = None,
    on_history: Callable[[list], None] | None = None,
) -> ImportReport:
    """Load the archive read from the binary file ``source``; see the module's docstring."""
    require_instance_admin(by)
    state = _Import(by, progress or (lambda label, n, total: None), on_history)
    with transaction.atomic():
        for rec in archive.read(source, passphrase):
            state.handle(rec)
        if not state.ended:
            raise archive.ArchiveError("L'archive est incomplète : import annulé, rien n'a été écrit.")
        cpts = state.report.cpts
        details = {
            "decision": "cpts_imported",
            "source": state.report.source,
            "counts": state.report.counts,
            "contents": state.report.contents,
            "source_history_entries": state.report.history,
        }
        record(AuditEntry.Action.DECISION, obj=cpts, cpts_id=cpts.pk, details=details)
        record(AuditEntry.Action.DECISION, obj=cpts, details=details)
    return state.report
