"""A user's own articles (`validate --articles A`): Parquet or JSONL parts with `id` and `text`.

Predictions are checked against these instead of the shipped gold: the same integrity
suite, with the article ids and texts taken from here. Other columns are ignored. Every
part is read strictly (the JSONL reader names the line of a malformed record); ids must
be unique non-null strings and texts non-null strings. The texts stay in memory: they
are what every span is sliced from.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from diplonews.contract.errors import DiplonewsError, Problem, ProblemCollector
from diplonews.io import sources
from diplonews.io.files import read_jsonl

FORMATS = {".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
COLUMNS = ("id", "text")
_HINT = "articles are Parquet or JSONL with a string `id` (unique) and a string `text`"


def read_articles(spec: str | Path) -> pl.DataFrame:
    """`id` and `text` of every article of a file, folder or glob; DiplonewsError naming every problem."""
    frames = []
    problems = ProblemCollector()
    for part in sources.resolve(spec, FORMATS, what="articles"):
        try:
            frames.append((part, _read_part(part)))
        except DiplonewsError as error:
            for problem in error.problems:
                problems.add(problem)
            problems.total += error.total - len(error.problems)
    problems.raise_if_any()
    for part, frame in frames:
        for column in COLUMNS:
            nulls = frame[column].is_null().arg_true()
            for row in nulls.head(problems.limit).to_list():
                problems.add(Problem("null-value", "value is missing or null", field=column, **part.locate(row)))
            problems.total += max(0, len(nulls) - problems.limit)
    articles = (
        pl.concat([frame for _, frame in frames]) if frames else pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.String))
    )
    if articles.height == 0:
        problems.add(Problem("no-rows", "no articles (zero rows)", file=str(spec), hint=_HINT))
    located = (
        pl.concat(
            [
                frame.select("id").with_columns(pl.lit(i).alias("_part"), pl.int_range(pl.len()).alias("_pos"))
                for i, (_, frame) in enumerate(frames)
            ]
        )
        if frames
        else None
    )
    if located is not None:
        repeated = located.filter(pl.col("id").is_not_null() & (pl.len().over("id") > 1))
        for row in repeated.head(problems.limit).iter_rows(named=True):
            part = frames[row["_part"]][0]
            problems.add(
                Problem(
                    "duplicate-id", "article id used twice", field="id", value=row["id"], **part.locate(row["_pos"])
                )
            )
    problems.raise_if_any()
    return articles


def _read_part(part: sources.Part) -> pl.DataFrame:
    if part.format == "parquet":
        try:
            names = pq.ParquetFile(part.path).schema_arrow.names
            arrow = pq.read_table(part.path, columns=[c for c in COLUMNS if c in names])
        except (pa.ArrowInvalid, OSError) as error:
            raise DiplonewsError(
                Problem("unreadable-parquet", f"not a readable Parquet file: {error}", file=part.name)
            ) from None
    else:
        arrow = _read_jsonl(part)
    missing = [c for c in COLUMNS if c not in arrow.column_names]
    if missing:
        raise DiplonewsError(
            [
                Problem("missing-field", "required column is missing", file=part.name, field=c, hint=_HINT)
                for c in missing
            ]
        )
    problems = []
    for column in COLUMNS:
        kind = arrow.schema.field(column).type
        if not (
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_string_view(kind)
            or pa.types.is_null(kind)
        ):
            problems.append(
                Problem(
                    "type-error",
                    f"expected a string column, found Arrow type {kind}",
                    file=part.name,
                    field=column,
                    hint=_HINT,
                )
            )
    if problems:
        raise DiplonewsError(problems)
    frame = pl.from_arrow(arrow.select(list(COLUMNS)).cast(pa.schema([(c, pa.large_string()) for c in COLUMNS])))
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(dict.fromkeys(COLUMNS, pl.String))


def _read_jsonl(part: sources.Part) -> pa.Table:
    options = pa_json.ParseOptions(
        explicit_schema=pa.schema([(c, pa.string()) for c in COLUMNS]), unexpected_field_behavior="ignore"
    )
    try:
        return pa_json.read_json(part.path, parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass  # the strict reader names the line
    records = read_jsonl(part.path, max_bytes=1 << 40)
    problems = ProblemCollector()
    for line, record in records:
        for column in COLUMNS:
            value = record.get(column)
            if value is not None and not isinstance(value, str):
                problems.add(
                    Problem(
                        "type-error",
                        f"expected a string, found {type(value).__name__}",
                        file=part.name,
                        line=line,
                        field=column,
                    )
                )
    problems.raise_if_any()
    return pa.table({c: pa.array([record.get(c) for _, record in records], pa.string()) for c in COLUMNS})
