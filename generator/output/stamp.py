"""Build stamp: a small JSON file the build leaves in its output folder saying how it ended.

``ibcm-runbook publish`` reads it to refuse builds that failed, did not finish,
or are older than the site inputs.  The stamp ``<outdir>/.ibcm-build.json``
goes through three states:

* ``running``: written when the builder starts (``generator.sphinx_ext``), so
  a build that is interrupted or aborts early never leaves an ``ok`` stamp;
* ``ok``: written by the ``build-finished`` handler when the build ended
  without an exception and without warnings that ``-W`` turns into errors;
* ``failed``: written by the same handler otherwise.

It records the builder, the SHA-256 of every site input, the generator
version, the source commit (``git rev-parse HEAD`` when available) and the
build time (``SOURCE_DATE_EPOCH`` when set, for reproducible builds).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Mapping
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
    return {path.name: sha256_file(path) for path in discover_inputs([site_inputs])}


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
) -> dict[str, Any]:
    """The stamp's content (a JSON-ready mapping).

    ``input_hashes`` are the SHA-256 of the inputs the build read (file name to
    hex digest); without them the folder's files are hashed now.
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
