"""Validating predictions batch by batch: memory bounded by the batch, the articles' text and the gold.

Each batch (`diplonews.io.sources`) goes through the stages of the in-memory pipeline:
the pandera structure check (`engines.pandera_polars`), the derived columns
(`engines.derive`, i.e. `contract.rules`), and the integrity suite's expectations
(`engines.polars_suite`, the same suite JSON GX runs), accumulated across batches:
counts, the first failing rows, their file:line. Uniqueness spans batches: the key
columns of every batch are routed to hash partitions (in memory, spilled to Arrow files
on disk beyond `SPILL_ROWS`) and each partition is checked on its own at the end.
Against a gold, the metric columns take the same route, partitioned by article, and each
partition is scored on its own (`diplonews.evaluate.Scorer`).

`process_batch` is the unit of work, the same for the local loop (`check_stream`) and
for Spark tasks (`diplonews.engines.spark`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from diplonews.contract import rules, schema
from diplonews.contract.errors import MAX_PROBLEMS, DiplonewsError, Problem, ProblemCollector
from diplonews.engines import derive
from diplonews.engines import polars_suite as suite_engine
from diplonews.engines.outcome import Outcome
from diplonews.engines.pandera_polars import validate_structure
from diplonews.evaluate import Scorer
from diplonews.io import sources

SPILL_ROWS = 250_000  # buffered rows (uniqueness keys; metric columns) beyond this go to disk
PARTITION_ROWS = 250_000  # uniqueness keys per hash partition, checked one partition at a time
BYTES_PER_TEXT_ROW = 60  # a JSONL or CSV row is rarely shorter
_MORE = re.compile(r"^\.\.\. and ([\d,]+) more rows")


@dataclass
class BatchOutput:
    """What one batch contributes: a partial suite run, problems, example locations and hints, keys."""

    run: suite_engine.SuiteRun
    n_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0
    locations: dict[int, dict[str, Any]] = field(default_factory=dict)  # row key -> file/line of kept examples
    hints: dict[int, str] = field(default_factory=dict)  # row key -> hint of a span.text_matches example
    keys: dict[int, pl.DataFrame] = field(default_factory=dict)  # uniqueness check index -> key columns + row key
    metric_columns: pl.DataFrame | None = None


def metric_columns(task: str) -> list[str]:
    """The prediction columns the metrics read (kept, compactly, when scoring against a gold)."""
    table = schema.PREDICTION_TABLES[task]
    if table.spans is None:
        return ["article_id", "text"]
    label = schema.label_column(table)
    assert label is not None
    return ["article_id", "start", "end", label.name, *(["value"] if "value" in table.column_names else [])]


def process_batch(
    task: str,
    batch: sources.Batch,
    document: dict[str, Any],
    parameters: dict[str, Any],
    articles: pl.DataFrame,
    *,
    checks: bool = True,
    keep_metrics: bool = False,
) -> BatchOutput:
    """Structure, derived columns and the suite's row-wise expectations on one batch."""
    table = schema.PREDICTION_TABLES[task]
    out = BatchOutput(suite_engine.SuiteRun(document, parameters), n_rows=batch.frame.height)
    if batch.frame.height == 0:
        return out
    structure = validate_structure(table, batch.frame, batch.locate)
    if structure:
        for problem in structure:
            more = _MORE.match(problem.message) if problem.line is None and problem.row is None else None
            if more:
                out.problems_total += int(more.group(1).replace(",", ""))
            else:
                out.problems.append(problem)
                out.problems_total += 1
        return out
    if not checks:  # an earlier batch was unusable: only its problems matter now
        return out
    frame = derive.derive_predictions_polars(task, batch.frame, articles).with_columns(batch.keys())
    out.keys = out.run.update(frame)
    wanted = [key for tally in out.run.tallies for key, _ in tally.examples]  # only the kept examples are located
    located = (
        frame.select(suite_engine.ROW_KEY).with_row_index("_row").filter(pl.col(suite_engine.ROW_KEY).is_in(wanted))
    )
    positions = dict(zip(located[suite_engine.ROW_KEY].to_list(), located["_row"].to_list(), strict=True))
    for index, tally in enumerate(out.run.tallies):
        check = (out.run.expectations[index].get("meta") or {}).get("check")
        for key, _ in tally.examples:
            row = positions[key]
            out.locations[key] = batch.locate(row)
            if check == "span.text_matches":
                hint = _hint(batch.frame, row, articles)
                if hint:
                    out.hints[key] = hint
    if keep_metrics:
        columns = [c for c in metric_columns(task) if c in batch.frame.columns]
        out.metric_columns = batch.frame.select(columns).with_columns(pl.col("article_id").cast(pl.String))
    return out


def _hint(frame: pl.DataFrame, row: int, articles: pl.DataFrame) -> str:
    record = frame.row(row, named=True)
    text = record.get("text")
    found = articles.filter(pl.col("article_id") == record["article_id"])
    if not text or found.height == 0:
        return ""
    return rules.where_text_occurs(found["_article_text"][0], text)


class KeyPartitions:
    """Rows routed to hash partitions of their key columns, in memory and, beyond `spill_rows`, on disk.

    A spill writes each check's buffered rows sorted by partition into one Arrow IPC file,
    one record batch per partition, and notes which batches belong to which partition;
    reading a partition back reads those batches (not memory-mapped: mapped pages count as
    resident). So a spill costs one sort and one write whatever the number of partitions
    (10^8 rows make about 400).
    """

    def __init__(self, n_partitions: int, spill_rows: int = SPILL_ROWS) -> None:
        self.n = max(1, n_partitions)
        self.spill_rows = spill_rows
        self.buffered: dict[int, list[pl.DataFrame]] = {}  # check -> frames with a `_partition` column
        self.n_buffered = 0
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.writers: dict[int, Any] = {}
        self.schemas: dict[int, pa.Schema] = {}
        self.index: dict[int, list[list[int]]] = {}  # check -> partition -> record batch numbers in its file
        self.n_batches: dict[int, int] = {}

    def add(self, check: int, columns: list[str], keys: pl.DataFrame) -> None:
        if keys.height == 0:
            return
        partition = suite_engine.partition_of(keys, columns, self.n) if self.n > 1 else pl.lit(0, dtype=pl.Int64)
        self.buffered.setdefault(check, []).append(keys.with_columns(partition.alias("_partition")))
        self.n_buffered += keys.height
        if self.n_buffered > self.spill_rows:
            self._spill()

    def _sorted(self, check: int) -> tuple[pa.Table, list[int]]:
        """The buffered rows of a check, sorted by partition (one chunk), and where each partition starts."""
        frame = pl.concat(self.buffered.pop(check, []), how="vertical_relaxed").sort("_partition")
        counts = np.bincount(frame["_partition"].to_numpy(), minlength=self.n)
        offsets = [0, *np.cumsum(counts).tolist()]
        return frame.drop("_partition").to_arrow().combine_chunks(), offsets

    def _spill(self) -> None:
        if self.folder is None:
            self.folder = tempfile.TemporaryDirectory(prefix="diplonews-keys-")
        for check in list(self.buffered):
            table, offsets = self._sorted(check)
            schema_ = self.schemas.setdefault(check, table.schema)
            table = table.cast(schema_)
            writer = self.writers.get(check)
            if writer is None:
                writer = self.writers[check] = pa.ipc.new_file(str(Path(self.folder.name) / f"{check}.arrow"), schema_)
                self.index[check] = [[] for _ in range(self.n)]
                self.n_batches[check] = 0
            for partition in range(self.n):
                for batch in table.slice(offsets[partition], offsets[partition + 1] - offsets[partition]).to_batches():
                    writer.write_batch(batch)
                    self.index[check][partition].append(self.n_batches[check])
                    self.n_batches[check] += 1
        self.n_buffered = 0

    def partitions(self, check: int) -> Iterator[pl.DataFrame]:
        """Each non-empty partition of a check, spilled rows first (the order rows came in)."""
        table, offsets = self._sorted(check) if check in self.buffered else (None, [])
        writer = self.writers.pop(check, None)
        reader = None
        if writer is not None:
            writer.close()
            assert self.folder is not None
            reader = pa.ipc.open_file(pa.OSFile(str(Path(self.folder.name) / f"{check}.arrow")))
        for partition in range(self.n):
            pieces = [reader.get_batch(i) for i in self.index[check][partition]] if reader is not None else []
            if table is not None and offsets[partition + 1] > offsets[partition]:
                in_memory = table.slice(offsets[partition], offsets[partition + 1] - offsets[partition])
                pieces += in_memory.cast(self.schemas.get(check, in_memory.schema)).to_batches()
            if pieces:
                frame = pl.from_arrow(pa.Table.from_batches(pieces))
                assert isinstance(frame, pl.DataFrame)
                yield frame

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        if self.folder is not None:
            self.folder.cleanup()


@dataclass
class StreamResult:
    outcomes: list[Outcome]
    n_rows: int
    problems: list[Problem]
    problems_total: int
    locations: dict[int, dict[str, Any]]
    hints: dict[int, str]


class Accumulator:
    """Merges `BatchOutput`s (from the local loop or from Spark tasks) into one result.

    With a `scorer`, the metric columns of each batch are routed to hash partitions by
    article (in memory, spilled to disk like the uniqueness keys) and scored one
    partition at a time at the end: every prediction of an article meets in one partition,
    which is all the metrics need (`diplonews.evaluate.scores`).
    """

    def __init__(
        self, document: dict[str, Any], parameters: dict[str, Any], n_partitions: int, scorer: Scorer | None = None
    ) -> None:
        self.run = suite_engine.SuiteRun(document, parameters)
        self.n_rows = 0
        self.problems = ProblemCollector()
        self.seen_file_level: set[tuple[Any, ...]] = set()
        self.locations: dict[int, dict[str, Any]] = {}
        self.hints: dict[int, str] = {}
        self.keys = KeyPartitions(n_partitions)
        self.scorer = scorer
        self.metric_rows = KeyPartitions(n_partitions)

    @property
    def usable(self) -> bool:
        return self.problems.total == 0

    def add(self, out: BatchOutput) -> None:
        self.n_rows += out.n_rows
        for problem in out.problems:
            if problem.line is None and problem.row is None:
                said = (problem.code, problem.message, problem.file, problem.field)
                if said in self.seen_file_level:
                    continue  # a column-level problem, said once per file
                self.seen_file_level.add(said)
            self.problems.add(problem)
        self.problems.total += out.problems_total - len(out.problems)
        self.run.merge(out.run)
        self.locations.update(out.locations)
        self.hints.update(out.hints)
        self._prune()
        unique = self.run.unique_checks()
        for index, keys in out.keys.items():
            self.keys.add(index, unique[index], keys)
        if out.metric_columns is not None and self.scorer is not None and self.usable:
            self.metric_rows.add(0, ["article_id"], out.metric_columns)

    def add_duplicates(self, index: int, count: int, examples: list[tuple[int, Any]]) -> None:
        self.run.add_duplicates(index, count, examples)

    def _prune(self) -> None:
        if len(self.locations) > 4 * suite_engine.N_EXAMPLES * max(1, len(self.run.tallies)):
            kept = self.run.example_keys()
            self.locations = {k: v for k, v in self.locations.items() if k in kept}
            self.hints = {k: v for k, v in self.hints.items() if k in kept}

    def finish(self, parts: list[sources.Part]) -> StreamResult:
        if self.usable:
            unique = self.run.unique_checks()
            for index, columns in unique.items():
                for partition in self.keys.partitions(index):
                    self.run.add_duplicates(index, *suite_engine.duplicates(partition, columns))
        self.keys.close()
        if self.usable and self.scorer is not None:
            for partition in self.metric_rows.partitions(0):
                self.scorer.add(partition)
        self.metric_rows.close()
        by_index = {part.index: part for part in parts}
        for key in self.run.example_keys() - set(self.locations):
            part, position = sources.split_key(key)
            self.locations[key] = by_index[part].locate(position)
        return StreamResult(
            self.run.outcomes() if self.usable else [],
            self.n_rows,
            self.problems.problems,
            self.problems.total,
            self.locations,
            self.hints,
        )


def n_partitions(parts: Iterable[sources.Part]) -> int:
    """Uniqueness partitions for about `PARTITION_ROWS` keys each (rows counted from Parquet
    metadata, estimated from the size of text files)."""
    rows = 0
    for part in parts:
        if not part.path.exists():
            continue
        if part.format == "parquet":
            try:
                rows += pq.ParquetFile(part.path).metadata.num_rows
                continue
            except (pa.ArrowInvalid, OSError):
                pass
        rows += part.path.stat().st_size // BYTES_PER_TEXT_ROW
    return max(1, min(1024, rows // PARTITION_ROWS + 1))


def check_stream(
    task: str,
    parts: list[sources.Part],
    document: dict[str, Any],
    parameters: dict[str, Any],
    articles: pl.DataFrame,
    *,
    scorer: Scorer | None = None,
) -> StreamResult:
    """Every batch of every part, one after the other, in bounded memory; with a `scorer`, the metrics too."""
    table = schema.PREDICTION_TABLES[task]
    accumulator = Accumulator(document, parameters, n_partitions(parts), scorer)
    for part in parts:
        try:
            for task_ in sources.plan(part, table):
                if accumulator.problems.total >= MAX_PROBLEMS:
                    break
                batch = sources.read_planned(task_, table)
                accumulator.add(
                    process_batch(
                        task, batch, document, parameters, articles,
                        checks=accumulator.usable, keep_metrics=scorer is not None,
                    )
                )  # fmt: skip
        except DiplonewsError as error:
            accumulator.add(BatchOutput(suite_engine.SuiteRun(document, parameters), 0, error.problems, error.total))
    return accumulator.finish(parts)
