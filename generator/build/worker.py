"""One part of a split build, run in a worker process: Sphinx with its output in the part's log.

Each part runs in a process of its own (forked by
:mod:`generator.build.processes` after Sphinx was imported) and exits when it
is done, so the memory of one Sphinx project is returned before the next
starts: the peak is what the largest part needs, whatever the number of sites.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from generator.errors import BuildError, InputError


@dataclass(frozen=True)
class PartJob:
    """What a worker needs: which project to build where, with which options (all paths absolute)."""

    name: str
    builder: str
    source: Path
    confdir: Path
    html: Path
    doctrees: Path
    context: Path
    log: Path
    options: tuple[str, ...]


@dataclass(frozen=True)
class PartResult:
    name: str
    seconds: float
    error: str | None = None


def build_part(job: PartJob) -> PartResult:
    """Build one part; Sphinx's messages go to the part's log, a failure comes back as text."""
    from generator.sphinx_ext.runner import run_sphinx  # imported before the fork, not by a no-op build

    started = time.monotonic()
    job.log.parent.mkdir(parents=True, exist_ok=True)
    with job.log.open("w", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        sys.stdout = sys.stderr = log
        options = [
            *job.options,
            *("-c", str(job.confdir), "-d", str(job.doctrees)),
            *("-D", f"generator_split={job.context}"),
        ]
        try:
            run_sphinx(job.builder, job.source, job.html, options)
        except (BuildError, InputError) as exc:
            message = (str(exc) or type(exc).__name__).replace(" (see the messages above)", "")
            return PartResult(job.name, time.monotonic() - started, message)
        except Exception as exc:  # noqa: BLE001 - a crash in one part must not hide the others' results
            return PartResult(job.name, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
        finally:
            log.flush()
    return PartResult(job.name, time.monotonic() - started)
