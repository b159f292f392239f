"""The process's one GX engine, created on first use (importing GX takes seconds)."""

from __future__ import annotations

from diplonews.engines import gx as gx_engine

_ENGINE: gx_engine.Engine | None = None


def engine() -> gx_engine.Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = gx_engine.Engine()
    return _ENGINE
