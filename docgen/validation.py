"""The checks of a replacement template before it is stored (docgen/actions.py:upload_template).

1. The file: at most 2 Mo, its content (not its name) a DOCX: a zip archive within bounds, whose main part is
   a Word document (not a spreadsheet, a .dotx template or a document with macros), that python-docx opens.
2. The template: rendered with the registered sample context (and a small picture for each image), in the
   sandbox; a tag that does not parse is named with its paragraph (docgen/syntax.py); every variable the
   template reads and the sample does not provide is listed, with the variables available; the result must
   open again as a DOCX.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Mapping

from docgen import registry
from docgen.errors import TemplateError
from docgen.models import MAX_BYTES

MAX_ENTRIES = 1000
MAX_UNCOMPRESSED = 40 * 1024 * 1024
CONTENT_TYPES = "[Content_Types].xml"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_TEMPLATE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
WORD_MACROS = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
NOT_DOCX = (
    "Ce fichier n'est pas un document Word (.docx) : son contenu n'est pas celui d'un fichier DOCX. "
    "Enregistrez le modèle depuis Word ou LibreOffice au format « Document Word (.docx) »."
)


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " Mo"


def _main_types(archive: zipfile.ZipFile) -> set[str]:
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(archive.read(CONTENT_TYPES))
    except Exception as exc:  # malformed XML, entities, bad zip member: all mean "not a DOCX"
        raise TemplateError(NOT_DOCX, "file") from exc
    return {
        node.get("ContentType", "")
        for node in root
        if node.tag.endswith("Override") and node.get("ContentType", "").endswith(".main+xml")
    }


def check_file(content: bytes) -> None:
    """Refuses with a French message what is not a DOCX of at most 2 Mo."""
    if not content:
        raise TemplateError("Le fichier est vide.", "file")
    if len(content) > MAX_BYTES:
        raise TemplateError(
            f"Le fichier pèse {megabytes(len(content))} : un modèle pèse au plus {megabytes(MAX_BYTES)}. "
            "Réduisez les images qu'il contient.",
            "file",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise TemplateError(NOT_DOCX, "file") from exc
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise TemplateError("Ce fichier DOCX est anormalement volumineux une fois décompressé.", "file")
    names = {i.filename for i in infos}
    if CONTENT_TYPES not in names:
        raise TemplateError(NOT_DOCX, "file")
    types = _main_types(archive)
    if set(WORD_MACROS) & types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise TemplateError(
            "Ce document contient des macros (.docm) : enregistrez-le au format « Document Word (.docx) ».",
            "file",
        )
    if WORD_TEMPLATE in types:
        raise TemplateError(
            "Ce fichier est un modèle Word (.dotx) : ouvrez-le et enregistrez-le au format « Document Word "
            "(.docx) ».",
            "file",
        )
    if WORD_MAIN not in types:
        raise TemplateError(
            "Ce fichier est une archive Office mais pas un document Word (tableur, présentation ?) : "
            "déposez un document Word (.docx).",
            "file",
        )
    _opens(
        content, "Ce document Word est illisible (fichier abîmé ?) : enregistrez-le de nouveau depuis Word."
    )


def _opens(content: bytes, message: str) -> None:
    from docx import Document

    try:
        Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        raise TemplateError(message, "file") from exc


def placeholder_png(width: int = 40, height: int = 30) -> bytes:
    """A plain grey PNG standing for an image of the sample context."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class _Tracked(dict):
    """A dict of the sample context that knows its dotted path, to name a missing variable in full."""

    __slots__ = ("_path",)


def tracked(value, path: str = ""):
    if isinstance(value, Mapping):
        out = _Tracked({k: tracked(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()})
        out._path = path
        return out
    if isinstance(value, list | tuple):
        return [tracked(v, f"{path}[]") for v in value]
    return value


def _recording(found: set[str]):
    from jinja2 import ChainableUndefined

    class Recording(ChainableUndefined):
        """Renders as empty, and records the name it stands for."""

        __slots__ = ()

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            name, obj = self._undefined_name, self._undefined_obj
            if name is not None:
                parent = obj._path if isinstance(obj, _Tracked) else ""
                found.add(f"{parent}.{name}" if parent else str(name))

    return Recording


def check_template(template: registry.DocTemplate, content: bytes) -> None:
    """Refuses ``content`` when it does not render with ``template``'s sample context (see the module)."""
    from jinja2.exceptions import SecurityError
    from jinja2.exceptions import TemplateError as JinjaError

    from docgen.render import environment, fill

    missing: set[str] = set()
    env = environment(undefined=_recording(missing))
    images = {name: placeholder_png() for name in template.images}
    try:
        out = fill(content, tracked(template.sample_context), images, env=env)
    except TemplateError:
        raise
    except SecurityError as exc:
        raise TemplateError(
            f"Le modèle utilise une expression interdite : {str(exc).rstrip('.')}.", "file"
        ) from exc
    except (JinjaError, Exception) as exc:  # any failure of the author's expressions: said, never stored
        raise TemplateError(
            f"Le modèle ne peut pas être rempli avec les données d'exemple : {str(exc).rstrip('.')}.", "file"
        ) from exc
    if missing:
        available = registry.variables(template.sample_context, template.images)
        raise TemplateError(
            "Le modèle utilise des variables que ce document ne fournit pas : "
            + ", ".join(sorted(missing))
            + ". Variables disponibles : "
            + ", ".join(available)
            + ".",
            "file",
        )
    _opens(out, "Le document produit par ce modèle est illisible : vérifiez les balises des tableaux.")


def check_upload(template: registry.DocTemplate, content: bytes) -> None:
    check_file(content)
    check_template(template, content)
