"""Assemble the parts of a split build into the one HTML tree that is served and published.

The hub gives everything but the runbooks (landing page, tool documentation,
``_static/``, ``search.html``, the schema); each group gives its sites'
pages and the images and downloads they use.  The search index is merged
from all of them (:mod:`generator.build.search_index`), so a search on any
page finds a server or an FQDN in every site.

Files are copied only when they differ from what the tree holds (size and
modification time; a copy keeps the part's time), each atomically; files the
previous assembly wrote that no part gives any more are removed.  Nothing else
in the folder is touched.  The caller stamps the tree ``running`` before and
``ok`` (with every file's hash) after, so a killed assembly is never published.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# TEMP-LAZY
from generator.errors import BuildError
from generator.output.stamp import STAMP_NAME
from generator.output.writer import copy_atomic, write_if_changed

SEARCH_INDEX = "searchindex.js"
MANIFEST_NAME = ".ibcm-assembled"
GROUP_FOLDERS = ("_generated/", "_images/", "_downloads/")
"""What a group contributes: its runbook pages and their images and downloads (its root page, search page and
static files are the hub's business)."""


@dataclass
class AssemblyReport:
    copied: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def _files(root: Path) -> Iterator[str]:
    """Relative POSIX paths of the regular files under ``root``, hidden ones (bookkeeping) left out."""
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(folder)
        for name in sorted(filenames):
            path = here / name
            if not name.startswith(".") and not path.is_symlink() and path.is_file():
                yield path.relative_to(root).as_posix()


def tree_sources(hub: Path, groups: Sequence[Path]) -> dict[str, Path]:
    """Relative path -> the part file it comes from; a path two parts give with different content is an error."""
    sources = {relative: hub / relative for relative in _files(hub) if relative != SEARCH_INDEX}
    for group in groups:
        for relative in _files(group):
            if not relative.startswith(GROUP_FOLDERS):
                continue
            source = group / relative
            if relative in sources and not _same_file(sources[relative], source):
                raise BuildError(f"{relative} differs between {sources[relative]} and {source}: cannot assemble them")
            sources.setdefault(relative, source)
    return sources


def _same_file(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def _up_to_date(source: Path, target: Path) -> bool:
    try:
        have, want = target.stat(), source.stat()
    except FileNotFoundError:
        return False
    return have.st_size == want.st_size and have.st_mtime_ns == want.st_mtime_ns


def assemble(hub: Path, groups: Sequence[Path], output: Path) -> AssemblyReport:
    """Make ``output`` the union of the hub's and the groups' HTML, with one merged search index."""
    from generator.build.search_index import merge_search_indexes, read_search_index, write_search_index  # TEMP-LAZY

    sources = tree_sources(hub, groups)
    report = AssemblyReport()
    output.mkdir(parents=True, exist_ok=True)
    for relative, source in sorted(sources.items()):
        target = output / relative
        if _up_to_date(source, target):
            report.unchanged += 1
            continue
        copy_atomic(source, target)
        shutil.copystat(source, target)
        report.copied.append(relative)
    indexes = [read_search_index(part / SEARCH_INDEX) for part in [hub, *groups] if (part / SEARCH_INDEX).is_file()]
    if write_search_index(output / SEARCH_INDEX, merge_search_indexes(indexes)):
        report.copied.append(SEARCH_INDEX)
    written = {*sources, SEARCH_INDEX}
    for relative in sorted(_previous(output) - written, reverse=True):
        path = output / relative
        if path.is_file() and not path.is_symlink():
            path.unlink()
            report.removed.append(relative)
        for folder in path.parents:
            if folder == output or not folder.is_dir() or any(folder.iterdir()):
                break
            folder.rmdir()
    write_if_changed(output / MANIFEST_NAME, "".join(f"{name}\n" for name in sorted(written)).encode("utf-8"))
    return report


def _previous(output: Path) -> set[str]:
    """What the last assembly wrote (plain relative paths only: a manifest edited by hand cannot reach outside).

    A folder a one-project build wrote (a build stamp, no manifest) is all
    ours: everything in it is the previous build's.
    """
    if not (output / MANIFEST_NAME).exists() and (output / STAMP_NAME).exists():
        return set(_files(output))
    try:
        lines = (output / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    return {line for line in lines if line and not line.startswith("/") and ".." not in line.split("/")}
