"""The verdict of one check, whichever engine ran it (GX, pandera): what reports and the API expose."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diplonews.contract.errors import Problem


@dataclass
class Outcome:
    """One expectation's verdict, engine-neutral.

    `code` is the problem code a failing row gets (`diplonews.contract.errors.CODES`);
    `examples` are the first failing rows as located `Problem`s (file:line, field, value),
    filled in by the caller, which knows where each row came from.
    """

    suite: str
    check: str
    type: str
    why: str
    kwargs: dict[str, Any]
    success: bool
    observed: Any
    unexpected_count: int | None
    element_count: int | None
    unexpected_rows: list[int]  # 0-based row indices of some failing rows (for file:line)
    unexpected_values: list[Any]
    error: str | None
    code: str = "expectation-failed"
    examples: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "check": self.check,
            "type": self.type,
            "code": self.code,
            "why": self.why,
            "kwargs": self.kwargs,
            "success": self.success,
            "observed": self.observed,
            "unexpected_count": self.unexpected_count,
            "element_count": self.element_count,
            "examples": [example.to_dict() for example in self.examples],
            "error": self.error,
        }
