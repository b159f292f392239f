"""Strict reading and atomic writing of the project's text files.

Annotation and prediction files are edited by people and produced by other programs, so
every way a file can be subtly wrong (BOM, CRLF, bad UTF-8, duplicate keys, a stray
comma) is named with its line and refused, rather than half-read.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from diplonews.contract.errors import DiplonewsError, Problem, ProblemCollector, display_path

MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024  # annotation files; predictions have their own limit


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_readable(path: Path, *, max_bytes: int | None = None) -> int:
    """The size of a regular, readable file, or a problem saying exactly what the path is."""
    file = display_path(path)
    try:
        status = path.stat()  # follows symlinks; a loop raises OSError (ELOOP)
    except FileNotFoundError:
        raise DiplonewsError(Problem("file-not-found", "no such file", file=file)) from None
    except OSError as error:
        raise DiplonewsError(Problem("not-a-file", f"cannot open: {error.strerror or error}", file=file)) from None
    if not stat.S_ISREG(status.st_mode):
        kind = (
            "a directory"
            if stat.S_ISDIR(status.st_mode)
            else "a FIFO"
            if stat.S_ISFIFO(status.st_mode)
            else "not a regular file"
        )
        raise DiplonewsError(Problem("not-a-file", f"the path is {kind}", file=file, hint="pass a regular file"))
    if not os.access(path, os.R_OK):
        raise DiplonewsError(
            Problem("unreadable-file", "permission denied", file=file, hint="check the file's permissions")
        )
    if max_bytes is not None and status.st_size > max_bytes:
        raise DiplonewsError(
            Problem(
                "file-too-large",
                f"file is {status.st_size:,} bytes, over the limit of {max_bytes:,}",
                file=file,
                hint="split the file",
            )
        )
    return status.st_size


def read_bytes(path: Path, *, max_bytes: int | None = None) -> bytes:
    """A regular file's bytes, or a problem (never an OSError traceback)."""
    check_readable(path, max_bytes=max_bytes)
    try:
        return path.read_bytes()
    except OSError as error:
        raise DiplonewsError(
            Problem("unreadable-file", f"cannot read: {error.strerror or error}", file=display_path(path))
        ) from None


def decode_utf8(data: bytes, file: str, *, allow_empty: bool = False) -> str:
    """Strict UTF-8 without BOM and with LF line ends, or a problem naming the line."""
    if not data and not allow_empty:
        raise DiplonewsError(
            Problem(
                "empty-file",
                "file is empty",
                file=file,
                hint="an empty layer is written as a file with no lines; delete the file or add records",
            )
        )
    if data.startswith(b"\xef\xbb\xbf"):
        raise DiplonewsError(
            Problem(
                "bom",
                "file starts with a UTF-8 byte-order mark (BOM)",
                file=file,
                line=1,
                hint="save the file as UTF-8 without BOM",
            )
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) >= 2 and (data[1:2] == b"\x00" or data[0:1] == b"\x00")):
        raise DiplonewsError(
            Problem(
                "not-utf8",
                "the file looks like UTF-16 (byte-order mark or NUL bytes)",
                file=file,
                line=1,
                hint="re-encode the file as UTF-8",
            )
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DiplonewsError(
            Problem(
                "not-utf8",
                f"not valid UTF-8: byte 0x{data[error.start]:02x} at column {column}",
                file=file,
                line=line,
                hint="re-encode the file as UTF-8",
            )
        ) from None
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise DiplonewsError(
            Problem(
                "crlf",
                "carriage return (CRLF or CR line end)",
                file=file,
                line=line,
                hint="convert line ends to LF (\\n)",
            )
        )
    return text


def read_utf8(path: Path, *, max_bytes: int = MAX_TEXT_FILE_BYTES, allow_empty: bool = False) -> str:
    """Decode a file as strict UTF-8 without BOM and with LF line ends, or say why not."""
    return decode_utf8(read_bytes(path, max_bytes=max_bytes), display_path(path), allow_empty=allow_empty)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def read_jsonl(
    path: Path, *, max_bytes: int = MAX_TEXT_FILE_BYTES, allow_empty: bool = False
) -> list[tuple[int, dict[str, Any]]]:
    """All records of a JSONL file with their line numbers; every malformed line is reported."""
    text = read_utf8(path, max_bytes=max_bytes, allow_empty=allow_empty)
    file = display_path(path)
    records: list[tuple[int, dict[str, Any]]] = []
    problems = ProblemCollector()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, object_pairs_hook=_no_duplicate_keys)
        except RecursionError:
            problems.add(
                Problem(
                    "malformed-json",
                    "JSON nested too deeply",
                    file=file,
                    line=number,
                    hint="each line must be one flat JSON object",
                )
            )
            continue
        except (json.JSONDecodeError, ValueError) as error:
            problems.add(
                Problem(
                    "malformed-json",
                    f"malformed JSON: {error}",
                    file=file,
                    line=number,
                    hint="each line must be one JSON object",
                )
            )
            continue
        if not isinstance(record, dict):
            problems.add(
                Problem("not-an-object", f"expected a JSON object, found {json_type(record)}", file=file, line=number)
            )
            continue
        records.append((number, record))
    problems.raise_if_any()
    if not records and not allow_empty:
        raise DiplonewsError(Problem("empty-file", "no records (only blank lines)", file=file))
    return records


_JSON_NAMES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type (what a user wrote, not Python's name)."""
    return _JSON_NAMES.get(type(value), type(value).__name__)


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
