"""A Great Expectations user adopts the suites: their own context and checkpoint, two calls into diplonews."""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd
import pytest

import diplonews.gx
from diplonews import paths
from diplonews.contract import schema
from diplonews.contract.errors import DiplonewsError
from gold_predictions import gold_predictions

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
gx = pytest.importorskip("great_expectations")


def _parameters_used(value: Any) -> set[str]:
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return {value["$PARAMETER"]}
        return set().union(set(), *(_parameters_used(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(_parameters_used(item) for item in value))
    return set()


def _columns_used(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in {"column", "column_A", "column_B"} and isinstance(item, str):
                found.add(item)
            found |= _columns_used(item)
    elif isinstance(value, list):
        for item in value:
            found |= _columns_used(item)
    return found


@pytest.mark.parametrize("path", sorted(paths.EXPECTATIONS_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_suite_json_carries_every_parameter_default_and_how_to_derive_each_column(path: Any) -> None:
    document = json.loads(path.read_text("utf-8"))
    meta = document["meta"]["diplonews"]
    used = _parameters_used(document["expectations"])
    assert used <= set(meta["parameters"]), sorted(used - set(meta["parameters"]))
    assert all(meta["parameters"][name] is not None for name in used)
    derived = {column for column in _columns_used(document["expectations"]) if column.startswith("_")}
    if not document["name"].startswith("gates_"):
        assert derived <= set(meta["derived_columns"])
        assert all(meta["derived_columns"][column] for column in derived)


def test_plain_gx_runs_a_suite_json_with_its_meta_parameters() -> None:
    """Without diplonews.gx: the JSON, its meta's parameters, and a frame with the derived columns."""
    document = json.loads((paths.EXPECTATIONS_DIR / "predictions_entities.json").read_text("utf-8"))
    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(gx.ExpectationSuite(**{k: document[k] for k in ("name", "expectations", "meta")}))
    assert len(suite.expectations) == len(document["expectations"])
    frame = diplonews.gx.prepare("entities", gold_predictions("entities", paths.DATASET_DIR))
    batch = context.data_sources.add_pandas("plain").add_dataframe_asset("entities")
    definition = gx.ValidationDefinition(
        name="plain", data=batch.add_batch_definition_whole_dataframe("all"), suite=suite
    )
    result = context.validation_definitions.add(definition).run(
        batch_parameters={"dataframe": frame}, expectation_parameters=document["meta"]["diplonews"]["parameters"]
    )
    assert result.success


def test_a_gx_users_own_checkpoint_catches_shifted_offsets() -> None:
    gold = gold_predictions("entities", paths.DATASET_DIR)
    good = pd.DataFrame(gold)
    shifted = good.assign(start=good["start"] + 1, end=good["end"] + 1)

    # Everything below is the user's own GX; diplonews only gives the suite and prepares the frame.
    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(diplonews.gx.suite("predictions_entities"))
    batch = context.data_sources.add_pandas("model_output").add_dataframe_asset("entities")
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="entities", data=batch.add_batch_definition_whole_dataframe("all"), suite=suite)
    )
    checkpoint = context.checkpoints.add(gx.Checkpoint(name="ci", validation_definitions=[definition]))

    assert checkpoint.run(batch_parameters={"dataframe": diplonews.gx.prepare("entities", good)}).success
    result = checkpoint.run(batch_parameters={"dataframe": diplonews.gx.prepare("entities", shifted)})
    assert not result.success
    (validation,) = result.run_results.values()
    failed = {r.expectation_config.meta["check"]: r.result for r in validation.results if not r.success}
    assert set(failed) >= {"span.text_matches"}
    assert failed["span.text_matches"]["unexpected_count"] >= len(gold) - 5  # nearly every shifted span differs


def test_suite_parameters_resolve_and_override() -> None:
    suite = diplonews.gx.suite("gates_entities", min_strict_micro_f1=0.95)
    bounds = {e.meta["check"]: e.configuration.kwargs.get("min_value") for e in suite.expectations}
    assert bounds["gate.min_strict_micro_f1"] == 0.95
    assert bounds["gate.min_ent_type_micro_f1"] == 0.86
    ids = diplonews.gx.parameters("predictions_entities")["article_ids"]
    assert len(ids) == 5 and ids == sorted(ids)
    with pytest.raises(DiplonewsError) as error:
        diplonews.gx.suite("gates_entities", min_strict_micro_fone=0.9)
    assert [p.code for p in error.value.problems] == ["unknown-threshold"]
    with pytest.raises(DiplonewsError):
        diplonews.gx.suite("predictions_ner")


def test_gate_suites_run_on_the_prepared_metrics_table() -> None:
    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(diplonews.gx.suite("gates_entities"))
    batch = context.data_sources.add_pandas("metrics").add_dataframe_asset("entities")
    definition = gx.ValidationDefinition(
        name="gates", data=batch.add_batch_definition_whole_dataframe("all"), suite=suite
    )
    gold = gold_predictions("entities", paths.DATASET_DIR)
    assert definition.run(batch_parameters={"dataframe": diplonews.gx.prepare("entities", gold, metrics=True)}).success
    half = diplonews.gx.prepare("entities", gold[::2], metrics=True)
    assert not definition.run(batch_parameters={"dataframe": half}).success


def test_prepare_keeps_unknown_columns_so_the_suite_reports_them() -> None:
    frame = pd.DataFrame(gold_predictions("entities", paths.DATASET_DIR)[:3]).assign(score=0.9)
    prepared = diplonews.gx.prepare("entities", frame)
    contract = list(schema.PREDICTION_TABLES["entities"].column_names)
    assert list(prepared.columns) == [*contract, "score", "_article_n_chars", "_text_at_span"]
    assert (prepared["text"] == prepared["_text_at_span"]).all()
