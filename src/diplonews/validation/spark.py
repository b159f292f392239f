"""`--engine spark`: the streaming checks as Spark tasks, the same batch function as the local engine.

Spark does the scheduling, not the checking. Stage 1 maps each described batch
(`diplonews.io.sources.plan`: row groups of a Parquet part, line-aligned byte ranges of
a JSONL part) to `diplonews.validation.streaming.process_batch`, which runs pandera,
derives the columns with `contract.rules` and evaluates the integrity suite's
expectations; it emits the batch's partial result and its uniqueness keys, tagged with
their hash partition. Stage 2 shuffles the keys by partition (rows with equal keys meet)
and runs `polars_suite.duplicates` on each; against a gold, the metric columns are
shuffled by article too and each partition is scored where it lands
(`diplonews.evaluate.PartitionScorer`, the gold spans shipped with the task). The driver
merges the partial results in batch order, exactly as the local loop does, and adds up
the partial scores, so the outcomes and the metrics are identical.

The executors read the prediction files themselves: on a cluster, the paths must be
visible to every executor (a shared file system, or the same path on each node).
"""

from __future__ import annotations

import glob
import hashlib
import io
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from diplonews.contract import rules, schema
from diplonews.contract.errors import DiplonewsError
from diplonews.engines import polars_suite as suite_engine
from diplonews.engines import spark as spark_engine
from diplonews.evaluate import Scorer
from diplonews.io import sources
from diplonews.io.articles import read_articles
from diplonews.io.dataset import read_dataset
from diplonews.validation import streaming

_OUT = "kind string, batch long, check long, partition long, payload binary"
Row = tuple[str, int, int, int, bytes]  # kind, batch, check, partition, payload
SHIP_BYTES = 32 << 20  # a larger article frame is read by each worker from its source, not shipped in tasks


@dataclass(frozen=True)
class ArticleSource:
    """Where a worker reads the articles: a dataset folder, or a file/folder/glob of the user's own.

    `stamp` (sizes and modification times) tells a worker's cached copy from a changed file.
    """

    kind: str  # "dataset" or "articles"
    path: str
    stamp: str

    @classmethod
    def of(cls, kind: str, path: str | Path) -> ArticleSource:
        spec = str(Path(path).resolve()) if kind == "dataset" else str(path)
        files = sorted(Path(spec).rglob("*")) if Path(spec).is_dir() else [Path(p) for p in sorted(glob.glob(spec))]
        stamp = ";".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files if f.is_file())
        return cls(kind, spec, hashlib.sha256(stamp.encode()).hexdigest())

    def read(self) -> pl.DataFrame:
        if self.kind == "dataset":
            table = read_dataset(Path(self.path), ("articles",), columns={"articles": ("id", "text")})["articles"]
            frame = pl.DataFrame(table)
        else:
            frame = read_articles(self.path)
        return rules.articles_frame(frame)


_WORKER_ARTICLES: dict[ArticleSource, pl.DataFrame] = {}


def _worker_articles(source: ArticleSource | None) -> pl.DataFrame:
    """The article frame, read once per Python worker (Spark reuses its workers across tasks)."""
    assert source is not None
    if source not in _WORKER_ARTICLES:
        _WORKER_ARTICLES.clear()
        _WORKER_ARTICLES[source] = source.read()
    return _WORKER_ARTICLES[source]


def _ipc(frame: pl.DataFrame) -> bytes:
    sink = io.BytesIO()
    frame.write_ipc(sink)
    return sink.getvalue()


def _frame(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))


def check_on_spark(
    task: str,
    parts: list[sources.Part],
    document: dict[str, Any],
    parameters: dict[str, Any],
    articles: pl.DataFrame,
    *,
    source: ArticleSource | None = None,
    scorer: Scorer | None = None,
    master: str | None = None,
) -> streaming.StreamResult:
    """The streaming checks (and, with a `scorer`, the metrics) as Spark tasks.

    The article frame travels inside each task up to `SHIP_BYTES`; beyond that, given its
    `source`, each Python worker reads the articles itself, once, from a path it can see.
    """
    table = schema.PREDICTION_TABLES[task]
    planned: list[sources.Task] = []
    for part in parts:
        planned += sources.plan(part, table)
    n_partitions = streaming.n_partitions(parts)
    unique = suite_engine.SuiteRun(document, parameters).unique_checks()
    if source is not None and articles.estimated_size() <= SHIP_BYTES:
        source = None
    articles_ipc = _ipc(articles) if source is None else None
    keep_metrics = scorer is not None
    score_partition = scorer.partition_scorer if scorer is not None else None  # the gold spans travel with it

    def routed(kind: str, number: int, check: int, frame: pl.DataFrame, columns: list[str]) -> list[Row]:
        """One row per hash partition of `frame`'s key columns, for the shuffle to stage two."""
        tagged = frame.with_columns(suite_engine.partition_of(frame, columns, n_partitions))
        return [
            (kind, number, check, int(partition), _ipc(group.drop("_partition")))
            for (partition,), group in tagged.partition_by("_partition", as_dict=True).items()
        ]

    def stage_one(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        unreadable: DiplonewsError | None = None
        try:
            article_frame = _frame(articles_ipc) if articles_ipc is not None else _worker_articles(source)
        except DiplonewsError as error:  # e.g. the articles' path is not visible on this executor
            article_frame, unreadable = pl.DataFrame(), error
        for record_batch in batches:
            for number, payload in zip(
                record_batch.column("batch").to_pylist(), record_batch.column("payload").to_pylist(), strict=True
            ):
                described: sources.Task = pickle.loads(payload)
                try:
                    if unreadable is not None:
                        raise unreadable
                    batch = sources.read_planned(described, table)
                    out = streaming.process_batch(
                        task, batch, document, parameters, article_frame, keep_metrics=keep_metrics
                    )
                except DiplonewsError as error:
                    out = streaming.BatchOutput(
                        suite_engine.SuiteRun(document, parameters), 0, error.problems, error.total
                    )
                rows: list[Row] = []
                for check, keys in out.keys.items():
                    if keys.height:
                        rows += routed("keys", number, check, keys, unique[check])
                metric = out.metric_columns
                if metric is not None and metric.height and not out.problems_total:
                    rows += routed("metric", number, -1, metric, ["article_id"])  # every prediction of an article meets
                out.keys, out.metric_columns = {}, None
                # The driver has the suite and its parameters (the article ids may be megabytes): send the tallies.
                out.run.document, out.run.parameters = {}, {}
                rows.append(("batch", number, -1, number % n_partitions, pickle.dumps(out)))
                kinds, numbers, checks, partitions, payloads = zip(*rows, strict=True)
                yield pa.RecordBatch.from_pydict(
                    {
                        "kind": list(kinds),
                        "batch": list(numbers),
                        "check": list(checks),
                        "partition": list(partitions),
                        "payload": list(payloads),
                    },
                    schema=pa.schema(
                        [("kind", pa.string()), ("batch", pa.int64()), ("check", pa.int64()),
                         ("partition", pa.int64()), ("payload", pa.binary())]
                    ),
                )  # fmt: skip

    def stage_two(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        keys: dict[int, list[pl.DataFrame]] = {}
        metric: list[pl.DataFrame] = []
        passed: list[dict[str, Any]] = []
        for record_batch in batches:
            for row in record_batch.to_pylist():
                if row["kind"] == "keys":
                    keys.setdefault(row["check"], []).append(_frame(row["payload"]))
                elif row["kind"] == "metric":
                    metric.append(_frame(row["payload"]))
                else:
                    passed.append(row)
        if metric and score_partition is not None:  # every prediction of these articles is here: score them
            partial = score_partition(pl.concat(metric, how="vertical_relaxed"))
            passed.append(
                {"kind": "scores", "batch": -1, "check": -1, "partition": -1, "payload": pickle.dumps(partial)}
            )
        for check, frames in keys.items():
            found = suite_engine.duplicates(pl.concat(frames, how="vertical_relaxed"), unique[check])
            passed.append(
                {"kind": "dups", "batch": -1, "check": check, "partition": -1, "payload": pickle.dumps(found)}
            )
        if passed:
            yield pa.RecordBatch.from_pylist(passed, schema=record_schema)

    record_schema = pa.schema(
        [("kind", pa.string()), ("batch", pa.int64()), ("check", pa.int64()),
         ("partition", pa.int64()), ("payload", pa.binary())]
    )  # fmt: skip
    spark = spark_engine.session(master)
    described = spark.createDataFrame(
        [(number, pickle.dumps(item)) for number, item in enumerate(planned)], "batch long, payload binary"
    ).repartition(max(1, len(planned)))
    collected = (
        described.mapInArrow(stage_one, _OUT)
        .repartition(n_partitions, "partition")
        .mapInArrow(stage_two, _OUT)
        .collect()
    )
    accumulator = streaming.Accumulator(document, parameters, 1)
    outputs = sorted((row["batch"], row["payload"]) for row in collected if row["kind"] == "batch")
    for _, payload in outputs:
        accumulator.add(pickle.loads(payload))
    if accumulator.usable:
        for row in collected:
            if row["kind"] == "dups":
                accumulator.add_duplicates(row["check"], *pickle.loads(row["payload"]))
            elif row["kind"] == "scores" and scorer is not None:
                scorer.add_partial(pickle.loads(row["payload"]))
    return accumulator.finish(parts)
