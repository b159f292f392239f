"""Strict reading and atomic writing of the project's text files.

Annotation and prediction files are edited by people and produced by other programs, so
every way a file can be subtly wrong (BOM, CRLF, bad UTF-8, duplicate keys, a stray
comma) is named with its line and refused, rather than half-read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from diplonews.errors import DiplonewsError, Problem, where

MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024  # annotation files; predictions have their own limit


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_utf8(path: Path, *, max_bytes: int = MAX_TEXT_FILE_BYTES, allow_empty: bool = False) -> str:
    """Decode a file as strict UTF-8 without BOM and with LF line ends, or say why not."""
    if not path.is_file():
        raise DiplonewsError(Problem(where(path), "file not found"))
    size = path.stat().st_size
    if size > max_bytes:
        raise DiplonewsError(
            Problem(where(path), f"file is {size:,} bytes, over the limit of {max_bytes:,}", hint="split the file or raise the limit")
        )
    data = path.read_bytes()
    if not data and not allow_empty:
        raise DiplonewsError(Problem(where(path), "file is empty", hint="an empty layer is written as a file with no lines; delete the file or add records"))
    if data.startswith(b"\xef\xbb\xbf"):
        raise DiplonewsError(Problem(where(path, 1), "file starts with a UTF-8 byte-order mark (BOM)", hint="save the file as UTF-8 without BOM"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DiplonewsError(
            Problem(where(path, line), f"not valid UTF-8: byte 0x{data[error.start]:02x} at column {column}", hint="re-encode the file as UTF-8")
        ) from None
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise DiplonewsError(Problem(where(path, line), "carriage return (CRLF or CR line end)", hint="convert line ends to LF (\\n)"))
    return text


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def read_jsonl(path: Path, *, max_bytes: int = MAX_TEXT_FILE_BYTES, allow_empty: bool = False) -> list[tuple[int, dict[str, Any]]]:
    """All records of a JSONL file with their line numbers; every malformed line is reported."""
    text = read_utf8(path, max_bytes=max_bytes, allow_empty=allow_empty)
    records: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, object_pairs_hook=_no_duplicate_keys)
        except (json.JSONDecodeError, ValueError) as error:
            problems.append(Problem(where(path, number), f"malformed JSON: {error}", hint="each line must be one JSON object"))
            continue
        if not isinstance(record, dict):
            problems.append(Problem(where(path, number), f"expected a JSON object, found {type(record).__name__}"))
            continue
        records.append((number, record))
    if problems:
        raise DiplonewsError(problems)
    if not records and not allow_empty:
        raise DiplonewsError(Problem(where(path), "no records (only blank lines)"))
    return records


def dump_jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n" for record in records)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), 0o644)
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def publish_files(root: Path, files: dict[str, bytes]) -> list[str]:
    """Write every file (each atomically); return the ones whose bytes changed.

    Callers build and check everything in memory first, so nothing is written unless the
    whole output is valid; a file whose bytes are unchanged is not touched.
    """
    changed = []
    for relative, data in sorted(files.items()):
        path = root / relative
        if path.is_file() and path.read_bytes() == data:
            continue
        atomic_write_bytes(path, data)
        changed.append(relative)
    return changed
