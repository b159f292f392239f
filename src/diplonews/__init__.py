"""diplonews: an annotated dataset of noisy news, and the data-quality suite built on it.

`diplonews.load("entities")` loads a config offline (or `load_dataset(diplonews.DATASET_PATH,
"entities", split="test")`, an absolute path); the contract lives in `diplonews.contract.schema`, the label sets in `diplonews.contract.labels`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diplonews.contract.schema import CONFIG_NAMES
from diplonews.paths import DATASET_PATH, EXPECTATIONS_PATH
from diplonews.version import __version__

__all__ = ["CONFIG_NAMES", "DATASET_PATH", "EXPECTATIONS_PATH", "__version__", "load", "validate_predictions"]


def load(config: str = "articles", split: str = "test", *, dataset: str | Path | None = None) -> Any:
    """One config as a `datasets.Dataset`, from the local folder only (see `diplonews.loading.load`)."""
    from diplonews.loading import load as run

    return run(config, split, dataset=dataset)


def validate_predictions(*args: Any, **kwargs: Any) -> Any:
    """See `diplonews.validation.validate_predictions` (imported lazily: GX is slow to import)."""
    from diplonews.validation import validate_predictions as run

    return run(*args, **kwargs)
