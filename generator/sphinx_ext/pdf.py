"""Build one change-board PDF per site (``ibcm-runbook build pdf``, run by ``make pdf``).

1. Sphinx's LaTeX builder, one project per group of sites in worker
   processes (:mod:`generator.build.run`), gathered into ``BUILD/latex``: one
   LaTeX document per site (see :mod:`generator.sphinx_ext.latex`);
2. ``latexmk`` with xelatex for each site's ``<CODE>.tex``, in parallel;
3. copy each ``<CODE>.pdf`` to ``BUILD/pdf/<CODE>.pdf`` (atomically: temporary
   name, then rename) and remove PDFs of sites that no longer exist.

The PDF step leaves its own build stamp, ``BUILD/pdf/.ibcm-build.json``:
``running`` while latexmk runs, then ``ok`` with the SHA-256 of every PDF, or
``failed`` naming the sites whose PDF could not be built (the PDFs of the other
sites are still copied).  ``publish`` checks the PDFs against it.

An interrupted ``make pdf`` must not break the next one: latexmk leaves
half-written ``.aux``/``.toc``/``.out`` files that make xelatex fail until they
are removed.  A marker file per site (``<CODE>.ibcm-running``) is present
only while its latexmk runs; when a build finds one, it removes that site's
intermediate files first, and a latexmk that fails is retried once from clean
intermediates.  Each latexmk runs under a time limit; when it is exceeded its
whole process group is killed and the error names the site.

Reproducibility: with ``SOURCE_DATE_EPOCH`` set, xelatex takes ``\\today`` and the
PDF dates from it (``FORCE_SOURCE_DATE=1`` is set for that) and xdvipdfmx derives
the trailer ``/ID`` from it instead of from the clock, so two builds of the same
inputs are byte-identical.  Without ``SOURCE_DATE_EPOCH`` the PDFs carry the
build time and differ from run to run.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from generator.errors import BuildError
from generator.output import stamp
from generator.output.writer import copy_atomic, write_if_changed
from generator.sphinx_ext.latex import FRONT_DIR, MANIFEST
from generator.sphinx_ext.runner import SphinxRun

LATEXMK = ["latexmk", "-pdf", "-dvi-", "-ps-", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
"""As Sphinx's own LaTeX Makefile runs it; the ``latexmkrc`` Sphinx writes selects xelatex."""
LATEXMK_TIMEOUT = 900.0
"""Seconds one site's latexmk may run: a runbook takes well under a minute, a hung TeX run forever."""
INTERMEDIATE_SUFFIXES: tuple[str, ...] = (
    *(".aux", ".toc", ".out", ".lof", ".lot", ".idx", ".ind", ".ilg"),
    *(".fls", ".fdb_latexmk", ".xdv", ".log", ".synctex.gz", ".pdf"),
)
"""What latexmk and xelatex write next to ``<CODE>.tex``; a half-written one breaks the next run."""
RUNNING_SUFFIX = ".ibcm-running"


class PdfError(BuildError):
    """A step of the PDF build failed; the message says which and where the log is."""


class LatexmkTimeout(PdfError):
    """latexmk ran past its time limit and was killed (not retried: it would only hang again)."""


Progress = Callable[[int, int, str], None]
"""Called as ``progress(started, total, code)`` when the PDF of site ``code`` starts building (1-based)."""
Latexmk = Callable[[Path, str, dict[str, str]], Path]
"""Compiles ``<code>.tex`` in the LaTeX folder and returns the PDF (:func:`run_latexmk`)."""


def latex_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for latexmk: SOURCE_DATE_EPOCH passes through and is forced on TeX."""
    env = dict(os.environ if environ is None else environ)
    if env.get("SOURCE_DATE_EPOCH", "").strip():
        env["FORCE_SOURCE_DATE"] = "1"  # also \today and \time, not only the PDF dates
    else:
        env.pop("SOURCE_DATE_EPOCH", None)  # an empty value would be an error for TeX
    return env


def latex_sources(docs: Path, latex_dir: Path, options: list[str], jobs: int | None) -> SphinxRun:
    """Every site's LaTeX document in ``latex_dir``, built group by group in worker processes (``generator.build``)."""
    from generator.build.run import SplitBuild, build_latex

    build = SplitBuild(docs, latex_dir, tuple(options), jobs=jobs)
    result = build_latex(build, say=lambda line: print(line, file=sys.stderr, flush=True))
    return SphinxRun(warnings=result.warnings, site_codes=[site.code for site in result.sites])


def site_codes(latex_dir: Path) -> list[str]:
    """The site codes of the last LaTeX build (written by :mod:`generator.sphinx_ext.latex`)."""
    data = json.loads((latex_dir / MANIFEST).read_text(encoding="utf-8"))
    return [str(code) for code in data["documents"]]


def run_latexmk(latex_dir: Path, code: str, env: dict[str, str], timeout: float = LATEXMK_TIMEOUT) -> Path:
    """Compile ``<code>.tex`` to ``<code>.pdf``; raises :class:`PdfError` with the log on failure.

    latexmk runs in its own process group so that a time-out kills xelatex too
    (killing latexmk alone would leave xelatex holding the output pipe).
    """
    with subprocess.Popen(
        [*LATEXMK, f"{code}.tex"],
        cwd=latex_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise LatexmkTimeout(
                f"PDF of site {code}: latexmk did not finish within {timeout:g} s and was stopped "
                f"(log: {latex_dir / f'{code}.log'})"
            ) from None
    if process.returncode != 0:
        log = latex_dir / f"{code}.log"
        tail = "\n".join(output.splitlines()[-30:])
        raise PdfError(f"PDF of site {code}: latexmk failed for {code}.tex (full log: {log}):\n{tail}")
    return latex_dir / f"{code}.pdf"


def clean_intermediates(latex_dir: Path, code: str) -> list[str]:
    """Remove the files latexmk and xelatex wrote for ``<code>.tex`` (never the ``.tex`` itself); their names."""
    removed = []
    for suffix in INTERMEDIATE_SUFFIXES:
        path = latex_dir / f"{code}{suffix}"
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path.name)
    return removed


def compile_site(latex_dir: Path, code: str, env: dict[str, str], latexmk: Latexmk) -> Path:
    """Run ``latexmk`` for one site so that an earlier interrupted run cannot break it.

    The marker ``<code>.ibcm-running`` exists only while latexmk runs: finding
    it means the last run was killed, so the site's intermediates are removed
    first.  A failure is retried once from clean intermediates (a stale ``.aux``
    left by a run of an older version, without the marker).
    """
    marker = latex_dir / f"{code}{RUNNING_SUFFIX}"
    if marker.exists():
        clean_intermediates(latex_dir, code)
    marker.touch()
    try:
        pdf = latexmk(latex_dir, code, env)
    except LatexmkTimeout:
        raise
    except PdfError:
        clean_intermediates(latex_dir, code)
        pdf = latexmk(latex_dir, code, env)
    marker.unlink()
    return pdf


def build_pdfs(
    docs: Path,
    build: Path,
    options: list[str] | None = None,
    jobs: int | None = None,
    environ: dict[str, str] | None = None,
    progress: Progress | None = None,
    latexmk: Latexmk | None = None,
    timeout: float = LATEXMK_TIMEOUT,
) -> tuple[list[Path], SphinxRun]:
    """Build every site's PDF into ``build/pdf/<CODE>.pdf``; return their paths in site order and the Sphinx run.

    ``progress`` is told when each site's PDF starts (from the worker threads, one call at a time);
    ``latexmk`` replaces :func:`run_latexmk` (tests); ``timeout`` limits each site's latexmk.
    A site whose PDF fails does not stop the others: their PDFs are copied, then :class:`PdfError`
    names every site that failed.
    """
    env = latex_environment(environ)
    latex_dir = build / "latex"
    run = latex_sources(docs, latex_dir, options or [], jobs)
    codes = site_codes(latex_dir)
    compile_one = latexmk or run_latexmk  # its default time limit is LATEXMK_TIMEOUT
    if latexmk is None and timeout != LATEXMK_TIMEOUT:
        compile_one = functools.partial(run_latexmk, timeout=timeout)
    out = build / "pdf"
    out.mkdir(parents=True, exist_ok=True)
    latex_stamp = stamp.read_stamp(latex_dir) or {}
    intact = _intact_pdfs(out)
    _stamp_pdfs(out, latex_stamp, stamp.STATUS_RUNNING)
    keys = source_keys(latex_dir, codes)
    previous = _read_keys(out)
    todo = [code for code in codes if previous.get(code) != keys[code] or f"{code}.pdf" not in intact]
    lock = threading.Lock()
    started = 0

    def build_one(code: str) -> Path | PdfError:
        nonlocal started
        if progress is not None:
            with lock:
                started += 1
                progress(started, len(todo), code)
        try:
            return compile_site(latex_dir, code, env, compile_one)
        except PdfError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        built = dict(zip(todo, pool.map(build_one, todo), strict=True))
    targets = []
    failures = []
    done = {code: key for code, key in previous.items() if code in keys and code not in todo}
    for code in codes:
        target = out / f"{code}.pdf"
        result = built.get(code, target)
        if isinstance(result, PdfError):
            failures.append((code, result))
            continue
        if result != target:
            copy_atomic(result, target)
        done[code] = keys[code]
        targets.append(target)
    _write_keys(out, done)
    wanted = {f"{code}.pdf" for code in codes}
    for stale in stamp.output_files(out):
        if stale not in wanted:  # old sites' PDFs, and anything else put here: only PDFs are stamped
            (out / stale).unlink()
    if failures:
        names = ", ".join(code for code, _ in failures)
        _stamp_pdfs(out, latex_stamp, stamp.STATUS_FAILED, reason=f"no PDF for site(s) {names}")
        messages = "\n".join(str(error) for _, error in failures)
        built_note = f"; built the others: {', '.join(t.name for t in targets)}" if targets else ""
        raise PdfError(f"the PDF of {len(failures)} site(s) failed ({names}){built_note}\n{messages}")
    _stamp_pdfs(out, latex_stamp, stamp.STATUS_OK)
    return targets, run


def _intact_pdfs(out: Path) -> set[str]:
    """The PDFs in ``out`` that are what the last ``ok`` PDF step stamped (a changed one is built again)."""
    listed = stamp.recorded_files(out)
    return {name for name, digest in stamp.output_files(out).items() if listed.get(name) == digest}


KEYS_NAME = ".ibcm-pdf-sources.json"
"""Site code -> :func:`source_keys` of the LaTeX its PDF in ``BUILD/pdf`` was built from."""


def source_keys(latex_dir: Path, codes: list[str]) -> dict[str, str]:
    """Per site, the SHA-256 of what its PDF is made from: its document, its front matter, the shared style files.

    Images need no entry: Sphinx names them after their content, so a changed
    diagram changes the document that includes it.  The same key means the
    same PDF, so ``make pdf`` runs latexmk only for sites whose key changed.
    """
    shared = hashlib.sha256()
    for path in sorted(p for p in latex_dir.iterdir() if p.suffix in {".sty", ".cls", ".ist"} or p.name == "latexmkrc"):
        shared.update(path.name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    keys = {}
    for code in codes:
        digest = shared.copy()
        for path in (latex_dir / f"{code}.tex", latex_dir / FRONT_DIR / f"{code}.tex"):
            digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"-")
        keys[code] = digest.hexdigest()
    return keys


def _read_keys(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / KEYS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(code): str(key) for code, key in data.items()} if isinstance(data, dict) else {}


def _write_keys(out: Path, keys: dict[str, str]) -> None:
    write_if_changed(out / KEYS_NAME, (json.dumps(keys, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def _stamp_pdfs(out: Path, latex_stamp: dict[str, Any], status: str, reason: str | None = None) -> None:
    """The PDF step's stamp: the LaTeX build's inputs and templates, with this step's status and PDF hashes."""
    content = {key: value for key, value in latex_stamp.items() if key not in ("files", "reason")}
    content.update(status=status, builder="pdf")
    if status == stamp.STATUS_OK:
        content["files"] = stamp.output_files(out)
    if reason:
        content["reason"] = reason
    stamp.write_stamp(out, content)
