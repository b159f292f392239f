"""Token-level entity predictions (JSONL tags or CoNLL): read, turned into spans, scored like seqeval."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from conftest import raised
from diplonews import paths
from diplonews import validation as validate
from diplonews.cli import main as cli_main
from diplonews.contract import labels
from diplonews.contract.errors import EXIT_OK, EXIT_UNUSABLE
from diplonews.io import token_predictions
from diplonews.io.dataset import read_dataset
from diplonews.validation import tokens as token_validation

DATASET = Path(paths.DATASET_DIR)
SENTENCES = token_validation.read_sentences(DATASET)


def _jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def _gold_records() -> list[dict[str, Any]]:
    return [
        {"article_id": r["article_id"], "sentence_id": r["sentence_id"], "tags": list(r["ner_tags"])} for r in SENTENCES
    ]


def _conll(path: Path, tag_rows: list[list[str]]) -> Path:
    blocks = [
        "\n".join(f"{token}\t{tag}" for token, tag in zip(r["tokens"], tags, strict=True))
        for r, tags in zip(SENTENCES, tag_rows, strict=True)
    ]
    path.write_text("-DOCSTART- O\n\n" + "\n\n".join(blocks) + "\n", "utf-8")
    return path


def _noisy(seed: int = 7) -> list[list[str]]:
    """The gold tags with random damage: wrong types, dropped B-, stray I-, missed chunks."""
    rng = random.Random(seed)
    out = []
    for row in SENTENCES:
        tags = list(row["ner_tags"])
        for i in range(len(tags)):
            roll = rng.random()
            if roll < 0.05:
                tags[i] = rng.choice(labels.NER_TAGS)
            elif roll < 0.08 and tags[i].startswith("B-"):
                tags[i] = "I-" + tags[i][2:]
        out.append(tags)
    return out


@pytest.mark.parametrize("form", ["jsonl", "conll", "records"])
def test_gold_tags_score_perfectly_as_spans_and_as_tokens(tmp_path: Path, form: str) -> None:
    if form == "jsonl":
        source: Any = _jsonl(tmp_path / "tags.jsonl", _gold_records())
    elif form == "conll":
        source = _conll(tmp_path / "tags.conll", [list(r["ner_tags"]) for r in SENTENCES])
    else:
        source = _gold_records()
    assert token_predictions.is_token_level(source)
    result = validate.validate_predictions("entities", source)
    assert result.exit_code == EXIT_OK, result.problems
    assert result.metrics["strict_micro_f1"] == 1.0 and result.metrics["n_predicted"] == result.metrics["n_gold"]
    token_level = result.metrics_detail["token_level"]
    assert token_level["default"]["micro avg"]["f1"] == 1.0 and token_level["strict"]["accuracy"] == 1.0
    assert token_level["format"] == ("conll" if form == "conll" else "jsonl")


def test_scores_conform_to_seqeval(tmp_path: Path) -> None:
    seqeval = pytest.importorskip("seqeval.metrics")
    from seqeval.scheme import IOB2

    y_true = [list(r["ner_tags"]) for r in SENTENCES]
    y_pred = _noisy()
    expected = {
        "default": seqeval.classification_report(y_true, y_pred, output_dict=True, zero_division=0),
        "strict": seqeval.classification_report(
            y_true, y_pred, output_dict=True, zero_division=0, mode="strict", scheme=IOB2
        ),
    }
    result = validate.validate_predictions("entities", _conll(tmp_path / "noisy.conll", y_pred))
    assert result.exit_code in (0, 1), result.problems
    ours = result.metrics_detail["token_level"]
    for mode, report in expected.items():
        for average in ("micro avg", "macro avg", "weighted avg"):
            for measure in ("precision", "recall", "f1-score"):
                assert ours[mode][average][measure.removesuffix("-score")] == pytest.approx(report[average][measure]), (
                    mode,
                    average,
                    measure,
                )
        for label in {k for k in report if not k.endswith("avg")}:
            assert ours[mode]["per_type"][label]["support"] == report[label]["support"]
            assert ours[mode]["per_type"][label]["f1"] == pytest.approx(report[label]["f1-score"]), (mode, label)
    assert ours["default"]["accuracy"] == pytest.approx(seqeval.accuracy_score(y_true, y_pred))
    assert ours["default"]["micro avg"]["f1"] == pytest.approx(seqeval.f1_score(y_true, y_pred))


def test_spans_from_tags_equal_the_chunks(tmp_path: Path) -> None:
    y_pred = _noisy(3)
    records = [
        {"article_id": r["article_id"], "sentence_id": r["sentence_id"], "tags": t}
        for r, t in zip(SENTENCES, y_pred, strict=True)
    ]
    tags = token_predictions.read_token_predictions(records, SENTENCES, labels.NER_TAGS)
    texts = {row["id"]: row["text"] for row in read_dataset(DATASET)["articles"].to_pylist()}
    spans = token_validation.span_predictions(tags, SENTENCES, texts)
    n_chunks = sum(len(token_validation.tokenizer.chunks(t)) for t in y_pred)
    assert spans.n_rows == n_chunks
    for row in spans.frame.iter_rows(named=True):
        assert texts[row["article_id"]][row["start"] : row["end"]] == row["text"] and row["text"]


def test_unusable_token_predictions_name_line_and_field(tmp_path: Path) -> None:
    records = _gold_records()[:4]
    records[0] = {**records[0], "tags": records[0]["tags"][:-1]}
    records[1] = {**records[1], "sentence_id": "999-s001"}
    records[2] = {**records[2], "tags": ["B-PERSON", "B-NOPE", *records[2]["tags"][2:]]}
    records[3] = {**records[3], "extra": 1}
    path = _jsonl(tmp_path / "bad.jsonl", records)
    found = raised(token_predictions.read_token_predictions, path, SENTENCES, labels.NER_TAGS)
    file = str(path) if not str(path).startswith(str(Path.cwd())) else str(path.relative_to(Path.cwd()))
    assert [(code, line, field) for code, _, line, field in found] == [
        ("token-mismatch", 1, "tags"),
        ("unknown-sentence", 2, "sentence_id"),
        ("unknown-label", 3, "tags"),
        ("unknown-field", 4, "extra"),
    ]
    assert {f for _, f, _, _ in found} == {file}


def test_conll_with_a_wrong_token_is_unusable(tmp_path: Path) -> None:
    path = _conll(tmp_path / "bad.conll", [list(r["ner_tags"]) for r in SENTENCES])
    lines = path.read_text("utf-8").split("\n")
    lines[3] = "WRONG\tO"  # line 4: the second token of the first sentence
    path.write_text("\n".join(lines), "utf-8")
    result = validate.validate_predictions("entities", path)
    assert result.exit_code == EXIT_UNUSABLE
    assert [(p.code, p.line, p.field) for p in result.problems] == [("token-mismatch", 4, "token")]


def test_cli_accepts_token_level_predictions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _jsonl(tmp_path / "tags.jsonl", _gold_records())
    code = cli_main(["validate", "--task", "entities", "--predictions", str(path), "--report-dir", str(tmp_path / "r")])
    assert code == EXIT_OK, capsys.readouterr().err
    report = json.loads((tmp_path / "r" / "predictions_entities" / "result.json").read_text("utf-8"))
    assert "token_level" in json.dumps(report)
