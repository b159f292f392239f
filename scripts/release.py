#!/usr/bin/env python3
"""Cut a release: bump the version, rebuild, date the changelog, commit and tag.

Usage: python scripts/release.py --bump {major,minor,patch} [--root DIR] [--no-tag]

The version lives only in src/diplonews/version.py; the rebuild runs in a subprocess
with that tree's `src/` first on the path, so the card and MANIFEST.json carry the new
number. Refuses to run on a dirty work tree: a release must be reproducible from its tag.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

VERSION_LINE = re.compile(r'^__version__ = "(\d+)\.(\d+)\.(\d+)"$', re.MULTILINE)


def bump(version: tuple[int, int, int], part: str) -> tuple[int, int, int]:
    major, minor, patch = version
    if part == "major":
        return major + 1, 0, 0
    if part == "minor":
        return major, minor + 1, 0
    return major, minor, patch + 1


def update_changelog(text: str, version: str, date: str) -> str:
    marker = "## [Unreleased]"
    if marker not in text:
        raise SystemExit("CHANGELOG.md: error: no '## [Unreleased]' section\n    hint: add one above the last release")
    head, _, rest = text.partition(marker)
    body, separator, older = rest.partition("\n## [")
    if not body.strip():
        raise SystemExit(
            "CHANGELOG.md: error: the Unreleased section is empty\n    hint: say what changed before releasing"
        )
    released = f"{marker}\n\n## [{version}] - {date}\n{body.rstrip()}\n"
    return head + released + (f"\n## [{older}" if separator else "")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bump", choices=("major", "minor", "patch"), required=True)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--no-tag", action="store_true", help="commit but do not tag")
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="release date for the changelog")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    if git(root, "status", "--porcelain").strip():
        print("error: the work tree has uncommitted changes\n    hint: commit or stash them first", file=sys.stderr)
        return 2
    version_file = root / "src" / "diplonews" / "version.py"
    source = version_file.read_text("utf-8")
    found = VERSION_LINE.search(source)
    if not found:
        print(f"{version_file}: error: no __version__ line", file=sys.stderr)
        return 2
    new = ".".join(map(str, bump(tuple(int(g) for g in found.groups()), args.bump)))  # type: ignore[arg-type]
    if f"v{new}" in git(root, "tag", "--list").split():
        print(f"error: tag v{new} exists already", file=sys.stderr)
        return 2

    changelog = root / "CHANGELOG.md"
    new_changelog = update_changelog(changelog.read_text("utf-8"), new, args.date)
    version_file.write_text(VERSION_LINE.sub(f'__version__ = "{new}"', source), "utf-8")
    changelog.write_text(new_changelog, "utf-8")

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
    for command in (["build"], ["build", "--check"], ["datasheet"]):
        subprocess.run(
            [sys.executable, "-m", "diplonews.cli", "--root", str(root), *command], cwd=root, env=env, check=True
        )

    git(root, "add", "-A", "src/diplonews/version.py", "CHANGELOG.md", "dataset", "DATASHEET.md", "figures")
    git(root, "commit", "-m", f"Release v{new}")
    if not args.no_tag:
        git(root, "tag", "-a", f"v{new}", "-m", f"diplonews v{new}")
    print(f"released v{new}" + ("" if args.no_tag else f" (tag v{new}; push it with `git push origin v{new}`)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
