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

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.build.search_index import drop_documents, dump_search_index, merge_search_indexes, read_search_index
from generator.errors import BuildError
from generator.output import stamp
from generator.output.stamp import STAMP_NAME
from generator.output.writer import copy_atomic, remove_empty_parents, write_if_changed

SEARCH_INDEX = "searchindex.js"
MANIFEST_NAME = ".ibcm-assembled"
GROUP_ROOT_DOC = "index"
LATEX_MANIFEST = "ibcm-front/documents.json"
"""``generator.sphinx_ext.latex.MANIFEST`` (not imported: assembling needs no Sphinx): the sites of a LaTeX folder."""
GROUP_FOLDERS = ("_generated/", "_images/", "_downloads/")
"""What a group contributes: its runbook pages and their images and downloads (its root page, search page and
static files are the hub's business)."""


@dataclass
class AssemblyReport:
    copied: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def tree_sources(hub: Path, groups: Sequence[Path]) -> dict[str, Path]:
    """Relative path -> the part file it comes from, for the HTML tree (see the module docstring)."""
    sources = {relative: hub / relative for relative in stamp.output_paths(hub) if relative != SEARCH_INDEX}
    return _union(sources, groups, lambda relative: relative.startswith(GROUP_FOLDERS))


def latex_sources(groups: Sequence[Path]) -> dict[str, Path]:
    """Relative path -> part file, for the LaTeX folder: every group's documents and their shared support files."""
    return _union({}, groups, lambda relative: relative != LATEX_MANIFEST)


def _union(sources: dict[str, Path], groups: Sequence[Path], wanted: Callable[[str], bool]) -> dict[str, Path]:
    """Add the ``wanted`` files of ``groups``; a path two parts give with different content is an error."""
    for group in groups:
        for relative in stamp.output_paths(group):
            if not wanted(relative):
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


def assemble(hub: Path, groups: Sequence[Path], output: Path, recorded: Mapping[str, str]) -> AssemblyReport:
    """Make ``output`` the union of the hub's and the groups' HTML, with one merged search index."""
    indexes = [read_search_index(hub / SEARCH_INDEX)]
    # A group's root page (its "index") is not published: the landing page is the hub's.
    indexes += [drop_documents(read_search_index(group / SEARCH_INDEX), {GROUP_ROOT_DOC}) for group in groups]
    merged = {SEARCH_INDEX: dump_search_index(merge_search_indexes(indexes))}
    return sync(tree_sources(hub, groups), merged, output, recorded)


def assemble_latex(groups: Sequence[Path], output: Path, recorded: Mapping[str, str]) -> AssemblyReport:
    """Make ``output`` the one LaTeX folder of every group's sites (their list merged for the PDF step)."""
    codes: set[str] = set()
    for group in groups:
        codes.update(json.loads((group / LATEX_MANIFEST).read_text(encoding="utf-8"))["documents"])
    manifest = json.dumps({"documents": sorted(codes)}, indent=2) + "\n"
    return sync(latex_sources(groups), {LATEX_MANIFEST: manifest.encode("utf-8")}, output, recorded)


def claim_folder(output: Path) -> None:
    """Refuse to assemble into a folder that holds anything but an earlier build (a wrong ``-o`` must not prune it)."""
    ours = (output / STAMP_NAME).exists() or (output / MANIFEST_NAME).exists()
    if output.is_dir() and any(output.iterdir()) and not ours:
        raise BuildError(f"{output} is not empty and holds no build: give an empty or a build folder")


def _discard_foreign(output: Path, written: set[str], recorded: Mapping[str, str]) -> list[str]:
    """Remove what this build does not write, and every file that differs from the last ``ok`` stamp.

    Without this, a file added to or edited in the tree after it was stamped
    would be stamped again as this build's output, and published.
    """
    removed = []
    for relative, digest in stamp.output_files(output).items():
        if relative not in written or recorded.get(relative) != digest:
            (output / relative).unlink()
            remove_empty_parents(output / relative, output)
            removed.append(relative)
    return removed


def sync(
    sources: Mapping[str, Path], merged: Mapping[str, bytes], output: Path, recorded: Mapping[str, str]
) -> AssemblyReport:
    """Copy ``sources`` (relative path -> file) and write ``merged`` into ``output``; prune what is no longer given.

    ``recorded``: :func:`generator.output.stamp.recorded_files`, read before the caller stamped the folder
    ``running``.  Files the previous build wrote that this one does not are removed with the foreign ones.
    """
    report = AssemblyReport()
    output.mkdir(parents=True, exist_ok=True)
    report.removed += _discard_foreign(output, {*sources, *merged}, recorded)
    for relative, source in sorted(sources.items()):
        target = output / relative
        if _up_to_date(source, target):
            report.unchanged += 1
            continue
        copy_atomic(source, target)
        shutil.copystat(source, target)
        report.copied.append(relative)
    for relative, content in sorted(merged.items()):
        if write_if_changed(output / relative, content):
            report.copied.append(relative)
    written = {*sources, *merged}
    write_if_changed(output / MANIFEST_NAME, "".join(f"{name}\n" for name in sorted(written)).encode("utf-8"))
    return report
