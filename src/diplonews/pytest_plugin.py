"""pytest plugin: quality gates for downstream predictions, in the downstream repo's own test suite.

Installed with the package (entry point `pytest11`), so a model's repository can write::

    def test_model(diplonews_gate):
        diplonews_gate("entities", predictions)   # a path, a list of dicts or a DataFrame

or run ``pytest --diplonews-predictions entities=preds.jsonl`` to get one test per file
(its node id is the file's path: ``preds.jsonl::diplonews[entities]``). In the ini file
(``pytest.ini``, ``[tool.pytest.ini_options]``)::

    diplonews_predictions = entities=predictions/entities.jsonl
    diplonews_thresholds = ci/thresholds.json
    diplonews_baseline = ci/last_release.json

paths in the ini are relative to pytest's rootdir (where the ini file is), whatever the
working directory; paths on the command line are relative to the working directory. A
failed gate fails the test with the same table `diplonews validate` prints, without GX's
log lines or warnings. Nothing heavy is imported until a gate runs, so having the plugin
costs other test suites nothing.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
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
    group.addoption(
        "--diplonews-baseline",
        metavar="FILE",
        default=None,
        help="an earlier JSON report of the same task: fail when a gated metric regressed",
    )
    group.addoption(
        "--diplonews-tolerance",
        metavar="X",
        type=float,
        default=None,
        help="with a baseline: how far (absolute) a metric may move the wrong way (default 0.01)",
    )
    parser.addini(
        "diplonews_predictions",
        "TASK=FILE lines validated as with --diplonews-predictions (FILE relative to the rootdir)",
        type="linelist",
        default=[],
    )
    for name, what in _INI_PATHS.items():
        parser.addini(f"diplonews_{name}", f"{what} (relative to the rootdir)", default=None)
    parser.addini("diplonews_tolerance", "tolerance of the regression gate (default 0.01)", default=None)


_INI_PATHS = {
    "thresholds": "JSON file overriding quality-gate thresholds",
    "dataset": "dataset folder",
    "report_dir": "folder for the JSON result and Data Docs",
    "baseline": "an earlier JSON report: the regression gate's baseline",
}


def _from_rootdir(config: pytest.Config, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else config.rootpath / path


def _options(config: pytest.Config) -> dict[str, Any]:
    """Command-line options first (relative to the working directory), then the ini (relative to the rootdir)."""
    options: dict[str, Any] = {}
    for name in _INI_PATHS:
        value = config.getoption(f"diplonews_{name}")
        ini = config.getini(f"diplonews_{name}")
        if value is not None:
            options[name] = value
        elif ini:
            options[name] = _from_rootdir(config, str(ini))
    tolerance = config.getoption("diplonews_tolerance")
    if tolerance is None and config.getini("diplonews_tolerance"):
        try:
            tolerance = float(str(config.getini("diplonews_tolerance")))
        except ValueError:
            raise pytest.UsageError("diplonews_tolerance: expected a number") from None
    if tolerance is not None:
        options["tolerance"] = tolerance
    return options


@contextlib.contextmanager
def quiet_gx() -> Iterator[None]:
    """No log records below ERROR and no warnings while a gate runs: a failure shows the table only.

    GX sets its loggers' levels when it is imported, so a logger level would not hold;
    `logging.disable` does, for the duration of the gate only.
    """
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


@pytest.fixture
def diplonews_gate(request: pytest.FixtureRequest) -> Gate:
    """Call `diplonews_gate(task, predictions, **options)`: fails the test unless every expectation passes.

    Options (`dataset`, `thresholds`, `report_dir`, `baseline`, `tolerance`) default to the
    `--diplonews-*` command line options, then to the ini keys; the result is returned so a
    test can assert more on it.
    """
    defaults = _options(request.config)

    def gate(task: str, predictions: Any, **options: Any) -> ValidationResult:
        with quiet_gx():
            from diplonews.validation import validate_predictions

            result = validate_predictions(task, predictions, **{**defaults, **options})
        if not result.success:
            pytest.fail(result.render(), pytrace=False)
        return result

    return gate


class PredictionGateItem(pytest.Item):
    """One `--diplonews-predictions TASK=FILE`: a test that passes when the file passes validation."""

    def __init__(self, *, task: str, path: Path, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self.task = task

    def runtest(self) -> None:
        with quiet_gx():
            from diplonews.validation import validate_predictions

            result = validate_predictions(self.task, self.path, **_options(self.config))
        if not result.success:
            raise PredictionGateFailed(result.render())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        if isinstance(excinfo.value, PredictionGateFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"diplonews {self.task} gate: {self.nodeid.partition('::')[0]}"


class PredictionGateFailed(Exception):
    """A prediction file failed its validation (the message is the result table)."""


def _requested(config: pytest.Config) -> Iterator[tuple[str, Path]]:
    """(task, absolute path) per entry: ini entries from the rootdir, command-line ones from the working directory."""
    from diplonews.contract.schema import TASKS

    entries = [(entry, True) for entry in config.getini("diplonews_predictions")]
    entries += [(entry, False) for entry in config.getoption("diplonews_predictions")]
    for entry, from_ini in entries:
        task, separator, file_name = str(entry).partition("=")
        if not separator or task not in TASKS or not file_name:
            where = "diplonews_predictions (ini)" if from_ini else "--diplonews-predictions"
            raise pytest.UsageError(f"{where} {entry!r}: expected TASK=FILE with TASK one of {', '.join(TASKS)}")
        path = _from_rootdir(config, file_name) if from_ini else Path(file_name).absolute()
        yield task, path


def _node_path(config: pytest.Config, path: Path) -> str:
    try:
        return path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return path.as_posix()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    for task, path in _requested(config):
        name = f"diplonews[{task}]"
        items.append(
            PredictionGateItem.from_parent(
                session, name=name, nodeid=f"{_node_path(config, path)}::{name}", path=path, task=task
            )
        )
