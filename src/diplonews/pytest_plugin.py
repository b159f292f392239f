"""pytest plugin: quality gates for downstream predictions, in the downstream repo's own test suite.

Installed with the package (entry point `pytest11`), so a model's repository can write::

    def test_model(diplonews_gate):
        diplonews_gate("entities", predictions)   # a path, a list of dicts or a DataFrame

or run ``pytest --diplonews-predictions entities=preds.jsonl`` to get one test per file.
A failed gate fails the test with the same table `diplonews validate` prints.
Nothing heavy is imported until a gate runs, so having the plugin costs other test
suites nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from diplonews.validation import ValidationResult

Gate = Callable[..., "ValidationResult"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("diplonews", "diplonews quality gates for predictions")
    group.addoption(
        "--diplonews-predictions",
        action="append",
        default=[],
        metavar="TASK=FILE",
        help="validate FILE as TASK predictions (entities, temporal, discrepancies, cleaning); repeatable",
    )
    group.addoption(
        "--diplonews-thresholds", metavar="FILE", default=None, help="JSON file overriding quality-gate thresholds"
    )
    group.addoption(
        "--diplonews-dataset", metavar="DIR", default=None, help="dataset folder (default: the installed dataset)"
    )
    group.addoption(
        "--diplonews-report-dir", metavar="DIR", default=None, help="write the JSON result and Data Docs here"
    )
    parser.addini(
        "diplonews_predictions",
        "TASK=FILE lines validated as with --diplonews-predictions",
        type="linelist",
        default=[],
    )


def _options(config: pytest.Config) -> dict[str, Any]:
    return {
        "dataset": config.getoption("diplonews_dataset"),
        "thresholds": config.getoption("diplonews_thresholds"),
        "report_dir": config.getoption("diplonews_report_dir"),
    }


@pytest.fixture
def diplonews_gate(request: pytest.FixtureRequest) -> Gate:
    """Call `diplonews_gate(task, predictions, **options)`: fails the test unless every expectation passes.

    Options (`dataset`, `thresholds`, `report_dir`) default to the `--diplonews-*` command
    line options; the result is returned so a test can assert more on it.
    """
    defaults = _options(request.config)

    def gate(task: str, predictions: Any, **options: Any) -> ValidationResult:
        from diplonews.validation import validate_predictions

        result = validate_predictions(task, predictions, **{**defaults, **options})
        if not result.success:
            pytest.fail(result.render(), pytrace=False)
        return result

    return gate


class PredictionGateItem(pytest.Item):
    """One `--diplonews-predictions TASK=FILE`: a test that passes when the file passes validation."""

    def __init__(self, *, task: str, path: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.task = task
        self.path = path

    def runtest(self) -> None:
        from diplonews.validation import validate_predictions

        result = validate_predictions(self.task, self.path, **_options(self.config))
        if not result.success:
            raise PredictionGateFailed(result.render())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        if isinstance(excinfo.value, PredictionGateFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"diplonews {self.task} gate: {self.path}"


class PredictionGateFailed(Exception):
    """A prediction file failed its validation (the message is the result table)."""


def _requested(config: pytest.Config) -> Iterator[tuple[str, Path]]:
    from diplonews.contract.schema import TASKS

    entries = [*config.getini("diplonews_predictions"), *config.getoption("diplonews_predictions")]
    for entry in entries:
        task, separator, file_name = str(entry).partition("=")
        if not separator or task not in TASKS or not file_name:
            raise pytest.UsageError(
                f"--diplonews-predictions {entry!r}: expected TASK=FILE with TASK one of {', '.join(TASKS)}"
            )
        yield task, Path(file_name)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    for task, path in _requested(config):
        items.append(PredictionGateItem.from_parent(session, name=f"diplonews[{task}={path}]", task=task, path=path))
