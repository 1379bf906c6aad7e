"""What every reader shares: supported types, limits, and the checks made before reading.

Checks run before any parser sees the file, so a bad file fails fast with one clear line:
size (``check_file``), zip structure and decompression bombs (``check_zip``), binary
content in a text file (``sniff_binary``). Each failure is an :class:`IngestError`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ftbuilder.core.errors import IngestError
from ftbuilder.core.files import NOT_REGULAR_HINT, file_kind, open_regular

MB = 1024 * 1024

# extension -> document type
EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx", ".pptx": "pptx",
    ".csv": "csv", ".tsv": "csv", ".txt": "txt", ".text": "txt", ".md": "md",
    ".markdown": "md", ".rst": "rst", ".adoc": "adoc", ".asciidoc": "adoc", ".html": "html",
    ".htm": "html", ".json": "json", ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
TEXT_TYPES = frozenset({"txt", "md", "rst", "adoc", "csv", "html", "json", "jsonl"})
ZIP_TYPES = frozenset({"docx", "xlsx", "pptx"})
# the part every real file of that type has
_ZIP_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml",
                  "pptx": "ppt/presentation.xml"}
_APP = {"docx": "Word", "xlsx": "Excel", "pptx": "PowerPoint"}
# a member this big or bigger is judged by its compression ratio (small XML parts compress well)
_RATIO_MIN_BYTES = 1 * MB
# how much of each XML part is scanned for a DTD (OOXML parts never have one)
_DTD_SCAN_BYTES = 64 * 1024

MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "a PDF"), (b"PK\x03\x04", "a ZIP or Office file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office (.doc/.xls/.ppt) or encrypted file"),
    (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "a program"), (b"MZ", "a Windows program"), (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3", "an SQLite database"),
]
_OLE_MAGIC = MAGIC[2][0]


@dataclass(frozen=True, slots=True)
class Limits:
    """Safety limits for reading one file (config: ingest.*)."""

    max_file_bytes: int = 100 * MB
    max_decompressed_bytes: int = 500 * MB
    max_compression_ratio: float = 200.0

    @classmethod
    def from_mb(cls, max_file_mb: float, max_decompressed_mb: float,
                max_compression_ratio: float) -> Limits:
        return cls(int(max_file_mb * MB), int(max_decompressed_mb * MB),
                   float(max_compression_ratio))


def supported_list() -> str:
    return ", ".join(sorted(EXTENSIONS))


def file_type(path: str | Path) -> str | None:
    """The document type of ``path`` by extension ("pdf", "docx", ...); None if unsupported."""
    return EXTENSIONS.get(Path(path).suffix.lower())


def _mb(n: float) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB / 10 else f"{n / 1024:,.1f} KB"


def check_file(path: Path, limits: Limits) -> int:
    """Raise IngestError if ``path`` is missing, not a regular file (a FIFO, a device, a
    socket: never opened), unsupported, empty or too large; else its size."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise IngestError(f"{path.name}: no such file", "check the path") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise IngestError(f"{path.name}: symlink loop", "point the link at a real file"
                              ) from None
        raise
    if not stat.S_ISREG(st.st_mode):
        raise IngestError(f"not a regular file (it is {file_kind(st.st_mode)})",
                          NOT_REGULAR_HINT)
    kind = file_type(path)
    if kind is None:
        ext = path.suffix.lower() or "(no extension)"
        raise IngestError(f"unsupported type {ext}; supported: {supported_list()}",
                          "convert the file to one of these types")
    size = st.st_size
    if size == 0:
        raise IngestError("empty file", "nothing to read; remove it or add content")
    if size > limits.max_file_bytes:
        raise IngestError(
            f"file too large: {_mb(size)} > limit {_mb(limits.max_file_bytes)}",
            "split the file, or raise ingest.max_file_mb in config.yaml")
    return size


def _too_large(limit: int) -> IngestError:
    return IngestError(f"file too large: more than the limit of {_mb(limit)}",
                       "split the file, or raise ingest.max_file_mb in config.yaml")


def sha256_file(path: Path, chunk: int = MB, max_bytes: int | None = None) -> str:
    """SHA-256 of the file's bytes, read in chunks (bounded memory).

    Only a regular file is opened (IngestError otherwise); with ``max_bytes``, a file that
    turns out longer than that (whatever size it reported) raises IngestError.
    """
    h = hashlib.sha256()
    seen = 0
    with open_regular(path, IngestError) as f:
        while block := f.read(chunk):
            seen += len(block)
            if max_bytes is not None and seen > max_bytes:
                raise _too_large(max_bytes)
            h.update(block)
    return h.hexdigest()


# the size limit of the read in progress (set by read_document for its readers)
_READ_LIMIT: ContextVar[int] = ContextVar("ftb_read_limit", default=Limits().max_file_bytes)


@contextmanager
def read_limit(max_bytes: int) -> Iterator[None]:
    """Readers called inside read at most ``max_bytes`` (+1) bytes of a file."""
    token = _READ_LIMIT.set(max_bytes)
    try:
        yield
    finally:
        _READ_LIMIT.reset(token)


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, never more than the current read limit (+1 byte)."""
    limit = _READ_LIMIT.get()
    with open_file(path) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def open_file(path: Path) -> BinaryIO:
    """``path`` opened for binary reading, if it is a regular file (IngestError otherwise)."""
    return open_regular(path, IngestError)


def looks_like(head: bytes) -> str | None:
    """What known binary format ``head`` (the first bytes of a file) starts with, if any."""
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    return None


def check_zip(path: Path, kind: str, limits: Limits) -> None:
    """Check a DOCX/XLSX/PPTX before a parser opens it.

    Raises IngestError when it is not a zip, is password-protected, lacks its main part,
    would decompress past the limits (a decompression bomb) or carries an XML DTD
    (entity-expansion attacks; Office files never have one).
    """
    ext = f".{kind}"
    resave = f"open it in {_APP[kind]} and save it again"
    with open_file(path) as f:
        head = f.read(8)
    if head.startswith(_OLE_MAGIC):
        raise IngestError(
            f"{ext} is password-protected or an old binary Office file (.doc/.xls/.ppt)",
            f"open it in {_APP[kind]}, remove the password and save it as {ext}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise IngestError(f"corrupt or not a real {ext}", resave) from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if _ZIP_MAIN_PART[kind] not in names:
            other = next((k for k, part in _ZIP_MAIN_PART.items() if part in names), None)
            also = f" (it looks like a .{other}: rename it)" if other else ""
            raise IngestError(f"corrupt or not a real {ext}{also}", resave)
        if any(i.flag_bits & 0x1 for i in infos):
            raise IngestError(f"{ext} has encrypted parts", "save it again without a password")
        _check_bomb(infos, limits)
        _check_no_dtd(zf, infos, ext, resave)


def _check_bomb(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    hint = ("do not open files you do not trust; if you trust it, raise "
            "ingest.max_decompressed_mb / ingest.max_compression_ratio in config.yaml")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > limits.max_decompressed_bytes:
        raise IngestError(
            f"looks like a decompression bomb: {_mb(total)} uncompressed from {_mb(packed)} "
            f"(limit {_mb(limits.max_decompressed_bytes)})", hint)
    for i in infos:
        if i.file_size >= _RATIO_MIN_BYTES:
            ratio = i.file_size / max(i.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise IngestError(
                    f"looks like a decompression bomb: {i.filename} expands {ratio:,.0f}:1 "
                    f"to {_mb(i.file_size)} (limit {limits.max_compression_ratio:,.0f}:1)", hint)


def _check_no_dtd(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], ext: str,
                  resave: str) -> None:
    for i in infos:
        if not i.filename.endswith((".xml", ".rels")):
            continue
        try:
            with zf.open(i) as member:
                head = member.read(_DTD_SCAN_BYTES)
        except Exception:  # zlib.error, BadZipFile, CRC...: many types, all mean "corrupt"
            raise IngestError(f"corrupt {ext}: part {i.filename} is damaged", resave) from None
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise IngestError(
                f"{ext} part {i.filename} declares an XML DTD/entities (possibly malicious)",
                "real Office files never do; do not trust this file")
