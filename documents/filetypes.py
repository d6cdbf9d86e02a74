"""What a file is, from its content, never from its name. The accepted types and their structural checks.

Accepted: PDF (without active content), PNG, JPEG, GIF, WebP, Office Open XML (docx, xlsx, pptx, without
macros) and OpenDocument (odt, ods, odp). Everything else is refused with a French message saying why:
executables (whatever their name), SVG (may carry scripts), HTML and other markup, legacy Office binaries
(may carry macros), other archives, unknown types. puremagic names what we do not accept.

Office files are ZIP containers: the central directory is checked (entries, declared sizes, compression
ratios, encryption, names) and every entry is then decompressed in memory, in bounded chunks, counting
the bytes and checking the CRC, so a zip bomb is refused without ever being written out. Refused inside:
programs (by signature or name), OLE objects, ActiveX, macros (VBA, Excel 4 sheets, OpenDocument Basic
and scripts bound to events), embeddings other than images or a plain Office package (itself checked),
relationships to OLE / ActiveX / VBA parts, external templates or programs. PDFs: documents/pdfcheck.py.
"""

import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import puremagic
from django.conf import settings

from documents import pdfcheck


class FileRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]
    previewable: bool = False


TYPES = {
    t.key: t
    for t in (
        FileType("pdf", "PDF", "application/pdf", (".pdf",), previewable=True),
        FileType("png", "Image PNG", "image/png", (".png",), previewable=True),
        FileType("jpeg", "Image JPEG", "image/jpeg", (".jpg", ".jpeg"), previewable=True),
        FileType("gif", "Image GIF", "image/gif", (".gif",), previewable=True),
        FileType("webp", "Image WebP", "image/webp", (".webp",), previewable=True),
        FileType(
            "docx",
            "Document Word",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
        ),
        FileType(
            "xlsx",
            "Classeur Excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            (".xlsx",),
        ),
        FileType(
            "pptx",
            "Présentation PowerPoint",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            (".pptx",),
        ),
        FileType("odt", "Texte OpenDocument", "application/vnd.oasis.opendocument.text", (".odt",)),
        FileType("ods", "Classeur OpenDocument", "application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
        FileType(
            "odp", "Présentation OpenDocument", "application/vnd.oasis.opendocument.presentation", (".odp",)
        ),
    )
}
BY_CONTENT_TYPE = {t.content_type: t for t in TYPES.values()}
IMAGES = ("png", "jpeg", "gif", "webp")
ACCEPTED_TEXT = (
    "PDF, images PNG, JPEG, GIF ou WebP, documents Word, Excel, PowerPoint (docx, xlsx, pptx) ou "
    "OpenDocument (odt, ods, odp)"
)
# For the file inputs' ``accept`` attribute (a hint to the browser; the server decides from the content).
ACCEPT = ",".join(
    [ext for t in TYPES.values() for ext in t.extensions] + [t.content_type for t in TYPES.values()]
)
ACCEPT_SCANS = ".pdf,.png,.jpg,.jpeg,.webp,application/pdf,image/png,image/jpeg,image/webp"

MAX_PIXELS = 100_000_000  # an image bigger than this is a decompression bomb for the viewer, not a scan


def label_for(content_type: str) -> str:
    filetype = BY_CONTENT_TYPE.get(content_type)
    return filetype.label if filetype else content_type


def previewable(content_type: str) -> bool:
    filetype = BY_CONTENT_TYPE.get(content_type)
    return bool(filetype and filetype.previewable)


def max_bytes() -> int:
    return int(getattr(settings, "OPENCPTS_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


# ------------------------------------------------------------------------------------------- detection


def detect(data: bytes) -> FileType:
    """The type of ``data``, structurally checked, or FileRefused with the reason in French."""
    if not data:
        raise FileRefused("le fichier est vide.")
    if _is_executable(data):
        raise FileRefused("c'est un programme exécutable (quel que soit son nom) : refusé.")
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return TYPES["pdf"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_png(data)
        return TYPES["png"]
    if data.startswith(b"\xff\xd8\xff"):
        _check_jpeg(data)
        return TYPES["jpeg"]
    if data[:6] in (b"GIF87a", b"GIF89a"):
        _check_gif(data)
        return TYPES["gif"]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        _check_webp(data)
        return TYPES["webp"]
    if data.startswith(b"PK\x03\x04"):
        return _check_zip(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FileRefused(
            "ancien format Office (.doc, .xls, .ppt), qui peut contenir des macros : enregistrez le "
            "document au format .docx, .xlsx, .pptx ou PDF."
        )
    markup = _markup_kind(data)
    if markup:
        raise FileRefused(markup)
    raise FileRefused(
        f"type de fichier non pris en charge ({_guess(data)}). Types acceptés : {ACCEPTED_TEXT}."
    )


EXECUTABLE_MAGIC = (
    b"MZ",  # DOS / Windows PE
    b"\x7fELF",  # Linux, BSD
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # script with an interpreter line
    b"\x00asm",  # WebAssembly
    b"dex\n",  # Android
)


def _is_executable(data: bytes) -> bool:
    return data.startswith(EXECUTABLE_MAGIC)


def _markup_kind(data: bytes) -> str | None:
    head = data[:8192]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    text = head.replace(b"\x00", b"").lstrip().lower()
    if not text.startswith(b"<"):
        return None
    if b"<svg" in text:
        return (
            "les images SVG sont refusées (elles peuvent contenir du code qui s'exécute à l'ouverture) : "
            "exportez l'image en PNG ou en PDF."
        )
    if re.search(rb"<(!doctype\s+html|html|head|body|script|iframe|meta|a\s|div|p>|table)", text):
        return (
            "les pages HTML sont refusées (elles peuvent contenir du code qui s'exécute à l'ouverture) : "
            "enregistrez la page en PDF."
        )
    return "les fichiers XML ou de balisage sont refusés : enregistrez le document en PDF."


def _guess(data: bytes) -> str:
    try:
        found = puremagic.magic_string(data[:65536])
    except Exception:  # noqa: BLE001 - a guess for the message only
        found = []
    if found:
        best = found[0]
        name = best.name or best.extension or "inconnu"
        return f"détecté : {name}"
    return "type inconnu"


# ------------------------------------------------------------------------------------------------- PDF


def _check_pdf(data: bytes) -> None:
    if not re.match(rb"%PDF-[12]\.\d", data):
        raise FileRefused("PDF mal formé (en-tête de version invalide).")
    if b"%%EOF" not in data[-4096:]:
        raise FileRefused("PDF incomplet ou tronqué (marque de fin absente) : enregistrez-le à nouveau.")
    try:
        pdfcheck.check(data)
    except pdfcheck.PdfRefused as exc:
        raise FileRefused(exc.message) from exc


# ---------------------------------------------------------------------------------------------- images


def _check_pixels(width: int, height: int, label: str) -> None:
    if width <= 0 or height <= 0:
        raise FileRefused(f"{label} mal formée (dimensions nulles).")
    if width * height > MAX_PIXELS:
        raise FileRefused(f"{label} trop grande ({width} × {height} pixels, 100 mégapixels au plus).")


def _check_png(data: bytes) -> None:
    pos, first, ended = 8, True, False
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if not kind.isalpha() or pos + 12 + length > len(data):
            raise FileRefused("image PNG mal formée ou tronquée.")
        body = data[pos + 8 : pos + 8 + length]
        if first:
            crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
            if kind != b"IHDR" or length != 13 or zlib.crc32(kind + body) != crc:
                raise FileRefused("image PNG mal formée (en-tête IHDR invalide).")
            width, height = struct.unpack(">II", body[:8])
            _check_pixels(width, height, "Image PNG")
            first = False
        pos += 12 + length
        if kind == b"IEND":
            ended = True
            break
    if not ended or data[pos:].strip(b"\x00\r\n "):
        raise FileRefused("image PNG tronquée ou suivie de données inattendues.")


SOF_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _check_jpeg(data: bytes) -> None:
    pos, size = 2, None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise FileRefused("image JPEG mal formée.")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if length < 2 or pos + 2 + length > len(data):
            raise FileRefused("image JPEG mal formée ou tronquée.")
        if marker in SOF_MARKERS and length >= 7:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            size = (width, height)
        if marker == 0xDA:  # start of scan: the compressed image follows
            break
        pos += 2 + length
    if size is None:
        raise FileRefused("image JPEG mal formée (dimensions absentes).")
    _check_pixels(*size, "Image JPEG")
    if b"\xff\xd9" not in data[-1024:]:
        raise FileRefused("image JPEG tronquée (marque de fin absente).")


def _check_gif(data: bytes) -> None:
    if len(data) < 14:
        raise FileRefused("image GIF tronquée.")
    width, height = struct.unpack("<HH", data[6:10])
    _check_pixels(width, height, "Image GIF")
    if b"\x3b" not in data[-16:]:
        raise FileRefused("image GIF tronquée (marque de fin absente).")


def _check_webp(data: bytes) -> None:
    riff_size = struct.unpack("<I", data[4:8])[0]
    if (
        riff_size + 8 > len(data) + 1
        or riff_size + 8 < len(data) - 1
        or data[12:16] not in (b"VP8 ", b"VP8L", b"VP8X")
    ):
        raise FileRefused("image WebP mal formée ou tronquée.")


# ----------------------------------------------------------------------------------------- Office (ZIP)

OOXML = {
    "word/document.xml": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xl/workbook.xml": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "ppt/presentation.xml": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}


def zip_limits() -> tuple[int, int, int]:
    """(entries, total uncompressed bytes, compression ratio of one big entry), from the settings."""
    return (
        int(getattr(settings, "OPENCPTS_DOCUMENT_ZIP_MAX_ENTRIES", 2000)),
        int(getattr(settings, "OPENCPTS_DOCUMENT_ZIP_MAX_UNCOMPRESSED", 200 * 1024 * 1024)),
        int(getattr(settings, "OPENCPTS_DOCUMENT_ZIP_MAX_RATIO", 100)),
    )


RATIO_FLOOR = 1024 * 1024  # entries smaller than this once decompressed are harmless whatever their ratio
BOMB = "archive anormale (décompression excessive : « bombe » ZIP probable) : refusée."


def _open_zip(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Opens the archive and reads its central directory: an unreadable archive is refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive, archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise FileRefused("document Office illisible (archive ZIP corrompue).") from exc


def _check_entry(info: zipfile.ZipInfo, max_ratio: int) -> None:
    """Checks one entry of the central directory before anything is decompressed: no absolute or parent
    path nor NUL byte in its name, no encryption, a standard compression, and no big entry compressed
    beyond ``max_ratio`` (a zip bomb)."""
    name = info.filename
    if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or "\x00" in name:
        raise FileRefused("archive ZIP aux chemins suspects : refusée.")
    if info.flag_bits & 0x1:
        raise FileRefused(
            "document protégé par mot de passe (chiffré) : retirez la protection avant de le déposer."
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FileRefused("archive ZIP à la compression non standard : refusée.")
    if info.file_size > RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
        raise FileRefused(BOMB)


def _check_directory(
    infos: list[zipfile.ZipInfo], max_entries: int, max_total: int, max_ratio: int
) -> list[str]:
    """Checks the central directory as declared: at most ``max_entries`` entries, no name twice, each entry
    (``_check_entry``), and at most ``max_total`` bytes once decompressed. Returns the entry names."""
    if len(infos) > max_entries:
        raise FileRefused(f"archive de {len(infos)} éléments ({max_entries} au plus) : refusée.")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise FileRefused("archive ZIP mal formée (noms en double) : refusée.")
    total = 0
    for info in infos:
        _check_entry(info, max_ratio)
        total += info.file_size
    if total > max_total:
        raise FileRefused(BOMB)
    return names


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str, nested: bool, budget: int) -> int:
    """Decompresses one part chunk by chunk, spending ``budget`` (the bytes still allowed: past it, a zip
    bomb), checks its first bytes for a program or an OLE object, searches OpenDocument XML for scripts
    bound to events, and checks the relationships it holds or the Office package it embeds. Returns the
    budget left."""
    lowered = info.filename.lower()
    relationships = lowered.endswith(".rels")
    embedded = not nested and lowered.rsplit(".", 1)[-1] in EMBEDDABLE_PACKAGES
    scripts = kind in ODF.values() and lowered.endswith(".xml")
    kept, tail, first = bytearray(), b"", True
    with archive.open(info) as member:
        while chunk := member.read(65536):
            budget -= len(chunk)
            if budget < 0:
                raise FileRefused(BOMB)
            if first:
                _check_part_content(chunk)
                first = False
            if scripts and ODF_SCRIPTS.search(tail + chunk):
                raise FileRefused(MACROS)
            if relationships or embedded:
                kept += chunk
            tail = chunk[-64:]
    if relationships:
        _check_relationships(bytes(kept))
    if embedded:
        _check_zip(bytes(kept), nested=True)
    return budget


def _check_zip(data: bytes, nested: bool = False) -> FileType:
    """Checks an Office (OOXML or OpenDocument) archive: its directory as declared (``_check_directory``),
    its kind, every part name, then every part's content as decompressed (``_read_part``)."""
    max_entries, max_total, max_ratio = zip_limits()
    archive, infos = _open_zip(data)
    names = _check_directory(infos, max_entries, max_total, max_ratio)
    kind = _office_kind(archive, set(names))
    for name in names:
        _check_part_name(name, nested)
    # Decompress everything in memory, chunk by chunk, bounded by the declared sizes just checked: zipfile
    # stops at the declared size and checks the CRC, so a lying directory fails here. Each part's first
    # bytes are checked for a program or an OLE object, the relationships parsed, and OpenDocument XML
    # searched for scripts bound to events; embedded Office packages (a chart's data) are checked in turn.
    budget = max_total
    try:
        for info in infos:
            budget = _read_part(archive, info, kind, nested, budget)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise FileRefused("document Office corrompu (contrôle CRC de l'archive en échec).") from exc
    return TYPES[kind]


MACROS = (
    "document Office contenant des macros : refusé. Enregistrez-le sans macros (.docx, .xlsx, .pptx) "
    "ou en PDF."
)
EMBEDDED = (
    "document Office contenant un objet incorporé (programme, objet OLE ou ActiveX) : refusé. "
    "Enregistrez-le sans objet incorporé ou en PDF."
)
EXECUTABLE = "document contenant un programme exécutable incorporé : refusé."
# Names that are programs or scripts on some system, wherever they sit in the archive.
EXECUTABLE_EXTENSIONS = {
    "exe",
    "dll",
    "com",
    "scr",
    "pif",
    "cpl",
    "sys",
    "drv",
    "ocx",
    "msi",
    "msp",
    "msc",
    "bat",
    "cmd",
    "ps1",
    "psm1",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "hta",
    "jar",
    "lnk",
    "reg",
    "inf",
    "application",
    "gadget",
    "sh",
    "bash",
    "elf",
    "so",
    "dylib",
    "app",
    "apk",
    "dex",
    "py",
    "pl",
    "rb",
    "command",
    "bin",
    "iso",
    "img",
    "appx",
    "msix",
    "xll",
    "wll",
    "xlam",
    "ppam",
    "dotm",
    "xltm",
    "potm",
    "ppsm",
    "docm",
    "xlsm",
    "pptm",
    "xlsb",
    "sldm",
    "url",
    "scf",
    "chm",
}
# In an OOXML package, a printer's settings are binary (.bin) but harmless.
HARMLESS_BIN = re.compile(r"^(word|xl|ppt)/printersettings/printersettings\d*\.bin$")
# Office packages a document may embed (a chart's data): checked in turn, and may embed nothing themselves.
EMBEDDABLE_PACKAGES = {"docx", "xlsx", "pptx"}
EMBEDDABLE = EMBEDDABLE_PACKAGES | {"png", "jpeg", "jpg", "emf", "wmf"}
OFFICE_WITH_MACROS = {
    "bin",
    "docm",
    "xlsm",
    "pptm",
    "dotm",
    "xltm",
    "potm",
    "ppsm",
    "sldm",
    "xlsb",
    "xlam",
    "ppam",
}
MACRO_PARTS = re.compile(
    r"(^|/)(vbaproject\.bin|vbadata\.xml|vbaprojectsignature[a-z]*\.bin)$|"
    r"(^|/)(macrosheets|dialogsheets|intlmacrosheets)/|^(basic|scripts)/"
)
MACRO_CONTENT_TYPES = re.compile(
    rb"macroEnabled|vbaProject|vbaData|macrosheet|ms-excel\.addin|"
    rb"ms-office\.activeX|oleObject|x-msdownload",
    re.IGNORECASE,
)
ODF_SCRIPTS = re.compile(rb"script:event-listener|vnd\.sun\.star\.script|<office:scripts?>|<script:")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
REFUSED_RELATIONSHIPS = {
    "oleobject",
    "activexcontrol",
    "activexcontrolbinary",
    "vbaproject",
    "vbaprojectsignature",
    "wordvbadata",
    "control",
}
EXTERNAL_REFUSED = {"attachedtemplate", "subdocument", "frame", "package", "oleobject", "externallinkpath"}


def _check_part_name(name: str, nested: bool) -> None:
    lowered = name.lower()
    base = lowered.rsplit("/", 1)[-1]
    extension = base.rsplit(".", 1)[-1] if "." in base else ""
    if MACRO_PARTS.search(lowered):
        raise FileRefused(MACROS)
    if "/activex/" in f"/{lowered}" or base.startswith("oleobject"):
        raise FileRefused(EMBEDDED)
    if extension in EXECUTABLE_EXTENSIONS and not HARMLESS_BIN.match(lowered):
        raise FileRefused(EMBEDDED if extension in OFFICE_WITH_MACROS else EXECUTABLE)
    if "/embeddings/" in f"/{lowered}" and (nested or extension not in EMBEDDABLE):
        raise FileRefused(EMBEDDED)


def _check_part_content(head: bytes) -> None:
    if _is_executable(head):
        raise FileRefused(EXECUTABLE)
    if head.startswith(OLE_MAGIC):
        raise FileRefused(EMBEDDED)


def _check_relationships(xml: bytes) -> None:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise FileRefused("document Office mal formé (relations illisibles).") from exc
    for relationship in root.iter():
        if not relationship.tag.endswith("Relationship"):
            continue
        kind = (relationship.get("Type") or "").rstrip("/").rsplit("/", 1)[-1].lower()
        target = (relationship.get("Target") or "").strip()
        if kind in REFUSED_RELATIONSHIPS:
            raise FileRefused(EMBEDDED)
        if (relationship.get("TargetMode") or "").lower() == "external":
            path = urlsplit(target.replace("\\", "/")).path.rstrip("/").rsplit("/", 1)[-1].lower()
            extension = path.rsplit(".", 1)[-1] if "." in path else ""
            if kind in EXTERNAL_REFUSED or extension in EXECUTABLE_EXTENSIONS:
                raise FileRefused(
                    "document Office qui ouvre un modèle, un objet ou un programme extérieur "
                    f"(« {target[:80]} ») : refusé."
                )


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 1024 * 1024) -> bytes:
    with archive.open(name) as member:
        return member.read(limit)


def _office_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    lowered = {n.lower() for n in names}
    if "[Content_Types].xml" in names:
        try:
            content_types = _read_small(archive, "[Content_Types].xml")
        except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError) as exc:
            raise FileRefused("document Office corrompu.") from exc
        if MACRO_CONTENT_TYPES.search(content_types):
            raise FileRefused(
                "document Office contenant des macros ou des objets incorporés (OLE, ActiveX) : "
                "refusé. Enregistrez-le sans macros (.docx, .xlsx, .pptx) ou en PDF."
            )
        if "_rels/.rels" not in names:
            raise FileRefused("document Office incomplet (relations absentes).")
        for part, (kind, main_type) in OOXML.items():
            if part in names and main_type.encode() in content_types:
                return kind
        raise FileRefused(
            "document Office d'un type non pris en charge (seuls docx, xlsx et pptx sont acceptés)."
        )
    first = archive.infolist()[0]
    if first.filename == "mimetype":
        if first.compress_type != zipfile.ZIP_STORED:
            raise FileRefused("document OpenDocument mal formé.")
        mimetype = _read_small(archive, "mimetype", 200).decode("ascii", "replace").strip()
        if any(n.startswith(("basic/", "scripts/")) for n in lowered):
            raise FileRefused(
                "document OpenDocument contenant des macros : refusé. Enregistrez-le sans macros ou en PDF."
            )
        if mimetype in ODF and "content.xml" in names and "META-INF/manifest.xml" in names:
            return ODF[mimetype]
        raise FileRefused(
            "document OpenDocument d'un type non pris en charge (seuls odt, ods et odp sont acceptés)."
        )
    raise FileRefused(
        f"archive ZIP refusée : seuls les documents Office et OpenDocument sont acceptés parmi les "
        f"archives. Types acceptés : {ACCEPTED_TEXT}."
    )


# --------------------------------------------------------------------------------------------- names

FORBIDDEN_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]')


def safe_filename(name: str, filetype: FileType) -> str:
    """The name shown and used for downloads: no path, no control or bidirectional characters, no
    characters that file systems refuse, at most 150 characters, and an extension that matches the
    content (``rapport.exe`` holding a PDF becomes ``rapport.exe.pdf``)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = FORBIDDEN_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = f".{ext.lower()}" if ext else ""
    if ext not in filetype.extensions:
        stem, ext = (f"{stem}{ext}" if stem else ext.lstrip(".")), filetype.extensions[0]
    stem = stem.strip(" .")[: 150 - len(ext)].strip(" .") or "document"
    return f"{stem}{ext}"
