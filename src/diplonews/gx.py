"""The diplonews suites for a Great Expectations user: two calls, then plain GX.

::

    import great_expectations as gx
    import diplonews.gx

    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(diplonews.gx.suite("predictions_entities"))
    batch = context.data_sources.add_pandas("preds").add_dataframe_asset("entities")
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="entities", data=batch.add_batch_definition_whole_dataframe("all"), suite=suite)
    )
    checkpoint = context.checkpoints.add(gx.Checkpoint(name="ci", validation_definitions=[definition]))
    result = checkpoint.run(batch_parameters={"dataframe": diplonews.gx.prepare("entities", predictions)})

`suite(name, **parameters)` returns the suite of `expectations/<name>.json` with every
`$PARAMETER` resolved (the defaults of `meta.diplonews.parameters`, `article_ids` being
the ids of the shipped dataset's articles; keyword arguments override them), so GX needs
no `expectation_parameters` at run time. `prepare(task, frame)` adds the derived columns
the prediction suites check (`_article_n_chars`, `_text_at_span`), computed by the same
code `diplonews validate` uses (`diplonews.engines.derive`). Gate suites validate the
one-row metrics table: `prepare("entities", frame, metrics=True)` scores the frame
against the gold and returns that table.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import polars as pl

from diplonews import paths
from diplonews.contract import schema
from diplonews.contract.errors import DiplonewsError, Problem
from diplonews.engines import derive
from diplonews.export.gx_suites import default_parameters, read_suite_document, suite_names

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

__all__ = ["parameters", "prepare", "suite", "suite_document"]


def suite_document(name: str) -> dict[str, Any]:
    """The JSON of a shipped suite (`dataset_<config>`, `predictions_<task>`, `gates_<task>`)."""
    name = name.removesuffix(".json")
    if name not in suite_names():
        raise DiplonewsError(
            Problem("usage", f"unknown suite {name!r}", field="name", hint=f"one of {', '.join(suite_names())}")
        )
    return read_suite_document(paths.EXPECTATIONS_DIR / f"{name}.json")


def parameters(name: str, **overrides: Any) -> dict[str, Any]:
    """The suite's `$PARAMETER` values: its defaults, overridden by keyword arguments."""
    defaults = default_parameters(suite_document(name))
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise DiplonewsError(
            Problem(
                "unknown-threshold",
                f"suite {name} has no parameter {', '.join(unknown)}",
                field=unknown[0],
                hint=f"its parameters: {', '.join(sorted(defaults)) or 'none'}",
            )
        )
    values = {**defaults, **overrides}
    missing = sorted(key for key, value in values.items() if value is None)
    if missing:
        raise DiplonewsError(
            Problem("bad-suite", f"no value for $PARAMETER {', '.join(missing)}", field=missing[0], hint="pass it")
        )
    return values


def _resolve(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return values[value["$PARAMETER"]]
        return {key: _resolve(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, values) for item in value]
    return value


def suite(name: str, **overrides: Any) -> ExpectationSuite:
    """A `great_expectations.ExpectationSuite` of the shipped suite `name`, parameters resolved.

    Keyword arguments override a parameter's default (`min_strict_micro_f1=0.9`,
    `article_ids=[...]` for another dataset). Add it to your context with `context.suites.add`.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from great_expectations.core import ExpectationSuite

    document = suite_document(name)
    values = parameters(name, **overrides)
    body = {
        "name": document["name"],
        "expectations": _resolve(json.loads(json.dumps(document["expectations"])), values),
        "meta": {**document.get("meta", {}), "diplonews_resolved_parameters": sorted(values)},
        "notes": document.get("notes"),
    }
    result = ExpectationSuite(**body)
    if len(result.expectations) != len(document["expectations"]):  # GX drops unknown types silently
        raise DiplonewsError(
            Problem("bad-suite", f"GX dropped expectations of suite {name}", hint="upgrade great-expectations")
        )
    return result


def _texts(dataset: str | Path | None) -> dict[str, str]:
    from diplonews.io.dataset import read_dataset

    articles = read_dataset(Path(dataset) if dataset is not None else paths.DATASET_DIR, ("articles",))["articles"]
    return dict(zip(articles.column("id").to_pylist(), articles.column("text").to_pylist(), strict=True))


def prepare(task: str, frame: Any, *, dataset: str | Path | None = None, metrics: bool = False) -> pd.DataFrame:
    """A pandas frame of `task` predictions with the derived columns its suite checks.

    `frame`: pandas or polars, or a list of dicts, one prediction per row (optional columns
    may be absent: they are added as nulls). Columns the contract does not have are kept,
    so the suite's `table.columns` expectation still reports them. With `metrics=True`,
    the one-row metrics table the `gates_<task>` suite validates instead.
    """
    if task not in schema.PREDICTION_TABLES:
        raise DiplonewsError(
            Problem("usage", f"unknown task {task!r}", field="task", hint=f"tasks: {', '.join(schema.TASKS)}")
        )
    if isinstance(frame, pd.DataFrame):
        polars = pl.from_pandas(frame)
    elif isinstance(frame, pl.DataFrame):
        polars = frame
    else:
        polars = pl.DataFrame(list(frame))
    texts = _texts(dataset)
    if metrics:
        from diplonews.evaluate import Gold, evaluate

        gold = Gold.from_dataset(Path(dataset) if dataset is not None else paths.DATASET_DIR)
        return derive.metrics_frame(evaluate(task, polars, gold).table)
    contract = schema.PREDICTION_TABLES[task].column_names
    prepared = derive.derive_predictions(task, polars, texts)
    extra = [column for column in polars.columns if column not in contract]
    if extra:
        extras = polars.select(extra).to_pandas()
        derived = [column for column in prepared.columns if column not in contract]
        prepared = pd.concat([prepared[list(contract)], extras, prepared[derived]], axis=1)
    return prepared
