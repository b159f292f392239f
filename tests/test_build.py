"""The build: deterministic output, staleness detection, manifest, and refusal of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, dataset_snapshot, keys, raised
from diplonews import build, paths
from diplonews.cli import main
from diplonews.contract.errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE


def test_build_is_deterministic(project: Path) -> None:
    first = build.compile_dataset(project)
    second = build.compile_dataset(project)
    assert first.files == second.files
    build.write(project, first)
    assert dataset_snapshot(project) == {**dataset_snapshot(project), **first.files}
    assert build.write(project, build.compile_dataset(project)) == []  # nothing changed on re-run


def test_committed_dataset_is_up_to_date() -> None:
    result = build.compile_dataset(REPO)
    assert build.stale_files(REPO, result) == [], "run `diplonews build` and commit dataset/"


def test_check_names_the_stale_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entities = project / "annotations" / "gold" / "entities.jsonl"
    lines = entities.read_text("utf-8").splitlines()
    record = json.loads(lines[0])
    record["label"] = "ORG" if record["label"] != "ORG" else "PERSON"
    entities.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n", "utf-8")
    assert main(["--root", str(project), "build", "--check"]) == EXIT_FAILED
    stale = keys(build.stale_files(project, build.compile_dataset(project)))
    assert ("stale-file", str(project / "dataset" / "entities" / "test-00000-of-00001.parquet"), None, None) in stale
    assert main(["--root", str(project), "build"]) == EXIT_OK
    assert main(["--root", str(project), "build", "--check"]) == EXIT_OK


def test_check_flags_a_missing_and_a_left_over_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "dataset" / "temporal" / "test-00000-of-00001.parquet").unlink()
    (project / "dataset" / "extra").mkdir()
    (project / "dataset" / "extra" / "x.parquet").write_bytes(b"PAR1")
    assert main(["--root", str(project), "build", "--check"]) == EXIT_FAILED
    stale = {
        (code, Path(file).relative_to(project / "dataset").as_posix())
        for code, file, _, _ in keys(build.stale_files(project, build.compile_dataset(project)))
    }
    assert stale == {("missing-file", "temporal/test-00000-of-00001.parquet"), ("leftover-file", "extra/x.parquet")}


def test_manifest_lists_every_file_with_its_hash(project: Path) -> None:
    assert build.verify_manifest(project / "dataset") == []
    manifest = json.loads((project / "dataset" / paths.MANIFEST_FILE).read_text("utf-8"))
    listed = {entry["path"] for entry in manifest["files"]}
    assert {f"raw/{p.name}" for p in (REPO / "dataset" / "raw").glob("*.txt")} <= listed
    assert {
        paths.DATA_FILE_TEMPLATE.format(config=c) for c in ("articles", "entities", "temporal", "discrepancies")
    } <= listed


def test_verify_detects_a_tampered_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = project / "dataset" / "README.md"
    card.write_text(card.read_text("utf-8") + "\nedited by hand\n", "utf-8")
    (project / "dataset" / "notes.txt").write_text("x", "utf-8")
    assert main(["verify", "--dataset", str(project / "dataset")]) == EXIT_FAILED
    found = {(code, Path(file).name) for code, file, _, _ in keys(build.verify_manifest(project / "dataset"))}
    assert found == {("manifest-mismatch", "README.md"), ("leftover-file", "notes.txt")}


def test_verify_passes_on_the_committed_dataset() -> None:
    assert main(["verify", "--dataset", str(REPO / "dataset")]) == EXIT_OK


# ---- bad input: each must fail with file, line and field, and write nothing --------------


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(line)


def _entity(**overrides: object) -> str:
    record = {
        "mention_id": "test-m1",
        "article_id": "002_acfb179b67093fa8",
        "text": "Qin Gang",
        "occurrence": 1,
        "label": "PERSON",
        "entity_id": "qin_gang",
        "surface_error": False,
    }
    record.update(overrides)
    return json.dumps({k: v for k, v in record.items() if v is not ...}) + "\n"


def _lines(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines())


_QIN_GANG_START = (REPO / "dataset" / "raw" / "002_acfb179b67093fa8.txt").read_text("utf-8").index("Qin Gang")

# case -> (the appended line, the problem code, the field it names)
BAD_ENTITY_LINES = {
    "malformed_json": ('{"mention_id": "x",\n', "malformed-json", None),
    "unknown_label": (_entity(label="PER"), "unknown-label", "label"),
    "span_not_found": (_entity(text="Qin Gangster"), "span-not-found", "text"),
    "offset_out_of_range": (_entity(occurrence=..., start=99999), "span-out-of-range", "start"),
    "offset_off_by_one": (_entity(occurrence=..., start=_QIN_GANG_START + 1), "span-mismatch", "start"),
    "wrong_type": (_entity(surface_error="no"), "type-error", "surface_error"),
    "unknown_field": (_entity(confidence=0.9), "unknown-field", "confidence"),
    "missing_field": (_entity(label=...), "missing-field", "label"),
    "unknown_article": (_entity(article_id="999_0000000000000000"), "unknown-article", "article_id"),
    "unknown_entity": (_entity(entity_id="nobody"), "unknown-entity", "entity_id"),
}


@pytest.mark.parametrize("case", sorted(BAD_ENTITY_LINES))
def test_bad_entity_line_fails_with_location(project: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    entities = project / "annotations" / "gold" / "entities.jsonl"
    line, code, field = BAD_ENTITY_LINES[case]
    expected_line = _lines(entities) + 1
    _append(entities, line)
    before = dataset_snapshot(project)
    assert main(["--root", str(project), "build"]) == EXIT_UNUSABLE
    assert raised(build.compile_dataset, project) == [(code, str(entities), expected_line, field)]
    assert dataset_snapshot(project) == before


def test_duplicate_mention_id_names_both_places(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entities = project / "annotations" / "gold" / "entities.jsonl"
    first = json.loads(entities.read_text("utf-8").splitlines()[0])
    _append(entities, _entity(mention_id=first["mention_id"]))
    assert main(["--root", str(project), "build"]) == EXIT_UNUSABLE
    found = raised(build.compile_dataset, project)
    assert ("duplicate-id", str(entities), _lines(entities), "mention_id") in found  # the new line
    assert {(code, file, field) for code, file, _, field in found} == {("duplicate-id", str(entities), "mention_id")}


def test_overlapping_mentions_are_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entities = project / "annotations" / "gold" / "entities.jsonl"
    _append(entities, _entity(mention_id="t-1", text="Qin Gang"))
    _append(entities, _entity(mention_id="t-2", text="Qin", label="PERSON"))
    assert main(["--root", str(project), "build"]) == EXIT_UNUSABLE
    assert {code for code, *_ in raised(build.compile_dataset, project)} == {"span-overlap"}


def test_edited_raw_file_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = project / "dataset" / "raw" / "004_0f23289b817f5c70.txt"
    raw.write_bytes(raw.read_bytes().replace(b"Chen Gang", b"Qin Gang", 1))
    before = dataset_snapshot(project)
    assert main(["--root", str(project), "build"]) == EXIT_UNUSABLE
    found = raised(build.compile_dataset, project)
    assert found[0] == ("raw-file-changed", str(project / "annotations" / "gold" / "articles.jsonl"), 5, "sha256")
    assert {code for code, *_ in found[1:]} <= {
        "span-mismatch",
        "span-not-found",
        "span-out-of-range",
    }  # and every span the edit shifted
    assert dataset_snapshot(project) == before


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\xef\xbb\xbf", "bom"),
        (b"\r\n", "crlf"),
        (b"\xff\n", "not-utf8"),
    ],
)
def test_encoding_problems_are_refused(
    project: Path, payload: bytes, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    temporal = project / "annotations" / "gold" / "temporal.jsonl"
    data = temporal.read_bytes()
    temporal.write_bytes(payload + data if payload.startswith(b"\xef") else data.rstrip(b"\n") + payload)
    assert main(["--root", str(project), "build"]) == EXIT_UNUSABLE
    found = raised(build.compile_dataset, project)
    assert len(found) == 1 and found[0][:2] == (code, str(temporal)) and found[0][2] is not None


def test_empty_file_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "annotations" / "gold" / "discrepancies.jsonl").write_bytes(b"")
    assert main(["--root", str(project), "build"]) == EXIT_UNUSABLE
    assert raised(build.compile_dataset, project) == [
        ("empty-file", str(project / "annotations" / "gold" / "discrepancies.jsonl"), None, None)
    ]


def test_every_problem_of_a_file_is_reported_at_once(project: Path) -> None:
    entities = project / "annotations" / "gold" / "entities.jsonl"
    first_line = _lines(entities) + 1
    _append(entities, _entity(mention_id="a1", label="PER"))
    _append(entities, _entity(mention_id="a2", text="Blinken", occurrence=1, label="PERSN"))
    _append(entities, _entity(mention_id="a3", surface_error="no"))  # a type error, found while reading
    assert raised(build.compile_dataset, project) == [
        ("type-error", str(entities), first_line + 2, "surface_error"),
        ("unknown-label", str(entities), first_line, "label"),
        ("unknown-label", str(entities), first_line + 1, "label"),
    ]


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    from diplonews.io.files import read_jsonl

    path = tmp_path / "big.jsonl"
    path.write_text('{"a": 1}\n' * 1000, "utf-8")
    assert raised(read_jsonl, path, max_bytes=8192) == [("file-too-large", str(path), None, None)]


def test_discrepancy_scope_must_match_its_spans(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    discrepancies = project / "annotations" / "gold" / "discrepancies.jsonl"
    record = {
        "discrepancy_id": "zz-test",
        "type": "name_error",
        "scope": "cross_document",
        "spans": [{"article_id": "004_0f23289b817f5c70", "text": "Kane"}],
        "description": "one article only",
        "correction": "Qin Gang",
    }
    line = _lines(discrepancies) + 1
    _append(discrepancies, json.dumps(record) + "\n")
    assert main(["--root", str(project), "build"]) == EXIT_UNUSABLE
    assert raised(build.compile_dataset, project) == [("scope-mismatch", str(discrepancies), line, "scope")]
