"""Importing the figures that no package ships (APL, patients sans médecin traitant, ALD, accès aux urgences,
médecins de 60 ans et plus…): one indicator per file, one commune per line, « code INSEE;valeur ».

``check_file(content)`` reads and validates everything and returns the rows and a line report; the action
``import_dataset`` writes the dataset and all its values in one transaction, or nothing at all when the
report holds a single error (``ImportRefused``, whose ``report`` lists every problem by line, in French).
Detected and said in the report: the encoding (UTF-8, UTF-8 with BOM, Windows-1252 / Latin-1), the
separator (« ; », tabulation or « , »), a header line; refused: unknown commune codes, values that are not
numbers, a commune given twice, a line without exactly two columns. A code written without its leading
zero by a spreadsheet (« 1034 » for 01034) is read as such, with a warning.

Who may import (``diagnostic/access.py:may_import``): these are reference data of the whole instance, so an
instance administrator, or a logged-in account that proved by a Pro Santé Connect login that it holds its
professional record in the directory (accounts/psc.py:proven_professional_id); the uploader is recorded and
audited.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.db import transaction

from audit.log import record
from diagnostic.access import may_delete, may_import
from diagnostic.models import ImportedDataset, ImportedValue
from opencpts.errors import ActionError
from territory.models import Commune

MAX_BYTES = 5 * 1024 * 1024
MAX_REPORTED = 50  # errors listed in the report; the rest are counted
SEPARATORS = [(";", "« ; »"), ("\t", "tabulation"), (",", "« , »")]
CODE = re.compile(r"^(\d{5}|2[AB]\d{3}|\d{4})$")
HEADER_WORDS = ("code", "insee", "codgeo", "commune", "com", "depcom", "valeur", "value")


class ImportRefused(ActionError):
    """The file was refused: ``report`` lists each problem (« ligne 12 : … »); nothing was written."""

    def __init__(self, report: list[str], summary: str):
        super().__init__(summary, "file")
        self.report = report


@dataclass
class Checked:
    encoding: str
    separator: str
    rows: dict[str, float] = field(default_factory=dict)  # insee → value
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    header: bool = False

    @property
    def separator_label(self) -> str:
        return dict(SEPARATORS).get(self.separator, self.separator)


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding label). UTF-8 with or without BOM, else Windows-1252 (a superset of Latin-1 for the
    printable characters)."""
    if b"\x00" in content[:4096]:
        raise ImportRefused([], "Ce fichier n'est pas un fichier texte CSV (contenu binaire).")
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "UTF-8 avec BOM"
        except UnicodeDecodeError:
            pass
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "Latin-1"


def detect_separator(first_line: str) -> str | None:
    for separator, _ in SEPARATORS:
        if separator in first_line:
            return separator
    return None


def parse_number(text: str) -> float | None:
    """« 12,5 », « 12.5 », « 1 234 », « 3 % » → float; None when not a number."""
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").rstrip("%")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def _is_header(cells: list[str]) -> bool:
    first = cells[0].strip().strip('"').lower()
    return not CODE.match(first) and any(word in first for word in HEADER_WORDS)


def _split(line: str, separator: str) -> list[str]:
    return [cell.strip().strip('"').strip() for cell in line.split(separator)]


def check_file(content: bytes, known_codes: set[str] | None = None) -> Checked:
    """Reads and validates the whole file; never raises for a line (its problem goes in ``errors``)."""
    if len(content) > MAX_BYTES:
        raise ImportRefused([], f"Fichier trop volumineux (plus de {MAX_BYTES // (1024 * 1024)} Mo).")
    text, encoding = decode(content)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise ImportRefused([], "Le fichier est vide.")
    separator = detect_separator(first)
    if separator is None:
        raise ImportRefused(
            [f"ligne 1 : « {first[:60]} » ne contient ni « ; », ni tabulation, ni « , »."],
            "Séparateur introuvable : chaque ligne doit être « code INSEE;valeur ».",
        )
    checked = Checked(encoding=encoding, separator=separator)
    if known_codes is None:
        known_codes = set(Commune.objects.values_list("insee", flat=True))
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        cells = _split(line, separator)
        if number == 1 or (not seen and not checked.rows and not checked.errors):
            if _is_header(cells):
                checked.header = True
                continue
        _check_line(checked, number, cells, known_codes, seen)
    if not checked.rows and not checked.errors:
        checked.errors.append("aucune ligne de données : le fichier ne contient qu'un en-tête.")
    return checked


def _check_line(checked: Checked, number: int, cells: list[str], known: set[str], seen: dict) -> None:
    if len(cells) != 2:
        hint = ""
        if checked.separator == "," and len(cells) == 3:
            hint = " (une valeur décimale avec virgule ? utilisez le séparateur « ; »)"
        checked.errors.append(
            f"ligne {number} : {len(cells)} colonnes au lieu de 2 (code INSEE, valeur) avec le séparateur "
            f"{checked.separator_label}{hint}."
        )
        return
    code, raw = cells
    code = code.upper()
    if re.fullmatch(r"\d{4}", code):
        checked.warnings.append(f"ligne {number} : code « {code} » lu comme 0{code} (zéro initial perdu).")
        code = "0" + code
    if code not in known:
        checked.errors.append(f"ligne {number} : code commune « {cells[0]} » inconnu.")
        return
    value = parse_number(raw)
    if value is None:
        shown = raw if raw else "(vide)"
        checked.errors.append(f"ligne {number} : valeur « {shown} » non numérique pour la commune {code}.")
        return
    if code in seen:
        checked.errors.append(f"ligne {number} : commune {code} déjà donnée ligne {seen[code]}.")
        return
    seen[code] = number
    checked.rows[code] = value


@dataclass
class Metadata:
    indicator: str
    source: str
    vintage: str
    licence: str
    unit: str = ""
    aggregation: str = ImportedDataset.Aggregation.NONE


def _check_metadata(meta: Metadata) -> Metadata:
    clean = Metadata(
        indicator=meta.indicator.strip(),
        source=meta.source.strip(),
        vintage=meta.vintage.strip(),
        licence=meta.licence.strip(),
        unit=meta.unit.strip(),
        aggregation=meta.aggregation or ImportedDataset.Aggregation.NONE,
    )
    for name, label in (
        ("indicator", "l'indicateur"),
        ("source", "la source"),
        ("vintage", "le millésime"),
        ("licence", "la licence"),
    ):
        if not getattr(clean, name):
            raise ActionError(f"Indiquez {label} : chaque chiffre importé est montré avec elle.", name)
    if clean.aggregation not in ImportedDataset.Aggregation.values:
        raise ActionError("Mode d'agrégation inconnu.", "aggregation")
    return clean


def report_of(checked: Checked) -> list[str]:
    lines = checked.errors[:MAX_REPORTED]
    if len(checked.errors) > MAX_REPORTED:
        lines.append(f"… et {len(checked.errors) - MAX_REPORTED} autres erreurs.")
    return lines


def import_dataset(user, content: bytes, file_name: str, meta: Metadata) -> ImportedDataset:
    """Validates the file and its metadata, then writes the dataset and every value, or nothing."""
    if not may_import(user):
        raise ActionError(
            "Seul un administrateur de l'instance ou un professionnel de santé connecté au moins une fois "
            "avec Pro Santé Connect (qui prouve sa fiche de l'annuaire) peut importer des données de "
            "référence."
        )
    meta = _check_metadata(meta)
    checked = check_file(content)
    if checked.errors:
        raise ImportRefused(
            report_of(checked),
            f"Fichier refusé, rien n'a été importé : {len(checked.errors)} "
            f"erreur{'s' if len(checked.errors) > 1 else ''} (encodage {checked.encoding}, séparateur "
            f"{checked.separator_label}).",
        )
    digest = hashlib.sha256(content).hexdigest()
    previous = ImportedDataset.objects.filter(sha256=digest, indicator=meta.indicator).first()
    if previous is not None:
        raise ActionError(
            f"Ce fichier a déjà été importé pour « {previous.indicator} » le "
            f"{previous.imported_at:%d/%m/%Y} : rien n'a été importé.",
            "file",
            conflict=True,
        )
    with transaction.atomic():
        dataset = ImportedDataset.objects.create(
            indicator=meta.indicator,
            unit=meta.unit,
            source=meta.source,
            vintage=meta.vintage,
            licence=meta.licence,
            aggregation=meta.aggregation,
            file_name=file_name[:255],
            sha256=digest,
            encoding=checked.encoding,
            separator=checked.separator_label,
            rows=len(checked.rows),
            imported_by=user,
        )
        ImportedValue.objects.bulk_create(
            [ImportedValue(dataset=dataset, commune_id=code, value=v) for code, v in checked.rows.items()],
            batch_size=2000,
        )
        record(
            "create",
            obj=dataset,
            details={
                "rows": len(checked.rows),
                "imported_by": user.pk,
                "sha256": digest,
                "source": meta.source,
                "vintage": meta.vintage,
                "licence": meta.licence,
                "warnings": len(checked.warnings),
            },
        )
    dataset.warnings = checked.warnings
    return dataset


def delete_dataset(user, dataset: ImportedDataset) -> None:
    """The uploader or an instance administrator removes a dataset and its values."""
    if not may_delete(user, dataset):
        raise ActionError("Seuls la personne qui a importé ce jeu et l'administrateur peuvent le retirer.")
    with transaction.atomic():
        record("delete", obj=dataset, details={"rows": dataset.rows, "sha256": dataset.sha256})
        dataset.delete()
