"""Strict reading and atomic writing."""

from __future__ import annotations

from pathlib import Path

import pytest

from diplonews.contract.errors import DiplonewsError
from diplonews.io import files


def test_duplicate_json_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n{"a": 1, "a": 2}\n', "utf-8")
    with pytest.raises(DiplonewsError, match=r"a.jsonl:2: error: malformed JSON: duplicate key 'a'"):
        files.read_jsonl(path)


def test_non_object_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n', "utf-8")
    with pytest.raises(DiplonewsError, match=r"a\.jsonl:2: error: expected a JSON object, found list"):
        files.read_jsonl(path)


def test_blank_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text("\n\n", "utf-8")
    with pytest.raises(DiplonewsError, match="no records"):
        files.read_jsonl(path)


def test_bad_utf8_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": "caf\xe9"}\n')
    with pytest.raises(DiplonewsError, match=r"a.jsonl:2: error: not valid UTF-8: byte 0xe9 at column 11"):
        files.read_utf8(path)


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


def test_publish_files_touches_only_changed_files(tmp_path: Path) -> None:
    assert files.publish_files(tmp_path, {"a/x.txt": b"1", "b.txt": b"2"}) == ["a/x.txt", "b.txt"]
    unchanged = (tmp_path / "a" / "x.txt").stat().st_ino
    assert files.publish_files(tmp_path, {"a/x.txt": b"1", "b.txt": b"3"}) == ["b.txt"]
    assert (tmp_path / "b.txt").read_bytes() == b"3"
    assert (tmp_path / "a" / "x.txt").stat().st_ino == unchanged  # not rewritten (a rename gives a new inode)
