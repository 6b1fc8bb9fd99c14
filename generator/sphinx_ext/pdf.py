"""Build one change-board PDF per site (``ibcm-runbook build pdf``, run by ``make pdf``).

1. Sphinx's LaTeX builder, in this process (:mod:`generator.sphinx_ext.runner`):
   ``DOCS`` into ``BUILD/latex``, one LaTeX document per site (see
   :mod:`generator.sphinx_ext.latex`);
2. ``latexmk`` with xelatex for each site's ``<CODE>.tex``, in parallel;
3. copy each ``<CODE>.pdf`` to ``BUILD/pdf/<CODE>.pdf`` and remove PDFs of sites
   that no longer exist.

Reproducibility: with ``SOURCE_DATE_EPOCH`` set, xelatex takes ``\\today`` and the
PDF dates from it (``FORCE_SOURCE_DATE=1`` is set for that) and xdvipdfmx derives
the trailer ``/ID`` from it instead of from the clock, so two builds of the same
inputs are byte-identical.  Without ``SOURCE_DATE_EPOCH`` the PDFs carry the
build time and differ from run to run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from generator.errors import BuildError
from generator.sphinx_ext.latex import MANIFEST
from generator.sphinx_ext.runner import SphinxRun, run_sphinx

LATEXMK = ["latexmk", "-pdf", "-dvi-", "-ps-", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
"""As Sphinx's own LaTeX Makefile runs it; the ``latexmkrc`` Sphinx writes selects xelatex."""


class PdfError(BuildError):
    """A step of the PDF build failed; the message says which and where the log is."""


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


def site_codes(latex_dir: Path) -> list[str]:
    """The site codes of the last LaTeX build (written by :mod:`generator.sphinx_ext.latex`)."""
    data = json.loads((latex_dir / MANIFEST).read_text(encoding="utf-8"))
    return [str(code) for code in data["documents"]]


def run_latexmk(latex_dir: Path, code: str, env: dict[str, str]) -> Path:
    """Compile ``<code>.tex`` to ``<code>.pdf``; raises :class:`PdfError` with the log on failure."""
    result = subprocess.run(
        [*LATEXMK, f"{code}.tex"], cwd=latex_dir, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        log = latex_dir / f"{code}.log"
        tail = "\n".join(result.stdout.splitlines()[-30:])
        raise PdfError(f"latexmk failed for {code}.tex (full log: {log}):\n{tail}")
    return latex_dir / f"{code}.pdf"


def build_pdfs(
    docs: Path,
    build: Path,
    options: list[str] | None = None,
    jobs: int | None = None,
    environ: dict[str, str] | None = None,
    progress: Progress | None = None,
    latexmk: Latexmk | None = None,
) -> tuple[list[Path], SphinxRun]:
    """Build every site's PDF into ``build/pdf/<CODE>.pdf``; return their paths in site order and the Sphinx run.

    ``progress`` is told when each site's PDF starts (from the worker threads, one call at a time);
    ``latexmk`` replaces :func:`run_latexmk` (tests).
    """
    env = latex_environment(environ)
    latex_dir = build / "latex"
    run = run_sphinx("latex", docs, latex_dir, options or [])
    codes = site_codes(latex_dir)
    compile_site = latexmk or run_latexmk
    lock = threading.Lock()
    started = 0

    def build_one(code: str) -> Path:
        nonlocal started
        if progress is not None:
            with lock:
                started += 1
                progress(started, len(codes), code)
        return compile_site(latex_dir, code, env)

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        built = list(pool.map(build_one, codes))
    out = build / "pdf"
    out.mkdir(parents=True, exist_ok=True)
    targets = []
    for code, pdf in zip(codes, built, strict=True):
        target = out / f"{code}.pdf"
        shutil.copyfile(pdf, target)
        targets.append(target)
    for stale in out.glob("*.pdf"):
        if stale not in targets:
            stale.unlink()
    return targets, run
