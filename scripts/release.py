#!/usr/bin/env python3
"""Cut a release: bump the version, rebuild, date the changelog, commit and tag.

Usage: python scripts/release.py --bump {major,minor,patch} [--root DIR] [--no-tag]

The version lives only in src/diplonews/version.py; the rebuild runs in a subprocess
with that tree's `src/` first on the path, so the card and MANIFEST.json carry the new
number. The changelog entry gets a summary of what changed in the gold since the previous
release tag (`diplonews diff vPREVIOUS <root>/dataset`). Refuses to run on a dirty work tree
(a release must be reproducible from its tag) and outside a checkout (`needs-checkout`).
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


def update_changelog(text: str, version: str, date: str, summary: str = "") -> str:
    marker = "## [Unreleased]"
    if marker not in text:
        raise SystemExit("CHANGELOG.md: error: no '## [Unreleased]' section\n    hint: add one above the last release")
    head, _, rest = text.partition(marker)
    body, separator, older = rest.partition("\n## [")
    if not body.strip():
        raise SystemExit(
            "CHANGELOG.md: error: the Unreleased section is empty\n    hint: say what changed before releasing"
        )
    released = f"{marker}\n\n## [{version}] - {date}\n{body.rstrip()}\n" + (
        f"\n{summary.rstrip()}\n" if summary else ""
    )
    return head + released + (f"\n## [{older}" if separator else "")


def previous_tag(root: Path) -> str | None:
    """The highest `vX.Y.Z` tag, or None before the first release."""
    tags = [t for t in git(root, "tag", "--list", "v*").split() if re.fullmatch(r"v\d+\.\d+\.\d+", t)]
    return max(tags, key=lambda t: tuple(int(x) for x in t[1:].split("."))) if tags else None


def gold_summary(root: Path) -> str:
    """The changelog lines for the gold changes since the previous release (`diplonews diff`)."""
    from diplonews import diff

    previous = previous_tag(root)
    if previous is None:
        return "### Gold changes\n\n- first release: no earlier `v*` tag to compare with\n"
    result = diff.diff(previous, str(root / "dataset"), root)
    result.new = "HEAD"
    return diff.changelog_summary(result)


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

    sys.path.insert(0, str(root / "src"))  # this tree's diplonews, not an installed one
    from diplonews import paths

    if not paths.is_checkout(root):
        print(
            f"{root}: error[needs-checkout]: a release works on a source checkout\n    hint: run it in a clone",
            file=sys.stderr,
        )
        return 2
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
    update_changelog(changelog.read_text("utf-8"), new, args.date)  # refuse an empty section before any write
    version_file.write_text(VERSION_LINE.sub(f'__version__ = "{new}"', source), "utf-8")

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
    for command in (["datasheet"], ["build"], ["build", "--check"]):
        subprocess.run(
            [sys.executable, "-m", "diplonews.cli", "--root", str(root), *command], cwd=root, env=env, check=True
        )
    changelog.write_text(update_changelog(changelog.read_text("utf-8"), new, args.date, gold_summary(root)), "utf-8")

    git(root, "add", "-A", "src/diplonews/version.py", "CHANGELOG.md", "dataset", "DATASHEET.md", "figures")
    git(root, "commit", "-m", f"Release v{new}")
    if not args.no_tag:
        git(root, "tag", "-a", f"v{new}", "-m", f"diplonews v{new}")
    print(f"released v{new}" + ("" if args.no_tag else f" (tag v{new}; push it with `git push origin v{new}`)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
