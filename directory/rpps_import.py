"""Import of the public RPPS extract (PS_LibreAcces_Personne_activite_*.txt, or its .zip).

Two phases:

1. **Staging** (resumable): the file is read as bytes, line by line, at constant memory; each line is
   validated and either staged (``RppsStagingRow``, with its place already geolocated from the INSEE
   code, or the postal code when the commune is unknown) or reported (``RppsLineIssue``: line number,
   reason). Every batch commits with the byte offset reached, so an interrupted import resumes where it
   stopped. A wrong header, a wrong separator or a truncated last line abort the run: nothing changes.
2. **Apply** (one transaction): professionals and their places are upserted from the staged rows,
   professionals absent from the file are marked inactive (never deleted: what members wrote about them
   stays), vanished places are deactivated. A guard refuses to deactivate more than a set share of the
   directory (a partial file), unless forced.
"""

import hashlib
import io
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from stdnum import luhn

from audit.log import record, record_bulk
from directory import geopoints, rpps_format
from directory.identifiers import structure_idnst
from directory.models import RppsImportRun, RppsLineIssue, RppsStagingRow
from nomenclature.models import PROFESSION_SYSTEMS, Concept
from territory.models import Commune, PostalCode
from territory.text import normalize

BATCH = 20000
MAX_DEACTIVATION_SHARE = 0.2


class ImportAborted(Exception):
    """The file cannot be imported; nothing was changed. ``message`` is for the user (French)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Report:
    run_id: int
    lines: int = 0
    accepted: int = 0
    rejected: int = 0
    warnings: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    places: int = 0
    seconds: float = 0.0
    resumed_from_line: int = 0
    issues_sample: list[tuple[int, str, str]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- input


def _open_binary(path: Path):
    """The extract as a seekable binary stream (inside a .zip: the Personne_activite member)."""
    if not path.exists():
        raise ImportAborted(f"Fichier introuvable : {path}")
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        members = [n for n in archive.namelist() if "Personne_activite" in n and n.endswith(".txt")]
        if not members:
            raise ImportAborted("L'archive ne contient pas de fichier PS_LibreAcces_Personne_activite_*.txt.")
        return archive.open(members[0]), archive.getinfo(members[0]).file_size
    return path.open("rb"), path.stat().st_size


def fingerprint(path: Path) -> str:
    """Size, modification time and the first 1 MiB: enough to recognise the same file on resume."""
    digest = hashlib.sha256()
    stat = path.stat()
    digest.update(f"{stat.st_size}:{int(stat.st_mtime)}:".encode())
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
    return digest.hexdigest()


def _decode_header(raw: bytes) -> tuple[list[str], str]:
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        text = text.rstrip("\r\n")
        if rpps_format.SEPARATOR not in text:
            raise ImportAborted(
                "En-tête illisible : le séparateur attendu « | » est absent (mauvais séparateur ?). "
                "Rien n'a été modifié."
            )
        names = [n.strip() for n in text.split(rpps_format.SEPARATOR)]
        if names and names[-1] == "":
            names = names[:-1]
        missing = [n for n in rpps_format.REQUIRED if n not in names]
        if missing:
            raise ImportAborted(
                "En-tête non conforme, colonnes manquantes ou renommées : "
                + ", ".join(f"« {m} »" for m in missing)
                + ". Rien n'a été modifié."
            )
        return names, "utf-8" if encoding == "utf-8-sig" else "latin-1"
    raise ImportAborted("En-tête illisible (encodage inconnu). Rien n'a été modifié.")


# --------------------------------------------------------------------------------------------- checks


class _Geo:
    """INSEE code and postal code → coordinates, held in memory (35,000 communes: a few MB)."""

    def __init__(self):
        self.by_insee = {
            c[0]: (c[1], c[2]) for c in Commune.objects.values_list("insee", "latitude", "longitude")
        }
        self.by_cp: dict[str, tuple[str, float | None, float | None]] = {}
        for code, insee in PostalCode.objects.order_by("code", "commune_id").values_list(
            "code", "commune_id"
        ):
            if code not in self.by_cp:
                lat, lon = self.by_insee.get(insee, (None, None))
                self.by_cp[code] = (insee, lat, lon)

    def locate(self, insee: str, cp: str) -> tuple[str, float | None, float | None, str, str]:
        """(insee, lat, lon, precision, warning)."""
        if insee in self.by_insee and self.by_insee[insee][0] is not None:
            lat, lon = self.by_insee[insee]
            return insee, lat, lon, "commune", ""
        known = insee in self.by_insee
        if cp in self.by_cp and self.by_cp[cp][1] is not None:
            found, lat, lon = self.by_cp[cp]
            what = "sans coordonnées" if known else "inconnue"
            warn = f"commune « {insee} » {what} : localisé au code postal {cp}" if insee else ""
            return (insee if known else found), lat, lon, "postal_code", warn
        if known:
            return (
                insee,
                None,
                None,
                "unknown",
                f"commune « {insee} » sans coordonnées connues : lieu non localisé",
            )
        if insee or cp:
            return (
                "",
                None,
                None,
                "unknown",
                f"commune « {insee} » et code postal « {cp} » inconnus : lieu non localisé",
            )
        return "", None, None, "unknown", ""


def _activity_key(values: dict[str, str]) -> str:
    parts = [
        values.get(name, "")
        for name in (
            "Numéro SIRET site",
            "Numéro FINESS site",
            "Identifiant technique de la structure",
            "Raison sociale site",
            "Numéro Voie (coord. structure)",
            "Libellé Voie (coord. structure)",
            "Code postal (coord. structure)",
            "Code commune (coord. structure)",
            "Code mode exercice",
        )
    ]
    return hashlib.blake2b("|".join(parts).encode(), digest_size=16).hexdigest()


def _address(values: dict[str, str]) -> str:
    parts = [
        values.get("Numéro Voie (coord. structure)", ""),
        values.get("Indice répétition voie (coord. structure)", ""),
        values.get("Libellé type de voie (coord. structure)", ""),
        values.get("Libellé Voie (coord. structure)", ""),
    ]
    line = " ".join(p for p in parts if p)
    extra = values.get("Complément point géographique (coord. structure)", "")
    return (f"{extra}, {line}" if extra else line)[:255]


def check_line(values: dict[str, str], professions: set[str]) -> str:
    """The reason a line is rejected, or ''."""
    id_type = values.get("Type d'identifiant PP", "")
    number = values.get("Identifiant PP", "")
    idnat = values.get("Identification nationale PP", "")
    if id_type == "8":
        if len(number) != 11 or not number.isdigit():
            return f"numéro RPPS « {number} » : 11 chiffres attendus"
        if not luhn.is_valid(number):
            return f"numéro RPPS « {number} » : clé de contrôle (Luhn) invalide"
    elif id_type == "0":
        if len(number) != 9:
            return f"numéro ADELI « {number} » : 9 caractères attendus"
    else:
        return f"type d'identifiant « {id_type} » inconnu (8 = RPPS, 0 = ADELI attendus)"
    if idnat != id_type + number:
        return f"identifiant national « {idnat} » incohérent avec {id_type} + {number}"
    if not values.get("Nom d'exercice"):
        return "nom d'exercice vide"
    if values.get("Code profession") not in professions:
        return f"code profession « {values.get('Code profession')} » inconnu (TRE_G15)"
    return ""


# ---------------------------------------------------------------------------------------------- stage


def _lines(stream, start: int) -> Iterator[tuple[int, bytes]]:
    """(offset after the line, raw line) from byte ``start``."""
    if start:
        stream.seek(start)
    offset = start
    for raw in stream:
        offset += len(raw)
        yield offset, raw


class _Rejected(Exception):
    """A line refused for ``reason`` (recorded as a line issue; the import goes on)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _line_values(raw: bytes, is_last: bool, line_no: int, encoding: str, names, width: int) -> dict | None:
    """Decodes and splits one line into its values by column name; None for a blank line. A line that is
    not the last must end with a newline, and the last one, when it has none, with « | » (else the file
    was cut: ImportAborted); a line that cannot be decoded, or with fewer fields than the header (the last
    one aborts the import), is refused (_Rejected)."""
    if not raw.endswith(b"\n") and not is_last:
        raise ImportAborted(f"Ligne {line_no} illisible. Rien n'a été modifié.")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise _Rejected(f"caractères invalides pour l'encodage {encoding}") from None
    text = text.rstrip("\r\n")
    if not text.strip():
        return None
    fields = text.split(rpps_format.SEPARATOR)
    if fields and fields[-1] == "" and len(fields) == width + 1:
        fields = fields[:-1]
    if len(fields) < width:
        if is_last:
            raise ImportAborted(
                f"Le fichier semble tronqué : la dernière ligne ({line_no}) est incomplète "
                f"({len(fields)} champs sur {width}). Rien n'a été modifié."
            )
        raise _Rejected(f"ligne tronquée : {len(fields)} champs sur {width}")
    if is_last and not raw.endswith(b"\n") and not text.endswith(rpps_format.SEPARATOR):
        raise ImportAborted(
            f"Le fichier semble tronqué : la dernière ligne ({line_no}) ne se termine pas "
            "par « | ». Rien n'a été modifié."
        )
    return {name: fields[i].strip() for i, name in enumerate(names)}


def _unique_activity(values: dict, professions: set, seen: set[int]) -> tuple[str, str]:
    """Checks the line's values (``check_line``) and that its activity was not read already (``seen``,
    updated). Returns the activity key and the national identifier; raises _Rejected otherwise."""
    reason = check_line(values, professions)
    if reason:
        raise _Rejected(reason)
    key = _activity_key(values)
    idnat = values["Identification nationale PP"]
    token = hash((idnat, key))
    if token in seen:
        raise _Rejected(f"ligne en double pour {idnat} (même activité déjà lue)")
    seen.add(token)
    return key, idnat


def _salutation(code: str) -> str:
    """The RPPS « Code civilité » as the directory keeps it: MME (MLLE, an old code, too) or M; else ''."""
    code = code.strip().upper()
    return "MME" if code in ("MME", "MLLE") else "M" if code == "M" else ""


def _staged_row(run_pk: int, line_no: int, values: dict, idnat: str, key: str, located: tuple) -> tuple:
    """The staging row of an accepted line, in the order of STAGING_COLUMNS, with its location
    (``_Geo.locate``: commune, latitude, longitude, precision)."""
    insee, lat, lon, precision, _ = located
    last, first = values["Nom d'exercice"][:100], values.get("Prénom d'exercice", "")[:100]
    specialty = values.get("Code savoir-faire", "") if values.get("Code type savoir-faire") == "S" else ""
    return (
        run_pk,
        line_no,
        idnat,
        values["Type d'identifiant PP"],
        values["Identifiant PP"],
        values.get("Code civilité d'exercice", "")[:10],
        _salutation(values.get("Code civilité", "")),
        last,
        first,
        normalize(f"{last} {first}")[:220],
        values["Code profession"],
        specialty[:10],
        rpps_format.SYNTHETIC_MARKER in values.get("Autorité d'enregistrement", ""),
        key,
        (values.get("Enseigne commerciale site") or values.get("Raison sociale site", ""))[:200],
        structure_idnst(
            values.get("Numéro FINESS site", ""),
            values.get("Numéro SIRET site", ""),
            values.get("Ancien identifiant de la structure", ""),
        ),
        _address(values),
        values.get("Code postal (coord. structure)", "")[:5],
        insee,
        lat,
        lon,
        precision,
        values.get("Téléphone (coord. structure)", "")[:20],
    )


def _stage(run: RppsImportRun, path: Path, progress: Callable[[int, int], None] | None) -> None:
    """Reads the extract from where the run stopped (``byte_offset``) into the staging table, a batch at a
    time: each line is checked (``_line_values``, ``_unique_activity``), located, and staged or recorded
    as a line issue; each batch is committed with the run's counters, so that a stopped run resumes."""
    stream, size = _open_binary(path)
    with stream:
        header_raw = stream.readline()
        names, encoding = _decode_header(header_raw)
        width = len(names)
        if run.byte_offset == 0:
            run.byte_offset = len(header_raw)
            run.lines_read = 1
            run.encoding = encoding
            run.save(update_fields=["byte_offset", "lines_read", "encoding"])
        professions = set(
            Concept.objects.filter(system__in=PROFESSION_SYSTEMS).values_list("code", flat=True)
        )
        geo = _Geo()
        seen: set[int] = set()
        for idnat, key in RppsStagingRow.objects.filter(run=run).values_list("idnat", "activity_key"):
            seen.add(hash((idnat, key)))
        staged: list[tuple] = []
        issues: list[RppsLineIssue] = []
        line_no = run.lines_read
        offset = run.byte_offset
        accepted = rejected = warnings = 0

        def flush(final: bool = False):
            nonlocal staged, issues, accepted, rejected, warnings
            with transaction.atomic():
                _write_staging(run, staged)
                RppsLineIssue.objects.bulk_create(issues)
                RppsImportRun.objects.filter(pk=run.pk).update(
                    lines_read=line_no,
                    byte_offset=offset,
                    accepted=run.accepted + accepted,
                    rejected=run.rejected + rejected,
                    warnings=run.warnings + warnings,
                    status=RppsImportRun.Status.STAGED if final else RppsImportRun.Status.STAGING,
                )
            run.accepted += accepted
            run.rejected += rejected
            run.warnings += warnings
            run.lines_read, run.byte_offset = line_no, offset
            staged, issues = [], []
            accepted = rejected = warnings = 0
            if progress:
                progress(offset, size)

        for offset_after, raw in _lines(stream, run.byte_offset):
            line_no += 1
            try:
                values = _line_values(raw, offset_after >= size, line_no, encoding, names, width)
                if values is None:
                    offset = offset_after
                    continue
                key, idnat = _unique_activity(values, professions, seen)
            except _Rejected as exc:
                issues.append(RppsLineIssue(run=run, line_no=line_no, severity="rejected", reason=exc.reason))
                rejected += 1
                offset = offset_after
                continue
            located = geo.locate(
                values.get("Code commune (coord. structure)", ""),
                values.get("Code postal (coord. structure)", ""),
            )
            warning = located[4]  # (commune, latitude, longitude, precision, warning)
            if warning:
                issues.append(
                    RppsLineIssue(run=run, line_no=line_no, severity="warning", reason=warning[:300])
                )
                warnings += 1
            staged.append(_staged_row(run.pk, line_no, values, idnat, key, located))
            accepted += 1
            offset = offset_after
            if len(staged) >= BATCH:
                flush()
        flush(final=True)


STAGING_COLUMNS = (
    "run_id",
    "line_no",
    "idnat",
    "id_type",
    "national_id",
    "civility",
    "salutation",
    "last_name",
    "first_name",
    "search_name",
    "profession_code",
    "specialty_code",
    "is_synthetic",
    "activity_key",
    "structure_name",
    "structure_idnst",
    "address",
    "postal_code",
    "commune_insee",
    "latitude",
    "longitude",
    "geo_precision",
    "phone",
)


def _write_staging(run: RppsImportRun, rows: list[tuple]) -> None:
    if not rows:
        return
    table = RppsStagingRow._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(STAGING_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(STAGING_COLUMNS)}) VALUES ({placeholders})", rows
            )


# ---------------------------------------------------------------------------------------------- apply

PRO = "directory_professional"
PLACE = "directory_practiceplace"
STAGE = "directory_rppsstagingrow"


def _apply_sql(vendor: str) -> list[tuple[str, str]]:
    true, false = ("TRUE", "FALSE") if vendor == "postgresql" else ("1", "0")
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    now = "CURRENT_TIMESTAMP"
    first_rows = f"s.line_no IN (SELECT MIN(line_no) FROM {STAGE} WHERE run_id = %(run)s GROUP BY idnat)"
    return [
        (
            "professionals",
            f"""
            INSERT INTO {PRO} (id_type, national_id, idnat, civility, salutation, last_name, first_name,
                search_name, profession_system, profession_code, specialty_code, mssante, phone, active,
                is_synthetic, source, updated_at, takes_part_in_snp)
            SELECT s.id_type, s.national_id, s.idnat, s.civility, s.salutation, s.last_name, s.first_name,
                s.search_name, 'TRE_G15', s.profession_code, s.specialty_code, '', '', {true}, s.is_synthetic,
                'rpps', {now}, {false}
            FROM {STAGE} s WHERE s.run_id = %(run)s AND {first_rows}
            ON CONFLICT (idnat) DO UPDATE SET civility = excluded.civility,
                salutation = excluded.salutation, last_name = excluded.last_name,
                first_name = excluded.first_name, search_name = excluded.search_name,
                profession_code = excluded.profession_code, specialty_code = excluded.specialty_code,
                is_synthetic = excluded.is_synthetic, active = {true}, source = 'rpps', updated_at = {now}
            WHERE {PRO}.last_name {distinct} excluded.last_name
                OR {PRO}.first_name {distinct} excluded.first_name
                OR {PRO}.civility {distinct} excluded.civility
                OR {PRO}.salutation {distinct} excluded.salutation
                OR {PRO}.profession_code {distinct} excluded.profession_code
                OR {PRO}.specialty_code {distinct} excluded.specialty_code OR {PRO}.active = {false}
                OR {PRO}.source {distinct} 'rpps'
        """,
        ),
        (
            "deactivated",
            f"""
            UPDATE {PRO} SET active = {false}, updated_at = {now}
            WHERE source = 'rpps' AND active = {true}
              AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.run_id = %(run)s AND s.idnat = {PRO}.idnat)
        """,
        ),
        (
            "places",
            f"""
            INSERT INTO {PLACE} (professional_id, structure_id, label, address, postal_code, commune_id,
                latitude, longitude, geo_precision, phone, is_primary, source, activity_key, structure_name,
                structure_idnst, profession_code, active)
            SELECT p.id, NULL, '', s.address, s.postal_code, NULLIF(s.commune_insee, ''), s.latitude,
                s.longitude, s.geo_precision, s.phone, {false}, 'rpps', s.activity_key, s.structure_name,
                s.structure_idnst, s.profession_code, {true}
            FROM {STAGE} s JOIN {PRO} p ON p.idnat = s.idnat
            WHERE s.run_id = %(run)s
            ON CONFLICT (professional_id, activity_key) DO UPDATE SET
                address = excluded.address, postal_code = excluded.postal_code,
                commune_id = excluded.commune_id, latitude = excluded.latitude,
                longitude = excluded.longitude, geo_precision = excluded.geo_precision,
                phone = excluded.phone, structure_name = excluded.structure_name,
                structure_idnst = excluded.structure_idnst, profession_code = excluded.profession_code,
                active = {true}
            WHERE {PLACE}.address {distinct} excluded.address
                OR {PLACE}.commune_id {distinct} excluded.commune_id
                OR {PLACE}.latitude {distinct} excluded.latitude
                OR {PLACE}.longitude {distinct} excluded.longitude
                OR {PLACE}.phone {distinct} excluded.phone
                OR {PLACE}.structure_name {distinct} excluded.structure_name
                OR {PLACE}.structure_idnst {distinct} excluded.structure_idnst
                OR {PLACE}.profession_code {distinct} excluded.profession_code OR {PLACE}.active = {false}
        """,
        ),
        (
            "places_deactivated",
            f"""
            UPDATE {PLACE} SET active = {false}
            WHERE source = 'rpps' AND active = {true} AND NOT EXISTS (
                SELECT 1 FROM {STAGE} s JOIN {PRO} p ON p.idnat = s.idnat
                WHERE s.run_id = %(run)s AND p.id = {PLACE}.professional_id
                    AND s.activity_key = {PLACE}.activity_key)
        """,
        ),
        (
            "places_follow_professional",
            f"""
            UPDATE {PLACE} SET active = {false}
            WHERE active = {true} AND professional_id IN (SELECT id FROM {PRO} WHERE active = {false})
        """,
        ),
    ]


def _apply(run: RppsImportRun, force: bool, report: Report) -> None:
    from directory.models import Professional

    distinct_staged = RppsStagingRow.objects.filter(run=run).values("idnat").distinct().count()
    active_rpps = Professional.objects.filter(source="rpps", active=True).count()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {STAGE}")
        existing = Professional.objects.filter(
            idnat__in=RppsStagingRow.objects.filter(run=run).values("idnat")
        ).count()
        vanished = (
            active_rpps
            - Professional.objects.filter(
                source="rpps", active=True, idnat__in=RppsStagingRow.objects.filter(run=run).values("idnat")
            ).count()
        )
        if active_rpps and vanished / active_rpps > MAX_DEACTIVATION_SHARE and not force:
            raise ImportAborted(
                f"Ce fichier rendrait inactifs {vanished} professionnels sur {active_rpps} "
                f"({vanished / active_rpps:.0%}) : fichier partiel ? Rien n'a été modifié. "
                "Relancez avec --force si c'est voulu."
            )
        counts = {}
        with connection.cursor() as cursor:
            for name, sql in _apply_sql(connection.vendor):
                cursor.execute(sql, {"run": run.pk})
                counts[name] = cursor.rowcount
        report.created = distinct_staged - existing
        report.updated = max(0, counts["professionals"] - report.created)
        report.deactivated = counts["deactivated"]
        report.places = counts["places"]
        RppsImportRun.objects.filter(pk=run.pk).update(
            status=RppsImportRun.Status.APPLIED, finished_at=timezone.now()
        )
        record(
            "update",
            object_type="directory.rppsimportrun",
            object_id=str(run.pk),
            object_label=run.file_name,
            details={
                "created": report.created,
                "updated": report.updated,
                "deactivated": report.deactivated,
                "accepted": run.accepted,
                "rejected": run.rejected,
                "warnings": run.warnings,
            },
        )
    RppsStagingRow.objects.filter(run=run).delete()
    geopoints.rebuild()
    _refresh_statistics()


def _refresh_statistics() -> None:
    """Planner statistics after a bulk load; on PostgreSQL also the visibility map, so that the geographic
    search answers from its covering index alone (index-only scans)."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM (ANALYZE) {PLACE}")
            cursor.execute("VACUUM (ANALYZE) directory_geopoint")
            cursor.execute(f"ANALYZE {PRO}")
        else:
            cursor.execute(f"ANALYZE {PLACE}")
            cursor.execute("ANALYZE directory_geopoint")


# ----------------------------------------------------------------------------------------------- main


def import_extract(
    path: str | os.PathLike,
    *,
    force: bool = False,
    restart: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Stage (or resume staging) then apply. Raises ImportAborted with a French message; nothing changed."""
    started = time.monotonic()
    path = Path(path)
    if not path.exists():
        raise ImportAborted(f"Fichier introuvable : {path}")
    fp = fingerprint(path)
    run = RppsImportRun.objects.filter(
        fingerprint=fp, status__in=[RppsImportRun.Status.STAGING, RppsImportRun.Status.STAGED]
    ).first()
    if run is not None and restart:
        _discard(run, "relancé depuis le début")
        run = None
    resumed = run.lines_read if run else 0
    if run is None:
        # Runs of other files left half-way are obsolete: this file supersedes them.
        for stale in RppsImportRun.objects.filter(
            status__in=[RppsImportRun.Status.STAGING, RppsImportRun.Status.STAGED]
        ):
            _discard(stale, "remplacé par un import plus récent")
        run = RppsImportRun.objects.create(file_name=path.name, fingerprint=fp)
    report = Report(run.pk, resumed_from_line=resumed)
    try:
        if run.status == RppsImportRun.Status.STAGING:
            _stage(run, path, progress)
            run.refresh_from_db()
        if run.accepted == 0:
            raise ImportAborted("Aucune ligne valide dans ce fichier. Rien n'a été modifié.")
        _apply(run, force, report)
    except ImportAborted as exc:
        _discard(run, exc.message)
        raise
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        _discard(run, str(exc))
        raise ImportAborted(f"Lecture du fichier impossible ({exc}). Rien n'a été modifié.") from exc
    run.refresh_from_db()
    report.lines, report.accepted, report.rejected, report.warnings = (
        run.lines_read - 1,
        run.accepted,
        run.rejected,
        run.warnings,
    )
    report.issues_sample = list(run.issues.values_list("line_no", "severity", "reason")[:20])
    report.seconds = time.monotonic() - started
    return report


def _discard(run: RppsImportRun, reason: str) -> None:
    RppsStagingRow.objects.filter(run=run).delete()
    with transaction.atomic():
        RppsImportRun.objects.filter(pk=run.pk).update(
            status=RppsImportRun.Status.FAILED, error=reason[:2000], finished_at=timezone.now()
        )
        record_bulk("update", RppsImportRun, [run.pk], ["status", "error", "finished_at"])


def issues_csv(run: RppsImportRun) -> io.StringIO:
    out = io.StringIO()
    out.write("ligne;gravité;motif\n")
    for line_no, severity, reason in run.issues.values_list("line_no", "severity", "reason").iterator():
        out.write(f"{line_no};{severity};{reason.replace(';', ',')}\n")
    out.seek(0)
    return out
