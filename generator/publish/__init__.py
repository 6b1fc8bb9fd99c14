"""Publish built runbooks to a doc host folder: atomic, versioned, with a manifest.

Layout of a publish destination ``DEST``::

    DEST/
      current -> releases/20261120T083000Z-7ffba1898bae   (relative symlink)
      releases/
        20261120T083000Z-7ffba1898bae/
          index.html        redirect to html/index.html (relative)
          html/             the Sphinx HTML build (docs/_build/html)
          pdf/<CODE>.pdf    the PDFs (docs/_build/pdf), when built
          manifest.json     every file's SHA-256, the site inputs' SHA-256, version, commit
      .publish.lock         serialises publishes and rollbacks

``html/`` and ``pdf/`` keep their relative positions from ``docs/_build/``, so
every relative link that works in the local build works when published.

A release is copied into a hidden staging folder (``releases/.incoming-*``),
flushed to disk, then renamed to its final name; only then is ``current``
switched, by creating a new symlink and renaming it over the old one
(``rename(2)`` is atomic).  An interrupted publish therefore leaves ``current``
pointing at the previous, complete release; leftovers are removed by the next
publish.  Nothing here prints: callers get a result object or a
:class:`PublishError`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import BuildError, GeneratorError
from generator.output.stamp import STAMP_NAME as BUILD_STAMP
from generator.output.stamp import STATUS_FAILED, STATUS_OK, STATUS_RUNNING, format_time, hash_inputs, read_stamp

RELEASES = "releases"
CURRENT = "current"
MANIFEST = "manifest.json"
LOCK = ".publish.lock"
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


# --- checking the build --------------------------------------------------------------------------


def check_build(build_dir: Path, site_inputs: Path | None = None, *, require_pdf: bool = False) -> BuildCheck:
    """Refuse (PublishError) unless ``build_dir`` holds a finished, successful build of the current inputs.

    ``build_dir`` is ``docs/_build``: ``html/`` is required, ``pdf/`` is published when present.
    ``site_inputs`` defaults to the folder recorded in the HTML build stamp.
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
    notes: list[str] = []
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
        pdf_stamp, stamp_path = _find_pdf_stamp(build_dir, pdf_dir)
        _check_fresh(pdf_stamp, current_inputs, "PDF", "make pdf")
        older = [p.name for p in pdfs if p.stat().st_mtime_ns < stamp_path.stat().st_mtime_ns]
        if older:
            raise PublishError(
                f"PDF(s) older than the last LaTeX build ({', '.join(older)}): the PDF step did not finish; "
                "run `make pdf`"
            )
        codes = sorted(p.name for p in (html_dir / "_generated").glob("*") if (p / "index.html").is_file())
        missing = [code for code in codes if not (pdf_dir / f"{code}.pdf").is_file()]
        if missing:
            raise PublishError(f"no PDF for site(s) {', '.join(missing)} in {pdf_dir}: run `make pdf`")
    return BuildCheck(html_dir, pdf_dir, stamp, pdf_stamp, current_inputs, notes)


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
    built = stamp.get("site_inputs")
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
        raise PublishError(
            f"the {what} build is older than the site inputs ({'; '.join(parts)} since it was built); run `{command}`"
        )


def _find_pdf_stamp(build_dir: Path, pdf_dir: Path) -> tuple[dict[str, Any], Path]:
    """The stamp of the Sphinx build the PDFs came from: in pdf/ or the LaTeX output folder."""
    for folder in (pdf_dir, build_dir / "latex", build_dir / "latexpdf"):
        if (folder / BUILD_STAMP).is_file():
            return _check_stamp(folder, "PDF", "make pdf"), folder / BUILD_STAMP
    raise PublishError(
        f"the PDFs in {pdf_dir} have no build stamp (looked in pdf/ and latex/ under {build_dir}): run `make pdf`"
    )


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


def release_name(stamp: dict[str, Any], taken: set[str]) -> str:
    """``<build time>-<commit>``, e.g. ``20261120T083000Z-7ffba1898bae``; ``.2``, ``.3``... when taken."""
    built = str(stamp.get("built_at") or "")
    stamp_time = re.sub(r"[^0-9TZ]", "", built) or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = str(stamp.get("source_commit") or "")
    revision = commit[:12] if re.fullmatch(r"[0-9a-f]{7,64}", commit) else "nogit"
    if stamp.get("source_dirty"):
        revision += "-dirty"
    base = f"{stamp_time}-{revision}"
    name, counter = base, 1
    while name in taken:
        counter += 1
        name = f"{base}.{counter}"
    return name


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
    unfinished or older than the site inputs.  I/O failures while copying raise BuildError; the
    previous release keeps serving and the partial copy is removed.
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
        previous = current_release(destination)
        _remove_leftovers(destination)
        existing = list_releases(destination)
        all_names = {p.name for p in releases_dir.iterdir()}
        name = release_name(check.stamp, all_names)
        sequence = max((r.sequence for r in existing), default=0) + 1
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}-", dir=releases_dir))
        final = releases_dir / name
        try:
            files, manifest = _fill_release(staging, check, name, sequence)
            _fsync_dir(staging)
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
            if _points_at(destination, name):
                raise  # switched; only flushing the folder failed: keep serving the new release
            shutil.rmtree(final, ignore_errors=True)
            if isinstance(exc, OSError):
                raise BuildError(
                    f"publishing to {destination} failed while switching {CURRENT}: {exc}; "
                    f"{CURRENT} still serves {previous or 'nothing'}"
                ) from None
            raise
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
    files = list(_copy_tree(check.html_dir, staging / "html"))
    if check.pdf_dir is not None:
        files += _copy_tree(check.pdf_dir, staging / "pdf", pattern="*.pdf")
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


def _copy_tree(source: Path, target: Path, pattern: str = "*") -> Iterator[PublishedFile]:
    """Copy published files (hidden files and folders such as .doctrees are skipped), hashing as they go."""
    release_root = target.parent
    for folder, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(folder)
        for filename in sorted(filenames):
            path = here / filename
            if filename.startswith(".") or not path.match(pattern) or not path.is_file():
                continue
            yield copy_file(path, target / path.relative_to(source), release_root)


def copy_file(source: Path, target: Path, release_root: Path) -> PublishedFile:
    """Copy one file (mode 0644), flushing it to disk; returns its manifest entry."""
    _make_dirs(target.parent, release_root)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, target.open("xb") as writer:
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
    """Switch ``current`` to the release published before the current one."""
    try:
        return _rollback_locked(destination)
    except OSError as exc:
        raise BuildError(f"rolling back {destination / CURRENT} failed: {exc}") from None


def _rollback_locked(destination: Path) -> RollbackResult:
    with _locked(destination):
        now = current_release(destination)
        if now is None:
            raise PublishError(f"nothing is published in {destination} ({CURRENT} does not exist)")
        releases = list_releases(destination)
        names = [r.name for r in releases]
        if now not in names:
            raise PublishError(f"{CURRENT} points at {now}, which is not a complete release in {destination}")
        index = names.index(now)
        if index == 0:
            raise PublishError(f"there is no release before {now} in {destination} to roll back to")
        target = names[index - 1]
        switch_current(destination, target)
    return RollbackResult(destination, now, target)


def prune(destination: Path, keep: int = DEFAULT_KEEP, *, _locked_already: bool = False) -> list[str]:
    """Delete all but the ``keep`` most recently published releases; never the current one."""
    if keep < 1:
        raise PublishError(f"--keep must be at least 1 (got {keep})")
    with contextlib.nullcontext() if _locked_already else _locked(destination):
        now = current_release(destination)
        releases = list_releases(destination)
        doomed = [r for r in releases[: max(len(releases) - keep, 0)] if r.name != now]
        for release in doomed:
            # Rename first: a half-deleted folder must never look like a release.
            hidden = release.path.with_name(f"{DELETING_PREFIX}{release.name}")
            release.path.rename(hidden)
            shutil.rmtree(hidden, ignore_errors=True)
    return [r.name for r in doomed]


def _remove_leftovers(destination: Path) -> None:
    """Remove what an interrupted publish left (staging folders, half-deleted releases, spare links)."""
    for path in (destination / RELEASES).iterdir():
        if path.name.startswith((STAGING_PREFIX, DELETING_PREFIX)) and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
    for path in destination.glob(f"{LINK_PREFIX}*"):
        if path.is_symlink():
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
