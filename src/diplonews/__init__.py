"""diplonews: an annotated dataset of noisy news, and the data-quality suite built on it.

`load_dataset(diplonews.DATASET_PATH, "entities", split="test")` loads a config; the
contract lives in `diplonews.contract.schema`, the label sets in `diplonews.contract.labels`.
"""

from __future__ import annotations

from typing import Any

from diplonews.contract.schema import CONFIG_NAMES
from diplonews.paths import DATASET_PATH, EXPECTATIONS_PATH
from diplonews.version import __version__

__all__ = ["CONFIG_NAMES", "DATASET_PATH", "EXPECTATIONS_PATH", "__version__", "validate_predictions"]


def validate_predictions(*args: Any, **kwargs: Any) -> Any:
    """See `diplonews.validation.validate_predictions` (imported lazily: GX is slow to import)."""
    from diplonews.validation import validate_predictions as run

    return run(*args, **kwargs)
