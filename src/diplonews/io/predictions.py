"""Reading downstream prediction files (JSONL, CSV, Parquet) into typed frames, strictly.

A prediction file comes from someone else's program, so everything its format can get
wrong is refused here, with the file, the line (or row) and the field: bad JSON, a JSON
string where an integer belongs, a float offset, a non-numeric CSV cell, a Parquet column
of the wrong Arrow type. What is left for the pandera stage is structure (columns present
or unknown, nulls); what is left for the GX stage is meaning (offsets, labels, ids).

Large JSONL files are parsed by pyarrow; `files.read_jsonl` stays the reference reader:
whenever the fast path sees anything it cannot vouch for, the file is re-read by
`read_jsonl`, so both paths accept exactly the same files and report the same problems.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from diplonews.contract import schema, types
from diplonews.contract.errors import DiplonewsError, Problem, ProblemCollector, display_path
from diplonews.io.files import check_readable, json_type, read_jsonl, read_utf8

FORMATS: dict[str, str] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
MAX_PREDICTION_FILE_BYTES = 8 * 1024**3
MAX_RECORDS = 50_000_000  # in-memory records (the Python API); files have a byte limit
FAST_JSONL_BYTES = 1 << 20  # above this size, try the pyarrow reader first
# The Arrow types prediction readers parse into: the contract types, integers widened to
# int64 so that an out-of-range offset is seen (and reported) rather than wrapped.
_ARROW_INPUT: dict[str, pa.DataType] = {
    dtype: pa.int64() if dtype == "int32" else spec.arrow
    for dtype, spec in types.TYPES.items()
    if spec.arrow is not None
}


@dataclass
class PredictionFile:
    """A typed frame of predictions and a way back from a row to where it stands in the file."""

    name: str  # display name: the path, or "<records>" for in-memory input
    format: str
    frame: pl.DataFrame
    path: Path | None = None
    _lines: np.ndarray | None = field(default=None, repr=False)  # line of each row, when known

    @property
    def n_rows(self) -> int:
        return self.frame.height

    def locate(self, row: int | None) -> dict[str, Any]:
        """Problem location of a 0-based row: file and line (JSONL, CSV) or 1-based row (Parquet, frames)."""
        if row is None:
            return {"file": self.name}
        lines = self._line_numbers()
        if lines is not None and 0 <= row < len(lines):
            return {"file": self.name, "line": int(lines[row])}
        return {"file": self.name, "row": row + 1}

    def where(self, row: int | None) -> str:
        """'file:line' or 'file row N', as printed."""
        location = self.locate(row)
        if "line" in location:
            return f"{self.name}:{location['line']}"
        return f"{self.name} row {location['row']}" if "row" in location else self.name

    def _line_numbers(self) -> np.ndarray | None:
        if self._lines is None and self.format == "csv" and self.path is not None:
            self._lines = _csv_record_lines(self.path)
        return self._lines


# ---- entry points ---------------------------------------------------------------------


def read_predictions(path: Path, table: schema.Table) -> PredictionFile:
    """Read a prediction file by its extension; raise DiplonewsError naming every problem."""
    path = Path(path)
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise DiplonewsError(
            Problem(
                "unknown-format",
                f"unknown prediction file format {path.suffix!r}",
                file=display_path(path),
                hint=f"use one of {', '.join(sorted(FORMATS))}",
            )
        )
    if check_readable(path, max_bytes=MAX_PREDICTION_FILE_BYTES) == 0:
        raise no_rows(display_path(path))
    if file_format == "jsonl":
        source = _read_jsonl(path, table)
    elif file_format == "csv":
        source = _read_csv(path, table)
    else:
        source = _read_parquet(path, table)
    if source.n_rows == 0:
        raise no_rows(source.name)
    return source


def no_rows(file: str) -> DiplonewsError:
    return DiplonewsError(
        Problem(
            "no-rows",
            "no predictions (zero rows)",
            file=file,
            hint="an empty output is almost always a failed export; a model that finds nothing fails the gates anyway",
        )
    )


def from_records(records: Iterable[Mapping[str, Any]], table: schema.Table, name: str = "<records>") -> PredictionFile:
    """In-memory predictions (a list of dicts), checked like JSONL lines; rows are numbered from 1."""
    numbered: list[tuple[int, dict[str, Any]]] = []
    for index, record in enumerate(records):
        if len(numbered) >= MAX_RECORDS:
            raise DiplonewsError(
                Problem(
                    "file-too-large",
                    f"more than {MAX_RECORDS:,} records in memory",
                    file=name,
                    hint="write them to a Parquet file",
                )
            )
        if not isinstance(record, Mapping):
            raise DiplonewsError(
                Problem("not-an-object", f"expected a mapping, found {type(record).__name__}", file=name, row=index + 1)
            )
        numbered.append((index + 1, dict(record)))
    if not numbered:
        raise no_rows(name)
    frame = _frame_from_records(numbered, table, lambda line: {"file": name, "row": line})
    return PredictionFile(name, "records", frame)


def from_frame(frame: Any, table: schema.Table, name: str = "<dataframe>") -> PredictionFile:
    """A pandas or polars DataFrame (or an Arrow table), checked like a Parquet file."""
    if isinstance(frame, pl.DataFrame):
        arrow = frame.to_arrow()
    elif isinstance(frame, pa.Table):
        arrow = frame
    else:
        duplicated = sorted({str(c) for c in getattr(frame, "columns", []) if list(frame.columns).count(c) > 1})
        if duplicated:
            raise DiplonewsError(
                [Problem("duplicate-id", "column name used twice", file=name, field=column) for column in duplicated]
            )
        try:
            arrow = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowException, ValueError, TypeError) as error:
            raise DiplonewsError(
                Problem(
                    "type-error",
                    f"cannot convert the frame to columns: {error}",
                    file=name,
                    hint="every column must hold one type",
                )
            ) from None
    if arrow.num_rows == 0:
        raise no_rows(name)
    return PredictionFile(name, "frame", _frame_from_arrow(arrow, table, name))


# ---- JSONL ----------------------------------------------------------------------------


def _read_jsonl(path: Path, table: schema.Table) -> PredictionFile:
    if path.stat().st_size > FAST_JSONL_BYTES:
        fast = _read_jsonl_fast(path, table)
        if fast is not None:
            return fast
    return read_jsonl_records(path, table)


def read_jsonl_records(path: Path, table: schema.Table, *, allow_empty: bool = False) -> PredictionFile:
    """The strict JSONL reader (`files.read_jsonl`, then each value's JSON type)."""
    records = read_jsonl(path, max_bytes=MAX_PREDICTION_FILE_BYTES, allow_empty=allow_empty)
    if not records:
        return PredictionFile(display_path(path), "jsonl", pl.DataFrame(), path, np.zeros(0, dtype=np.int64))
    frame = _frame_from_records(records, table, lambda line: {"file": display_path(path), "line": line})
    return PredictionFile(
        display_path(path), "jsonl", frame, path, np.array([line for line, _ in records], dtype=np.int64)
    )


def _read_jsonl_fast(path: Path, table: schema.Table) -> PredictionFile | None:
    """pyarrow's parse, accepted only when it provably equals the strict reader's; else None.

    Every check is on bytes (no decoding: pyarrow validates UTF-8 itself). Whatever the
    strict reader would refuse or number differently (a BOM, a CR, a blank or indented
    line, bad UTF-8, a type or key pyarrow objects to) sends the file to `read_jsonl`,
    which then names the line.
    """
    if path.stat().st_size > MAX_PREDICTION_FILE_BYTES:
        return None
    return _parse_jsonl_fast(path.read_bytes(), display_path(path), table, path)


def _parse_jsonl_fast(data: bytes, name: str, table: schema.Table, path: Path | None = None) -> PredictionFile | None:
    """`_read_jsonl_fast` on bytes (a whole file, or a chunk of whole lines: `diplonews.io.sources`)."""
    if not data or data.startswith(b"\xef\xbb\xbf") or b"\r" in data:
        return None
    body = np.frombuffer(data, dtype=np.uint8)
    if body[-1] == 0x0A:
        body = body[:-1]
    if body.size == 0:
        return None
    newlines = np.flatnonzero(body == 0x0A)
    firsts = np.concatenate(([body[0]], body[np.clip(newlines + 1, 0, body.size - 1)]))
    if body[-1] == 0x0A or np.isin(firsts, (0x0A, 0x20, 0x09, 0x0B, 0x0C)).any():
        return None  # a blank or indented line: line numbers would shift, let the strict reader count
    n_lines = newlines.size + 1
    explicit = pa.schema([pa.field(column.name, _ARROW_INPUT[column.dtype]) for column in table.columns])
    options = pa_json.ParseOptions(
        explicit_schema=explicit, unexpected_field_behavior="error", newlines_in_values=False
    )
    try:
        arrow = pa_json.read_json(pa.BufferReader(data), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None  # malformed, an unknown field, a wrong type, bad UTF-8: the strict reader names the line
    if arrow.num_rows != n_lines:
        return None  # two objects on one line, or similar
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    for column in table.columns:
        if frame[column.name].null_count() == 0:
            continue
        if not column.nullable:
            return None  # a missing or null required value: let the strict path say which
        if column.name not in table.optional:
            key = json.dumps(column.name).encode()
            present = data.count(key + b":") + sum(1 for _ in re.finditer(re.escape(key) + rb"\s+:", data))
            if present != n_lines:
                return None  # the key is absent on some line: the strict path names it
    frame = _drop_absent_optional(frame, table)
    return PredictionFile(name, "jsonl", frame, path, np.arange(1, n_lines + 1, dtype=np.int64))


def _frame_from_records(
    records: Sequence[tuple[int, dict[str, Any]]], table: schema.Table, locate: Any
) -> pl.DataFrame:
    """Columns from JSON-like records: each value of the right JSON type, or a problem at its line.

    A key absent on a line reads as null (the pandera stage reports a null where none is
    allowed), except for a required column that may hold null: there absence and null mean
    different things, so absence is reported here.
    """
    problems = ProblemCollector()
    known = set(table.column_names)
    present: dict[str, int] = {}
    for _, record in records:
        for key in record:
            present[key] = present.get(key, 0) + 1
    columns: dict[str, pl.Series] = {}
    for column in table.columns:
        if column.name not in present:
            continue  # absent on every line: the pandera stage reports a missing column
        values: list[Any] = []
        for line, record in records:
            if column.name not in record:
                if column.nullable and column.name not in table.optional:
                    problems.add(
                        Problem(
                            "missing-field",
                            "required field is missing (write null if it has no value)",
                            field=column.name,
                            **locate(line),
                        )
                    )
                values.append(None)
                continue
            value = record[column.name]
            if value is not None and not types.value_ok(column.dtype, value):
                problems.add(Problem(*_type_error(column, value), field=column.name, value=value, **locate(line)))
                value = None
            elif isinstance(value, str) and not _encodable(value):
                problems.add(
                    Problem(
                        "not-utf8",
                        "the string holds a lone surrogate (\\ud800-\\udfff), which is not a character",
                        field=column.name,
                        value=value.encode("utf-8", "backslashreplace").decode("ascii"),
                        **locate(line),
                        hint="write real characters; an escaped surrogate pair must be complete",
                    )
                )
                value = None
            values.append(value)
        columns[column.name] = pl.Series(column.name, values, dtype=column.type.polars_input)
    for key in present:
        if not _encodable(key):
            problems.add(
                Problem(
                    "not-utf8",
                    "a field name holds a lone surrogate",
                    value=key.encode("utf-8", "backslashreplace").decode("ascii"),
                    **locate(None),
                )
            )
        elif key not in known:
            columns[key] = pl.Series(
                key, [None] * len(records), dtype=pl.String()
            )  # kept for the schema's strict check
    problems.raise_if_any()
    return _drop_absent_optional(pl.DataFrame(list(columns.values())), table)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _type_error(column: schema.Column, value: Any) -> tuple[str, str]:
    """(code, message) for a JSON value of the wrong type: an integer too large is out of range, not mistyped."""
    if column.dtype == "int32" and isinstance(value, int) and not isinstance(value, bool):
        return "out-of-range", "integer outside the 64-bit range"
    return "type-error", f"expected {column.type.described}, found {json_type(value)}"


def _drop_absent_optional(frame: pl.DataFrame, table: schema.Table) -> pl.DataFrame:
    """Columns in the contract's order (unknown ones last); an optional column with no value is no column."""
    empty = {name for name in table.optional if name in frame.columns and frame[name].null_count() == frame.height}
    known = [name for name in table.column_names if name in frame.columns and name not in empty]
    return frame.select([*known, *(name for name in frame.columns if name not in table.column_names)])


# ---- CSV ------------------------------------------------------------------------------


def _read_csv(path: Path, table: schema.Table) -> PredictionFile:
    read_utf8(path, max_bytes=MAX_PREDICTION_FILE_BYTES)  # the same encoding rules as every text file
    try:
        raw = pl.read_csv(path, infer_schema=False, empty_string_is_null=True, raise_if_empty=True)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise DiplonewsError(
            Problem(
                "unreadable-csv",
                f"not a readable CSV file: {error}".splitlines()[0],
                file=display_path(path),
                hint="a header line, then one span per line",
            )
        ) from None
    if not set(raw.columns) & set(table.column_names):
        delimiter = next((d for d in (";", "\t", "|") if any(d in name for name in raw.columns)), None)
        if delimiter is not None:
            raise DiplonewsError(
                Problem(
                    "unreadable-csv", f"the header has no column of the contract; it looks {delimiter!r}-delimited",
                    file=display_path(path), line=1, hint="diplonews reads comma-separated CSV: re-export with ',' as the delimiter",
                )
            )  # fmt: skip
    result = PredictionFile(display_path(path), "csv", raw, path)
    problems = ProblemCollector()
    typed: list[pl.Series] = []
    for name in raw.columns:
        column = table.column(name) if name in table.column_names else None
        series = raw[name]
        if column is None or column.dtype in {"string", "class_label"}:
            typed.append(series)
            continue
        assert column.dtype == "int32", f"no CSV reading for {column.dtype} columns"
        converted = series.cast(pl.Int64, strict=False)
        bad = (series.is_not_null() & converted.is_null()).arg_true()
        for row in bad.head(problems.limit).to_list():
            problems.add(
                Problem(
                    "type-error",
                    f"expected {column.type.described}",
                    field=name,
                    value=series[row],
                    **result.locate(row),
                )
            )
        problems.total += max(0, len(bad) - problems.limit)
        typed.append(converted.alias(name))
    problems.raise_if_any()
    result.frame = _drop_absent_optional(pl.DataFrame(typed), table)
    return result


def _csv_record_lines(path: Path) -> np.ndarray:
    """The line each data record starts on (quoted fields may span lines): computed only to report."""
    lines = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        start = reader.line_num + 1
        for _ in reader:
            lines.append(start)
            start = reader.line_num + 1
    return np.array(lines, dtype=np.int64)


# ---- Parquet and frames ---------------------------------------------------------------


def _read_parquet(path: Path, table: schema.Table) -> PredictionFile:
    try:
        arrow = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise DiplonewsError(
            Problem("unreadable-parquet", f"not a readable Parquet file: {error}", file=display_path(path))
        ) from None
    return PredictionFile(display_path(path), "parquet", _frame_from_arrow(arrow, table, display_path(path)), path)


def _arrow_kind(arrow_type: pa.DataType) -> str | None:
    if pa.types.is_dictionary(arrow_type):
        return _arrow_kind(arrow_type.value_type)
    if pa.types.is_integer(arrow_type):
        return "int32"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_string_view(arrow_type):
        return "string"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_null(arrow_type):
        return "null"
    return None


def _frame_from_arrow(arrow: pa.Table, table: schema.Table, name: str) -> pl.DataFrame:
    problems = []
    arrays = {}
    for arrow_field, array in zip(arrow.schema, arrow.columns, strict=True):
        if arrow_field.name not in table.column_names:
            arrays[arrow_field.name] = pa.nulls(len(array), pa.string())  # kept for the schema's strict check
            continue
        column = table.column(arrow_field.name)
        kind = _arrow_kind(arrow_field.type)
        expected = "string" if column.dtype == "class_label" else column.dtype
        if kind not in {expected, "null"}:
            problems.append(
                Problem(
                    "type-error",
                    f"expected {column.type.described} column, found Arrow type {arrow_field.type}",
                    file=name,
                    field=arrow_field.name,
                )
            )
            continue
        if kind == "null":
            arrays[arrow_field.name] = pa.nulls(len(array), _ARROW_INPUT[column.dtype])
            continue
        try:
            arrays[arrow_field.name] = array.cast(_ARROW_INPUT[column.dtype])
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:  # e.g. uint64 values beyond int64
            problems.append(
                Problem(
                    "out-of-range", f"values do not fit a 64-bit integer: {error}", file=name, field=arrow_field.name
                )
            )
    duplicated = sorted({name_ for name_ in arrow.column_names if arrow.column_names.count(name_) > 1})
    problems += [
        Problem("duplicate-id", "column name used twice", file=name, field=column_name) for column_name in duplicated
    ]
    if problems:
        raise DiplonewsError(problems)
    frame = pl.from_arrow(pa.table(arrays)) if arrays else pl.DataFrame()
    assert isinstance(frame, pl.DataFrame)
    return _drop_absent_optional(frame, table)
