"""`diplonews.load(config)`: one config as a `datasets.Dataset`, from a local folder, never from the network.

`load_dataset("dataset", ...)` with a bare relative name is a trap: from another working
directory `datasets` takes the name for a Hub id, retries the network, then may return a
cached copy of another checkout. This helper always passes an absolute folder, turns the Hub
off for the call, caches under a key made of the folder's MANIFEST.json (so a rebuilt folder
is never served from a stale cache), and names the dataset `diplonews` in `info`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from diplonews import paths
from diplonews.contract import schema
from diplonews.contract.errors import DiplonewsError, Problem, display_path


def _cache_dir(folder: Path) -> str:
    import datasets

    manifest = folder / paths.MANIFEST_FILE
    digest = hashlib.sha256(manifest.read_bytes() if manifest.is_file() else str(folder).encode()).hexdigest()
    return str(Path(datasets.config.HF_DATASETS_CACHE) / paths.DATASET_NAME / digest[:16])


def load(config: str = "articles", split: str = schema.SPLIT, *, dataset: str | Path | None = None) -> Any:
    """One config of the dataset (default: the installed or checked-out folder) as a `datasets.Dataset`."""
    folder = Path(dataset if dataset is not None else paths.DATASET_DIR).expanduser().resolve()
    if not (folder / paths.CARD_FILE).is_file():
        raise DiplonewsError(
            Problem(
                "file-not-found",
                "not a diplonews dataset folder (no README.md card)",
                file=display_path(folder),
                hint="omit `dataset` to load the installed dataset (diplonews.DATASET_PATH)",
            )
        )
    if config not in schema.CONFIG_NAMES:
        raise DiplonewsError(
            Problem(
                "usage", f"unknown config {config!r}", field="config", hint=f"configs: {', '.join(schema.CONFIG_NAMES)}"
            )
        )
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import datasets

    offline = datasets.config.HF_HUB_OFFLINE
    datasets.config.HF_HUB_OFFLINE = True  # for this call, whatever the environment said at import
    try:
        loaded = datasets.load_dataset(str(folder), config, split=split, cache_dir=_cache_dir(folder))
    finally:
        datasets.config.HF_HUB_OFFLINE = offline
    loaded.info.dataset_name = paths.DATASET_NAME  # a checkout's folder is called `dataset`
    return loaded
