"""The error model: every code documented, problems as objects, bounded output."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from diplonews import paths
from diplonews.contract.errors import CODES, MAX_PROBLEMS, DiplonewsError, Problem, ProblemCollector, codes_markdown

SRC = Path(__file__).resolve().parents[2] / "src" / "diplonews"


def test_docs_codes_is_generated_from_the_registry() -> None:
    text = (paths.repo_root() / "docs" / "codes.md").read_text("utf-8")
    assert text.endswith(codes_markdown()), "run `diplonews codes` into docs/codes.md"


def test_every_code_used_in_the_source_is_registered() -> None:
    used = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    used.add(first.value)
    assert used and used <= set(CODES), sorted(used - set(CODES))


def test_an_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        Problem("no-such-code", "x")


def test_a_problem_is_an_object_with_its_location() -> None:
    problem = Problem("span-mismatch", "text differs", file="p.jsonl", line=3, field="start", value="x" * 500, hint="h")
    record = problem.to_dict()
    assert (record["code"], record["file"], record["line"], record["field"]) == ("span-mismatch", "p.jsonl", 3, "start")
    assert len(record["value"]) < 200 and "500" in record["value"]  # long values are cut, their length said
    assert problem.key() == ("span-mismatch", "p.jsonl", 3, "start")


def test_the_collector_keeps_a_bounded_number_and_counts_all() -> None:
    collector = ProblemCollector()
    for row in range(MAX_PROBLEMS * 3):
        collector.add(Problem("type-error", "x", file="f", row=row + 1))
    with pytest.raises(DiplonewsError) as info:
        collector.raise_if_any()
    assert len(info.value.problems) == MAX_PROBLEMS and info.value.total == MAX_PROBLEMS * 3
