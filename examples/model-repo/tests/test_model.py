"""Your own tests can use the gate as a fixture too, e.g. on a slice of the output."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def test_people_are_found(diplonews_gate: Callable[..., Any]) -> None:
    records = [json.loads(line) for line in (ROOT / "predictions" / "entities.jsonl").read_text("utf-8").splitlines()]
    result = diplonews_gate("entities", records)
    assert result.metrics["strict_PERSON_recall"] >= 0.9
