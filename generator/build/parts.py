"""The parts of a split build on disk: one folder per Sphinx project, and when each is up to date.

``PARTS/hub/`` and ``PARTS/<group>/`` each hold the project's ``html/``
output, its ``doctrees/``, its context, a build log, and for a group its
source folder ``src/``: a root page and a link to each of its sites'
generated sources (``_generated/<CODE>`` -> ``docs/_generated/<CODE>``), so
that every page keeps the document name it has in a one-project build.

A part is rebuilt only when its *fingerprint* changed: the SHA-256 of every
file its pages are made from (the tool documentation, ``conf.py``, the static
files and templates, the extension's code; its sites' generated sources by
name, size and time, as the generator rewrites them only when they change),
the versions of Sphinx and its extensions, the Sphinx options and the
navigation; or when its output is not as its last build left it.  The
fingerprint is recorded only after a successful build whose stamp says ``ok``,
so a failed or killed build is built again.  Checking 100 sites starts no
Sphinx and reads no page.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import generator
from generator.output import stamp
from generator.output.writer import write_if_changed

HUB = "hub"
FINGERPRINT_NAME = "fingerprint.txt"
LOG_NAME = "sphinx.log"
PACKAGES = ("sphinx", "docutils", "myst-parser", "furo", "sphinx-copybutton", "jinja2")
"""Distributions whose version changes what Sphinx writes."""
GROUP_ROOT = """\
---
orphan: true
---

# {title}

```{{toctree}}
:hidden:
:glob:

_generated/*/index
```
"""
"""A group project's root page: never published (the landing page is the hub's)."""


@dataclass(frozen=True)
class Part:
    """One Sphinx project of a split build."""

    name: str
    folder: Path
    sites: tuple[str, ...] = ()
    """Site codes (empty for the hub)."""
    builder: str = "html"
    """The Sphinx builder: ``html``, or ``latex`` for the PDFs (the hub only builds HTML)."""

    @property
    def is_hub(self) -> bool:
        return self.name == HUB

    @property
    def out(self) -> Path:
        """Sphinx's output folder (``html/`` or ``latex/``)."""
        return self.folder / self.builder

    @property
    def doctrees(self) -> Path:
        return self.folder / "doctrees"

    @property
    def src(self) -> Path:
        return self.folder / "src"

    @property
    def log(self) -> Path:
        return self.folder / LOG_NAME

    def describe(self) -> str:
        if self.is_hub:
            return "landing page and tool documentation"
        shown = ", ".join(self.sites[:4]) + (", ..." if len(self.sites) > 4 else "")
        return f"{self.name}: {len(self.sites)} site(s) ({shown})"


def prepare_group_source(part: Part, generated: Path) -> None:
    """The group's source folder: its root page and its sites' generated files (others removed).

    The files are hard links (copies across file systems), never symbolic
    links: Sphinx resolves links when it names downloads, so a linked file
    would get another download URL in every part.  The generator replaces a
    changed file by a new one (an atomic rename), so a link that still points
    at the old file is made again.
    """
    sources = part.src / generated.name
    sources.mkdir(parents=True, exist_ok=True)
    write_if_changed(part.src / "index.md", GROUP_ROOT.format(title=f"Runbooks of {part.name}").encode("utf-8"))
    wanted = set(part.sites)
    for entry in sources.iterdir():
        if entry.name not in wanted or entry.is_symlink():
            entry.unlink() if entry.is_symlink() or entry.is_file() else shutil.rmtree(entry)
    for code in part.sites:
        _mirror(generated / code, sources / code)


def _mirror(source: Path, target: Path) -> None:
    """Make ``target`` hold the files of ``source`` (linked or copied), and nothing else."""
    target.mkdir(parents=True, exist_ok=True)
    names = {path.name for path in source.iterdir() if path.is_file()}
    for stale in target.iterdir():
        if stale.name not in names:
            stale.unlink() if stale.is_file() or stale.is_symlink() else shutil.rmtree(stale)
    for name in sorted(names):
        original, copy = source / name, target / name
        if copy.exists() and (copy.samefile(original) or copy.read_bytes() == original.read_bytes()):
            continue
        temporary = target / f".{name}.new"
        temporary.unlink(missing_ok=True)
        try:
            os.link(original, temporary)
        except OSError:
            shutil.copy2(original, temporary)
        temporary.replace(copy)


def _hash_tree(digest: hashlib._Hash, folder: Path, root: Path) -> None:
    """Feed every file under ``folder`` (sorted, by path relative to ``root``) into ``digest``."""
    if not folder.exists():
        return
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _stat_tree(digest: hashlib._Hash, folder: Path, root: Path) -> None:
    """Feed the name, size and modification time of every file under ``folder`` into ``digest``.

    For generated sources: the generator rewrites a file only when its content
    changes (and then by a new file), so its time says whether it changed, and
    reading 100 sites' sources to hash them would cost more than the no-op build.
    """
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        info = path.stat()
        digest.update(f"{path.relative_to(root).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())


def outputs_signature(folder: Path) -> str:
    """Name, size and time of every output file a part's stamp lists (hidden bookkeeping left out)."""
    digest = hashlib.sha256()
    for relative in stamp.output_paths(folder):
        info = (folder / relative).stat()
        digest.update(f"{relative}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def environment_fingerprint(docs: Path) -> str:
    """What every part's pages depend on besides their own sources: configuration, theme, extension, versions."""
    digest = hashlib.sha256(f"{generator.__version__}\0{sys.version}\0".encode())
    for package in PACKAGES:
        try:
            digest.update(f"{package}={importlib.metadata.version(package)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{package}=-\0".encode())
    for name in ("conf.py", "_static", "_templates"):
        _hash_tree(digest, docs / name, docs)
    extension = Path(generator.__file__).parent
    for name in ("sphinx_ext", "build/context.py"):
        _hash_tree(digest, extension / name, extension)
    return digest.hexdigest()


def tool_doc_sources(docs: Path, generated: Path) -> list[Path]:
    """The hub's own sources: the Markdown of ``docs/`` outside the build and the runbooks, and the site table."""
    found = [
        path
        for path in docs.rglob("*.md")
        if not any(part.startswith(("_build", ".")) for part in path.relative_to(docs).parts)
        and generated not in path.parents
    ]
    return sorted([*found, generated / "site-index.md"])


def part_fingerprint(part: Part, *, docs: Path, generated: Path, environment: str, extra: Sequence[str]) -> str:
    """The fingerprint of ``part`` (see the module docstring); ``extra``: Sphinx options and navigation."""
    digest = hashlib.sha256(f"{environment}\0{part.name}\0{part.builder}\0{chr(0).join(extra)}\0".encode())
    if part.is_hub:
        for path in tool_doc_sources(docs, generated):
            _hash_tree(digest, path, docs)
    else:
        for code in part.sites:
            digest.update(f"site {code}\0".encode())
            _stat_tree(digest, generated / code, generated)
    return digest.hexdigest()


def is_up_to_date(part: Part, fingerprint: str) -> bool:
    """The part's last build ended ``ok`` with this fingerprint, and its output is as that build left it.

    The output is compared by name, size and time (:func:`outputs_signature`):
    hashing every part's pages would cost more than a no-op build may take.  A
    file edited behind the build's back with its size and time kept is still
    refused by ``publish`` (the tree's stamp has every hash) and is not copied
    into the tree (the assembly compares size and time too).
    """
    try:
        recorded = (part.folder / FINGERPRINT_NAME).read_text(encoding="ascii").split()
    except OSError:
        return False
    built = stamp.read_stamp(part.out)
    return (
        recorded == [fingerprint, outputs_signature(part.out)]
        and built is not None
        and built.get("status") == stamp.STATUS_OK
    )


def record_fingerprint(part: Part, fingerprint: str) -> None:
    """After a good build: its fingerprint and the signature of what it wrote."""
    content = f"{fingerprint}\n{outputs_signature(part.out)}\n"
    write_if_changed(part.folder / FINGERPRINT_NAME, content.encode("ascii"))


def forget_fingerprint(part: Part) -> None:
    (part.folder / FINGERPRINT_NAME).unlink(missing_ok=True)


def prune_parts(parts_folder: Path, keep: Iterable[str]) -> list[str]:
    """Remove the folders of parts this build no longer has (an earlier grouping, removed sites)."""
    kept = set(keep)
    removed = []
    if parts_folder.is_dir():
        for entry in sorted(parts_folder.iterdir()):
            if entry.is_dir() and not entry.is_symlink() and entry.name not in kept:
                shutil.rmtree(entry)
                removed.append(entry.name)
    return removed
