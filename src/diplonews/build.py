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

import pyarrow.parquet as pq

from diplonews import paths
from diplonews.contract import schema
from diplonews.contract.errors import DiplonewsError, Problem, ProblemCollector, display_path
from diplonews.engines.pandera_pandas import validate_dataset, validate_table
from diplonews.export import card, croissant, tokens
from diplonews.export.statistics import statistics_markdown
from diplonews.io import dataset as dataset_io
from diplonews.io import publish
from diplonews.io.annotations import AnnotationSet, load_annotations, read_raw_articles
from diplonews.io.dataset import to_frames
from diplonews.io.files import json_type, read_utf8, sha256_bytes, sha256_file
from diplonews.version import __version__

SORT_KEYS: dict[str, tuple[str, ...]] = {
    "articles": ("id",),
    "entities": ("article_id", "start", "end", "mention_id"),
    "temporal": ("article_id", "start", "end", "timex_id"),
    "discrepancies": ("discrepancy_id",),
    "tokens": ("article_id", "sentence_id"),
}


@dataclass
class BuildResult:
    files: dict[str, bytes]  # path relative to dataset/ -> bytes
    tables: dict[str, list[dict[str, Any]]]

    def summary(self) -> str:
        counts = ", ".join(f"{name} {len(rows)}" for name, rows in self.tables.items())
        return f"diplonews {__version__}: {counts}"


def check_contract(annotation_set: AnnotationSet) -> None:
    """Run the contract over the compiled rows; name each failing row's file:line."""

    def locate(table: str, row: int | None) -> dict[str, Any]:
        sources = annotation_set.sources.get(table, [])
        return (
            dict(sources[row])
            if row is not None and row < len(sources)
            else {"file": table, "row": None if row is None else row + 1}
        )

    frames = to_frames(annotation_set.tables | {"articles": annotation_set.articles})
    del frames["tokens"]  # derived from the others after they pass (`_token_table`)
    problems = validate_dataset(frames, locate)
    if problems:
        raise DiplonewsError(problems)


def _sorted(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = SORT_KEYS[name]
    return sorted(rows, key=lambda row: tuple(row[key] for key in keys))


def _token_table(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The `tokens` config, from the same articles and gold; held to the contract like the others."""
    texts = {row["id"]: row["text"] for row in tables["articles"]}
    rows = _sorted("tokens", tokens.token_rows(texts, tables["entities"], tables["temporal"]))
    problems = validate_table(schema.TOKENS, to_frames({"tokens": rows})["tokens"], texts)
    if problems:  # pragma: no cover - the tokenizer broke its own contract: a bug, not an input problem
        raise RuntimeError(f"the tokens config breaks the contract: {problems[:3]}")
    return rows


def compile_dataset(root: Path) -> BuildResult:
    dataset_dir = root / "dataset"
    raw = read_raw_articles(dataset_dir / paths.RAW_DIR)
    annotation_set = load_annotations(root / paths.GOLD_DIR, raw, require_pins=True, raise_problems=False)
    problems = list(annotation_set.problems)  # what did not compile, and what the compiled rows break:
    try:  # both, so one run reports every problem of a file
        check_contract(annotation_set)
    except DiplonewsError as error:
        problems += error.problems
    if problems:
        raise DiplonewsError(problems)
    tables = {"articles": _sorted("articles", annotation_set.articles)}
    for name in ("entities", "temporal", "discrepancies"):
        tables[name] = _sorted(name, annotation_set.tables[name])
    tables["tokens"] = _token_table(tables)
    files: dict[str, bytes] = {}
    for name, table in schema.DATASET_TABLES.items():
        files[paths.DATA_FILE_TEMPLATE.format(config=name)] = dataset_io.parquet_bytes(table, tables[name])
    files[paths.CROISSANT_FILE] = croissant.croissant_bytes(files)
    documents = shipped_documents(root)
    counts = {name: len(rows) for name, rows in tables.items()}
    agreement = _marked_section(documents[paths.DATASHEET_FILE].decode("utf-8"), "agreement")
    files[paths.CARD_FILE] = card.render_card(counts, statistics_markdown(tables), agreement).encode("utf-8")
    files.update(documents)
    for article in raw.values():
        files[f"{paths.RAW_DIR}/{article.path.name}"] = article.raw
    files[paths.MANIFEST_FILE] = manifest_bytes(files)
    return BuildResult(files, tables)


def shipped_documents(root: Path) -> dict[str, bytes]:
    """The documents the card links to, copied into the dataset folder so that its links resolve
    wherever the folder goes (the Hub, the wheel): DATASHEET.md and its figures, GUIDELINES.md."""
    sources = {
        paths.DATASHEET_FILE: root / paths.DATASHEET_FILE,
        paths.GUIDELINES_FILE: root / paths.GUIDELINES_SOURCE,
    }
    figures = root / paths.FIGURES_DIR
    for figure in sorted(figures.glob("*.png")) if figures.is_dir() else []:
        sources[f"{paths.FIGURES_DIR}/{figure.name}"] = figure
    problems = [
        Problem("missing-file", "the dataset card links to it", file=display_path(path), hint="restore it from git")
        for path in sources.values()
        if not path.is_file()
    ]
    if problems:
        raise DiplonewsError(problems)
    return {relative: path.read_bytes() for relative, path in sources.items()}


def _marked_section(text: str, name: str) -> str:
    start, end = f"<!-- {name}:start -->\n", f"\n<!-- {name}:end -->"
    if start not in text or end not in text:
        return "_See DATASHEET.md._"
    return text.split(start, 1)[1].split(end, 1)[0]


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    entries = [
        {"path": path, "sha256": sha256_bytes(data), "bytes": len(data)}
        for path, data in sorted(files.items())
        if path != paths.MANIFEST_FILE
    ]
    manifest = {"name": "diplonews", "version": __version__, "files": entries}
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write(root: Path, result: BuildResult) -> list[str]:
    """Publish the build as one set (staged beside `dataset/`, then swapped in); the paths that changed.

    Concurrent builds of one checkout are serialised; what a killed build left beside
    `dataset/` is removed (or, if it was the last complete tree, put back) first.
    """
    target = root / "dataset"
    with publish.locked(target):
        return publish.publish_files(target, result.files)


def _equivalent_parquet(a: bytes, b: bytes) -> bool:
    """Same rows and schema: the bytes may differ only by the writer's version string."""
    try:
        left, right = pq.read_table(io.BytesIO(a)), pq.read_table(io.BytesIO(b))
    except Exception:
        return False
    return left.schema.equals(right.schema) and left.equals(right)


def stale_files(root: Path, result: BuildResult) -> list[Problem]:
    """Files of `dataset/` that differ from a fresh build, or that the build does not produce."""
    dataset_dir = root / "dataset"
    stale = []
    hint = "run `diplonews build` and commit the result"
    for relative, data in sorted(result.files.items()):
        path = dataset_dir / relative
        if not path.is_file():
            stale.append(Problem("missing-file", "missing: the build produces it", file=display_path(path), hint=hint))
            continue
        current = path.read_bytes()
        if current == data:
            continue
        if relative.endswith(".parquet") and _equivalent_parquet(current, data):
            continue
        stale.append(Problem("stale-file", "differs from a rebuild", file=display_path(path), hint=hint))
    generated = set(result.files)
    for relative in dataset_files(dataset_dir):
        if relative not in generated:
            stale.append(
                Problem(
                    "leftover-file",
                    "not produced by the build (left over?)",
                    file=display_path(dataset_dir / relative),
                    hint="delete it, or run `diplonews build`",
                )
            )
    return stale


def _manifest_entries(manifest_path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The manifest and its file entries, each checked for shape; or a `manifest-invalid` problem."""
    file = display_path(manifest_path)
    hint = "rebuild with `diplonews build`"
    try:
        manifest = json.loads(read_utf8(manifest_path))
    except ValueError as error:
        raise DiplonewsError(
            Problem("manifest-invalid", f"unreadable manifest: {error}", file=file, hint=hint)
        ) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise DiplonewsError(
            Problem("manifest-invalid", "expected an object with a 'files' list", file=file, field="files", hint=hint)
        )
    problems = ProblemCollector()
    for index, entry in enumerate(manifest["files"]):
        where = f"files[{index}]"
        if not isinstance(entry, dict):
            problems.add(
                Problem(
                    "manifest-invalid",
                    f"expected an object, found {json_type(entry)}",
                    file=file,
                    where=where,
                    hint=hint,
                )
            )
            continue
        for key, kind in (("path", str), ("sha256", str), ("bytes", int)):
            if not isinstance(entry.get(key), kind):
                problems.add(
                    Problem(
                        "manifest-invalid",
                        f"expected {kind.__name__}, found {json_type(entry.get(key))}",
                        file=file,
                        field=key,
                        where=where,
                        hint=hint,
                    )
                )
        relative = entry.get("path")
        if isinstance(relative, str) and (relative.startswith("/") or ".." in Path(relative).parts or not relative):
            problems.add(
                Problem(
                    "manifest-invalid",
                    "a path outside the dataset folder",
                    file=file,
                    field="path",
                    value=relative,
                    where=where,
                    hint=hint,
                )
            )
    problems.raise_if_any()
    return manifest, manifest["files"]


def dataset_files(dataset_dir: Path) -> list[str]:
    """Every file below the dataset folder (relative, POSIX), hidden ones included: leftovers are files too."""
    return sorted(
        p.relative_to(dataset_dir).as_posix() for p in dataset_dir.rglob("*") if p.is_file() or p.is_symlink()
    )


def verify_manifest(dataset_dir: Path) -> list[Problem]:
    """Check every file listed in MANIFEST.json against its sha256, and that none is unlisted.

    A malformed manifest raises `DiplonewsError` (exit 2); mismatches are returned (exit 1).
    """
    manifest_path = dataset_dir / paths.MANIFEST_FILE
    file = display_path(manifest_path)
    if not dataset_dir.is_dir():
        raise DiplonewsError(
            Problem(
                "file-not-found", "no such dataset folder", file=display_path(dataset_dir), hint="pass --dataset FOLDER"
            )
        )
    if not manifest_path.is_file():
        return [Problem("missing-file", "the dataset has no manifest", file=file, hint="run `diplonews build`")]
    manifest, entries = _manifest_entries(manifest_path)
    problems = []
    if manifest.get("version") != __version__:
        problems.append(
            Problem(
                "version-mismatch",
                f"built by version {manifest.get('version')!r}, the package is {__version__}",
                file=file,
                field="version",
            )
        )
    listed = set()
    for entry in entries:
        path = dataset_dir / entry["path"]
        listed.add(entry["path"])
        if not path.is_file():
            problems.append(
                Problem(
                    "missing-file",
                    "listed in the manifest but missing",
                    file=display_path(path),
                    hint="run `diplonews build`",
                )
            )
            continue
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            problems.append(
                Problem(
                    "manifest-mismatch",
                    f"sha256 {digest} differs from the manifest's {entry['sha256']}",
                    file=display_path(path),
                    hint="rebuild with `diplonews build`, or restore the file",
                )
            )
    for relative in dataset_files(dataset_dir):
        if relative != paths.MANIFEST_FILE and relative not in listed:
            problems.append(
                Problem(
                    "leftover-file",
                    "in the dataset folder but not in the manifest",
                    file=display_path(dataset_dir / relative),
                    hint="delete it, or run `diplonews build`",
                )
            )
    return problems
