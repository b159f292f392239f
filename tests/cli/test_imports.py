"""Import cost: commands that do not validate never import Great Expectations or pyspark.

Each command runs in a fresh interpreter (`diplonews.cli.main`), which then reports which
of the heavy modules are in `sys.modules` (a module hidden while a library probed for it
is `None` there, not imported).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("great_expectations", "pyspark")
PROBE = """
import json, sys
from diplonews.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if sys.modules.get(m) is not None)))
"""


def _imported(*argv: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["verify"], ["build", "--check"], ["validate", "--help"]])
def test_light_commands_import_neither_gx_nor_pyspark(argv):
    assert _imported(*argv) == []


def test_validate_against_own_articles_needs_no_gx(tmp_path):
    (tmp_path / "articles.jsonl").write_text('{"id": "a", "text": "Blinken"}\n', "utf-8")
    (tmp_path / "p.jsonl").write_text('{"article_id": "a", "start": 0, "end": 7, "label": "PERSON"}\n', "utf-8")
    argv = ["validate", "--task", "entities", "--predictions", str(tmp_path / "p.jsonl")]
    assert _imported(*argv, "--articles", str(tmp_path / "articles.jsonl"), "--report-dir", str(tmp_path / "r")) == []


VALIDATE = ["validate", "--task", "entities", "--predictions", "tests/fixtures/predictions/entities.jsonl"]


def test_validate_against_the_gold_with_default_gates_needs_no_gx(tmp_path):
    """Streamed checks and the default gates (plain range checks) run on polars."""
    assert _imported(*VALIDATE, "--report-dir", str(tmp_path / "r")) == []


def test_data_docs_and_a_suite_beyond_range_checks_import_gx_but_not_pyspark(tmp_path):
    assert _imported(*VALIDATE, "--data-docs", "--report-dir", str(tmp_path / "r")) == ["great_expectations"]
    suite = json.loads((ROOT / "expectations" / "gates_entities.json").read_text("utf-8"))
    suite["expectations"][0]["kwargs"]["mostly"] = 1.0  # GX semantics beyond the polars engine: GX runs it
    (tmp_path / "suite.json").write_text(json.dumps(suite), "utf-8")
    argv = [*VALIDATE, "--thresholds", str(tmp_path / "suite.json"), "--report-dir", str(tmp_path / "r2")]
    assert _imported(*argv) == ["great_expectations"]
