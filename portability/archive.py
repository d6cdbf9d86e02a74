"""The encrypted archive of one CPTS: JSON records, compressed, encrypted under a passphrase.

Layout: a first line ``OPENCPTS-CPTS-ARCHIVE 1``, a JSON header line (scrypt parameters and salt, the
stream's nonce prefix, a check value of the key), then chunks (4-byte length, AES-256-GCM ciphertext).
The key is scrypt(passphrase, salt); a wrong passphrase is told by the check value before anything is
read. Each chunk's nonce is the prefix, its number and a « last chunk » flag (the STREAM construction of
age), and its associated data is the header: a chunk edited, removed, moved, or an archive cut short or
with a changed header fails its tag. Inside: zlib-compressed JSON lines (``{"type": ...}``), streamed, so
neither side holds the archive in memory nor writes clear data to disk.
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import zlib
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.core.serializers.json import DjangoJSONEncoder

from opencpts.errors import ActionError

MAGIC = b"OPENCPTS-CPTS-ARCHIVE 1\n"
CHUNK = 1 << 20
SCRYPT = {"n": 1 << 15, "r": 8, "p": 1}
MIN_PASSPHRASE = 12
MAX_HEADER = 4096
MAX_LINE = 64 << 20  # a record line (a 20 MB document in base64, plus room)


class ArchiveError(ActionError):
    """The archive cannot be read: wrong passphrase, altered, cut short, not an archive."""


def _derive(passphrase: str, salt: bytes, params: dict) -> tuple[bytes, bytes]:
    material = Scrypt(salt=salt, length=64, n=params["n"], r=params["r"], p=params["p"]).derive(
        passphrase.encode()
    )
    return material[:32], hmac.new(material[32:], b"opencpts-archive-check", hashlib.sha256).digest()


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", number) + (b"\x01" if last else b"\x00")


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ActionError(f"La phrase de passe doit compter au moins {MIN_PASSPHRASE} caractères.")


class Writer:
    """``write(record)`` then ``close()``; the file is complete only after ``close()``."""

    def __init__(self, out, passphrase: str):
        check_passphrase(passphrase)
        salt, self._prefix = os.urandom(16), os.urandom(7)
        self._key, check = _derive(passphrase, salt, SCRYPT)
        header = {
            "kdf": "scrypt",
            **SCRYPT,
            "salt": base64.b64encode(salt).decode(),
            "nonce_prefix": base64.b64encode(self._prefix).decode(),
            "check": base64.b64encode(check).decode(),
        }
        self._header = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
        self._out = out
        self._out.write(self._header)
        self._aead = AESGCM(self._key)
        self._zip = zlib.compressobj(6)
        self._buffer = bytearray()
        self._number = 0
        self.bytes_in = 0

    def write(self, record: dict) -> None:
        line = json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()
        self.bytes_in += len(line) + 1
        self._buffer += self._zip.compress(line + b"\n")
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def _emit(self, plain: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._number, last), plain, self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._number += 1

    def close(self) -> None:
        self._buffer += self._zip.flush()
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()


def _read_header(source) -> tuple[bytes, dict]:
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise ArchiveError("Ce fichier n'est pas une archive de CPTS OpenCPTS (en-tête inconnu).")
    line = source.readline(MAX_HEADER)
    try:
        header = json.loads(line)
        params = {k: int(header[k]) for k in ("n", "r", "p")}
        salt, prefix, check = (base64.b64decode(header[k]) for k in ("salt", "nonce_prefix", "check"))
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError("L'en-tête de l'archive est illisible : fichier altéré.") from exc
    if header.get("kdf") != "scrypt" or len(prefix) != 7 or params["n"] > 1 << 20 or params["r"] > 32:
        raise ArchiveError("L'en-tête de l'archive est illisible : fichier altéré.")
    return magic + line, {"params": params, "salt": salt, "prefix": prefix, "check": check}


def _chunks(source, header_bytes: bytes, key: bytes, prefix: bytes) -> Iterator[bytes]:
    aead = AESGCM(key)
    number, last = 0, False
    while not last:
        size = source.read(4)
        if len(size) < 4:
            raise ArchiveError("L'archive est incomplète (fichier tronqué) : import annulé.")
        (length,) = struct.unpack(">I", size)
        sealed = source.read(length)
        if len(sealed) != length or length > CHUNK + 1024:
            raise ArchiveError("L'archive est incomplète ou altérée : import annulé.")
        for flag in (False, True):
            try:
                plain = aead.decrypt(_nonce(prefix, number, flag), sealed, header_bytes)
            except InvalidTag:
                continue
            last = flag
            break
        else:
            raise ArchiveError(
                "L'archive a été altérée (contrôle d'intégrité en échec au bloc "
                f"{number + 1}) : import annulé, rien n'a été écrit."
            )
        number += 1
        yield plain
    if source.read(1):
        raise ArchiveError("L'archive a été altérée (données après la fin) : import annulé.")


def read(source, passphrase: str) -> Iterator[dict]:
    """The records of an archive, in order. Raises ArchiveError (French) on a wrong passphrase, an altered
    or truncated file; the caller's transaction makes the import all or nothing."""
    header_bytes, header = _read_header(source)
    key, check = _derive(passphrase, header["salt"], header["params"])
    if not hmac.compare_digest(check, header["check"]):
        raise ArchiveError("Phrase de passe incorrecte : l'archive ne peut pas être déchiffrée.")
    unzip = zlib.decompressobj()
    pending = b""
    for plain in _chunks(source, header_bytes, key, header["prefix"]):
        try:
            pending += unzip.decompress(plain)
        except zlib.error as exc:
            raise ArchiveError("Le contenu de l'archive est illisible : fichier altéré.") from exc
        *lines, pending = pending.split(b"\n")
        if len(pending) > MAX_LINE:
            raise ArchiveError("Le contenu de l'archive est illisible (ligne trop longue).")
        for line in lines:
            yield json.loads(line)
    if pending or not unzip.eof:
        raise ArchiveError("Le contenu de l'archive est incomplet : fichier altéré.")
