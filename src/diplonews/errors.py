"""Errors that read like a compiler's: where (file:line, field), what, and what to do.

Every user-facing failure is a `Problem`; commands collect as many as they can before
stopping, so one run shows every mistake in a file rather than the first one only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Exit codes shared by every command.
EXIT_OK = 0
EXIT_FAILED = 1  # the input is usable but a check failed (stale build, failed expectation,
#                  a prediction with an unknown label or an offset outside the text)
EXIT_UNUSABLE = 2  # the input cannot be used: malformed files, and annotation sources that
#                  break the contract (the build cannot compile them)


@dataclass(frozen=True)
class Problem:
    where: str  # "path:line" or "path" or "table row N"
    what: str
    field: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        location = f"{self.where}: " if self.where else ""
        field = f"field '{self.field}': " if self.field else ""
        hint = f"\n    hint: {self.hint}" if self.hint else ""
        return f"{location}error: {field}{self.what}{hint}"


class DiplonewsError(Exception):
    """One or more problems that make an input unusable."""

    exit_code = EXIT_UNUSABLE

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self.render())

    def render(self, limit: int = 50) -> str:
        lines = [str(problem) for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


def where(path: Path | str, line: int | None = None) -> str:
    text = display_path(path)
    return f"{text}:{line}" if line is not None else text


def display_path(path: Path | str) -> str:
    """Relative to the working directory when possible: short, clickable in an editor."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
