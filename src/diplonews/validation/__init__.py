"""`diplonews validate`: the dataset, or a downstream output, against the contract and the suites.

The result is an object (`ValidationResult`), a compact table on stdout, a JSON file and
GX Data Docs in the report folder. The Python API never raises for bad input: an
unusable input gives a result with `problems` and `exit_code` 2.
"""

from __future__ import annotations

from diplonews.validation.dataset import validate_dataset
from diplonews.validation.predictions import validate_predictions
from diplonews.validation.result import ValidationResult
from diplonews.validation.runtime import engine

__all__ = ["ValidationResult", "engine", "validate_dataset", "validate_predictions"]
