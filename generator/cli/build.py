"""``ibcm-runbook build``: build the docs project with Sphinx in this process (what ``make html``/``make pdf`` run)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections import Counter
from collections.abc import Sequence

from generator.build.groups import Shard, parse_shard
from generator.cli.output import (
    UsageError,
    add_docs_option,
    output_folder,
    positive,
    print_diagnostics,
    print_progress,
    print_summary,
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
    add_docs_option(parser)
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
    parser.add_argument(
        "-j",
        "--jobs",
        type=positive,
        default=None,
        metavar="N",
        help="worker processes for html and pdf (default: the number of cores)",
    )
    parser.add_argument(
        "--shard",
        type=shard_argument,
        default=None,
        metavar="K/N",
        help="html only: build shard K of N (a stable subset of the sites) into --output, for ibcm-runbook assemble",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list every site warning (default: a count per site; the runbooks show them all)",
    )


def shard_argument(text: str) -> Shard:
    """An argparse type: ``K/N``."""
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
        _report_site_warnings(pdf_run.warnings, verbose=args.verbose)
        for pdf in pdfs:
            print(f"PDF runbook: {pdf}")
        return 0
    if args.builder == "html":
        return _build_html(args)
    if args.shard is not None:
        raise UsageError("argument --shard: only the html builder builds shards")
    from generator.sphinx_ext.runner import run_sphinx

    html_run = run_sphinx(args.builder, args.docs, args.output or args.docs / "_build" / args.builder, args.sphinx_opts)
    _report_site_warnings(html_run.warnings, verbose=args.verbose)
    return 0


def _build_html(args: argparse.Namespace) -> int:
    """The split build (:mod:`generator.build.run`): parts in parallel, assembled unless it is a shard."""
    from generator.build.run import SplitBuild, build_html

    output = args.output or args.docs / "_build" / "html"
    build = SplitBuild(args.docs, output, tuple(args.sphinx_opts), jobs=args.jobs, shard=args.shard)
    result = build_html(build, say=lambda line: print(line, file=sys.stderr, flush=True))
    _report_site_warnings(result.warnings, verbose=args.verbose)
    built = f"{len(result.built)} part(s) built, {len(result.skipped)} up to date"
    if args.shard is not None:
        print_summary(f"shard {args.shard}: {built}; parts in {output} (merge the shards with ibcm-runbook assemble)")
    else:
        print_summary(f"{len(result.sites)} site(s): {built}; HTML in {output}")
    return 0


def _check_builder(name: str, failure: BuildError) -> None:
    """After Sphinx failed (before writing anything) with a builder it does not know: say so as a usage error."""
    from generator.sphinx_ext.serve import builder_names

    names = builder_names()
    if name not in names:
        raise UsageError(
            f"argument BUILDER: unknown builder {name!r} (choose html, pdf or a Sphinx builder: {', '.join(names)})"
        ) from failure


def _report_site_warnings(warnings: Sequence[Diagnostic], *, verbose: bool = False) -> None:
    """Every warning with ``--verbose``; otherwise one line per site that has any: the count per code."""
    if verbose:
        print_diagnostics(warnings)
    else:
        for line in warning_counts(warnings):
            print(line, file=sys.stderr)
    hint = "" if verbose or not warnings else "; --verbose lists them"
    print_summary(
        f"site inputs valid ({len(warnings)} warning(s), shown in the runbooks{hint})", warnings=len(warnings)
    )


def warning_counts(warnings: Sequence[Diagnostic]) -> list[str]:
    """``site_inputs/cen.yaml: 3 warning(s): perimeter-crl-check 2, wsus-version 1``, one line per file."""
    per_file: dict[str, Counter[str]] = {}
    for diagnostic in warnings:
        per_file.setdefault(diagnostic.location.path, Counter())[diagnostic.code] += 1
    return [
        f"{path}: {sum(codes.values())} warning(s): "
        + ", ".join(f"{code} {count}" for code, count in sorted(codes.items()))
        for path, codes in sorted(per_file.items())
    ]
