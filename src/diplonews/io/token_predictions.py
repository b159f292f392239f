"""Reading token-level predictions: IOB2 tags over the `tokens` config's sentences (JSONL or CoNLL).

Every tag is checked against the tag set and its sentence's token count, with file, line and
field named, like every other prediction reader (`diplonews.io.predictions`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diplonews.contract.errors import Problem, ProblemCollector, display_path
from diplonews.io.files import read_jsonl, read_utf8

# ---- token-level predictions (the `tokens` config's tags) -------------------------------------
#
# Two formats, both over the dataset's own tokens: JSONL with one sentence per line
# (`{"article_id", "sentence_id", "tags": [...]}`, `tokens` optional and checked when given),
# or CoNLL with one `token TAG` line per token (more columns allowed: the first is the token,
# the last the tag), a blank line after each sentence, sentences in the `tokens` config's
# order, `-DOCSTART-` lines ignored.
from diplonews.io.predictions import FORMATS, MAX_PREDICTION_FILE_BYTES, no_rows

CONLL_SUFFIXES = frozenset({".conll", ".iob", ".bio", ".tsv"})
TOKEN_JSONL_KEYS = frozenset({"article_id", "sentence_id", "tags", "tokens"})


@dataclass
class TokenPredictions:
    """Predicted tags per sentence id, and the line each sentence starts on (for problems)."""

    name: str
    format: str  # "conll" or "jsonl"
    tags: dict[str, list[str]]
    lines: dict[str, int]


def is_token_level(predictions: Any) -> bool:
    """A CoNLL file, or JSONL / records whose first record has `tags` (and no `start`)."""
    if isinstance(predictions, str | Path):
        path = Path(predictions)
        if path.suffix.lower() in CONLL_SUFFIXES:
            return True
        if FORMATS.get(path.suffix.lower()) != "jsonl" or not path.is_file():
            return False
        with path.open("rb") as handle:
            first = handle.readline(1 << 20)
        try:
            record = json.loads(first)
        except ValueError:
            return False
        return isinstance(record, dict) and "tags" in record and "start" not in record
    if isinstance(predictions, list | tuple) and predictions and isinstance(predictions[0], Mapping):
        return "tags" in predictions[0] and "start" not in predictions[0]
    return False


def read_token_predictions(
    predictions: str | Path | Sequence[Mapping[str, Any]],
    sentences: Sequence[Mapping[str, Any]],
    tag_names: Sequence[str],
) -> TokenPredictions:
    """Read token-level predictions against the `tokens` config's rows; raise naming every problem."""
    if isinstance(predictions, str | Path) and Path(predictions).suffix.lower() in CONLL_SUFFIXES:
        return _read_conll(Path(predictions), sentences, tag_names)
    if isinstance(predictions, str | Path):
        path = Path(predictions)
        name = display_path(path)
        records = read_jsonl(path, max_bytes=MAX_PREDICTION_FILE_BYTES)
        where = "line"
    else:
        name, where = "<records>", "row"
        records = [(index + 1, dict(record)) for index, record in enumerate(predictions)]
    by_id = {row["sentence_id"]: row for row in sentences}
    allowed = frozenset(tag_names)
    problems = ProblemCollector()
    tags: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    for line, record in records:
        at: dict[str, Any] = {"file": name, where: line}

        def add(code: str, message: str, field: str | None, value: Any = None, hint: str | None = None) -> None:
            problems.add(Problem(code, message, field=field, value=value, hint=hint, **at))  # noqa: B023

        if not isinstance(record, dict):
            add("not-an-object", "expected an object", None)
            continue
        for key in record:
            if key not in TOKEN_JSONL_KEYS:
                add(
                    "unknown-field",
                    "not a field of token-level predictions",
                    key,
                    hint="fields: article_id, sentence_id, tags, tokens",
                )
        missing = [key for key in ("article_id", "sentence_id", "tags") if key not in record]
        for key in missing:
            add("missing-field", "required field is missing", key)
        if missing:
            continue
        sentence_id, article_id, predicted = record["sentence_id"], record["article_id"], record["tags"]
        if not isinstance(predicted, list) or not all(isinstance(tag, str) for tag in predicted):
            add("type-error", "expected a list of tag names (strings)", "tags", predicted)
            continue
        sentence = by_id.get(sentence_id) if isinstance(sentence_id, str) else None
        if sentence is None or sentence["article_id"] != article_id:
            add(
                "unknown-sentence", "no such sentence in the tokens config", "sentence_id", sentence_id,
                hint="article_id and sentence_id of a row of the `tokens` config",
            )  # fmt: skip
            continue
        if sentence_id in tags:
            add(
                "duplicate-id",
                f"sentence already predicted on {where} {lines[sentence_id]}",
                "sentence_id",
                sentence_id,
            )
            continue
        if "tokens" in record and record["tokens"] != list(sentence["tokens"]):
            add("token-mismatch", "tokens differ from the tokens config's", "tokens", record["tokens"])
            continue
        if len(predicted) != len(sentence["tokens"]):
            add(
                "token-mismatch", f"{len(predicted)} tags for {len(sentence['tokens'])} tokens", "tags", len(predicted),
                hint="one tag per token of the sentence in the `tokens` config",
            )  # fmt: skip
            continue
        unknown = sorted({tag for tag in predicted if tag not in allowed})
        if unknown:
            add("unknown-label", "not a tag of the contract", "tags", unknown, hint=f"tags: {', '.join(tag_names)}")
            continue
        tags[sentence_id], lines[sentence_id] = predicted, line
    problems.raise_if_any()
    if not tags:
        raise no_rows(name)
    return TokenPredictions(name, "jsonl", tags, lines)


def _read_conll(path: Path, sentences: Sequence[Mapping[str, Any]], tag_names: Sequence[str]) -> TokenPredictions:
    name = display_path(path)
    text = read_utf8(path, max_bytes=MAX_PREDICTION_FILE_BYTES)
    blocks: list[list[tuple[int, str, str]]] = []
    current: list[tuple[int, str, str]] = []
    problems = ProblemCollector()
    for number, line in enumerate(text.split("\n"), start=1):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            if current:
                blocks.append(current)
                current = []
            continue
        if len(fields) < 2:
            problems.add(
                Problem("bad-format", "expected a token and a tag", file=name, line=number, value=line, hint="`token TAG`, whitespace-separated")
            )  # fmt: skip
            continue
        current.append((number, fields[0], fields[-1]))
    if current:
        blocks.append(current)
    problems.raise_if_any()
    if not blocks:
        raise no_rows(name)
    allowed = frozenset(tag_names)
    tags: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    for block, sentence in zip(blocks, sentences, strict=False):
        gold_tokens = list(sentence["tokens"])
        given = [token for _, token, _ in block]
        if given != gold_tokens:
            differs = next(
                (i for i, (a, b) in enumerate(zip(given, gold_tokens, strict=False)) if a != b),
                min(len(given), len(gold_tokens)),
            )
            first_line = block[min(differs, len(block) - 1)][0]
            problems.add(
                Problem(
                    "token-mismatch",
                    f"sentence {sentence['sentence_id']}: token {differs + 1} is "
                    f"{given[differs] if differs < len(given) else 'missing'!r}, the tokens config has "
                    f"{gold_tokens[differs] if differs < len(gold_tokens) else 'no more tokens'!r}",
                    file=name, line=first_line, field="token",
                    hint="write the `tokens` config's sentences in order, one token per line, a blank line after each",
                )
            )  # fmt: skip
            continue
        for number, _, tag in block:
            if tag not in allowed:
                problems.add(
                    Problem("unknown-label", "not a tag of the contract", file=name, line=number, field="tag", value=tag, hint=f"tags: {', '.join(tag_names)}")
                )  # fmt: skip
        tags[sentence["sentence_id"]] = [tag for _, _, tag in block]
        lines[sentence["sentence_id"]] = block[0][0]
    if len(blocks) != len(sentences):
        problems.add(
            Problem(
                "token-mismatch", f"{len(blocks)} sentences, the tokens config has {len(sentences)}",
                file=name, line=blocks[min(len(blocks), len(sentences)) - 1][-1][0] if len(blocks) > len(sentences) else None,
                hint="one block per sentence of the `tokens` config, in its order",
            )
        )  # fmt: skip
    problems.raise_if_any()
    return TokenPredictions(name, "conll", tags, lines)
