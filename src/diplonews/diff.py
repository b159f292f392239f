"""`diplonews diff OLD NEW`: what changed in the gold between two versions of the dataset.

OLD and NEW are dataset folders (or checkouts holding `dataset/`), or git revisions of the
checkout (`v0.1.0`, `HEAD~2`, a branch): a revision's `dataset/` is extracted with
`git archive` into a temporary folder. Per config (each keyed by its id column) the rows
are compared: added and removed ids, and for each id in both, the fields whose values
differ. A config present on one side only is reported as added or removed whole.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from diplonews import paths
from diplonews.contract import schema
from diplonews.contract.errors import DiplonewsError, Problem, display_path, shorten

LAYERS: tuple[str, ...] = tuple(schema.DATASET_TABLES)


@dataclass
class LayerDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)  # id -> field -> (old, new)
    status: str = "compared"  # or "added" / "removed" (the config exists on one side only) / "absent"

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed) and self.status == "compared"


@dataclass
class DatasetDiff:
    old: str
    new: str
    layers: dict[str, LayerDiff]

    @property
    def empty(self) -> bool:
        return all(layer.empty for layer in self.layers.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "layers": {
                name: {
                    "status": layer.status,
                    "added": layer.added,
                    "removed": layer.removed,
                    "changed": [
                        {
                            "id": key,
                            "fields": {f: {"old": shorten(a), "new": shorten(b)} for f, (a, b) in fields.items()},
                        }
                        for key, fields in layer.changed.items()
                    ],
                }
                for name, layer in self.layers.items()
            },
        }


# ---- where a version lives -------------------------------------------------------------


def resolve(spec: str, root: Path, workdir: Path) -> Path:
    """A dataset folder for OLD/NEW: an existing folder, or a git revision extracted under `workdir`."""
    path = Path(spec)
    if path.is_dir():
        folder = path / "dataset" if (path / "dataset" / paths.CARD_FILE).is_file() else path
        if not any((folder / paths.DATA_FILE_TEMPLATE.format(config=name)).is_file() for name in LAYERS):
            raise DiplonewsError(
                Problem(
                    "missing-file",
                    "not a dataset folder: no config's Parquet file",
                    file=display_path(folder),
                    hint="pass a dataset folder (with <config>/test-00000-of-00001.parquet) or a git revision",
                )
            )
        return folder
    revision = _git(root, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if revision is None:
        raise DiplonewsError(
            Problem(
                "unknown-revision",
                "neither a folder nor a git revision of the checkout",
                value=spec,
                file=display_path(root),
                hint="pass a dataset folder, or a tag / branch / commit (git log --oneline)",
            )
        )
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision.decode().strip(), "dataset"], cwd=root, capture_output=True
    )
    if archive.returncode != 0:
        raise DiplonewsError(
            Problem("missing-file", "the revision has no dataset/ folder", value=spec, file=display_path(root))
        )
    target = workdir / spec.replace("/", "_").replace("~", "_").replace("^", "_")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target / "dataset"


def _git(root: Path, *args: str) -> bytes | None:
    try:
        run = subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return run.stdout if run.returncode == 0 else None


def read_layers(folder: Path) -> dict[str, dict[str, dict[str, Any]] | None]:
    """Rows of each config by id (None where the folder has no such config)."""
    out: dict[str, dict[str, dict[str, Any]] | None] = {}
    problems = []
    for name, table in schema.DATASET_TABLES.items():
        path = folder / paths.DATA_FILE_TEMPLATE.format(config=name)
        if not path.is_file():
            out[name] = None
            continue
        try:
            rows = pq.read_table(path).to_pylist()
        except (OSError, pa.ArrowException) as error:
            problems.append(Problem("unreadable-parquet", f"unreadable Parquet file: {error}", file=display_path(path)))
            continue
        key = table.key or "id"
        if rows and key not in rows[0]:
            problems.append(
                Problem("missing-field", "the config's id column is missing", file=display_path(path), field=key)
            )
            continue
        out[name] = {str(row[key]): row for row in rows}
    if problems:
        raise DiplonewsError(problems)
    return out


# ---- the comparison --------------------------------------------------------------------


def compare(
    old: dict[str, dict[str, dict[str, Any]] | None], new: dict[str, dict[str, dict[str, Any]] | None]
) -> dict[str, LayerDiff]:
    layers = {}
    for name in LAYERS:
        before, after = old.get(name), new.get(name)
        if before is None and after is None:
            layers[name] = LayerDiff(status="absent")
            continue
        if before is None or after is None:
            rows = after if before is None else before
            assert rows is not None
            status = "added" if before is None else "removed"
            layers[name] = LayerDiff(
                added=sorted(rows) if status == "added" else [],
                removed=sorted(rows) if status == "removed" else [],
                status=status,
            )
            continue
        result = LayerDiff(added=sorted(set(after) - set(before)), removed=sorted(set(before) - set(after)))
        for key in sorted(set(before) & set(after)):
            fields = {
                column: (before[key].get(column), after[key].get(column))
                for column in dict.fromkeys([*before[key], *after[key]])
                if before[key].get(column) != after[key].get(column)
            }
            if fields:
                result.changed[key] = fields
        layers[name] = result
    return layers


def diff(old: str, new: str, root: Path | None = None) -> DatasetDiff:
    """Compare two versions (folders or git revisions of `root`, default: this checkout)."""
    root = paths.repo_root(root)
    with tempfile.TemporaryDirectory(prefix="diplonews-diff-") as workdir:
        old_layers = read_layers(resolve(old, root, Path(workdir)))
        new_layers = read_layers(resolve(new, root, Path(workdir)))
    return DatasetDiff(old, new, compare(old_layers, new_layers))


# ---- rendering -------------------------------------------------------------------------


def render_table(result: DatasetDiff, *, details: bool = True) -> str:
    lines = [
        f"diplonews diff {result.old} -> {result.new}",
        "",
        "| layer | added | removed | changed |",
        "|---|---|---|---|",
    ]
    for name, layer in result.layers.items():
        if layer.status == "absent":
            continue
        note = "" if layer.status == "compared" else f" (config {layer.status})"
        lines.append(f"| {name}{note} | {len(layer.added)} | {len(layer.removed)} | {len(layer.changed)} |")
    if details:
        for name, layer in result.layers.items():
            if layer.status != "compared" or layer.empty:
                continue
            lines.append("")
            lines += [f"+ {name} {key}" for key in layer.added]
            lines += [f"- {name} {key}" for key in layer.removed]
            for key, fields in layer.changed.items():
                changes = "; ".join(f"{f}: {shorten(a, 40)!r} -> {shorten(b, 40)!r}" for f, (a, b) in fields.items())
                lines.append(f"~ {name} {key}: {changes}")
    if result.empty:
        lines.append("")
        lines.append("no annotation changed")
    return "\n".join(lines)


def changelog_summary(result: DatasetDiff) -> str:
    """The lines a release adds to its changelog entry: counts per layer, changed fields named."""
    lines = []
    for name, layer in result.layers.items():
        if layer.status in ("added", "removed"):
            count = len(layer.added or layer.removed)
            lines.append(f"- `{name}`: config {layer.status} ({count} rows)")
            continue
        if layer.empty or layer.status == "absent":
            continue
        fields = sorted({f for changes in layer.changed.values() for f in changes})
        parts = [f"{len(layer.added)} added", f"{len(layer.removed)} removed", f"{len(layer.changed)} changed"]
        lines.append(f"- `{name}`: " + ", ".join(parts) + (f" (fields: {', '.join(fields)})" if fields else ""))
    body = "\n".join(lines) if lines else "- no annotation changed"
    return f"### Gold changes (`diplonews diff {result.old} {result.new}`)\n\n{body}\n"
