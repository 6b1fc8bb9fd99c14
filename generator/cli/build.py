"""``ibcm-runbook build``: build the docs project with Sphinx in this process (what ``make html``/``make pdf`` run)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence

from generator.cli.output import (
    UsageError,
    output_folder,
    print_diagnostics,
    print_progress,
    print_summary,
    sphinx_project,
)
from generator.diagnostics import Diagnostic
from generator.errors import BuildError

NAME = "build"
HELP = "build the runbooks with Sphinx: html, pdf (one PDF per site) or any Sphinx builder"
EXAMPLE = "ibcm-runbook build pdf --docs docs --output docs/_build"
DEFAULT_SPHINX_OPTS = "-W --keep-going -q"
OWNED_OPTIONS = frozenset({"-b", "--builder", "-M", "-c", "--conf-dir"})
"""sphinx-build options that would override what ``build`` decides (builder, conf.py folder)."""


def split_sphinx_opts(text: str) -> list[str]:
    """An argparse type: ``sphinx-build`` options as one string, split like a shell does and checked by Sphinx."""
    from generator.sphinx_ext.serve import rejected_build_options

    try:
        options = shlex.split(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} in {text!r}") from None
    error = rejected_build_options(options)
    if error is not None:
        raise argparse.ArgumentTypeError(f"sphinx-build rejects {text!r}: {error}")
    # The builder, project and output come from this command's own arguments: options must not replace them.
    owned = [o for o in options if o in OWNED_OPTIONS or o.startswith(("-b", "-M", "-c")) or not o.startswith("-")]
    if owned:
        raise argparse.ArgumentTypeError(
            f"{owned[0]!r} is not allowed in --sphinx-opts: give the builder, --docs and --output to this command"
        )
    return options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "builder",
        nargs="?",
        default="html",
        metavar="BUILDER",
        help="html, pdf (one PDF per site) or another Sphinx builder such as text or linkcheck (default: html)",
    )
    parser.add_argument(
        "--docs",
        type=sphinx_project,
        default="docs",
        metavar="DIR",
        help="the Sphinx project, the folder with conf.py (default: docs)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=output_folder,
        default=None,
        metavar="DIR",
        help="output folder (default: DOCS/_build/BUILDER; for pdf the build root DOCS/_build)",
    )
    parser.add_argument(
        "--sphinx-opts",
        type=split_sphinx_opts,
        default=DEFAULT_SPHINX_OPTS,
        metavar="OPTS",
        help=f'options passed to sphinx-build, as one argument: --sphinx-opts="-n -W" (default: "{DEFAULT_SPHINX_OPTS}")',
    )


def run(args: argparse.Namespace) -> int:
    try:
        return _build(args)
    except BuildError as exc:
        if args.builder != "pdf":
            _check_builder(args.builder, exc)
        raise


def _build(args: argparse.Namespace) -> int:
    if args.builder == "pdf":
        from generator.sphinx_ext.pdf import build_pdfs

        print("writing the LaTeX sources with Sphinx", file=sys.stderr, flush=True)
        pdfs, pdf_run = build_pdfs(
            args.docs,
            args.output or args.docs / "_build",
            args.sphinx_opts,
            progress=print_progress,
        )
        _report_site_warnings(pdf_run.warnings)
        for pdf in pdfs:
            print(f"PDF runbook: {pdf}")
        return 0
    from generator.sphinx_ext.runner import run_sphinx

    html_run = run_sphinx(args.builder, args.docs, args.output or args.docs / "_build" / args.builder, args.sphinx_opts)
    _report_site_warnings(html_run.warnings)
    return 0


def _check_builder(name: str, failure: BuildError) -> None:
    """After Sphinx failed (before writing anything) with a builder it does not know: say so as a usage error."""
    from generator.sphinx_ext.serve import builder_names

    names = builder_names()
    if name not in names:
        raise UsageError(
            f"argument BUILDER: unknown builder {name!r} (choose html, pdf or a Sphinx builder: {', '.join(names)})"
        ) from failure


def _report_site_warnings(warnings: Sequence[Diagnostic]) -> None:
    print_diagnostics(warnings)
    print_summary(f"site inputs valid ({len(warnings)} warning(s), shown in the runbooks)", warnings=len(warnings))
