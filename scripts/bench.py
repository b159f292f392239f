#!/usr/bin/env python
"""How long `diplonews validate --task entities` takes on large prediction files, against a bare read.

Builds, in a work folder, a synthetic dataset (the real articles copied under new ids,
with their gold replicated) and, for each size, an entities prediction file generated
from that gold by repetition: each synthetic article gets its source article's gold
mentions (right answers) and then word tokens with cycling labels (wrong answers) until
the size is reached. Each measurement runs in a fresh process, so the peak memory
(`ru_maxrss` from `wait4`) is that run's alone:

* ``read``: the file read by pyarrow (`pyarrow.json` / `pyarrow.csv` / `pyarrow.parquet`);
* ``validate``: `diplonews.validate_predictions` (reader + pandera + GX integrity suite +
  metrics + GX gate suite), timed after GX is imported and its context created, which
  the ``startup`` column shows separately (a test session pays it once).

Targets (2 cores): 10^6 spans validated in under 30 s and 4 GB, at most 10x the read.
This is a measurement, not a test: nothing here asserts. The ``exit`` column is the
validation's verdict, 1 by design: the wrong answers make the quality gates fail, so every
stage (integrity, metrics, gates) runs in full, as it does for a real failing model.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


def build_dataset(folder: Path, copies: int) -> tuple[list[dict[str, Any]], dict[str, list[tuple[int, int, str]]]]:
    """A dataset folder of `copies` x the real articles, the gold replicated under the new ids."""
    articles = _read_config("articles")
    tables = {name: _read_config(name) for name in ("entities", "temporal", "discrepancies")}
    synthetic: dict[str, list[dict[str, Any]]] = {"articles": [], "entities": [], "temporal": [], "discrepancies": []}
    for copy in range(copies):
        for offset, article in enumerate(articles):
            new_id = _synthetic_id(copy * len(articles) + offset)
            synthetic["articles"].append({**article, "id": new_id, "source_file": f"raw/{new_id}.txt"})
            for name in ("entities", "temporal"):
                key = "mention_id" if name == "entities" else "timex_id"
                synthetic[name] += [
                    {**row, "article_id": new_id, key: f"{row[key]}-{new_id}"}
                    for row in tables[name]
                    if row["article_id"] == article["id"]
                ]
        for row in tables["discrepancies"]:
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
    """`size` entity predictions over the synthetic articles, in article order; returns the articles used."""
    per_copy = [
        {"article_offset": offset, "start": start, "end": end, "label": label, "text": article["text"][start:end]}
        for offset, article in enumerate(articles)
        for start, end, label in candidates[article["id"]]
    ]
    block = pl.DataFrame(per_copy)
    copies = -(-size // block.height)
    frame = (
        pl.concat([block.with_columns(pl.lit(copy).alias("copy")) for copy in range(copies)])
        .head(size)
        .with_columns((pl.col("copy") * len(articles) + pl.col("article_offset")).alias("index"))
    )
    ids = frame["index"].map_elements(_synthetic_id, return_dtype=pl.String)
    frame = frame.with_columns(ids.alias("article_id")).select("article_id", "start", "end", "label", "text")
    if file_format == "jsonl":
        frame.write_ndjson(path)
    elif file_format == "csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
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
    from diplonews.validation import engine, validate_predictions

    engine()  # import GX and create its context: paid once per process
    began = time.perf_counter()
    result = validate_predictions("entities", file, dataset=dataset, report_dir=report_dir)
    elapsed = time.perf_counter() - began
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rows": result.n_rows,
                "startup": began - started,
                "exit_code": result.exit_code,
                "problems": [str(p) for p in result.problems][:3],
            }
        )
    )


def measure(mode: str, file: Path, dataset: Path, report_dir: Path | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, str(file), str(dataset), str(report_dir or "")]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{mode} {file} failed:\n{err[-3000:]}")
    return {**json.loads(out.strip().splitlines()[-1]), "peak_mb": usage.ru_maxrss / 1024, "process_seconds": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="numbers of predicted spans")
    parser.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl")
    parser.add_argument("--workdir", type=Path, help="keep the generated files here (default: a temporary folder)")
    parser.add_argument("--report", action="store_true", help="also write the JSON result and Data Docs (timed)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
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
        build_dataset(dataset, copies)
        print(
            f"synthetic dataset: {copies * len(articles):,} articles ({copies} copies of {len(articles)}), {spans_per_copy:,} candidate spans per copy"
        )
        print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, format {args.format}")
        header = f"{'spans':>10} {'file MB':>8} {'read s':>7} {'read MB':>8} {'validate s':>10} {'validate MB':>11} {'x read':>7} {'startup s':>9} {'exit':>4}"
        print(header)
        for size in args.sizes:
            path = work / f"entities_{size}.{args.format}"
            write_predictions(path, size, articles, candidates, args.format)
            read = measure("read", path, dataset, None)
            validated = measure("validate", path, dataset, work / f"report_{size}" if args.report else None)
            ratio = validated["seconds"] / read["seconds"] if read["seconds"] else float("inf")
            print(
                f"{size:>10,} {path.stat().st_size / 1e6:>8.1f} {read['seconds']:>7.2f} {read['peak_mb']:>8.0f} "
                f"{validated['seconds']:>10.2f} {validated['peak_mb']:>11.0f} {ratio:>7.1f} {validated['startup']:>9.2f} {validated['exit_code']:>4}"
            )
            if validated["problems"]:
                print("   problems:", *validated["problems"], sep="\n   ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
