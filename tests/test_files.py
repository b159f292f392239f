"""Strict reading and atomic writing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import raised
from diplonews.io import files


def test_duplicate_json_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n{"a": 1, "a": 2}\n', "utf-8")
    assert raised(files.read_jsonl, path) == [("malformed-json", str(path), 2, None)]


def test_non_object_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n', "utf-8")
    assert raised(files.read_jsonl, path) == [("not-an-object", str(path), 2, None)]


def test_blank_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text("\n\n", "utf-8")
    assert raised(files.read_jsonl, path) == [("empty-file", str(path), None, None)]


def test_bad_utf8_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": "caf\xe9"}\n')
    assert raised(files.read_utf8, path) == [("not-utf8", str(path), 2, None)]


def test_utf16_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes('{"a": 1}\n'.encode("utf-16"))
    assert raised(files.read_utf8, path) == [("not-utf8", str(path), 1, None)]


@pytest.mark.parametrize("kind", ["directory", "fifo", "symlink loop", "missing"])
def test_a_path_that_is_not_a_regular_file_is_named(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x.jsonl"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink loop":
        path.symlink_to(tmp_path / "y.jsonl")
        (tmp_path / "y.jsonl").symlink_to(path)
    code = "file-not-found" if kind == "missing" else "not-a-file"
    assert raised(files.read_utf8, path) == [(code, str(path), None, None)]


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old", "utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_write_text(path, "new")
    assert path.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left behind
