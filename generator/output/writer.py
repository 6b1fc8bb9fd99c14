"""Write generated files only when their content changes, and prune stale ones.

Sphinx decides what to re-read from file modification times, so rewriting an
unchanged file would make every build a full build.
"""

from __future__ import annotations

import os
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


def write_if_changed(path: Path, content: bytes) -> bool:
    """Atomically replace ``path`` with ``content`` unless it already holds it."""
    try:
        if path.read_bytes() == content:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, content)
    return True


def sync_tree(root: Path, files: dict[str, str | bytes]) -> SyncReport:
    """Make ``root`` hold exactly ``files`` (relative POSIX paths), touching only what differs."""
    report = SyncReport()
    for relative in sorted(files):
        content = files[relative]
        data = content.encode("utf-8") if isinstance(content, str) else content
        if write_if_changed(root / relative, data):
            report.written.append(relative)
        else:
            report.unchanged.append(relative)
    if root.is_dir():
        for path in sorted(root.rglob("*"), reverse=True):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative not in files:
                path.unlink()
                report.removed.append(relative)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return report
