"""Where the dataset, the expectations and the sources are, installed or in a checkout.

A wheel carries `dataset/` and `expectations/` inside the package (`_dataset`,
`_expectations`); an editable install or a checkout uses the repository's folders.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = PACKAGE_DIR.parents[1]


def _pick(packaged: str, repo: str) -> Path:
    inside = PACKAGE_DIR / packaged
    return inside if inside.is_dir() else _REPO_ROOT / repo


DATASET_DIR: Path = _pick("_dataset", "dataset")
EXPECTATIONS_DIR: Path = _pick("_expectations", "expectations")
# Strings, because `datasets.load_dataset` takes a str path (a Path object fails inside it).
DATASET_PATH: str = str(DATASET_DIR)
EXPECTATIONS_PATH: str = str(EXPECTATIONS_DIR)


def repo_root(override: str | Path | None = None) -> Path:
    """The checkout to work on: `--root` when given, else the one this package runs from."""
    return Path(override).resolve() if override else _REPO_ROOT


DATA_FILE_TEMPLATE = "{config}/test-00000-of-00001.parquet"
CARD_FILE = "README.md"
MANIFEST_FILE = "MANIFEST.json"
CROISSANT_FILE = "croissant.json"
RAW_DIR = "raw"
GOLD_DIR = Path("annotations") / "gold"
