"""Compile raw texts + gold annotations into the Hugging Face folder `dataset/`.

Everything is computed and checked in memory first; files are written only when the
whole dataset satisfies the contract, each by an atomic rename, so a failed build
leaves the previous `dataset/` untouched. The same inputs give the same bytes.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from diplonews import card, paths, schema
from diplonews.annotations import AnnotationSet, load_annotations, read_raw_articles
from diplonews.backends import arrow, croissant
from diplonews.backends.pandera_pandas import validate_dataset
from diplonews.errors import DiplonewsError, Problem, display_path
from diplonews.files import publish_files, sha256_bytes
from diplonews.statistics import statistics_markdown
from diplonews.version import __version__

SORT_KEYS: dict[str, tuple[str, ...]] = {
    "articles": ("id",),
    "entities": ("article_id", "start", "end", "mention_id"),
    "temporal": ("article_id", "start", "end", "timex_id"),
    "discrepancies": ("discrepancy_id",),
}


@dataclass
class BuildResult:
    files: dict[str, bytes]  # path relative to dataset/ -> bytes
    tables: dict[str, list[dict[str, Any]]]

    def summary(self) -> str:
        counts = ", ".join(f"{name} {len(rows)}" for name, rows in self.tables.items())
        return f"diplonews {__version__}: {counts}"


def to_frames(tables: dict[str, list[dict[str, Any]]]) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, table in schema.DATASET_TABLES.items():
        rows = tables.get(name, [])
        frames[name] = pd.DataFrame(rows, columns=list(table.column_names))
        for column in table.columns:
            if column.dtype in {"string", "class_label"}:
                frames[name][column.name] = frames[name][column.name].astype(object)
    return frames


def check_contract(annotation_set: AnnotationSet) -> None:
    """Run the contract over the compiled rows; name each failing row's file:line."""
    failures = validate_dataset(to_frames(annotation_set.tables | {"articles": annotation_set.articles}))
    if not failures:
        return
    problems = []
    for failure in failures:
        sources = annotation_set.sources.get(failure.table, [])
        at = sources[failure.row] if failure.row is not None and failure.row < len(sources) else f"{failure.table}"
        problems.append(Problem(at, failure.message()))
    raise DiplonewsError(problems)


def _sorted(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = SORT_KEYS[name]
    return sorted(rows, key=lambda row: tuple(row[key] for key in keys))


def compile_dataset(root: Path) -> BuildResult:
    dataset_dir = root / "dataset"
    raw = read_raw_articles(dataset_dir / paths.RAW_DIR)
    annotation_set = load_annotations(root / paths.GOLD_DIR, raw, require_pins=True)
    check_contract(annotation_set)
    tables = {"articles": _sorted("articles", annotation_set.articles)}
    for name in ("entities", "temporal", "discrepancies"):
        tables[name] = _sorted(name, annotation_set.tables[name])
    files: dict[str, bytes] = {}
    for name, table in schema.DATASET_TABLES.items():
        files[paths.DATA_FILE_TEMPLATE.format(config=name)] = arrow.parquet_bytes(table, tables[name])
    files[paths.CROISSANT_FILE] = croissant.croissant_bytes(files)
    counts = {name: len(rows) for name, rows in tables.items()}
    files[paths.CARD_FILE] = card.render_card(counts, statistics_markdown(tables)).encode("utf-8")
    for article in raw.values():
        files[f"{paths.RAW_DIR}/{article.path.name}"] = article.raw
    files[paths.MANIFEST_FILE] = manifest_bytes(files)
    return BuildResult(files, tables)


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    entries = [
        {"path": path, "sha256": sha256_bytes(data), "bytes": len(data)}
        for path, data in sorted(files.items())
        if path != paths.MANIFEST_FILE
    ]
    manifest = {"name": "diplonews", "version": __version__, "files": entries}
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write(root: Path, result: BuildResult) -> list[str]:
    return publish_files(root / "dataset", result.files)


def _equivalent_parquet(a: bytes, b: bytes) -> bool:
    """Same rows and schema: the bytes may differ only by the writer's version string."""
    try:
        left, right = pq.read_table(io.BytesIO(a)), pq.read_table(io.BytesIO(b))
    except Exception:
        return False
    return left.schema.equals(right.schema) and left.equals(right)


def stale_files(root: Path, result: BuildResult) -> list[tuple[str, str]]:
    """Files of `dataset/` that differ from a fresh build, with the reason."""
    dataset_dir = root / "dataset"
    stale = []
    for relative, data in sorted(result.files.items()):
        path = dataset_dir / relative
        if not path.is_file():
            stale.append((relative, "missing"))
            continue
        current = path.read_bytes()
        if current == data:
            continue
        if relative.endswith(".parquet") and _equivalent_parquet(current, data):
            continue
        stale.append((relative, "differs from a rebuild"))
    generated = {relative for relative in result.files}
    for path in sorted(dataset_dir.rglob("*.parquet")):
        relative = path.relative_to(dataset_dir).as_posix()
        if relative not in generated:
            stale.append((relative, "not produced by the build (left over?)"))
    return stale


def verify_manifest(dataset_dir: Path) -> list[Problem]:
    """Check every file listed in MANIFEST.json against its sha256, and that none is unlisted."""
    manifest_path = dataset_dir / paths.MANIFEST_FILE
    location = display_path(manifest_path)
    if not manifest_path.is_file():
        return [Problem(location, "missing", hint="run `diplonews build`")]
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
        entries = manifest["files"]
    except (ValueError, KeyError, TypeError) as error:
        return [Problem(location, f"unreadable manifest: {error}")]
    problems = []
    if manifest.get("version") != __version__:
        problems.append(
            Problem(location, f"version {manifest.get('version')!r} but the package is {__version__}", field="version")
        )
    listed = set()
    for entry in entries:
        path = dataset_dir / entry["path"]
        listed.add(entry["path"])
        if not path.is_file():
            problems.append(Problem(location, f"{entry['path']} is listed but missing"))
            continue
        data = path.read_bytes()
        if sha256_bytes(data) != entry["sha256"]:
            problems.append(
                Problem(location, f"{entry['path']}: sha256 {sha256_bytes(data)} differs from the manifest's {entry['sha256']}")
            )
    for path in sorted(p for p in dataset_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(dataset_dir).as_posix()
        if relative != paths.MANIFEST_FILE and relative not in listed and not relative.startswith("."):
            problems.append(Problem(location, f"{relative} is in dataset/ but not in the manifest"))
    return problems
