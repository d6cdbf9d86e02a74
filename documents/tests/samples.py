"""Real minimal files built in code for the tests: each is a valid file of its type (or a precise way of
not being one)."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from documents.pdf import tiny_pdf


def pdf(marker: str = "Compte rendu de test") -> bytes:
    return tiny_pdf([marker, "Deuxième ligne (accentuée) : éèà"], title=marker)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 1, height: int = 1) -> bytes:
    """An RGB PNG, every pixel red."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims these dimensions (a decompression bomb for viewers when huge)."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(b""))
        + _png_chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """A baseline JPEG, 8 × 8 grey: one quantisation table, one-code Huffman tables, one block whose DC
    difference is 0 and whose AC coefficients end at once (EOB)."""
    soi, eoi = b"\xff\xd8", b"\xff\xd9"
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, for the symbol 0
    dht = b"\xff\xc4" + struct.pack(">H", 2 + 2 * 18) + b"\x00" + one_code + b"\x10" + one_code
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    scan = b"\x3f"  # DC "0", AC EOB "0", padded with ones
    return soi + app0 + dqt + sof0 + dht + sos + scan + eoi


def webp_header_only() -> bytes:
    """RIFF/WEBP container with a consistent size and a VP8L chunk (structure as checked, no pixels)."""
    chunk = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00" + b"\x00"
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
    "<w:t>Synthèse de concertation (test)</w:t></w:r></w:p></w:body></w:document>"
)


def _entry(name: str) -> zipfile.ZipInfo:
    return zipfile.ZipInfo(name, date_time=(2026, 1, 2, 3, 4, 6))  # fixed: the same bytes on every call


def docx(extra: dict[str, bytes] | None = None, content_types: str = CONTENT_TYPES) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("[Content_Types].xml"), content_types, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(_entry("_rels/.rels"), RELS, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(_entry("word/document.xml"), DOCUMENT, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            archive.writestr(_entry(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            _entry("mimetype"), "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr(
            _entry("META-INF/manifest.xml"),
            '<?xml version="1.0"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            _entry("content.xml"),
            '<?xml version="1.0"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


def zip_bomb_docx(megabytes: int = 5) -> bytes:
    """A docx whose media entry inflates a thousandfold (zeros)."""
    return docx({"word/media/image1.png": b"\x00" * (megabytes * 1024 * 1024)})


def lying_docx() -> bytes:
    """A docx whose directory declares 10 bytes for an entry that inflates to 2 MB."""
    data = bytearray(docx({"word/media/big.dat": b"A" * (2 * 1024 * 1024)}))
    name = b"word/media/big.dat"
    local = data.find(b"PK\x03\x04" + b"")
    while local >= 0:  # local headers: uncompressed size at offset 22, name at 30
        name_len = struct.unpack("<H", data[local + 26 : local + 28])[0]
        if data[local + 30 : local + 30 + name_len] == name:
            data[local + 22 : local + 26] = struct.pack("<I", 10)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:  # central headers: uncompressed size at offset 24, name at 46
        name_len = struct.unpack("<H", data[central + 28 : central + 30])[0]
        if data[central + 46 : central + 46 + name_len] == name:
            data[central + 24 : central + 28] = struct.pack("<I", 10)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def pe_executable() -> bytes:
    """The start of a Windows executable (DOS header, stub message, PE signature)."""
    header = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 56)
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    stub = b"This program cannot be run in DOS mode.\r\r\n$"
    return bytes(header) + stub.ljust(0x80 - len(header), b"\x00") + b"PE\x00\x00" + b"\x00" * 200


def elf_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)
HTML = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(1)</script></body></html>"
PDF_WITH_JAVASCRIPT = tiny_pdf(["x"]).replace(
    b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>"
)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
