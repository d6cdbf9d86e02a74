"""Importing a list of patients without a médecin traitant (e.g. sent by the CPAM) from a CSV file.

``parse`` reads and checks the whole file (encoding UTF-8 or Windows-1252/Latin-1, separator ; , or tab, the
header's columns) and every line with the same rules as the forms (``intake.clean``), and keeps a
``ImportBatch`` in preview: the valid rows and a per-line report. ``apply`` writes them in one transaction:
all of them, or — when the coordinator explicitly chose to leave the lines in error aside — all the valid
ones; never part of what was asked."""

from __future__ import annotations

import csv
import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.log import record_bulk
from cpts.models import CPTS
from gpmatching import intake
from gpmatching.models import ImportBatch, Request
from opencpts import csvfiles
from opencpts.errors import ActionError
from opencpts.french import count
from territory.text import normalize

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 20_000
# Column (normalised header) -> field. Several spellings are accepted for the same field.
COLUMNS = {
    "nom": "last_name",
    "nom de naissance": "last_name",
    "nom d usage": "last_name",
    "prenom": "first_name",
    "prenoms": "first_name",
    "date naissance": "birth_date",
    "date de naissance": "birth_date",
    "naissance": "birth_date",
    "nir": "nir",
    "numero de securite sociale": "nir",
    "commune": "commune",
    "code insee": "commune",
    "code commune": "commune",
    "insee": "commune",
    "telephone": "phone",
    "tel": "phone",
    "email": "email",
    "e mail": "email",
    "courriel": "email",
    "adresse": "address",
    "ald": "ald",
    "c2s": "c2s",
    "ame": "ame",
    "handicap": "disability",
    "grossesse": "pregnancy",
    "maladie chronique": "chronic",
    "visites a domicile": "home_visits",
    "visite a domicile": "home_visits",
    "visites domicile": "home_visits",  # the template's own column (TEMPLATE_HEADER)
    "date demande": "waiting_since",
    "date de la demande": "waiting_since",
    "en attente depuis": "waiting_since",
}
REQUIRED = {"last_name": "nom", "first_name": "prenom", "birth_date": "date_naissance", "commune": "commune"}
FLAGS = {"ald", "c2s", "ame", "disability", "pregnancy", "chronic", "home_visits"}
FLAG_COLUMNS = {
    "ald": "ald",
    "c2s": "c2s",
    "ame": "ame",
    "disability": "handicap",
    "pregnancy": "grossesse",
    "chronic": "maladie_chronique",
    "home_visits": "visites_domicile",
}  # as in TEMPLATE_HEADER
TRUE = {"oui", "o", "1", "x", "vrai", "true", "yes"}
FALSE = {"", "non", "n", "0", "faux", "false", "no"}
TEMPLATE_HEADER = (
    "nom;prenom;date_naissance;nir;commune;telephone;email;adresse;ald;c2s;ame;handicap;grossesse;"
    "maladie_chronique;visites_domicile;date_demande"
)


def _header(fields: list[str]) -> list[str | None]:
    mapped = [COLUMNS.get(normalize(f.replace("_", " "))) for f in fields]
    missing = [label for field, label in REQUIRED.items() if field not in mapped]
    if missing:
        unknown = [f for f, m in zip(fields, mapped, strict=True) if m is None and f.strip()]
        hint = f" Colonnes non reconnues : {', '.join(unknown[:8])}." if unknown else ""
        raise ActionError(
            f"Colonnes obligatoires absentes : {', '.join(missing)}.{hint} En-tête attendu : "
            f"{TEMPLATE_HEADER}"
        )
    seen = [m for m in mapped if m]
    twice = [f.strip() for f, m in zip(fields, mapped, strict=True) if m and seen.count(m) > 1]
    if twice:
        raise ActionError(f"Colonnes en double dans l'en-tête : {', '.join(twice)}.")
    return mapped


def _row(cpts: CPTS, mapped: list[str | None], values: list[str], today: dt.date) -> dict:
    if len(values) != len(mapped):
        raise ActionError(f"{len(values)} colonnes au lieu de {len(mapped)} (séparateur dans une valeur ?).")
    data: dict = {"consent": True}
    for field, raw in zip(mapped, values, strict=True):
        if field is None:
            continue
        raw = (raw or "").strip()
        if field in FLAGS:
            low = normalize(raw)
            if low not in TRUE | FALSE:
                raise ActionError(f"Valeur « {raw} » pour {FLAG_COLUMNS[field]} : oui ou non attendu.")
            data[field] = low in TRUE
        elif field in ("birth_date", "waiting_since"):
            day = csvfiles.parse_date(raw) if raw else None
            if raw and day is None:
                raise ActionError(f"Date « {raw} » illisible : JJ/MM/AAAA attendu.")
            data[field] = day
        else:
            data[field] = raw
    code = str(data.get("commune") or "")
    if code.isdigit() and len(code) == 4:  # a spreadsheet dropped the leading zero (01034 → 1034)
        data["commune"] = code.zfill(5)
    since = data.get("waiting_since")
    if since and since > today:
        raise ActionError("La date de la demande est dans le futur.")
    fields = intake.clean(cpts, data, public=False, today=today)
    row = {k: v for k, v in fields.items() if k != "commune"}
    row["commune"] = fields["commune"].insee
    row["birth_date"] = fields["birth_date"].isoformat()
    if since:
        row["waiting_since"] = since.isoformat()
    return row


def parse(cpts: CPTS, filename: str, content: bytes, by, today: dt.date | None = None) -> ImportBatch:
    today = today or timezone.localdate()
    if not content:
        raise ActionError("Le fichier est vide.")
    if len(content) > MAX_BYTES:
        raise ActionError(f"Fichier trop volumineux : {MAX_BYTES // 1024 // 1024} Mo au plus.")
    reader = csvfiles.rows(csvfiles.decode(content))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ActionError("Le fichier est vide.") from exc
    mapped = _header(header)
    rows, issues, keys, total = [], [], {}, 0
    try:
        for line_no, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            total += 1
            if total > MAX_LINES:
                raise ActionError(f"Trop de lignes : {MAX_LINES} au plus par import.")
            try:
                row = _row(cpts, mapped, values, today)
            except ActionError as exc:
                issues.append({"line": line_no, "message": exc.message})
                continue
            key = intake.identity_key(
                row["last_name"], row["first_name"], dt.date.fromisoformat(row["birth_date"])
            )
            if key in keys:
                row["duplicate_of_line"] = keys[key]
            keys.setdefault(key, line_no)
            row["line"] = line_no
            rows.append(row)
    except csv.Error as exc:
        raise ActionError(f"Fichier CSV mal formé : {exc}.") from exc
    if total == 0:
        raise ActionError("Le fichier ne contient aucune ligne après l'en-tête.")
    return ImportBatch.objects.create(
        cpts=cpts, filename=filename[:200], rows=rows, issues=issues, total_lines=total, created_by=by
    )


@transaction.atomic
def apply(batch: ImportBatch, by, skip_errors: bool = False) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.PREVIEW:
        raise ActionError("Cet import a déjà été traité.")
    if batch.issues and not skip_errors:
        raise ActionError(
            f"{count(len(batch.issues), 'ligne')} en erreur : corrigez le fichier, ou choisissez "
            "explicitement d'importer seulement les lignes valides."
        )
    created = merged = 0
    for row in batch.rows:
        data = dict(row, consent=True)
        data["birth_date"] = dt.date.fromisoformat(row["birth_date"])
        if row.get("waiting_since"):
            data["waiting_since"] = dt.date.fromisoformat(row["waiting_since"])
        try:
            result = intake.submit_for_patient(batch.cpts, data, by, source=Request.Source.IMPORT)
        except ActionError as exc:
            # Something changed since the preview (e.g. the territory): nothing of the list is kept.
            raise ActionError(f"Ligne {row['line']} : {exc.message} Rien n'a été importé.") from exc
        created += not result.merged
        merged += result.merged
    batch.status, batch.applied_at, batch.created, batch.merged = (
        ImportBatch.Status.APPLIED,
        timezone.now(),
        created,
        merged,
    )
    batch.rows = []  # the personal data now live in the requests only
    batch.save()
    return batch


@transaction.atomic
def cancel(batch: ImportBatch) -> None:
    if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
        status=ImportBatch.Status.CANCELLED, rows=[]
    ):
        record_bulk("update", ImportBatch, [batch.pk], ["status", "rows"], cpts_id=batch.cpts_id)
