"""``ibcm-runbook build``: build the docs project with Sphinx in this process (what ``make html``/``make pdf`` run)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from generator.cli.output import print_diagnostics
from generator.diagnostics import Diagnostic

NAME = "build"
HELP = "build the runbooks with Sphinx: html, pdf (one PDF per site) or any Sphinx builder"
EXAMPLE = "ibcm-runbook build pdf --docs docs --output docs/_build"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "builder", nargs="?", default="html", help="html, pdf (one PDF per site) or any Sphinx builder (default: html)"
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), metavar="DIR", help="Sphinx project (default: docs)")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default: DOCS/_build/BUILDER; for pdf the build root DOCS/_build)",
    )
    parser.add_argument(
        "--sphinx-opts",
        default="-W --keep-going -q",
        metavar="OPTS",
        help="options passed to sphinx-build (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    options = shlex.split(args.sphinx_opts)
    if args.builder == "pdf":
        from generator.sphinx_ext.pdf import build_pdfs

        pdfs, pdf_run = build_pdfs(args.docs, args.output or args.docs / "_build", options)
        _report_site_warnings(pdf_run.warnings)
        for pdf in pdfs:
            print(f"PDF runbook: {pdf}")
        return 0
    from generator.sphinx_ext.runner import run_sphinx

    html_run = run_sphinx(args.builder, args.docs, args.output or args.docs / "_build" / args.builder, options)
    _report_site_warnings(html_run.warnings)
    return 0


def _report_site_warnings(warnings: Sequence[Diagnostic]) -> None:
    print_diagnostics(warnings, sys.stderr)
    print(f"site inputs valid ({len(warnings)} warning(s), shown in the runbooks)", file=sys.stderr)
