"""Is this PDF a plain document? Parsed with pypdf (names with #xx escapes resolved, every filter decoded)
and refused, with a French reason, when it carries active content or is not a real PDF.

Every object is visited, not only those the current cross-reference table reaches: the file is read from
start to end for ``N G obj`` headers (so objects of earlier incremental updates and orphans count), every
object stream (recognised by its /N and /First, whatever its /Type says) is decoded and its objects parsed,
and the objects of the cross-reference tables are read too. Each object is then walked (iteratively) and
refused when it holds:

- JavaScript: a /JS or /JavaScript key anywhere (actions, the /Names tree), an action /S /JavaScript;
- an automatic action other than going to a page: /OpenAction must be a destination or a /GoTo action,
  every action of an /AA (additional actions: on opening a page, on a field, on closing...) a /GoTo;
- an action that runs, fetches or sends something: /Launch, /ImportData, /SubmitForm, /GoToR, /GoToE,
  /RichMediaExecute, /Rendition, /Movie, /Sound, /GoTo3DView (links /URI and /GoTo, /Named page moves
  are allowed, outside automatic actions);
- an XFA form (/XFA, which may carry scripts; a plain AcroForm without scripts is fine);
- an embedded file: /EmbeddedFiles, /EF, /Type /EmbeddedFile, /FileAttachment annotations;
- rich media and 3D: /RichMedia, /Screen, /Movie, /Sound, /3D annotations.

A file that pypdf cannot read into a catalogue with at least one page is refused (an HTML page starting with
``%PDF-`` included), and so is markup (HTML, script) found outside the streams, where a browser sniffing
the content would see it. Encrypted files are read with the empty password (permissions only); a file that
needs a password is refused, it cannot be checked. Work is bounded: decoded object streams (per stream and
in total), objects and visited values; any parser failure, recursion or limit is a refusal.
"""

import io
import re
from dataclasses import dataclass, field

import pypdf
from pypdf import PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    read_object,
)

MAX_OBJSTM_BYTES = 32 * 1024 * 1024  # one decoded object stream, at most
MAX_OBJSTM_TOTAL = 64 * 1024 * 1024  # all decoded object streams of a file, at most
MAX_OBJECTS = 200_000  # objects parsed (headers in the file, then objects of object streams)
MAX_VALUES = 5_000_000  # dictionaries, arrays and their entries visited
STREAM_LIMITS = {  # pypdf's own decoding limits, for the duration of a check
    "zlib_maximum_output_length": MAX_OBJSTM_BYTES,
    "lzw_maximum_output_length": MAX_OBJSTM_BYTES,
    "run_length_maximum_output_length": MAX_OBJSTM_BYTES,
    "array_based_stream_maximum_output_length": MAX_OBJSTM_BYTES,
    "stream_decoding_work_maximum_length": 4 * MAX_OBJSTM_BYTES,
    "xfa_decoding_work_maximum_length": MAX_OBJSTM_BYTES,
}

SCRIPT_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/XFA": "formulaire XFA",
    "/EmbeddedFiles": "fichier incorporé",
    "/EF": "fichier incorporé",
    "/RichMediaContent": "média enrichi",
    "/RichMediaSettings": "média enrichi",
}
FORBIDDEN_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "lancement de programme",
    "/ImportData": "import de données",
    "/SubmitForm": "envoi de formulaire",
    "/GoToR": "ouverture d'un autre fichier",
    "/GoToE": "ouverture d'un fichier incorporé",
    "/RichMediaExecute": "média enrichi",
    "/Rendition": "lecture de média",
    "/Movie": "lecture de média",
    "/Sound": "lecture de son",
    "/GoTo3DView": "vue 3D",
}
FORBIDDEN_SUBTYPES = {
    "/FileAttachment": "fichier incorporé",
    "/RichMedia": "média enrichi",
    "/Screen": "lecture de média",
    "/Movie": "lecture de média",
    "/Sound": "lecture de son",
    "/3D": "objet 3D",
}
AUTOMATIC = "action automatique autre qu'un saut de page"

OBJECT_HEADER = re.compile(rb"(?<![0-9])(\d{1,10})[\x00\t\n\f\r ]+(\d{1,5})[\x00\t\n\f\r ]+obj(?![A-Za-z])")
XREF_ROW = re.compile(rb"\d{10} \d{5} [fn]")
MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frameset|svg|object|embed|meta)\b", re.IGNORECASE
)
NAME = re.compile(rb"/([^\x00\t\n\f\r ()<>\[\]{}/%]+)")
RAW_ACTIVE = {
    b"JS",
    b"JavaScript",
    b"XFA",
    b"EmbeddedFiles",
    b"EmbeddedFile",
    b"Launch",
    b"RichMedia",
    b"SubmitForm",
    b"ImportData",
    b"FileAttachment",
}


class PdfRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


TOO_MANY = "PDF à la structure anormale (trop d'objets) : refusé."
TOO_BIG = "PDF à la structure anormale (trop volumineux une fois décompressé) : refusé."
HTML = "ce fichier commence comme un PDF mais contient une page HTML ou du script : refusé."
ADVICE = (
    "Imprimez-le en PDF simple (« Microsoft Print to PDF », « Enregistrer au format PDF ») avant de "
    "le déposer."
)


def _active(what: str) -> PdfRefused:
    return PdfRefused(f"PDF contenant du contenu actif ({what}) : refusé. {ADVICE}")


@dataclass
class _Walk:
    reader: PdfReader
    values: int = 0
    objects: int = 0
    decoded: int = 0
    seen_objstm: set = field(default_factory=set)
    visited: set = field(default_factory=set)  # (number, generation) read at their cross-reference offset

    def count_object(self) -> None:
        self.objects += 1
        if self.objects > MAX_OBJECTS:
            raise PdfRefused(TOO_MANY)


def check(data: bytes) -> None:
    """Raise PdfRefused (French message) unless ``data`` is a PDF without active content."""
    try:
        with pypdf.apply_configuration(**STREAM_LIMITS):
            _check(data)
    except PdfRefused:
        raise
    except LimitReachedError as exc:
        raise PdfRefused(TOO_BIG) from exc
    except RecursionError as exc:
        raise PdfRefused("PDF à la structure anormale (imbrication trop profonde) : refusé.") from exc
    except MemoryError as exc:
        raise PdfRefused(TOO_BIG) from exc
    except Exception as exc:  # noqa: BLE001 - whatever the parser raises, the file is not accepted
        raise PdfRefused(
            "PDF illisible ou mal formé (sa structure ne peut pas être analysée) : refusé. "
            "Enregistrez-le à nouveau en PDF."
        ) from exc


def _check(data: bytes) -> None:
    # Counted first (an upper bound, then the expression when needed): parsing too many takes too long.
    if (data.count(b"obj") > MAX_OBJECTS and _more_than(OBJECT_HEADER, data, MAX_OBJECTS)) or (
        data.count(b" n") + data.count(b" f") > MAX_OBJECTS and _more_than(XREF_ROW, data, MAX_OBJECTS)
    ):
        raise PdfRefused(TOO_MANY)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False, xref_stream_maximum_entries=MAX_OBJECTS)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfRefused(
                "PDF protégé par mot de passe : il ne peut pas être vérifié. Retirez la "
                "protection avant de le déposer."
            )
        root = reader.trailer.get("/Root")
        root = root.get_object() if root is not None else None
    except PdfRefused:
        raise
    except Exception:
        if MARKUP.search(data[:1024]):
            raise PdfRefused(HTML) from None
        raise
    if not isinstance(root, DictionaryObject) or "/Pages" not in root:
        if MARKUP.search(data[:1024]):
            raise PdfRefused(HTML)
        raise PdfRefused("ce fichier n'a pas la structure d'un PDF (catalogue ou pages absents) : refusé.")
    walk = _Walk(reader)
    gaps = _scan_file(walk, data)  # first: the objects it parses serve the page tree and the tables below
    if len(reader.pages) < 1:
        raise PdfRefused("PDF sans aucune page : refusé.")
    _visit_xref_objects(walk)
    _visit(walk, reader.trailer)
    for start, end in gaps:
        _check_gap(data[start:end])


def _more_than(pattern: re.Pattern, data: bytes, limit: int) -> bool:
    for count, _ in enumerate(pattern.finditer(data), 1):
        if count > limit:
            return True
    return False


def _scan_file(walk: _Walk, data: bytes) -> list[tuple[int, int]]:
    """Parse every ``N G obj`` of the file in order; return the byte ranges between parsed objects."""
    stream = io.BytesIO(data)
    offsets = {
        (number, generation): offset
        for generation, table in walk.reader.xref.items()
        for number, offset in table.items()
    }
    gaps, pos = [], 0
    while (match := OBJECT_HEADER.search(data, pos)) is not None:
        gaps.append((pos, match.start()))
        stream.seek(match.end())
        try:
            _skip_space(stream)
            obj = read_object(stream, walk.reader)
        except (RecursionError, MemoryError, LimitReachedError):
            raise  # a real object, too deep or too big: refused
        except Exception:  # noqa: BLE001 - not an object after all: the gap check reads these bytes
            gaps[-1] = (gaps[-1][0], match.end())
            pos = match.end()
            continue
        walk.count_object()
        number, generation = int(match.group(1)), int(match.group(2))
        _visit_top(walk, obj, number, generation)
        if offsets.get((number, generation)) == match.start():  # the current version of this object
            walk.visited.add((number, generation))
            if not walk.reader.is_encrypted and (generation, number) not in walk.reader.resolved_objects:
                walk.reader.cache_indirect_object(generation, number, obj)
        pos = max(stream.tell(), match.end())
    gaps.append((pos, len(data)))
    return gaps


def _skip_space(stream: io.BytesIO) -> None:
    while (char := stream.read(1)) and char in b"\x00\t\n\f\r ":
        pass
    if char:
        stream.seek(-1, 1)


def _check_gap(chunk: bytes) -> None:
    """Bytes outside the parsed objects (cross-reference tables, trailers, comments, junk)."""
    if MARKUP.search(chunk):
        raise PdfRefused(HTML)
    for raw in NAME.findall(chunk):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
        if name in RAW_ACTIVE:
            raise _active(name.decode("latin-1"))


def _visit_xref_objects(walk: _Walk) -> None:
    """The objects the cross-reference tables reach (in case a header escaped the scan)."""
    reader = walk.reader
    for generation, table in reader.xref.items():
        for number in table:
            if (number, generation) in walk.visited:
                continue
            walk.count_object()
            obj = reader.get_object(IndirectObject(number, generation, reader))
            if obj is not None:
                _visit_top(walk, obj, number, generation, decrypted=True)
    for number in reader.xref_objStm:
        walk.count_object()
        obj = reader.get_object(IndirectObject(number, 0, reader))
        if obj is not None:
            _visit(walk, obj)


def _visit_top(walk: _Walk, obj, number: int, generation: int, decrypted: bool = False) -> None:
    _visit(walk, obj)
    if isinstance(obj, StreamObject) and _is_object_stream(obj):
        _visit_object_stream(walk, obj, number, generation, decrypted)


def _is_object_stream(obj: StreamObject) -> bool:
    return obj.get("/Type") == "/ObjStm" or (
        isinstance(obj.get("/N"), NumberObject) and isinstance(obj.get("/First"), NumberObject)
    )


def _visit_object_stream(
    walk: _Walk, obj: StreamObject, number: int, generation: int, decrypted: bool
) -> None:
    key = (number, generation, id(obj))
    if key in walk.seen_objstm:
        return
    walk.seen_objstm.add(key)
    reader = walk.reader
    if reader.is_encrypted and not decrypted:  # objects read through the reader are decrypted already
        obj = reader._encryption.decrypt_object(obj, number, generation)  # noqa: SLF001 - no public API
    content = obj.get_data()
    walk.decoded += len(content)
    if len(content) > MAX_OBJSTM_BYTES or walk.decoded > MAX_OBJSTM_TOTAL:
        raise PdfRefused(TOO_BIG)
    count, first = int(obj["/N"]), int(obj["/First"])
    if count < 0 or not 0 <= first <= len(content) or count > len(content) // 3 + 1:
        raise PdfRefused("PDF mal formé (flux d'objets incohérent) : refusé.")
    stream = io.BytesIO(content)
    offsets = []
    for _ in range(count):
        _skip_space(stream)
        read_object(stream, reader)  # the object number
        _skip_space(stream)
        offsets.append(int(read_object(stream, reader)))
    for offset in offsets:
        if not 0 <= first + offset < len(content):
            raise PdfRefused("PDF mal formé (flux d'objets incohérent) : refusé.")
        stream.seek(first + offset)
        _skip_space(stream)
        walk.count_object()
        _visit(walk, read_object(stream, reader))


def _resolve(walk: _Walk, value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _action_kind(walk: _Walk, action) -> str | None:
    action = _resolve(walk, action)
    if isinstance(action, DictionaryObject):
        kind = action.get("/S")
        return str(kind) if isinstance(kind, NameObject) else None
    return None


def _check_automatic(walk: _Walk, action, depth: int = 0) -> None:
    """An /OpenAction or an action of /AA: a destination or a /GoTo, and so on along /Next."""
    action = _resolve(walk, action)
    if isinstance(action, ArrayObject) or depth > 50:
        if depth > 50:
            raise _active(AUTOMATIC)
        return
    if not isinstance(action, DictionaryObject):
        raise _active(AUTOMATIC)
    kind = _action_kind(walk, action)
    if kind in FORBIDDEN_ACTIONS:
        raise _active(FORBIDDEN_ACTIONS[kind])
    if kind != "/GoTo":
        raise _active(AUTOMATIC)
    following = _resolve(walk, action.get("/Next"))
    for item in following if isinstance(following, ArrayObject) else ([following] if following else []):
        _check_automatic(walk, item, depth + 1)


def _visit(walk: _Walk, root) -> None:
    """Walk the direct values of ``root`` (indirect references are objects visited on their own)."""
    pending = [root]
    while pending:
        value = pending.pop()
        walk.values += 1
        if walk.values > MAX_VALUES:
            raise PdfRefused("PDF à la structure anormale (trop complexe à vérifier) : refusé.")
        if isinstance(value, DictionaryObject):
            _check_dictionary(walk, value)
            pending.extend(value.values())
        elif isinstance(value, ArrayObject):
            pending.extend(value)


def _name(value) -> str | None:
    return str(value) if isinstance(value, NameObject) else None


def _check_dictionary(walk: _Walk, value: DictionaryObject) -> None:
    for key in value:
        if key in SCRIPT_KEYS:
            raise _active(SCRIPT_KEYS[key])
    kind, subtype, of_type = (_name(value.get(key)) for key in ("/S", "/Subtype", "/Type"))
    if kind in FORBIDDEN_ACTIONS and of_type != "/StructElem":
        raise _active(FORBIDDEN_ACTIONS[kind])
    if subtype in FORBIDDEN_SUBTYPES:
        raise _active(FORBIDDEN_SUBTYPES[subtype])
    if of_type == "/EmbeddedFile":
        raise _active("fichier incorporé")
    if "/OpenAction" in value:
        _check_automatic(walk, value["/OpenAction"])
    if "/AA" in value:
        triggers = _resolve(walk, value["/AA"])
        if not isinstance(triggers, DictionaryObject):
            raise _active(AUTOMATIC)
        for action in triggers.values():
            _check_automatic(walk, action)
