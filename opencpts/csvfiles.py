"""Reading the CSV files people export from their spreadsheets: UTF-8 (with or without BOM) or Windows-1252,
separator « ; », « , » or tab, dates as 31/12/2025 or 2025-12-31. Errors are French messages
(``ActionError``)."""

import csv
import datetime as dt
import io
from collections.abc import Iterator

from opencpts.errors import ActionError


def decode(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise ActionError(
            "Ce fichier n'est pas un fichier texte CSV (contenu binaire). Enregistrez la liste au format "
            "CSV depuis votre tableur."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ActionError("Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8.")


def rows(text: str) -> Iterator[list[str]]:
    """The file's rows, the separator guessed from the first line. A malformed file (an opening quote never
    closed...) raises ``ActionError`` with the line, not ``csv.Error``."""
    first = text[:4096].splitlines()[0] if text.strip() else ""
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)

    def checked() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as exc:
            raise ActionError(
                f"Fichier CSV illisible vers la ligne {reader.line_num} : un guillemet ouvert n'est pas "
                "refermé ou un champ est trop long. Enregistrez à nouveau le fichier au format CSV."
            ) from exc

    return checked()


def parse_date(value: str) -> dt.date | None:
    value = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None
