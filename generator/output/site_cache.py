"""A cache of each site's plan and rendered files, so a build never parses, plans or renders an unchanged site again.

Parsing, planning and rendering a site take about 0.1 s; at 1,000 sites that
is every build's floor unless the results of unchanged sites are kept.  An
entry is keyed by the SHA-256 of the input file's bytes, the path it is shown
as (diagnostics and pages name it) and the :func:`code_fingerprint`: the
generator package's own files, the Python version and the versions of the
libraries that shape a plan or a page.  Rendered files are keyed by that and
the :func:`templates_fingerprint` as well, so editing a template renders every
site again but plans none.  Nothing else goes in: planning and rendering read
no clock, environment or other file (a site whose ``change.baseline`` names a
revision reads git, so its *rendering* is never cached; its plan is).

Entries are pickles written atomically, one file each: a missing, truncated
or unreadable entry is a miss, never an error, and a cache that cannot be
written only costs time.  A run over whole input folders prunes the entries
it did not use, so the folder holds about one plan and one set of files per
site.  Unpickling runs code named in the file: the folder must be as trusted
as the build folder it lives in.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.metadata
import pickle
import sys
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, Literal, TypeGuard, TypeVar

from generator.derive.checklist import IBCM_CHECKLIST, Checklist
from generator.diagnostics import Diagnostic
from generator.load.loader import SourceText
from generator.output.writer import write_atomic
from generator.plan import SitePlan

PlanResult = tuple[SitePlan | None, list[Diagnostic]]
"""What planning one input gives: the plan (None when anything is an error) and every diagnostic."""
Files = dict[str, str | bytes]
"""What rendering one site gives: its files keyed by path relative to the output folder."""
Kind = Literal["plan", "files"]
_T = TypeVar("_T")

FORMAT: Final = "ibcm-site-cache 1"
"""Changes when the layout of an entry changes (it is part of every key and every entry)."""
LIBRARIES: Final = ("pydantic", "pydantic-core", "Jinja2", "MarkupSafe", "PyYAML", "aerleon")
"""Distributions whose version can change a plan or a page (parsing, validation, templates, firewall configs)."""
STALE_TEMPORARY_SECONDS: Final = 3600
"""A temporary file this old is left by a writer that was killed; pruning removes it."""
_SUFFIX: Final[dict[Kind, str]] = {"plan": ".plan.pickle", "files": ".files.pickle"}
_PACKAGE: Final = Path(__file__).resolve().parent.parent


@dataclass
class CacheStats:
    """What a :class:`SiteCache` did, for the build's log line and for tests."""

    plan_hits: int = 0
    plan_misses: int = 0
    render_hits: int = 0
    render_misses: int = 0
    render_uncached: int = 0
    """Sites rendered without the cache: a ``change.baseline`` (git), or a plan the cache did not make."""
    unreadable: int = 0
    """Entries that existed but could not be loaded (truncated, corrupt, of another version): misses."""
    unwritable: int = 0
    """Entries that could not be stored (a full disk, a plan that does not pickle): the run went on without them."""
    pruned: int = 0


class SiteCache:
    """Plans and rendered files of sites in ``folder``, reused while nothing they depend on changed."""

    def __init__(self, folder: Path, *, fingerprint: str | None = None) -> None:
        """``fingerprint`` replaces :func:`code_fingerprint` (tests: a changed generator)."""
        self.folder = folder
        self.fingerprint = fingerprint if fingerprint is not None else code_fingerprint()
        self.stats = CacheStats()
        self._used: dict[Kind, set[str]] = {"plan": set(), "files": set()}

    def plan_key(self, source: SourceText) -> str:
        """The key of the plan of ``source``: its bytes' hash, its shown path and the code fingerprint."""
        return _digest(FORMAT, "plan", source.sha256, source.shown, self.fingerprint)

    def planned(self, source: SourceText, checklist: Checklist, plan: Callable[[], PlanResult]) -> PlanResult:
        """What ``plan()`` gives for ``source``: the stored result on a hit, else computed and stored.

        Only the catalog's checklist pickles (by reference); another is planned without the cache.
        """
        if checklist is not IBCM_CHECKLIST:
            return plan()
        key = self.plan_key(source)
        self._used["plan"].add(key)
        result = self._load("plan", key, _is_plan_result)
        if result is not None:
            self.stats.plan_hits += 1
        else:
            self.stats.plan_misses += 1
            result = plan()
            self._store("plan", key, result)
        if result[0] is not None:
            _ORIGINS.add(result[0], key)
        return result

    def rendered(self, plan: SitePlan, templates: str, render: Callable[[], Files]) -> Files:
        """What ``render()`` gives for ``plan`` with templates of fingerprint ``templates``.

        Cached only for a plan this cache (or another :class:`SiteCache`) made from a file in this process,
        so that a plan built or changed elsewhere is never answered by another's files, and never for a site
        whose ``change.baseline`` names a revision: what it renders depends on git, not on the input.
        """
        plan_key = self.key_of(plan)
        if plan_key is None:
            self.stats.render_uncached += 1
            return render()
        return self.rendered_for(plan_key, templates, render)

    @staticmethod
    def key_of(plan: SitePlan) -> str | None:
        """The plan key of a plan a cache made from a file in this process, if it is one whose files can be cached."""
        change = plan.site.model.change
        return None if change is not None and change.baseline is not None else _ORIGINS.key(plan)

    def rendered_for(self, plan_key: str, templates: str, render: Callable[[], Files]) -> Files:
        """:meth:`rendered` by the key :meth:`key_of` gave: a build that holds no plan any more loads none on a hit."""
        key = _digest(FORMAT, "files", plan_key, templates)
        self._used["files"].add(key)
        found = self._load("files", key, _is_files)
        if found is not None:
            self.stats.render_hits += 1
            return found
        self.stats.render_misses += 1
        files = render()
        self._store("files", key, files)
        return files

    def prune(self, kind: Kind) -> int:
        """Remove the entries of ``kind`` not used since the last prune of that kind; how many were removed.

        Call it only after a run over every input that uses this folder (a whole input folder), or it
        removes the entries of the inputs the run did not read.  Also removes temporary files left by
        writers killed long ago.
        """
        used, self._used[kind] = self._used[kind], set()
        suffix, removed = _SUFFIX[kind], 0
        try:
            paths = list(self.folder.iterdir())
        except OSError:
            return 0
        stale = time.time() - STALE_TEMPORARY_SECONDS
        for path in paths:
            name = path.name
            unused = name.endswith(suffix) and name.removesuffix(suffix) not in used
            if unused or (name.startswith(".") and suffix in name and _older_than(path, stale)):
                removed += _unlink(path)
        self.stats.pruned += removed
        return removed

    def _path(self, kind: Kind, key: str) -> Path:
        return self.folder / f"{key}{_SUFFIX[kind]}"

    def _load(self, kind: Kind, key: str, valid: Callable[[object], TypeGuard[_T]]) -> _T | None:
        """The payload of an entry, or None when it is missing, cannot be read or is not what ``valid`` expects."""
        try:
            data = self._path(kind, key).read_bytes()
        except OSError:
            return None
        try:
            with _gc_paused():
                entry = pickle.loads(data)
        except Exception:  # noqa: BLE001 - whatever a damaged pickle raises, it is a miss
            self.stats.unreadable += 1
            return None
        if not (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == FORMAT and entry[1] == key):
            self.stats.unreadable += 1  # another version's entry, or one copied to another key's name
            return None
        if not valid(entry[2]):
            self.stats.unreadable += 1
            return None
        return entry[2]

    def _store(self, kind: Kind, key: str, payload: object) -> None:
        try:
            data = pickle.dumps((FORMAT, key, payload), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            self.stats.unwritable += 1
            return
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                _tag_cache_folder(self.folder)
            write_atomic(self._path(kind, key), data)
        except OSError:
            self.stats.unwritable += 1


@cache
def code_fingerprint() -> str:
    """What every entry depends on besides its input, computed once per process (the code cannot change under it).

    The generator package's files (not only its ``.py`` files: a data file could shape a plan), the Python
    version and the versions of :data:`LIBRARIES`.
    """
    versions = [f"{name}={_version(name)}" for name in LIBRARIES]
    return _digest(FORMAT, sys.version, sys.implementation.cache_tag or "", *versions, source_fingerprint(_PACKAGE))


def source_fingerprint(package: Path) -> str:
    """SHA-256 of every file under ``package`` (names and bytes, in name order), compiled files left out."""
    digest = hashlib.sha256()
    for path in sorted(_source_files(package)):
        digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def templates_fingerprint(templates: Path) -> str:
    """SHA-256 of every file under the templates folder: any of them can be included by any page.

    Computed for each render (cheap), since the live preview renders again after a template was edited.
    """
    return source_fingerprint(templates)


def _source_files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo") and path.is_file():
            yield path


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Unpickling a plan allocates tens of thousands of objects that all live on; without the collector
    scanning them again and again, loading 100 plans takes a quarter of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _is_plan_result(found: object) -> TypeGuard[PlanResult]:
    return (
        isinstance(found, tuple)
        and len(found) == 2
        and (found[0] is None or isinstance(found[0], SitePlan))
        and isinstance(found[1], list)
        and all(isinstance(d, Diagnostic) for d in found[1])
    )


def _is_files(found: object) -> TypeGuard[Files]:
    return isinstance(found, dict) and all(
        isinstance(name, str) and isinstance(content, str | bytes) for name, content in found.items()
    )


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except OSError:  # removed by another run meanwhile, or not ours to remove
        return 0
    return 1


def _older_than(path: Path, moment: float) -> bool:
    try:
        return path.stat().st_mtime < moment
    except OSError:
        return False


def _tag_cache_folder(folder: Path) -> None:
    """Mark the folder as a cache (https://bford.info/cachedir/), so backup tools skip it."""
    tag = folder / "CACHEDIR.TAG"
    if not tag.exists():
        write_atomic(
            tag, b"Signature: 8a477f597d28d172789f06886806bc55\n# ibcm-runbook's site cache: safe to delete.\n"
        )


class _Origins:
    """Which plans a cache made from a file, and their keys, without keeping a plan alive.

    Keyed by identity: a plan that is equal but built elsewhere, or changed with ``dataclasses.replace``, is
    another object and is rendered without the cache.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[SitePlan], str]] = {}

    def add(self, plan: SitePlan, key: str) -> None:
        ident = id(plan)

        def forget(ref: weakref.ref[SitePlan]) -> None:
            if self._entries.get(ident, (None, ""))[0] is ref:
                del self._entries[ident]

        self._entries[ident] = (weakref.ref(plan, forget), key)

    def key(self, plan: SitePlan) -> str | None:
        entry = self._entries.get(id(plan))
        return entry[1] if entry is not None and entry[0]() is plan else None


_ORIGINS: Final = _Origins()
