"""Publish built runbooks to a doc host folder: atomic, versioned, verified, with a manifest.

Layout of a publish destination ``DEST``::

    DEST/
      current -> releases/20261120T083000Z-7ffba1898bae-r7   (relative symlink)
      releases/
        20261120T083000Z-7ffba1898bae-r7/
          index.html        redirect to html/index.html (relative)
          html/             the Sphinx HTML build (docs/_build/html)
          pdf/<CODE>.pdf    the PDFs (docs/_build/pdf), when built
          manifest.json     every file's SHA-256, the site inputs' SHA-256, version, commit
      .publish-state.json   the last release number, the releases served in turn, a release being switched to
      .publish.lock         serialises publishes and rollbacks

``html/`` and ``pdf/`` keep their relative positions from ``docs/_build/``, so
every relative link that works in the local build works when published.

The build is published only if it is exactly what its build stamps list: every
file with the SHA-256 recorded when the build ended well, nothing missing,
nothing added, regular files only (a symlink could publish a file the build
never wrote, with the publisher's rights).  The files are hashed again while
they are copied.

A release is copied into a hidden staging folder (``releases/.incoming-*``),
flushed to disk, recorded as *pending* in the state file, renamed to its final
name, and only then is ``current`` switched, by creating a new symlink and
renaming it over the old one (``rename(2)`` is atomic); the state file then
records it as served.  The state is the history rollback walks back through,
so a release whose switch never happened (a publish killed between the rename
and the switch) is never a rollback target: the next publish or rollback finds
it pending and not current, and removes it.  Release names end in a number
kept in the state that only grows, so no name is ever used twice.  Nothing here
prints: callers get a result object or a :class:`PublishError`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import BuildError, GeneratorError
from generator.output.stamp import STAMP_NAME as BUILD_STAMP
from generator.output.stamp import (
    STATUS_FAILED,
    STATUS_OK,
    STATUS_RUNNING,
    format_time,
    hash_inputs,
    hash_templates,
    read_stamp,
    sha256_file,
)

RELEASES = "releases"
CURRENT = "current"
MANIFEST = "manifest.json"
LOCK = ".publish.lock"
STATE = ".publish-state.json"
STATE_FORMAT = 1
STAGING_PREFIX = ".incoming-"
DELETING_PREFIX = ".deleting-"
LINK_PREFIX = ".current-"
MANIFEST_FORMAT = 1
DEFAULT_KEEP = 5
CHUNK = 1 << 20

REDIRECT_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>IBCM runbooks</title>
<meta http-equiv="refresh" content="0; url=html/index.html">
</head>
<body>
<p><a href="html/index.html">IBCM runbooks</a></p>
</body>
</html>
"""
"""The release's root page: the published folder is served as-is, so /runbooks/ lands here."""


class PublishError(GeneratorError):
    """Publishing refused (no build, stale or failed build, nothing to roll back to, bad destination)."""


@dataclass(frozen=True)
class PublishedFile:
    """One file of a release: its path relative to the release folder, SHA-256 and size."""

    path: str
    sha256: str
    size: int


@dataclass
class Release:
    """A complete release folder under ``DEST/releases/``."""

    name: str
    path: Path
    sequence: int
    manifest: dict[str, Any]


@dataclass
class PublishResult:
    """What :func:`publish` did."""

    destination: Path
    release: Release
    files: list[PublishedFile]
    previous: str | None
    """Name of the release ``current`` pointed at before, if any."""
    pruned: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things worth telling the user (e.g. "no PDFs were built: published HTML only")."""

    @property
    def html_files(self) -> int:
        return sum(f.path.startswith("html/") for f in self.files)

    @property
    def pdf_files(self) -> list[str]:
        return [f.path for f in self.files if f.path.startswith("pdf/")]


@dataclass
class RollbackResult:
    """What :func:`rollback` did: ``current`` moved from ``previous`` to ``current``."""

    destination: Path
    previous: str
    current: str


@dataclass
class BuildCheck:
    """A build that passed every check, ready to copy."""

    html_dir: Path
    pdf_dir: Path | None
    stamp: dict[str, Any]
    pdf_stamp: dict[str, Any] | None
    site_inputs: dict[str, str]
    notes: list[str]
    expected: dict[str, str] = field(default_factory=dict)
    """Release path (``html/...``, ``pdf/...``) -> the SHA-256 its build stamp recorded; checked again while copying."""


# --- checking the build --------------------------------------------------------------------------


def check_build(build_dir: Path, site_inputs: Path | None = None, *, require_pdf: bool = False) -> BuildCheck:
    """Refuse (PublishError) unless ``build_dir`` holds a finished, successful build of the current inputs.

    ``build_dir`` is ``docs/_build``: ``html/`` is required, ``pdf/`` is published when present.
    ``site_inputs`` defaults to the folder recorded in the HTML build stamp.  Every file must be
    the one the build stamp lists (same SHA-256, none missing, none added) and a regular file.
    """
    html_dir = build_dir / "html"
    if not (html_dir / "index.html").is_file():
        raise PublishError(f"there is no HTML build in {html_dir}: run `make html` (and `make pdf`) first")
    stamp = _check_stamp(html_dir, "HTML", "make html")
    inputs_dir = site_inputs if site_inputs is not None else Path(str(stamp.get("site_inputs_dir", "site_inputs")))
    if not inputs_dir.is_dir():
        raise PublishError(f"site input folder {inputs_dir} does not exist (pass --inputs)")
    current_inputs = hash_inputs(inputs_dir)
    if not current_inputs:
        raise PublishError(f"no site inputs in {inputs_dir}: nothing to publish")
    _check_fresh(stamp, current_inputs, "HTML", "make html")
    notes = _check_generator(stamp, "HTML", "make html")
    expected = {f"html/{path}": digest for path, digest in _verify_files(html_dir, stamp, "HTML", "make html").items()}
    pdf_dir: Path | None = build_dir / "pdf"
    pdf_stamp: dict[str, Any] | None = None
    pdfs = sorted(pdf_dir.glob("*.pdf")) if pdf_dir and pdf_dir.is_dir() else []
    if not pdfs:
        if require_pdf:
            raise PublishError(f"there are no PDFs in {build_dir / 'pdf'}: run `make pdf` first")
        notes.append(f"no PDFs in {build_dir / 'pdf'}: published the HTML only")
        pdf_dir = None
    else:
        assert pdf_dir is not None
        if read_stamp(pdf_dir) is None:
            raise PublishError(f"the PDFs in {pdf_dir} have no build stamp ({BUILD_STAMP}): run `make pdf`")
        pdf_stamp = _check_stamp(pdf_dir, "PDF", "make pdf")
        _check_fresh(pdf_stamp, current_inputs, "PDF", "make pdf")
        notes += _check_generator(pdf_stamp, "PDF", "make pdf")
        verified = _verify_files(pdf_dir, pdf_stamp, "PDF", "make pdf")
        expected.update({f"pdf/{path}": digest for path, digest in verified.items() if path.endswith(".pdf")})
        codes = sorted(p.name for p in (html_dir / "_generated").glob("*") if (p / "index.html").is_file())
        missing = [code for code in codes if not (pdf_dir / f"{code}.pdf").is_file()]
        if missing:
            raise PublishError(f"no PDF for site(s) {', '.join(missing)} in {pdf_dir}: run `make pdf`")
    return BuildCheck(html_dir, pdf_dir, stamp, pdf_stamp, current_inputs, notes, expected)


def _check_stamp(outdir: Path, what: str, command: str) -> dict[str, Any]:
    stamp = read_stamp(outdir)
    if stamp is None:
        raise PublishError(
            f"the {what} build in {outdir} has no build stamp ({BUILD_STAMP}): it did not finish or predates "
            f"build stamps; run `{command}`"
        )
    status = stamp.get("status")
    if status == STATUS_RUNNING:
        raise PublishError(f"the last {what} build in {outdir} did not finish (interrupted?); run `{command}`")
    if status == STATUS_FAILED:
        reason = stamp.get("reason") or "see its log"
        raise PublishError(f"the last {what} build in {outdir} failed ({reason}); fix it and run `{command}`")
    if status != STATUS_OK:
        raise PublishError(f"the {what} build stamp in {outdir} is not valid (status {status!r}); run `{command}`")
    return stamp


def _check_fresh(stamp: dict[str, Any], current: dict[str, str], what: str, command: str) -> None:
    _compare_hashes(stamp.get("site_inputs"), current, f"the {what} build is older than the site inputs", command)


def _compare_hashes(built: object, current: dict[str, str], problem: str, command: str) -> None:
    built = built if isinstance(built, dict) else {}
    changed = sorted(name for name in current.keys() & built.keys() if current[name] != built[name])
    added = sorted(current.keys() - built.keys())
    removed = sorted(built.keys() - current.keys())
    if changed or added or removed:
        parts = [
            f"{', '.join(names)} {verb}"
            for names, verb in ((changed, "changed"), (added, "added"), (removed, "removed"))
            if names
        ]
        raise PublishError(f"{problem} ({'; '.join(parts)} since it was built); run `{command}`")


def _check_generator(stamp: dict[str, Any], what: str, command: str) -> list[str]:
    """Refuse a build made by another generator version or older than the templates; notes for what was not checked."""
    version = stamp.get("generator_version")
    if version != __version__:
        raise PublishError(
            f"the {what} build was made by ibcm-runbook {version}, this is {__version__}; run `{command}`"
        )
    if "templates" not in stamp:
        raise PublishError(f"the {what} build stamp records no template hashes (an older build?); run `{command}`")
    templates = Path(str(stamp.get("templates_dir") or ""))
    if not templates.is_dir():
        return [f"template folder {templates} of the {what} build not found: templates not compared"]
    _compare_hashes(
        stamp["templates"], hash_templates(templates), f"the {what} build is older than the templates", command
    )
    return []


def _verify_files(folder: Path, stamp: dict[str, Any], what: str, command: str) -> dict[str, str]:
    """The files the stamp lists, checked: refuse any changed, missing or extra file (names in the message)."""
    recorded = stamp.get("files")
    if not isinstance(recorded, dict):
        raise PublishError(
            f"the {what} build stamp in {folder} lists no file hashes (an older build?); run `{command}`"
        )
    present = {path.relative_to(folder).as_posix(): path for path in published_files(folder)}
    changed = sorted(name for name in present.keys() & recorded.keys() if sha256_file(present[name]) != recorded[name])
    missing = sorted(recorded.keys() - present.keys())
    extra = sorted(present.keys() - recorded.keys())
    if changed or missing or extra:
        parts = [
            f"{verb}: {', '.join(names[:5])}{' and more' if len(names) > 5 else ''}"
            for names, verb in ((changed, "changed"), (missing, "missing"), (extra, "not built"))
            if names
        ]
        raise PublishError(
            f"the {what} build in {folder} is not what the build left ({'; '.join(parts)}); run `{command}`"
        )
    return {name: str(digest) for name, digest in recorded.items()}


def published_files(source: Path) -> list[Path]:
    """Every file under ``source`` a release gets (hidden ones such as .doctrees are skipped), in a stable order.

    Refuses (PublishError, naming it) a symlink or anything but a regular file:
    a link could publish a file the build never wrote, readable by everyone.
    """
    found = []
    for folder, dirnames, filenames in os.walk(source):
        here = Path(folder)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in [*dirnames, *sorted(filenames)]:
            if name.startswith("."):
                continue
            path = here / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise PublishError(f"{path} is a symbolic link: only regular files are published; remove it")
            if name in dirnames:
                continue
            if not stat.S_ISREG(mode):
                raise PublishError(f"{path} is not a regular file: only regular files are published; remove it")
            found.append(path)
    return found


# --- releases -----------------------------------------------------------------------------------


def list_releases(destination: Path) -> list[Release]:
    """Complete releases (those with a readable manifest), oldest published first."""
    folder = destination / RELEASES
    if not folder.is_dir():
        return []
    releases = []
    for path in folder.iterdir():
        if path.name.startswith(".") or path.is_symlink() or not path.is_dir():
            continue
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            sequence = int(manifest["sequence"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        releases.append(Release(path.name, path, sequence, manifest))
    return sorted(releases, key=lambda r: (r.sequence, r.name))


def current_release(destination: Path) -> str | None:
    """Name of the release ``DEST/current`` points at, or None when there is no ``current`` yet."""
    link = destination / CURRENT
    if not link.is_symlink():
        if link.exists():
            raise PublishError(f"{link} exists but is not a symlink: move it away so publishing can manage it")
        return None
    target = link.readlink()
    if target.parent.as_posix() not in (RELEASES, str(destination / RELEASES)):
        raise PublishError(f"{link} points outside {destination / RELEASES} ({target}): fix or remove it")
    return target.name


def release_name(stamp: dict[str, Any], sequence: int) -> str:
    """``<build time>-<commit>-r<sequence>``, e.g. ``20261120T083000Z-7ffba1898bae-r7``: never used twice."""
    built = str(stamp.get("built_at") or "")
    stamp_time = re.sub(r"[^0-9TZ]", "", built) or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = str(stamp.get("source_commit") or "")
    revision = commit[:12] if re.fullmatch(r"[0-9a-f]{7,64}", commit) else "nogit"
    if stamp.get("source_dirty"):
        revision += "-dirty"
    return f"{stamp_time}-{revision}-r{sequence}"


# --- the publish state ----------------------------------------------------------------------------


@dataclass
class PublishState:
    """``DEST/.publish-state.json``: what was served, in turn, and the last release number used.

    ``history`` holds the releases ``current`` pointed at, oldest first, ending
    with the current one; a rollback returns to the one before the last.
    ``pending`` is the release being switched to: set before its folder gets
    its final name, cleared once ``current`` points at it.
    """

    sequence: int = 0
    history: list[str] = field(default_factory=list)
    pending: str | None = None

    def to_json(self) -> bytes:
        data = {"format": STATE_FORMAT, "sequence": self.sequence, "history": self.history, "pending": self.pending}
        return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def read_state(destination: Path) -> PublishState | None:
    """The state file of ``destination``, or None when there is none (a destination published by an older version)."""
    path = destination / STATE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        history = [str(name) for name in data["history"]]
        pending = data.get("pending")
        return PublishState(int(data["sequence"]), history, str(pending) if pending else None)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"{path} is unreadable ({exc}): restore it or remove it to rebuild it") from None


def _write_state(destination: Path, state: PublishState) -> None:
    """Replace the state file in one rename, flushed to disk: it is always the old or the new state."""
    target = destination / STATE
    fd, tmp = tempfile.mkstemp(prefix=f"{STATE}.", dir=destination)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(state.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(destination)


def reconcile_state(destination: Path) -> PublishState:
    """The state, made true to ``current`` after whatever an interrupted publish or rollback left (under the lock).

    A pending release that ``current`` does not point at was never served: it is
    removed.  A ``current`` missing from the history is appended (a publish
    killed after its switch); one found earlier in it cuts the history there (a
    rollback killed after its switch).  Without a state file, the history is
    the complete releases up to ``current`` in publish order.
    """
    current = current_release(destination)
    releases = list_releases(destination)
    stored = read_state(destination)
    if stored is None:
        upto = next((r.sequence for r in releases if r.name == current), None)
        history = [r.name for r in releases if upto is not None and r.sequence <= upto]
        stored = PublishState(0, history)
    state = PublishState(stored.sequence, list(stored.history), stored.pending)
    if state.pending is not None:
        if state.pending != current:
            _delete_release(destination / RELEASES / state.pending)
            releases = [r for r in releases if r.name != state.pending]
        state.pending = None
    if current is not None:
        if current in state.history:
            del state.history[state.history.index(current) + 1 :]
        else:
            state.history.append(current)
    names = {r.name for r in releases}
    state.history = [name for name in state.history if name in names or name == current]
    state.sequence = max([state.sequence, *(r.sequence for r in releases)])
    if state != stored or not (destination / STATE).exists():
        _write_state(destination, state)
    return state


# --- publishing -----------------------------------------------------------------------------------


def publish(
    build_dir: Path,
    destination: Path,
    *,
    site_inputs: Path | None = None,
    keep: int = DEFAULT_KEEP,
    require_pdf: bool = False,
) -> PublishResult:
    """Copy the build into a new release under ``destination`` and switch ``current`` to it atomically.

    Refuses (PublishError) before touching ``destination`` when the build is missing, failed,
    unfinished, older than the site inputs or templates, or not what its stamps list.  I/O
    failures while copying raise BuildError; the previous release keeps serving and the partial
    copy is removed.
    """
    if keep < 1:
        raise PublishError(f"--keep must be at least 1 (got {keep})")
    check = check_build(build_dir, site_inputs, require_pdf=require_pdf)
    releases_dir = destination / RELEASES
    try:
        releases_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create {releases_dir}: {exc.strerror or exc}") from None
    try:
        return _publish_locked(check, destination, keep)
    except OSError as exc:  # anything not handled below (lock file, listing folders): no traceback
        raise BuildError(f"publishing to {destination} failed: {exc}") from None


def _publish_locked(check: BuildCheck, destination: Path, keep: int) -> PublishResult:
    releases_dir = destination / RELEASES
    with _locked(destination):
        _remove_leftovers(destination)
        state = reconcile_state(destination)
        previous = current_release(destination)
        sequence = state.sequence + 1
        name = release_name(check.stamp, sequence)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}-", dir=releases_dir))
        final = releases_dir / name
        try:
            files, manifest = _fill_release(staging, check, name, sequence)
            _fsync_dir(staging)
            # Recorded before the folder gets its name: if this process dies before the switch,
            # the next publish or rollback knows the release was never served.
            _write_state(destination, PublishState(sequence, state.history, pending=name))
            staging.rename(final)
            _fsync_dir(releases_dir)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildError(
                f"publishing to {destination} failed while copying: {exc}; "
                f"{CURRENT} still serves {previous or 'nothing'}"
            ) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            switch_current(destination, name)
        except BaseException as exc:
            if not _points_at(destination, name):
                _delete_release(final)
                _write_state(destination, PublishState(sequence, state.history))
                if isinstance(exc, OSError):
                    raise BuildError(
                        f"publishing to {destination} failed while switching {CURRENT}: {exc}; "
                        f"{CURRENT} still serves {previous or 'nothing'}"
                    ) from None
            raise  # switched; only flushing the folder failed: the next run records it as served
        state = PublishState(sequence, [*state.history, name])
        _write_state(destination, state)
        release = Release(name, final, sequence, manifest)
        notes = list(check.notes)
        try:
            pruned = prune(destination, keep, _locked_already=True)
        except OSError as exc:  # published all the same: report, do not fail
            pruned = []
            notes.append(f"could not remove old releases: {exc}")
    return PublishResult(destination, release, files, previous, pruned, notes)


def _fill_release(
    staging: Path, check: BuildCheck, name: str, sequence: int
) -> tuple[list[PublishedFile], dict[str, Any]]:
    staging.chmod(0o755)  # mkdtemp makes it 0700: the web server user must be able to read it
    files = list(_copy_tree(check.html_dir, staging / "html", check.expected))
    if check.pdf_dir is not None:
        files += _copy_tree(check.pdf_dir, staging / "pdf", check.expected, pattern="*.pdf")
    copied = {f.path for f in files}
    missing = sorted(path for path in check.expected if path not in copied)
    if missing:
        raise PublishError(f"{', '.join(missing[:5])} disappeared from the build while it was being published")
    files.append(_write_file(staging / "index.html", REDIRECT_PAGE.encode("utf-8"), staging))
    files.sort(key=lambda f: f.path)
    stamp = check.stamp
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "release": name,
        "sequence": sequence,
        "published_at": format_time(datetime.now(UTC)),
        "generator_version": stamp.get("generator_version"),
        "publisher_version": __version__,
        "source_commit": stamp.get("source_commit"),
        "source_dirty": stamp.get("source_dirty"),
        "built_at": stamp.get("built_at"),
        "builds": {
            "html": _build_summary(stamp),
            "pdf": _build_summary(check.pdf_stamp) if check.pdf_stamp else None,
        },
        "site_inputs": {name: {"sha256": digest} for name, digest in sorted(check.site_inputs.items())},
        "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in files],
    }
    data = (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode("utf-8")
    _write_file(staging / MANIFEST, data, staging)  # written last: a release without it is incomplete
    return files, manifest


def _build_summary(stamp: dict[str, Any]) -> dict[str, Any]:
    keys = ("builder", "status", "built_at", "generator_version", "source_commit", "source_dirty")
    return {key: stamp.get(key) for key in keys}


def _copy_tree(source: Path, target: Path, expected: dict[str, str], pattern: str = "*") -> Iterator[PublishedFile]:
    """Copy the published files of ``source``, each checked against the hash its build stamp recorded."""
    release_root = target.parent
    for path in published_files(source):
        if not path.match(pattern):
            continue
        copied = copy_file(path, target / path.relative_to(source), release_root)
        if expected.get(copied.path) != copied.sha256:
            raise PublishError(f"{path} changed while it was being published: run the build again")
        yield copied


def copy_file(source: Path, target: Path, release_root: Path) -> PublishedFile:
    """Copy one regular file (mode 0644), flushing it to disk; returns its manifest entry.

    The source is opened without following a symlink and must be a regular file:
    checked on the open file, so nothing swapped in after the check is copied.
    """
    _make_dirs(target.parent, release_root)
    digest = hashlib.sha256()
    size = 0
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PublishError(f"{source} is a symbolic link: only regular files are published; remove it") from None
        raise
    with os.fdopen(fd, "rb") as reader:
        if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
            raise PublishError(f"{source} is not a regular file: only regular files are published; remove it")
        with target.open("xb") as writer:
            for chunk in iter(lambda: reader.read(CHUNK), b""):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
            writer.flush()
            os.fsync(writer.fileno())
    target.chmod(0o644)
    return PublishedFile(target.relative_to(release_root).as_posix(), digest.hexdigest(), size)


def _write_file(target: Path, data: bytes, release_root: Path) -> PublishedFile:
    with target.open("xb") as writer:
        writer.write(data)
        writer.flush()
        os.fsync(writer.fileno())
    target.chmod(0o644)
    return PublishedFile(target.relative_to(release_root).as_posix(), hashlib.sha256(data).hexdigest(), len(data))


def _make_dirs(folder: Path, root: Path) -> None:
    if folder.is_dir():
        return
    _make_dirs(folder.parent, root)
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # whatever the umask


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- switching, rollback, pruning ---------------------------------------------------------------


def switch_current(destination: Path, name: str) -> None:
    """Point ``DEST/current`` at ``releases/<name>``: new symlink, then rename over the old one (atomic)."""
    if not (destination / RELEASES / name / MANIFEST).is_file():
        raise PublishError(f"release {name} is incomplete (no {MANIFEST}); not switching to it")
    current_release(destination)  # refuses when current is a real folder
    link = destination / f"{LINK_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
    link.symlink_to(f"{RELEASES}/{name}")
    try:
        link.replace(destination / CURRENT)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    _fsync_dir(destination)


def _points_at(destination: Path, name: str) -> bool:
    try:
        return (destination / CURRENT).readlink().as_posix() == f"{RELEASES}/{name}"
    except OSError:
        return False


def rollback(destination: Path) -> RollbackResult:
    """Switch ``current`` to the release that was live before the current one."""
    try:
        return _rollback_locked(destination)
    except OSError as exc:
        raise BuildError(f"rolling back {destination / CURRENT} failed: {exc}") from None


def _rollback_locked(destination: Path) -> RollbackResult:
    with _locked(destination):
        now = current_release(destination)
        if now is None:
            raise PublishError(f"nothing is published in {destination} ({CURRENT} does not exist)")
        _remove_leftovers(destination)
        state = reconcile_state(destination)
        if len(state.history) < 2:
            raise PublishError(f"there is no release before {now} in {destination} to roll back to")
        target = state.history[-2]
        switch_current(destination, target)
        _write_state(destination, PublishState(state.sequence, state.history[:-1]))
    return RollbackResult(destination, now, target)


def prune(destination: Path, keep: int = DEFAULT_KEEP, *, _locked_already: bool = False) -> list[str]:
    """Delete all but the ``keep`` most recently published releases.

    Never the current release, nor the one a rollback would switch to.
    """
    if keep < 1:
        raise PublishError(f"--keep must be at least 1 (got {keep})")
    with contextlib.nullcontext() if _locked_already else _locked(destination):
        state = reconcile_state(destination)
        protected = set(state.history[-2:])
        releases = list_releases(destination)
        doomed = [r for r in releases[: max(len(releases) - keep, 0)] if r.name not in protected]
        for release in doomed:
            _delete_release(release.path)
        if doomed:
            gone = {r.name for r in doomed}
            _write_state(destination, PublishState(state.sequence, [n for n in state.history if n not in gone]))
    return [r.name for r in doomed]


def _delete_release(path: Path) -> None:
    """Rename, then delete: a half-deleted folder must never look like a release."""
    if not path.is_dir() or path.is_symlink():
        return
    hidden = path.with_name(f"{DELETING_PREFIX}{path.name}")
    path.rename(hidden)
    shutil.rmtree(hidden, ignore_errors=True)


def _remove_leftovers(destination: Path) -> None:
    """Remove what an interrupted publish left (staging folders, half-deleted releases, spare links and state files)."""
    releases = destination / RELEASES
    for path in releases.iterdir() if releases.is_dir() else ():
        if path.name.startswith((STAGING_PREFIX, DELETING_PREFIX)) and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
    for path in destination.glob(f"{LINK_PREFIX}*"):
        if path.is_symlink():
            path.unlink(missing_ok=True)
    for path in destination.glob(f"{STATE}.*"):
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(destination: Path) -> Iterator[None]:
    """Hold ``DEST/.publish.lock`` (flock): one publish or rollback at a time."""
    if not destination.is_dir():
        raise PublishError(f"publish destination {destination} does not exist")
    with (destination / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"another publish or rollback is running on {destination}") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
