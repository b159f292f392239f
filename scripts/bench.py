#!/usr/bin/env python
"""How long `diplonews validate --task entities` takes on large prediction files, against a bare read.

Builds, in a work folder, a synthetic dataset (the real articles copied under new ids,
with their gold replicated) and, for each size, an entities prediction file generated
from that gold by repetition: each synthetic article gets its source article's gold
mentions (right answers) and then word tokens with cycling labels (wrong answers) until
the size is reached. Each measurement runs in a fresh process, so the peak memory
(`ru_maxrss` from `wait4`) is that run's alone:

* ``read``: the file read by pyarrow (`pyarrow.json` / `pyarrow.csv` / `pyarrow.parquet`);
* ``cli``: the whole process `diplonews validate --task entities --predictions F` (import,
  streaming integrity checks, metrics and gates against the synthetic gold), wall time and
  peak RSS; with ``--articles`` the same against the synthetic articles as the user's own
  (integrity only, no GX import);
* ``spark``: `--engine spark` on a local session (``--engines spark``); the session start
  is reported separately (``startup``); the peak RSS is the Python driver's (the JVM and
  Python workers are other processes: their peak is in ``children MB``).

Targets (2 cores): 10^6 spans <= 4 s whole process; 10^7 spans <= 30 s and <= 1.5 GB with
the local engine; memory flat from 10^6 to 10^7 (within 20%); Spark within 3x of local.
This is a measurement, not a test: nothing here asserts. The ``exit`` column is the
validation's verdict, 1 by design: the wrong answers make the quality gates fail, so every
stage (integrity, metrics, gates) runs in full, as it does for a real failing model.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from diplonews import paths
from diplonews.contract import labels, schema
from diplonews.io import dataset as arrow

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
CHUNK_ROWS = 5_000_000  # predictions generated per chunk
_WORD = re.compile(r"\w+")


def _read_config(name: str) -> list[dict[str, Any]]:
    return pq.read_table(paths.DATASET_DIR / paths.DATA_FILE_TEMPLATE.format(config=name)).to_pylist()


def _synthetic_id(index: int) -> str:
    return f"{index % 1000:03d}_{index:016x}"


def candidates_per_article(
    articles: list[dict[str, Any]], entities: list[dict[str, Any]]
) -> dict[str, list[tuple[int, int, str]]]:
    """Per real article: its gold mentions, then non-overlapping word tokens labelled in turn."""
    out = {}
    for article in articles:
        gold = sorted((e["start"], e["end"], e["label"]) for e in entities if e["article_id"] == article["id"])
        taken = [(start, end) for start, end, _ in gold]
        tokens = [
            (m.start(), m.end())
            for m in _WORD.finditer(article["text"])
            if not any(m.start() < end and start < m.end() for start, end in taken)
        ]
        out[article["id"]] = gold + [
            (start, end, labels.ENTITY_LABELS[i % len(labels.ENTITY_LABELS)]) for i, (start, end) in enumerate(tokens)
        ]
    return out


def build_dataset(
    folder: Path, copies: int, gold: bool = True
) -> tuple[list[dict[str, Any]], dict[str, list[tuple[int, int, str]]]]:
    """A dataset folder of `copies` x the real articles, the gold replicated under the new ids
    (without `gold`, the articles only: enough for `--articles` runs, and 10^8 needs no 13-million-span gold)."""
    articles = _read_config("articles")
    tables = {name: _read_config(name) for name in ("entities", "temporal", "discrepancies")}
    synthetic: dict[str, list[dict[str, Any]]] = {"articles": [], "entities": [], "temporal": [], "discrepancies": []}
    for copy in range(copies):
        for offset, article in enumerate(articles):
            new_id = _synthetic_id(copy * len(articles) + offset)
            synthetic["articles"].append({**article, "id": new_id, "source_file": f"raw/{new_id}.txt"})
            if not gold:
                continue
            for name in ("entities", "temporal"):
                key = "mention_id" if name == "entities" else "timex_id"
                synthetic[name] += [
                    {**row, "article_id": new_id, key: f"{row[key]}-{new_id}"}
                    for row in tables[name]
                    if row["article_id"] == article["id"]
                ]
        for row in tables["discrepancies"] if gold else ():
            spans = [
                {
                    **span,
                    "article_id": _synthetic_id(
                        copy * len(articles) + [a["id"] for a in articles].index(span["article_id"])
                    ),
                }
                for span in row["spans"]
            ]
            synthetic["discrepancies"].append(
                {**row, "discrepancy_id": f"{row['discrepancy_id']}-{copy}", "spans": spans}
            )
    for name, table in schema.DATASET_TABLES.items():
        if name not in synthetic or (not gold and name != "articles"):
            continue  # `tokens`: nothing validated here reads it
        path = folder / paths.DATA_FILE_TEMPLATE.format(config=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(arrow.parquet_bytes(table, synthetic[name]))
    return articles, candidates_per_article(articles, tables["entities"])


def write_predictions(
    path: Path,
    size: int,
    articles: list[dict[str, Any]],
    candidates: dict[str, list[tuple[int, int, str]]],
    file_format: str,
) -> int:
    """`size` entity predictions over the synthetic articles, in article order, written in chunks
    (bounded memory, so 10^8 fits); returns the copies of the real articles used."""
    per_copy = [
        {"article_offset": offset, "start": start, "end": end, "label": label, "text": article["text"][start:end]}
        for offset, article in enumerate(articles)
        for start, end, label in candidates[article["id"]]
    ]
    block = pl.DataFrame(per_copy)
    copies = -(-size // block.height)
    chunk_copies = max(1, CHUNK_ROWS // block.height)
    writer: pq.ParquetWriter | None = None
    written = 0
    with open(path, "wb") as sink:
        for first in range(0, copies, chunk_copies):
            count = min(chunk_copies, copies - first)
            frame = (
                pl.concat([block.with_columns(pl.lit(copy).alias("copy")) for copy in range(first, first + count)])
                .head(size - written)
                .with_columns((pl.col("copy") * len(articles) + pl.col("article_offset")).alias("index"))
            )
            indexes = frame["index"].unique().to_list()
            ids = pl.col("index").replace_strict(indexes, [_synthetic_id(i) for i in indexes], return_dtype=pl.String)
            frame = frame.with_columns(ids.alias("article_id")).select("article_id", "start", "end", "label", "text")
            written += frame.height
            if file_format == "jsonl":
                frame.write_ndjson(sink)
            elif file_format == "csv":
                frame.write_csv(sink, include_header=first == 0)
            else:
                table = frame.to_arrow()
                writer = writer or pq.ParquetWriter(sink, table.schema)
                writer.write_table(table, row_group_size=131_072)  # about what polars writes by default
        if writer is not None:
            writer.close()
    return copies


def _child(mode: str, file: str, dataset: str, report_dir: str | None) -> None:
    """One measurement in this (fresh) process; prints a JSON line."""
    started = time.perf_counter()
    if mode == "read":
        import pyarrow.csv as pa_csv
        import pyarrow.json as pa_json

        began = time.perf_counter()
        suffix = Path(file).suffix
        table = (
            pa_json.read_json(file)
            if suffix == ".jsonl"
            else pa_csv.read_csv(file)
            if suffix == ".csv"
            else pq.read_table(file)
        )
        elapsed = time.perf_counter() - began
        print(json.dumps({"seconds": elapsed, "rows": table.num_rows, "startup": began - started}))
        return
    from diplonews.engines import spark as spark_engine
    from diplonews.validation import validate_predictions

    articles = _articles_file(Path(dataset)) if mode.endswith("+articles") else None
    began = time.perf_counter()
    spark_engine.session()  # the session start, reported apart
    startup = time.perf_counter() - began
    began = time.perf_counter()
    result = validate_predictions("entities", file, dataset=dataset, articles=articles, engine="spark")
    elapsed = time.perf_counter() - began
    print(json.dumps({"seconds": elapsed, "rows": result.n_rows, "startup": startup, "exit_code": result.exit_code}))


def _articles_file(dataset: Path) -> Path:
    return dataset / paths.DATA_FILE_TEMPLATE.format(config="articles")


def measure(mode: str, file: Path, dataset: Path, report_dir: Path | None) -> dict[str, Any]:
    if mode.startswith("cli"):
        command = [sys.executable, "-m", "diplonews.cli", "validate", "--task", "entities", "--predictions", str(file),
                   "--dataset", str(dataset), "--quiet", "--report-dir", str(report_dir or file.parent / "reports")]  # fmt: skip
        if mode.endswith("+articles"):
            command += ["--articles", str(_articles_file(dataset))]
    else:
        command = [sys.executable, __file__, "--child", mode, str(file), str(dataset), str(report_dir or "")]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # largest child (a JVM) so far
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.read(), process.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if mode.startswith("cli"):
        if code not in (0, 1):
            raise SystemExit(f"{mode} {file} failed ({code}):\n{err[-3000:]}")
        measured = {"seconds": wall, "startup": 0.0, "exit_code": code}
    else:
        if code != 0:
            raise SystemExit(f"{mode} {file} failed:\n{err[-3000:]}")
        measured = json.loads(out.strip().splitlines()[-1])
    return {**measured, "peak_mb": usage.ru_maxrss / 1024, "children_mb": children, "process_seconds": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="numbers of predicted spans")
    parser.add_argument("--formats", nargs="+", choices=("jsonl", "csv", "parquet"), default=["parquet", "jsonl"])
    parser.add_argument("--modes", nargs="+", default=["cli", "cli+articles"],
                        help="cli, cli+articles (whole process, local engine), spark, spark+articles")  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="keep the generated files here (default: a temporary folder)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        work, copies, kind, *sizes = args.generate
        dataset = Path(work) / "dataset"
        done = dataset / "done"
        held = [*done.read_text().split(), "gold"][:2] if done.exists() else ["0", "articles"]  # older marks: gold
        if int(held[0]) < int(copies) or (kind == "gold" and held[1] != "gold"):  # a kept workdir may hold less
            build_dataset(dataset, int(copies), gold=kind == "gold")
            done.write_text(f"{copies} {kind}")
        articles = _read_config("articles")
        candidates = candidates_per_article(articles, _read_config("entities"))
        for size in map(int, sizes):
            for file_format in args.formats:
                path = Path(work) / f"entities_{size}.{file_format}"
                if not path.exists():
                    write_predictions(path, size, articles, candidates, file_format)
        return 0
    if args.child:
        mode, file, dataset, report_dir = args.child
        _child(mode, file, dataset, report_dir or None)
        return 0
    with tempfile.TemporaryDirectory(prefix="diplonews-bench-") as temporary:
        work = args.workdir or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        articles = _read_config("articles")
        candidates = candidates_per_article(articles, _read_config("entities"))
        spans_per_copy = sum(len(spans) for spans in candidates.values())
        copies = -(-max(args.sizes) // spans_per_copy)
        dataset = work / "dataset"
        kind = "articles" if all(mode.endswith("+articles") for mode in args.modes) else "gold"
        # Files are generated by a child process: a child's peak RSS counts its parent's at fork
        # (Linux keeps the high-water mark across exec), so this process must stay small.
        subprocess.run(
            [sys.executable, __file__, "--generate", str(work), str(copies), kind, *map(str, args.sizes), "--formats", *args.formats],
            check=True,
        )  # fmt: skip
        print(
            f"synthetic dataset: {copies * len(articles):,} articles ({copies} copies of {len(articles)}), {spans_per_copy:,} candidate spans per copy"
        )
        print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}")
        header = (
            f"{'spans':>11} {'format':>7} {'mode':>14} {'file MB':>8} {'read s':>7} {'read MB':>8} "
            f"{'wall s':>7} {'peak MB':>8} {'x read s':>8} {'x read MB':>9} {'startup s':>9} {'children MB':>11} {'exit':>4}"
        )
        print(header, flush=True)
        for size in args.sizes:
            for file_format in args.formats:
                path = work / f"entities_{size}.{file_format}"
                read = measure("read", path, dataset, None)
                for mode in args.modes:
                    run = measure(mode, path, dataset, work / f"report_{size}")
                    print(
                        f"{size:>11,} {file_format:>7} {mode:>14} {path.stat().st_size / 1e6:>8.1f} {read['seconds']:>7.2f} "
                        f"{read['peak_mb']:>8.0f} {run['seconds']:>7.2f} {run['peak_mb']:>8.0f} "
                        f"{run['seconds'] / read['seconds']:>8.1f} {run['peak_mb'] / read['peak_mb']:>9.1f} "
                        f"{run['startup']:>9.2f} {run['children_mb']:>11.0f} {run['exit_code']:>4}",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
