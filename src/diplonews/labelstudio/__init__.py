"""The Label Studio workflow: push articles and pre-annotations, pull annotations back.

Annotators extend and correct the gold in Label Studio, so the way back must lose and
shift nothing. The Label Studio editor counts offsets in code points, like the annotation
folders (checked in a real browser: not UTF-16 units, see `offsets.py`); every span goes
through `OffsetMap.to_editor`/`from_editor` and is then re-read from the raw article, and a region whose text does not match is
refused rather than silently moved. Ids survive the trip because each region's id *is* the
mention_id / timex_id (discrepancy spans: `<discrepancy_id>-s<n>`, keeping the spans'
order), and every attribute the annotation format has is a per-region control of the
labeling config (`diplonews.labelstudio.labeling_config`). `pull` checks everything an
export holds before it writes anything, and writes one folder per annotator in exactly the
format `diplonews.io.annotations.load_annotations` reads.

The SDK is imported only inside the commands that talk to a server: `diplonews --help`
and the unit tests stay fast and work without it.
"""

from __future__ import annotations

from diplonews.labelstudio.cli import add_arguments, main
from diplonews.labelstudio.compare import comparable_sets
from diplonews.labelstudio.export import convert_export, pull
from diplonews.labelstudio.folders import PulledFolder, write_folders
from diplonews.labelstudio.labeling_config import API_KEY_ENV, META_KEY, PROVENANCE_FILE, URL_ENV
from diplonews.labelstudio.offsets import OffsetMap, codepoints_to_utf16, utf16_to_codepoints
from diplonews.labelstudio.server import Server, connect, export_project, find_project, push_tasks
from diplonews.labelstudio.tasks import TaskSpec, build_tasks, read_predictions

__all__ = [
    "API_KEY_ENV",
    "META_KEY",
    "PROVENANCE_FILE",
    "URL_ENV",
    "OffsetMap",
    "PulledFolder",
    "Server",
    "TaskSpec",
    "add_arguments",
    "build_tasks",
    "codepoints_to_utf16",
    "comparable_sets",
    "connect",
    "convert_export",
    "export_project",
    "find_project",
    "main",
    "pull",
    "push_tasks",
    "read_predictions",
    "utf16_to_codepoints",
    "write_folders",
]
