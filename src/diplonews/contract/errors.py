"""One error model for every command and engine: a `Problem` with a stable code.

A problem says where (file, line or row, field), what (a kebab-case `code` from `CODES`,
the value found, a message) and what to do (a hint). Readers, the pandera and GX engines,
the build, `verify` and the Label Studio pull all produce `Problem`s directly; the CLI
prints them like a compiler, the JSON report stores them as objects, and tests assert on
`(code, file, line, field)`, never on the English text (frictionless' habit).

The exit codes of every command are defined here too, and so is the one limit on how
many problems are kept and printed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# ---- exit codes (every command, the pytest plugin and the Python API's `exit_code`) ----
EXIT_OK = 0  # every check passed
EXIT_FAILED = 1  # the input was usable and a check failed: an expectation, a gate, a stale file
EXIT_UNUSABLE = 2  # the input cannot be used: a clear error names file, line, field and code
EXIT_INTERNAL = 3  # a bug in diplonews: one line says so and where the traceback was saved
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT): stopped, nothing half-written

MAX_PROBLEMS = 200  # problems kept in a result or report; the total count is always kept
MAX_VALUE_CHARS = 120  # a value longer than this is shown truncated, with its length


@dataclass(frozen=True)
class Code:
    """What a problem code means and what the user should do about it."""

    meaning: str
    action: str


# Every code a problem may carry. docs/codes.md is generated from this table
# (`diplonews codes --markdown`); a test fails when a code is used but not listed here.
CODES: dict[str, Code] = {
    # files and formats
    "file-not-found": Code(
        "the path does not exist", "check the path (relative paths start from the working directory)"
    ),
    "not-a-file": Code(
        "the path is a directory, a FIFO, a device or a symlink loop, not a regular file", "pass a regular file"
    ),
    "unreadable-file": Code(
        "the file exists but cannot be read (permissions, I/O error)", "check the file's permissions"
    ),
    "file-too-large": Code("the file is over the size limit", "split the file"),
    "empty-file": Code(
        "the file has no bytes, or only blank lines",
        "an empty output is almost always a failed export: check the producer",
    ),
    "bom": Code("the file starts with a UTF-8 byte-order mark", "save the file as UTF-8 without BOM"),
    "not-utf8": Code("the file is not valid UTF-8 (UTF-16 and Latin-1 are refused)", "re-encode the file as UTF-8"),
    "crlf": Code("a line ends with CR (Windows or old Mac line ends)", "convert line ends to LF"),
    "malformed-json": Code("a line is not valid JSON (or repeats a key)", "each JSONL line must be one JSON object"),
    "not-an-object": Code("a JSON value is not the object (or list) expected there", "write one JSON object per line"),
    "unknown-format": Code("the file's extension is not a supported format", "use .jsonl, .csv or .parquet"),
    "unreadable-csv": Code(
        "the CSV file cannot be parsed (delimiter, quoting, header)", "write a comma-separated file with a header line"
    ),
    "unreadable-parquet": Code("the Parquet file cannot be read", "rewrite the file with pyarrow, polars or pandas"),
    "no-rows": Code("the input has no rows", "an empty output is almost always a failed export"),
    # fields and values
    "missing-field": Code(
        "a required field (column) is absent", "add the field; write null where it has no value and null is allowed"
    ),
    "unknown-field": Code("a field (column) the contract does not have", "remove it, or check its spelling"),
    "type-error": Code(
        "a value (or column) has the wrong type",
        "write the type the contract gives (diplonews gates / README: formats)",
    ),
    "null-value": Code("a null where the contract allows none", "every row needs a value here"),
    "out-of-range": Code(
        "a number outside the range the contract allows",
        "offsets are non-negative code points; thresholds lie in [0, 1]",
    ),
    "bad-format": Code(
        "a string does not match the pattern the contract gives", "see the column's pattern in the contract"
    ),
    "empty-value": Code("an empty or whitespace-only string", "write the value, or null where allowed"),
    "unknown-label": Code("a label outside the contract's label set", "use one of the labels listed in the hint"),
    "duplicate-id": Code("an id (or key) used twice", "ids are unique within their table"),
    "duplicate-row": Code("two rows say the same thing (same span and label)", "remove the duplicate"),
    "unknown-article": Code(
        "an article id that the dataset (or --articles) does not have", "use an id of the articles table"
    ),
    "unknown-entity": Code("an entity_id that is not in the entity catalog", "add the entity to entity_catalog.jsonl"),
    "missing-article": Code("an article with no row where one is required", "add one row per article"),
    # spans and rules
    "span-out-of-range": Code(
        "the span is empty, reversed or outside its article", "0 <= start < end <= len(text), in code points"
    ),
    "span-mismatch": Code(
        "text != article[start:end]",
        "offsets are Python code points into the raw text, end exclusive; the hint says where the text occurs",
    ),
    "span-not-found": Code(
        "the span's text does not occur in its article", "copy the text exactly from the raw article"
    ),
    "span-ambiguous": Code(
        "the span's text occurs several times and nothing says which", 'add "occurrence": N (1-based) or "start"'
    ),
    "span-overlap": Code(
        "two spans of one article in one layer overlap", "layers hold non-overlapping spans: keep the longer or split"
    ),
    "anchor-unresolved": Code(
        "a timex anchor is neither 'dct', null, nor another timex of the article",
        "anchor to 'dct' or to an existing timex_id",
    ),
    "timex-grammar": Code(
        "a TIMEX3 value that does not follow the grammar of its type", "see GUIDELINES.md section 2.4"
    ),
    "scope-mismatch": Code(
        "intra_document spans in several articles, or cross_document spans in one", "fix the scope or the spans"
    ),
    "token-mismatch": Code(
        "a token is not the article's text at its offset, or a sentence's tokens, offsets and tags differ in number",
        "tokens come from the `tokens` config: copy tokens and sentence ids from it, one tag per token",
    ),
    "iob-invalid": Code("an I-X tag that continues no chunk of X (strict IOB2)", "start each chunk with B-X"),
    "unknown-sentence": Code(
        "a sentence_id that the dataset's `tokens` config does not have", "use the sentence ids of the `tokens` config"
    ),
    "raw-file-changed": Code(
        "a raw article's bytes differ from the sha256 the annotations pin",
        "restore the raw file; raw files are byte-exact copies",
    ),
    "missing-pin": Code("an article line has no sha256 pin of its raw file", "add the sha256 the hint gives"),
    "expectation-failed": Code("a GX expectation or pandera check failed on usable data", "see the failing examples"),
    "gate-failed": Code(
        "a quality-gate metric is below (or above) its threshold",
        "improve the model, or change the threshold deliberately",
    ),
    "regression": Code(
        "a metric dropped by more than the tolerance against the baseline report",
        "find what changed between the two runs",
    ),
    # dataset folders, builds and manifests
    "stale-file": Code(
        "a generated file differs from what its generator writes now",
        "run the generator named in the message and commit the result",
    ),
    "leftover-file": Code("a file that the build does not produce", "delete it or rebuild"),
    "missing-file": Code("a file the dataset or a generator needs is absent", "run `diplonews build`"),
    "manifest-mismatch": Code(
        "a file's sha256 differs from MANIFEST.json", "rebuild with `diplonews build`, or restore the file"
    ),
    "manifest-invalid": Code("MANIFEST.json is unreadable or malformed", "rebuild with `diplonews build`"),
    "version-mismatch": Code("the dataset was built by another diplonews version", "rebuild with this version"),
    # thresholds, suites, options
    "unknown-threshold": Code(
        "a threshold name that is no min_/max_ of a known metric", "run `diplonews gates --task T` for the names"
    ),
    "bad-threshold": Code(
        "a threshold that is not a finite number in range", "write a number; F1, recall and shares lie in [0, 1]"
    ),
    "bad-suite": Code(
        "a GX suite that cannot be used (unknown expectation type, undefined $PARAMETER, no expectations)",
        "start from a copy of the shipped suite",
    ),
    "bad-baseline": Code(
        "a --baseline file that is not a validation report of this task with metrics",
        "pass the JSON report an earlier `diplonews validate --task T` wrote (reports/predictions_T.json)",
    ),
    "usage": Code("options that do not go together, or a missing option", "see `diplonews <command> --help`"),
    "missing-dependency": Code("an optional package is not installed", "install the extra the message names"),
    "not-writable": Code(
        "an output path cannot be written (read-only, a file where a folder belongs, disk full)",
        "choose another --report-dir / --out, or free space",
    ),
    "locked": Code("another diplonews process is writing the same folder", "wait for it, or use another folder"),
    "unknown-revision": Code(
        "an argument is neither an existing folder nor a git revision of the checkout",
        "pass a dataset folder, or a tag, branch or commit (`git log --oneline`)",
    ),
    "needs-checkout": Code(
        "the command works on a source checkout, not on an installed package", "run it from a clone of the repository"
    ),
    # Label Studio
    "server-error": Code(
        "the Label Studio server refused or failed a request", "check the URL, the token and the server log"
    ),
    "unknown-project": Code(
        "no Label Studio project, or more than one, has the given title", "push first, or choose one with --project-id"
    ),
    "unknown-region": Code(
        "a relation or a region's field names a region id that no labeled region of the annotation has",
        "delete the relation or field, or restore the region it belongs to",
    ),
    "bad-relation": Code(
        "a relation its label does not allow (anchor: two timexes, one direction, one anchor; "
        "same_discrepancy: two discrepancy spans)",
        "fix or delete the relation in Label Studio",
    ),
    "inconsistent-value": Code(
        "places that must agree differ (spans of one discrepancy, mentions of one entity, the catalog of two tasks)",
        "make them equal, or leave all but one empty",
    ),
    "annotator-clash": Code("two annotators map to the same folder name", "rename one annotator"),
    # agreement, datasheet, internal
    "no-overlap": Code("the annotation sets share no article", "annotate at least one common article"),
    "internal-error": Code("a bug in diplonews", "report it with the saved traceback"),
}


def shorten(value: Any, limit: int = MAX_VALUE_CHARS) -> Any:
    """A value fit for a message or a report: long strings cut, with their length said."""
    if isinstance(value, str):
        return value if len(value) <= limit else f"{value[:limit]}… ({len(value):,} characters)"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no inf or nan
    if isinstance(value, bool | float) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else shorten(str(value), limit)
    if isinstance(value, bytes | bytearray):
        return shorten(repr(bytes(value[: limit + 1])), limit)
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(value)
    else:
        if len(text) <= limit:
            return json.loads(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what (a stable code), the value found, what to do.

    `line` is a 1-based line of a text file (JSONL, CSV); `row` a 1-based row where lines
    mean nothing (Parquet, in-memory frames, dataset tables). `where` adds free context
    after the location (e.g. "spans[1]", "task 3, annotation 2, region 'm7'").
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    row: int | None = None
    field: str | None = None
    value: Any = None
    hint: str | None = None
    where: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a programming error: every code is documented
            raise ValueError(f"unknown problem code {self.code!r}")
        object.__setattr__(self, "value", shorten(self.value))
        object.__setattr__(self, "message", _one_line(self.message))

    @property
    def location(self) -> str:
        """'file:line', 'file row N', 'file' or '' — what an editor can jump to."""
        text = self.file or ""
        if self.line is not None:
            text = f"{text}:{self.line}"
        elif self.row is not None:
            text = f"{text} row {self.row}" if text else f"row {self.row}"
        if self.where:
            text = f"{text} ({self.where})" if text else self.where
        return text

    def __str__(self) -> str:
        location = f"{self.location}: " if self.location else ""
        field = f"field '{self.field}': " if self.field else ""
        hint = f"\n    hint: {self.hint}" if self.hint else ""
        return f"{location}error[{self.code}]: {field}{self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "hint": self.hint,
            "where": self.where,
        }

    def key(self) -> tuple[str, str | None, int | None, str | None]:
        """(code, file, line or row, field): what tests compare."""
        return (self.code, self.file, self.line if self.line is not None else self.row, self.field)


def _one_line(text: str) -> str:
    text = " ".join(str(text).split("\n"))
    return text if len(text) <= 4 * MAX_VALUE_CHARS else f"{text[: 4 * MAX_VALUE_CHARS]}… ({len(text):,} characters)"


class DiplonewsError(Exception):
    """One or more problems that make an input unusable (exit 2)."""

    exit_code = EXIT_UNUSABLE

    def __init__(self, problems: Problem | Iterable[Problem], *, total: int | None = None) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.total = max(total or 0, len(self.problems))
        super().__init__(self.render())

    def render(self, limit: int = MAX_PROBLEMS) -> str:
        return render_problems(self.problems, limit=limit, total=self.total)


def render_problems(problems: list[Problem], *, limit: int = MAX_PROBLEMS, total: int | None = None) -> str:
    """The problems as a compiler prints them, at most `limit`, then how many more there were."""
    total = max(total or 0, len(problems))
    lines = [str(problem) for problem in problems[:limit]]
    if total > min(limit, len(problems)):
        lines.append(
            f"... and {total - min(limit, len(problems)):,} more problems (the first {min(limit, len(problems))} are shown)"
        )
    return "\n".join(lines)


class ProblemCollector:
    """Collects problems up to `MAX_PROBLEMS`, counting every one, so huge bad files stay cheap."""

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit = limit
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if len(self.problems) < self.limit:
            self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    @property
    def full(self) -> bool:
        return len(self.problems) >= self.limit

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise DiplonewsError(self.problems, total=self.total)


def display_path(path: Path | str) -> str:
    """Relative to the working directory when possible: short, clickable in an editor."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def codes_markdown() -> str:
    """The table of every problem code (docs/codes.md), generated from `CODES`."""
    lines = ["| code | meaning | what to do |", "|---|---|---|"]
    lines += [f"| `{name}` | {code.meaning} | {code.action} |" for name, code in CODES.items()]
    return "\n".join(lines) + "\n"
