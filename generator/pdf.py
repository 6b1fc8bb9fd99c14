"""Build one change-board PDF per site: ``python -m generator.pdf [DOCS] [BUILD]``.

1. ``sphinx-build -b latex DOCS BUILD/latex`` (one LaTeX document per site, see
   :mod:`generator.latex`);
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

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from generator.latex import MANIFEST

LATEXMK = ["latexmk", "-pdf", "-dvi-", "-ps-", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
"""As Sphinx's own LaTeX Makefile runs it; the ``latexmkrc`` Sphinx writes selects xelatex."""


class PdfError(Exception):
    """A step of the PDF build failed; the message says which and where the log is."""


def latex_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for latexmk: SOURCE_DATE_EPOCH passes through and is forced on TeX."""
    env = dict(os.environ if environ is None else environ)
    if env.get("SOURCE_DATE_EPOCH", "").strip():
        env["FORCE_SOURCE_DATE"] = "1"  # also \today and \time, not only the PDF dates
    else:
        env.pop("SOURCE_DATE_EPOCH", None)  # an empty value would be an error for TeX
    return env


def run_sphinx(docs: Path, latex_dir: Path, options: list[str], env: dict[str, str]) -> None:
    """Sphinx's LaTeX builder; raises :class:`PdfError` when it fails.

    It runs in the project folder (the parent of ``docs``, as ``make`` does), so the
    runbooks name their input files relative to it, wherever the checkout is.
    """
    docs, latex_dir = docs.resolve(), latex_dir.resolve()
    command = [sys.executable, "-m", "sphinx", "-b", "latex", *options, str(docs), str(latex_dir)]
    if subprocess.run(command, cwd=docs.parent, env=env, check=False).returncode != 0:
        raise PdfError("sphinx-build -b latex failed (see the messages above)")


def site_codes(latex_dir: Path) -> list[str]:
    """The site codes of the last LaTeX build (written by :mod:`generator.latex`)."""
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
) -> list[Path]:
    """Build every site's PDF into ``build/pdf/<CODE>.pdf``; return their paths in site order."""
    env = latex_environment(environ)
    latex_dir = build / "latex"
    run_sphinx(docs, latex_dir, options or [], env)
    codes = site_codes(latex_dir)
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        built = list(pool.map(lambda code: run_latexmk(latex_dir, code, env), codes))
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
    return targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.pdf", description=__doc__.splitlines()[0])
    parser.add_argument("docs", nargs="?", default="docs", type=Path, help="Sphinx source folder (default: docs)")
    parser.add_argument("build", nargs="?", default="docs/_build", type=Path, help="build folder (default: docs/_build)")
    parser.add_argument("--sphinx-opts", default="", help="extra sphinx-build options, e.g. '-W --keep-going -q'")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="parallel latexmk runs (default: CPU count)")
    args = parser.parse_args(argv)
    try:
        pdfs = build_pdfs(args.docs, args.build, shlex.split(args.sphinx_opts), args.jobs)
    except PdfError as exc:
        print(f"make pdf: {exc}", file=sys.stderr)
        return 1
    for pdf in pdfs:
        print(f"PDF runbook: {pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
