"""Write generated files only when their content changes, and prune stale ones.

Sphinx decides what to re-read from file modification times, so rewriting an
unchanged file would make every build a full build.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SyncReport:
    """What a :func:`sync_tree` call changed, for logs and tests."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` in one rename, so readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def copy_atomic(source: Path, target: Path) -> None:
    """Copy ``source`` over ``target`` in one rename, flushed to disk first.

    A copy killed half-way (Ctrl-C, full disk) leaves only a hidden temporary
    file, never a truncated ``target`` that looks finished.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as writer, source.open("rb") as reader:
            shutil.copyfileobj(reader, writer, 1 << 20)
            writer.flush()
            os.fsync(writer.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, content: bytes) -> bool:
    """Atomically replace ``path`` with ``content`` unless it already holds it."""
    try:
        if path.read_bytes() == content:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, content)
    return True


MANIFEST_NAME = ".ibcm-generated"
"""Lists the files the last run wrote into a folder: only those are ever pruned (never a file the generator did
not write, even when the output folder is pointed at the wrong place)."""


def sync_tree(root: Path, files: dict[str, str | bytes]) -> SyncReport:
    """Make ``root`` hold ``files`` (relative POSIX paths), touching only what differs.

    Files the previous run wrote (its manifest) that this run does not are removed, with folders left empty by that;
    anything else in ``root`` is left alone.
    """
    report = SyncReport()
    previous = _read_manifest(root)
    for relative in sorted(files):
        content = files[relative]
        data = content.encode("utf-8") if isinstance(content, str) else content
        if write_if_changed(root / relative, data):
            report.written.append(relative)
        else:
            report.unchanged.append(relative)
    for relative in sorted(previous - set(files), reverse=True):
        path = root / relative
        if path.is_file():
            path.unlink()
            report.removed.append(relative)
        remove_empty_parents(path, root)
    write_if_changed(root / MANIFEST_NAME, "".join(f"{name}\n" for name in sorted(files)).encode("utf-8"))
    return report


def remove_empty_parents(path: Path, root: Path) -> None:
    """Remove the folders above ``path`` that are empty now, up to (not including) ``root``."""
    for folder in path.parents:
        if folder == root or not folder.is_dir() or any(folder.iterdir()):
            break
        folder.rmdir()


def _read_manifest(root: Path) -> set[str]:
    try:
        lines = (root / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    # Only plain relative paths: a manifest edited by hand cannot point outside the folder.
    return {line for line in lines if line and not line.startswith("/") and ".." not in line.split("/")}
