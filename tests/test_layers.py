"""Imports point one way: contract <- io <- export/engines <- workflows <- cli."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "diplonews"
LAYER = {"contract": 0, "version": 0, "paths": 0, "io": 1, "export": 2, "engines": 2}
WORKFLOW = 3  # build, validation, evaluate, agreement, datasheet, labelstudio, pytest_plugin
CLI = 4


def _layer(module: str) -> int:
    top = module.split(".")[1] if module.startswith("diplonews.") else module
    return CLI if top == "cli" else LAYER.get(top, WORKFLOW)


@pytest.mark.parametrize("path", sorted(p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")))
def test_imports_point_down(path: str) -> None:
    module = "diplonews." + path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    own = _layer(module) if module != "diplonews" else CLI
    for node in ast.walk(ast.parse((SRC / path).read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("diplonews"):
            targets = (
                [node.module] if node.module != "diplonews" else [f"diplonews.{alias.name}" for alias in node.names]
            )
            for target in targets:
                assert _layer(target) <= own, f"{module} (layer {own}) imports {target} (layer {_layer(target)})"
