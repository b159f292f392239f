"""Pull side, last step: write the annotators' folders as one set.

The output folder (annotations/labelstudio by default) is published whole: under its lock,
a staging folder beside it receives the folders it already holds (hard links, untouched)
and the pulled ones, each pulled folder is loaded back with the folder loader, and only
then is the staging folder swapped in (`diplonews.io.publish`). A reader sees every folder
of the old pull or every folder of the new one; a refused or killed pull changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diplonews.contract.errors import DiplonewsError, Problem
from diplonews.io import publish
from diplonews.io.annotations import Article, load_annotations
from diplonews.io.files import dump_jsonl
from diplonews.labelstudio.labeling_config import PROVENANCE_FILE


@dataclass
class PulledFolder:
    """One annotator's annotation, ready to be written: file name -> records."""

    annotator: str
    slug: str
    files: dict[str, list[dict[str, Any]]]
    provenance: dict[str, Any]


def folder_bytes(folder: PulledFolder, project: int | None = None) -> dict[str, bytes]:
    """The files of one folder; an empty layer has no file (the loader refuses empty files)."""
    out = {name: dump_jsonl(records).encode("utf-8") for name, records in folder.files.items() if records}
    provenance = {"project": project, **folder.provenance}
    out[PROVENANCE_FILE] = (json.dumps(provenance, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return out


def check_out_dir(out_dir: Path) -> None:
    """Refuse an --out that is a file or cannot be written, before any work (`not-writable`)."""
    publish.check_publishable(out_dir)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _keep_others(out_dir: Path, staging: Path, replaced: set[str]) -> None:
    """What `out_dir` holds besides the folders being replaced, carried into the staging folder."""
    if not out_dir.is_dir():
        return
    for entry in out_dir.iterdir():
        if entry.name in replaced:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, staging / entry.name, symlinks=True, copy_function=_link_or_copy)
        elif entry.is_symlink():
            os.symlink(os.readlink(entry), staging / entry.name)
        else:
            _link_or_copy(str(entry), str(staging / entry.name))


def _write_and_load(folder: PulledFolder, target: Path, raw: dict[str, Article], project: int | None) -> list[Problem]:
    target.mkdir()
    for name, data in folder_bytes(folder, project).items():
        (target / name).write_bytes(data)
    try:
        load_annotations(target, raw)
    except DiplonewsError as error:
        prefix = f"annotator {folder.annotator}"
        return [dataclasses.replace(p, where=prefix + (f", {p.where}" if p.where else "")) for p in error.problems]
    return []


def write_folders(
    folders: list[PulledFolder], out_dir: Path, raw: dict[str, Article], *, project: int | None = None
) -> list[Path]:
    """Publish `out_dir` with the pulled folders in it, as one set; each folder must load back first.

    Nothing in `out_dir` changes unless every folder loads; a pulled folder replaces the
    folder of its name as a whole (files of a layer that became empty disappear); other
    folders in `out_dir` are kept as they are.
    """
    check_out_dir(out_dir)

    def fill(staging: Path) -> None:
        _keep_others(out_dir, staging, {folder.slug for folder in folders})
        problems: list[Problem] = []
        for folder in folders:
            problems += _write_and_load(folder, staging / folder.slug, raw, project)
        if problems:
            raise DiplonewsError(problems)

    with publish.locked(out_dir):
        try:
            publish.publish_folder(out_dir, fill)
        except OSError as error:
            raise DiplonewsError(publish.not_writable(out_dir, error)) from None
    return [out_dir / folder.slug for folder in folders]
