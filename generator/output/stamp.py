"""Build stamp: a small JSON file the build leaves in its output folder saying how it ended.

``ibcm-runbook publish`` reads it to refuse builds that failed, did not finish,
or are older than the site inputs.  The stamp ``<outdir>/.ibcm-build.json``
goes through three states:

* ``running``: written when the builder starts (``generator.sphinx_ext``), so
  a build that is interrupted or aborts early never leaves an ``ok`` stamp;
* ``ok``: written by the ``build-finished`` handler when the build ended
  without an exception and without warnings that ``-W`` turns into errors;
* ``failed``: written by the same handler otherwise.

It records the builder, the SHA-256 of every site input and every template,
the generator version, the source commit (``git rev-parse HEAD`` when
available) and the build time (``SOURCE_DATE_EPOCH`` when set, for
reproducible builds).  An ``ok`` stamp also lists the SHA-256 of every output
file the build left (``files``), so ``publish`` can prove that what it copies
is what the build wrote: a page truncated, edited, added or deleted since is
refused.  A stamp that is not ``ok`` means the folder may hold half-written
files: the next build starts from nothing (:func:`needs_full_rebuild`).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generator import __version__
from generator.load.loader import discover_inputs
from generator.output.writer import write_atomic

STAMP_NAME = ".ibcm-build.json"
STAMP_FORMAT = 1
STATUS_RUNNING = "running"
STATUS_OK = "ok"
STATUS_FAILED = "failed"
PREVIEW_FAILURE = "invalid site inputs (preview build)"
"""The reason of a preview build stamped ``failed`` only because an input is invalid: its files are whole."""


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_inputs(site_inputs: Path) -> dict[str, str]:
    """SHA-256 of every site input the generator reads, keyed by file name (as ``discover_inputs`` finds them)."""
    if not site_inputs.is_dir():
        return {}
    # Only regular files: reading a named pipe would block (the loader refuses it with a diagnostic).
    return {path.name: sha256_file(path) for path in discover_inputs([site_inputs]) if path.is_file()}


def hash_templates(templates: Path) -> dict[str, str]:
    """SHA-256 of every template file, keyed by its path under ``templates`` (a changed template is a stale build)."""
    if not templates.is_dir():
        return {}
    return {
        path.relative_to(templates).as_posix(): sha256_file(path)
        for path in sorted(templates.rglob("*"))
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts
    }


def output_paths(outdir: Path) -> Iterator[str]:
    """The relative POSIX paths of every output file a publish would copy, in a stable order.

    Hidden files and folders (the stamp, ``.doctrees``, ``.buildinfo``) are
    Sphinx's bookkeeping, never published, so they are not listed.  Links and
    special files are not listed either: publishing refuses them.
    """
    for folder, dirnames, filenames in os.walk(outdir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(folder)
        for name in sorted(filenames):
            path = here / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path.relative_to(outdir).as_posix()


def output_files(outdir: Path) -> dict[str, str]:
    """SHA-256 of every output file a publish would copy (:func:`output_paths`), keyed by relative POSIX path."""
    return {relative: sha256_file(outdir / relative) for relative in output_paths(outdir)}


def recorded_files(outdir: Path) -> dict[str, str]:
    """The files the last ``ok`` stamp of ``outdir`` lists, with their hashes (empty without one)."""
    recorded = read_stamp(outdir) or {}
    files = recorded.get("files") if recorded.get("status") == STATUS_OK else None
    return dict(files) if isinstance(files, dict) else {}


def needs_full_rebuild(outdir: Path) -> bool:
    """Whether the last build into ``outdir`` did not end well, so any file there may be half-written.

    True for a ``running`` stamp (killed, out of disk), a ``failed`` one (an
    exception may have stopped a write), an unreadable one, and an ``ok`` one
    whose folder no longer holds exactly the files it lists (a file changed,
    added or removed since: rebuilding on top would stamp it as this build's
    output); False for no stamp (nothing built yet), an intact ``ok`` stamp
    and a preview build that failed only on invalid inputs.
    """
    if not (outdir / STAMP_NAME).exists():
        return False
    stamp = read_stamp(outdir)
    if stamp is None:
        return True
    status = stamp.get("status")
    if status == STATUS_OK:
        return not is_intact(outdir, stamp)
    return not (status == STATUS_FAILED and stamp.get("reason") == PREVIEW_FAILURE)


def is_intact(outdir: Path, stamp: Mapping[str, Any]) -> bool:
    """The folder holds exactly the files the stamp lists, with their hashes (a stamp without a list: True)."""
    files = stamp.get("files")
    return files is None or output_files(outdir) == files


def source_date_epoch(environ: Mapping[str, str] | None = None) -> int | None:
    """``SOURCE_DATE_EPOCH`` as seconds, or None when it is unset or not a whole number."""
    epoch = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    return int(epoch) if epoch.isdigit() else None


def build_time() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds); always UTC, whole seconds."""
    epoch = source_date_epoch()
    return datetime.fromtimestamp(int(time.time()) if epoch is None else epoch, tz=UTC)


def format_time(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z``, e.g. ``2026-11-20T08:30:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_commit(where: Path) -> tuple[str | None, bool | None]:
    """(``git rev-parse HEAD``, whether the work tree has changes) for ``where``; (None, None) outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--verify", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=False
        )
        if head.returncode != 0:
            return None, None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None, None
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return head.stdout.strip() or None, dirty


def make_stamp(
    status: str,
    *,
    builder: str,
    site_inputs: Path,
    source_dir: Path,
    reason: str | None = None,
    input_hashes: Mapping[str, str] | None = None,
    templates: Path | None = None,
    files: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The stamp's content (a JSON-ready mapping).

    ``input_hashes`` are the SHA-256 of the inputs the build read (file name to
    hex digest); without them the folder's files are hashed now.  ``templates``
    is the template folder the build rendered with (hashed now), ``files`` the
    output files (:func:`output_files`) of an ``ok`` build.
    """
    commit, dirty = source_commit(source_dir)
    stamp: dict[str, Any] = {
        "format": STAMP_FORMAT,
        "status": status,
        "builder": builder,
        "generator_version": __version__,
        "source_commit": commit,
        "source_dirty": dirty,
        "built_at": format_time(build_time()),
        "site_inputs_dir": str(site_inputs),
        "site_inputs": dict(input_hashes) if input_hashes is not None else hash_inputs(site_inputs),
    }
    if templates is not None:
        stamp["templates_dir"] = str(templates)
        stamp["templates"] = hash_templates(templates)
    if files is not None:
        stamp["files"] = dict(files)
    if reason:
        stamp["reason"] = reason
    return stamp


def write_stamp(outdir: Path, stamp: dict[str, Any]) -> Path:
    """Atomically (re)write ``outdir/.ibcm-build.json``; its mtime is when the build ended."""
    target = outdir / STAMP_NAME
    write_atomic(target, (json.dumps(stamp, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return target


def read_stamp(outdir: Path) -> dict[str, Any] | None:
    """The stamp in ``outdir``, or None when there is none or it is unreadable."""
    try:
        data = json.loads((outdir / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
