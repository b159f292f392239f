"""Publishing a folder as one set: stage it beside the target, then swap it in atomically.

A reader (a user, `verify`, `load_dataset`, a CI step reading a report) must never see
half of one build and half of another. A folder is therefore written whole into a
sibling staging folder, fsynced, and exchanged with the target in one step
(`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames, with a recovery of the
window between them at the next publish). A process killed at any point leaves the target
either entirely old or entirely new; leftover staging folders are removed by the next
publish. Concurrent writers of one target are serialised by a lock file beside it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from diplonews.contract.errors import DiplonewsError, Problem, display_path

STAGING = ".{name}.staging-"  # sibling folders being filled (or left by a killed publish)
RETIRED = ".{name}.retired-"  # the old tree after a two-rename swap, until it is removed
LOCK = ".{name}.lock"
LOCK_TIMEOUT_SECONDS = 600.0

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(path, 0o644)


def remove_leftovers(target: Path) -> None:
    """Remove what an interrupted publish left beside `target` (staging and retired folders).

    A staging folder is only a leftover when no live process holds the lock, so this runs
    under the lock. If the target itself is missing (killed between the two renames of the
    fallback swap), the retired tree is the last complete version and is put back.
    """
    parent = target.parent
    if not parent.is_dir():
        return
    retired = sorted(parent.glob(RETIRED.format(name=target.name) + "*"))
    if not target.exists() and retired:
        os.rename(retired[-1], target)
        retired = retired[:-1]
    for leftover in [*parent.glob(STAGING.format(name=target.name) + "*"), *retired]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def locked(target: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the lock of `target` (a file beside it); wait for another writer, refuse after `timeout`."""
    lock_path = target.parent / LOCK.format(name=target.name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+b")
    except OSError as error:
        raise DiplonewsError(not_writable(target.parent, error)) from None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DiplonewsError(
                        Problem(
                            "locked",
                            f"another diplonews process has been writing this folder for over {timeout:.0f} s",
                            file=display_path(target),
                        )
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()  # releases the lock


def not_writable(path: Path, error: OSError) -> Problem:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
    }
    return Problem(
        "not-writable",
        f"cannot write here: {reason.get(error.errno or 0, error.strerror or str(error))}",
        file=display_path(path),
    )


def check_writable_folder(folder: Path) -> None:
    """Refuse before any work when `folder` cannot become a writable folder (a file, read-only, no space)."""
    if folder.exists() and not folder.is_dir():
        raise DiplonewsError(
            Problem(
                "not-writable",
                "the path exists and is not a folder",
                file=display_path(folder),
                hint="choose another folder",
            )
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"x")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        raise DiplonewsError(not_writable(folder, error)) from None


def check_publishable(target: Path) -> None:
    """Refuse before any work when `target` cannot be published, and create nothing.

    `target` must be a folder or not exist, and its nearest existing ancestor a writable
    folder: the staging folder and the lock file are made beside `target`.
    """
    if target.exists() and not target.is_dir():
        raise DiplonewsError(
            Problem(
                "not-writable",
                "the path exists and is not a folder",
                file=display_path(target),
                hint="choose another folder",
            )
        )
    parent = target.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise DiplonewsError(
            Problem(
                "not-writable",
                "a file stands where a folder belongs",
                file=display_path(parent),
                hint="choose another folder",
            )
        )
    try:
        with tempfile.TemporaryFile(dir=parent) as probe:
            probe.write(b"x")
            probe.flush()
            os.fsync(probe.fileno())
        if target.is_dir():
            os.listdir(target)
    except OSError as error:
        raise DiplonewsError(not_writable(parent, error)) from None
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise DiplonewsError(not_writable(target, PermissionError(errno.EACCES, "permission denied")))


def publish_folder(target: Path, fill: Callable[[Path], None]) -> None:
    """Fill a staging folder with `fill(staging)`, then make it `target` in one step.

    The caller holds `locked(target)`. On any failure (a full disk while filling, an
    exception in `fill`) the staging folder is removed and `target` is untouched.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=STAGING.format(name=target.name)))
    try:
        fill(staging)
        os.chmod(staging, 0o755)
        for folder, _, _ in os.walk(staging):
            _fsync_dir(Path(folder))
        if not target.exists():
            os.rename(staging, target)
        elif _exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)  # now holds the old tree
        else:  # two renames; remove_leftovers() recovers a kill between them
            retired = Path(tempfile.mkdtemp(dir=parent, prefix=RETIRED.format(name=target.name)))
            os.rmdir(retired)
            os.rename(target, retired)
            os.rename(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def publish_files(target: Path, files: Mapping[str, bytes]) -> list[str]:
    """Make `target` hold exactly `files` (relative path -> bytes), as one set; the paths that changed.

    Nothing is written when every file is already as given and nothing else is there
    (what an interrupted publish left beside it is removed all the same).
    """
    remove_leftovers(target)
    current = (
        {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file() or p.is_symlink()}
        if target.is_dir()
        else set()
    )
    changed = [
        relative
        for relative, data in sorted(files.items())
        if not (target / relative).is_file() or (target / relative).read_bytes() != data
    ]
    removed = sorted(current - set(files))
    if not changed and not removed:
        return []

    def fill(staging: Path) -> None:
        for relative, data in sorted(files.items()):
            _write_file(staging / relative, data)

    publish_folder(target, fill)
    return [*changed, *removed]
