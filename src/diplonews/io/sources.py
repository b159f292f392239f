"""Inputs that do not fit in memory: a file, a folder or a glob of parts, read in batches.

`resolve` turns what the user typed into parts (Parquet, JSONL, CSV); `batches` reads
one part as typed polars frames of bounded size, through the same strict readers as
`diplonews.io.predictions` (so a part gives the same problems, file:line, as when read
whole): Parquet by row groups and record batches, JSONL in byte chunks cut at line ends
(pyarrow's parse, or the strict reader for a chunk it cannot vouch for), CSV whole (a
quoted field may span lines, so a CSV part is one batch: split big CSV files into parts).

Every row gets a row key, `part index << 40 | position` (position: the 0-based line for
JSONL, the 0-based row for Parquet and CSV), which orders rows as a concatenation of the
parts would, and leads back to file:line with `Part.locate`. Batches can also be
described (`plan`) and read elsewhere (`read_planned`), e.g. by Spark tasks.
"""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from diplonews.contract import schema
from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.io import predictions as readers
from diplonews.io.files import check_readable

BATCH_ROWS = 262_144
CHUNK_BYTES = 32 << 20  # JSONL bytes per batch
POSITION_BITS = 40
_GLOB_CHARS = set("*?[")


@dataclass
class Part:
    """One input file of a (possibly multi-file) source."""

    index: int
    path: Path
    format: str
    name: str = ""
    _csv_lines: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name or display_path(self.path)

    def locate(self, position: int) -> dict[str, Any]:
        if self.format == "jsonl":
            return {"file": self.name, "line": position + 1}
        if self.format == "csv":
            if self._csv_lines is None:
                self._csv_lines = readers._csv_record_lines(self.path)
            if 0 <= position < len(self._csv_lines):
                return {"file": self.name, "line": int(self._csv_lines[position])}
        return {"file": self.name, "row": position + 1}


def row_key(part: int, position: int) -> int:
    return (part << POSITION_BITS) | position


def split_key(key: int) -> tuple[int, int]:
    return key >> POSITION_BITS, key & ((1 << POSITION_BITS) - 1)


def is_multi(spec: str | Path) -> bool:
    """A folder or a glob (rather than one file)."""
    return Path(spec).is_dir() or bool(_GLOB_CHARS & set(str(spec)))


def resolve(spec: str | Path, formats: dict[str, str] | None = None, *, what: str = "predictions") -> list[Part]:
    """The parts named by a file, a folder (its files of known formats, recursively, sorted) or a glob."""
    formats = formats or readers.FORMATS
    text = str(spec)
    path = Path(spec)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in formats)
        hint = f"the folder holds no {what} file ({', '.join(sorted(formats))})"
    elif _GLOB_CHARS & set(text) and not path.exists():
        found = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        hint = f"the pattern matches no {what} file"
    else:
        found = [path]
        hint = ""
    if not found:
        raise DiplonewsError(Problem("file-not-found", f"no {what} file at {text}", file=text, hint=hint))
    parts = []
    problems = []
    for index, item in enumerate(found):
        file_format = formats.get(item.suffix.lower())
        if file_format is None:
            problems.append(
                Problem(
                    "unknown-format",
                    f"unknown {what} file format {item.suffix!r}",
                    file=display_path(item),
                    hint=f"use one of {', '.join(sorted(formats))}",
                )
            )
            continue
        parts.append(Part(index, item, file_format))
    if problems:
        raise DiplonewsError(problems)
    return parts


# ---- batches ----------------------------------------------------------------------------


@dataclass
class Batch:
    """Typed rows of one part, with the row key of each row."""

    part: Part
    frame: pl.DataFrame
    positions: np.ndarray  # 0-based position in the part of each row

    def keys(self) -> pl.Series:
        return pl.Series(
            "_row_key", (np.int64(self.part.index) << POSITION_BITS) + self.positions.astype(np.int64), dtype=pl.Int64
        )

    def locate(self, row: int | None) -> dict[str, Any]:
        """Problem location of a 0-based row of this batch (None: the part)."""
        if row is None or not 0 <= row < len(self.positions):
            return {"file": self.part.name}
        return self.part.locate(int(self.positions[row]))


@dataclass(frozen=True)
class Task:
    """One batch, described (picklable): a part and a range of row groups, or of bytes."""

    part: Part
    kind: str  # "row_groups", "bytes", "whole"
    start: int = 0
    stop: int = 0
    first_line: int = 1  # JSONL: the line number the byte range starts on
    first_row: int = 0  # Parquet: the row the first row group starts on


def plan(part: Part, table: schema.Table) -> list[Task]:
    """The batches of one part, described: row groups of a Parquet file, byte ranges of a JSONL file."""
    size = check_readable(part.path, max_bytes=None)
    if size == 0:
        return []
    if part.format == "parquet":
        try:
            metadata = pq.ParquetFile(part.path).metadata
        except (pa.ArrowInvalid, OSError) as error:
            raise DiplonewsError(
                Problem("unreadable-parquet", f"not a readable Parquet file: {error}", file=part.name)
            ) from None
        tasks, start, rows, first_row = [], 0, 0, 0
        for group in range(metadata.num_row_groups):
            rows += metadata.row_group(group).num_rows
            if rows >= BATCH_ROWS or group == metadata.num_row_groups - 1:
                tasks.append(Task(part, "row_groups", start, group + 1, first_row=first_row))
                start, first_row, rows = group + 1, first_row + rows, 0
        return tasks or [Task(part, "whole")]
    if part.format == "jsonl":
        tasks = []
        with part.path.open("rb") as handle:
            start, line = 0, 1
            while start < size:
                handle.seek(start)
                data = handle.read(CHUNK_BYTES)
                cut = data.rfind(b"\n") + 1 if start + len(data) < size else len(data)
                if cut == 0:  # a line longer than a chunk: read on to its end
                    rest = handle.read()
                    extra = rest.find(b"\n")
                    cut = len(data) + (extra + 1 if extra >= 0 else len(rest))
                    data += rest[: cut - len(data)]
                tasks.append(Task(part, "bytes", start, start + cut, line))
                line += data[:cut].count(b"\n")
                start += cut
        return tasks
    return [Task(part, "whole")]


def read_planned(task: Task, table: schema.Table) -> Batch:
    """Read one described batch; raise DiplonewsError with the part's problems."""
    part = task.part
    if task.kind == "row_groups":
        try:
            arrow = pq.ParquetFile(part.path).read_row_groups(list(range(task.start, task.stop)))
        except (pa.ArrowInvalid, OSError) as error:
            raise DiplonewsError(
                Problem("unreadable-parquet", f"not a readable Parquet file: {error}", file=part.name)
            ) from None
        frame = readers._frame_from_arrow(arrow, table, part.name)
        return Batch(part, frame, np.arange(task.first_row, task.first_row + frame.height, dtype=np.int64))
    if task.kind == "bytes":
        with part.path.open("rb") as handle:
            handle.seek(task.start)
            data = handle.read(task.stop - task.start)
        return _jsonl_chunk(part, data, task.first_line, table)
    source = readers.read_predictions(part.path, table)
    source.name = part.name
    return Batch(part, source.frame, np.arange(source.n_rows, dtype=np.int64))


def batches(part: Part, table: schema.Table) -> Iterator[Batch]:
    for task in plan(part, table):
        yield read_planned(task, table)


def _jsonl_chunk(part: Part, data: bytes, first_line: int, table: schema.Table) -> Batch:
    """One chunk of a JSONL file, with the file's line numbers: pyarrow's parse if it vouches, else the strict reader."""
    fast = readers._parse_jsonl_fast(data, part.name, table) if data else None
    if fast is not None:
        return Batch(part, fast.frame, np.arange(first_line - 1, first_line - 1 + fast.n_rows, dtype=np.int64))
    handle, name = tempfile.mkstemp(suffix=".jsonl")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        try:
            source = readers.read_jsonl_records(Path(name), table, allow_empty=True)
        except DiplonewsError as error:
            raise DiplonewsError(
                [_moved(problem, part.name, first_line) for problem in error.problems], total=error.total
            ) from None
    finally:
        os.unlink(name)
    lines = source._lines if source._lines is not None else np.arange(1, source.n_rows + 1)
    return Batch(part, source.frame, lines.astype(np.int64) + first_line - 2)


def _moved(problem: Problem, name: str, first_line: int) -> Problem:
    line = problem.line + first_line - 1 if problem.line is not None else None
    return replace(problem, file=name, line=line)
