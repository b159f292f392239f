"""Property-based fuzzing of every reader and entry point (hypothesis).

The property, whatever the input: the outcome is one of the exit-code contract's (0, 1, 2 —
never 3, an internal error, and never a Python exception escaping the API), nothing is
written outside the report folder, and the dataset is never changed. CI runs a bounded
number of examples (`DIPLONEWS_FUZZ_EXAMPLES`, default 25 per test); `scripts/fuzz.py`
runs many more on demand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, dataset_snapshot
from diplonews import validation
from diplonews.cli import main
from diplonews.contract import schema
from diplonews.contract.errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, DiplonewsError
from diplonews.io import files, predictions
from diplonews.validation.thresholds import gate_document

EXAMPLES = int(os.environ.get("DIPLONEWS_FUZZ_EXAMPLES", "25"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("DIPLONEWS_FUZZ_RANDOM") is None,
)
CONTRACT = {EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE}
ARTICLES = ["000_f1c10de2f90bfacb", "001_d1b466f5c4b1efac", "999_0000000000000000"]
COLUMNS = ["article_id", "start", "end", "label", "text", "type", "value", "Label", "start ", "x"]

texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30) | st.sampled_from(
    [
        "\ud800",
        "\x00",
        "\u202e",
        "𝐁linken",
        "<script>alert(1)</script>",
        "PERSON",
        "GPE",
        "DATE",
        "2024-04-26",
        "PT7.5H",
    ]
)
numbers = (
    st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0, 1, 5, 2**63 - 1, 2**63, -1])
)
scalars = st.none() | st.booleans() | numbers | texts | st.sampled_from(ARTICLES)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3), max_leaves=6
)
records = st.dictionaries(st.sampled_from(COLUMNS) | texts, json_values, max_size=7)
offsets = st.integers(-3, 3000) | numbers
near_valid = st.fixed_dictionaries(
    {"article_id": st.sampled_from(ARTICLES), "start": offsets, "end": offsets},
    optional={
        "label": st.sampled_from(["GPE", "PERSON", "ORG", "PERSN", ""]) | texts,
        "text": texts | st.none(),
        "type": st.sampled_from(["DATE", "boilerplate", "X"]),
        "value": texts | st.none(),
    },
)


def _line(record: Any) -> str:
    try:
        return json.dumps(record, allow_nan=True)
    except (TypeError, ValueError):
        return "{"


@SETTINGS
@given(
    data=st.binary(max_size=400),
    suffix=st.sampled_from([".jsonl", ".csv", ".parquet"]),
    task=st.sampled_from(schema.TASKS),
)
def test_random_bytes_never_crash_a_reader(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str, task: str
) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"p{suffix}"
    path.write_bytes(data)
    try:
        predictions.read_predictions(path, schema.PREDICTION_TABLES[task])
    except DiplonewsError as error:
        assert error.problems and all(problem.code for problem in error.problems)


@SETTINGS
@given(lines=st.lists(near_valid | records | json_values, min_size=0, max_size=6), task=st.sampled_from(schema.TASKS))
def test_random_json_lines_get_a_verdict(tmp_path_factory: pytest.TempPathFactory, lines: list[Any], task: str) -> None:
    folder = tmp_path_factory.mktemp("jsonl")
    path = folder / "p.jsonl"
    path.write_text("".join(_line(line) + "\n" for line in lines), "utf-8", errors="surrogatepass")
    before = dataset_snapshot(REPO)
    result = validation.validate_predictions(task, path, report_dir=folder / "reports")
    assert result.exit_code in CONTRACT
    assert sorted(p.name for p in folder.iterdir()) == ["p.jsonl", "reports"]  # nothing written elsewhere
    assert (
        json.loads((folder / "reports" / f"predictions_{task}" / "result.json").read_text("utf-8"))["exit_code"]
        == result.exit_code
    )
    assert dataset_snapshot(REPO) == before


@SETTINGS
@given(rows=st.lists(near_valid | records, max_size=5), task=st.sampled_from(schema.TASKS))
def test_random_records_through_the_api_never_raise(rows: list[dict[str, Any]], task: str) -> None:
    assert validation.validate_predictions(task, rows).exit_code in CONTRACT


@SETTINGS
@given(
    columns=st.dictionaries(
        st.sampled_from(COLUMNS),
        st.sampled_from(
            [
                pa.int64(),
                pa.uint64(),
                pa.int8(),
                pa.float64(),
                pa.string(),
                pa.bool_(),
                pa.null(),
                pa.list_(pa.int32()),
                pa.large_string(),
                pa.binary(),
            ]
        ),
        max_size=6,
    ),
    n_rows=st.integers(0, 3),
)
def test_random_parquet_schemas_get_a_verdict(
    tmp_path_factory: pytest.TempPathFactory, columns: dict[str, pa.DataType], n_rows: int
) -> None:
    samples = {
        "int": 2**63 - 1,
        "uint": 2**64 - 1,
        "float": float("nan"),
        "string": "GPE",
        "bool": True,
        "binary": b"\xff",
        "list": [1],
    }
    arrays = {}
    for name, kind in columns.items():
        key = next(
            (k for k in ("list", "large_string", "uint", "int", "float", "string", "bool", "binary") if k in str(kind)),
            None,
        )
        value = None if kind == pa.null() or key is None else samples["string" if key == "large_string" else key]
        if key in ("int", "uint") and kind not in (pa.int64(), pa.uint64()):
            value = 1
        arrays[name] = pa.array([value] * n_rows, type=kind)
    path = tmp_path_factory.mktemp("parquet") / "p.parquet"
    pq.write_table(pa.table(arrays) if arrays else pa.table({"x": pa.array([], pa.int8())}), path)
    assert validation.validate_predictions("entities", path).exit_code in CONTRACT


@SETTINGS
@given(thresholds=json_values)
def test_random_thresholds_are_accepted_or_refused_cleanly(thresholds: Any) -> None:
    try:
        gate_document("entities", thresholds)
    except DiplonewsError as error:
        allowed = {"bad-threshold", "unknown-threshold"}
        if isinstance(thresholds, str):  # a string is a path to a thresholds file
            allowed |= {
                "file-not-found",
                "not-a-file",
                "unreadable-file",
                "empty-file",
                "not-utf8",
                "bom",
                "crlf",
                "malformed-json",
                "bad-suite",
            }
        assert {problem.code for problem in error.problems} <= allowed


@SETTINGS
@given(data=st.binary(max_size=300) | json_values.map(lambda v: _line(v).encode("utf-8", "surrogatepass")))
def test_random_manifests_never_crash_verify(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("manifest")
    (folder / "MANIFEST.json").write_bytes(data)
    assert main(["verify", "--dataset", str(folder)]) in {EXIT_FAILED, EXIT_UNUSABLE}


@settings(SETTINGS, max_examples=max(3, EXAMPLES // 5))
@given(
    line=st.binary(max_size=200) | records.map(lambda r: _line(r).encode("utf-8", "surrogatepass")),
    layer=st.sampled_from(["entities", "temporal", "discrepancies", "articles"]),
)
def test_random_gold_lines_never_crash_the_build(project_factory: Any, line: bytes, layer: str) -> None:
    root = project_factory()
    path = root / "annotations" / "gold" / f"{layer}.jsonl"
    path.write_bytes(path.read_bytes() + line + b"\n")
    before = dataset_snapshot(root)
    code = main(["--root", str(root), "build"])
    assert code in {EXIT_OK, EXIT_UNUSABLE}
    if code == EXIT_UNUSABLE:
        assert dataset_snapshot(root) == before
    assert main(["--root", str(root), "verify"]) == EXIT_OK


@SETTINGS
@given(data=st.binary(max_size=200))
def test_random_bytes_as_a_text_file(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("text") / "a.jsonl"
    path.write_bytes(data)
    try:
        files.read_jsonl(path)
    except DiplonewsError as error:
        assert error.problems


@pytest.fixture
def project_factory(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import shutil

    def make() -> Path:
        root = tmp_path_factory.mktemp("project")
        shutil.copytree(REPO / "annotations" / "gold", root / "annotations" / "gold")
        shutil.copytree(REPO / "dataset", root / "dataset", ignore=shutil.ignore_patterns(".*"))
        return root

    return make
