"""Where the dataset, the expectations and the sources are, installed or in a checkout.

A wheel carries `dataset/` and `expectations/` inside the package (`_data/diplonews`,
`_expectations`: the dataset folder is named `diplonews`, which `datasets` takes as the
dataset's name); an editable install or a checkout uses the repository's folders.
Commands that compile or rewrite sources (`build`, `datasheet`, `labelstudio config`, a
release) need a checkout: `checkout_root` refuses anything else with `needs-checkout`.
"""

from __future__ import annotations

from pathlib import Path

from diplonews.contract.errors import DiplonewsError, Problem, display_path

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = PACKAGE_DIR.parents[1]


def _pick(packaged: str, repo: str) -> Path:
    inside = PACKAGE_DIR / packaged
    return inside if inside.is_dir() else _REPO_ROOT / repo


DATASET_NAME = "diplonews"
DATASET_DIR: Path = _pick(f"_data/{DATASET_NAME}", "dataset")
EXPECTATIONS_DIR: Path = _pick("_expectations", "expectations")
# Strings, because `datasets.load_dataset` takes a str path (a Path object fails inside it).
DATASET_PATH: str = str(DATASET_DIR)
EXPECTATIONS_PATH: str = str(EXPECTATIONS_DIR)


def repo_root(override: str | Path | None = None) -> Path:
    """The checkout to work on: `--root` when given, else the one this package runs from."""
    return Path(override).resolve() if override else _REPO_ROOT


def is_checkout(root: Path) -> bool:
    """A source checkout: the project file, the gold annotations and the raw articles are there."""
    return (root / "pyproject.toml").is_file() and (root / GOLD_DIR).is_dir() and (root / "dataset" / RAW_DIR).is_dir()


def checkout_root(override: str | Path | None = None, command: str = "this command") -> Path:
    """The checkout a source-rewriting command works on; `needs-checkout` (exit 2) when there is none.

    An installed package's parent folder is site-packages: nothing there may be read as
    sources or written to.
    """
    root = repo_root(override)
    if not is_checkout(root):
        raise DiplonewsError(
            Problem(
                "needs-checkout",
                f"{command} works on a source checkout (pyproject.toml, {GOLD_DIR.as_posix()}/, dataset/{RAW_DIR}/); "
                f"{'--root' if override else 'this installed package'} points to {display_path(root)}, which is not one",
                file=display_path(root),
                hint="clone the repository and run it there (or pass --root CHECKOUT); "
                "the installed dataset is at diplonews.DATASET_PATH",
            )
        )
    return root


DATA_FILE_TEMPLATE = "{config}/test-00000-of-00001.parquet"
CARD_FILE = "README.md"
MANIFEST_FILE = "MANIFEST.json"
CROISSANT_FILE = "croissant.json"
RAW_DIR = "raw"
GOLD_DIR = Path("annotations") / "gold"
DATASHEET_FILE = "DATASHEET.md"
GUIDELINES_FILE = "GUIDELINES.md"
GUIDELINES_SOURCE = Path("annotations") / GUIDELINES_FILE
FIGURES_DIR = "figures"
