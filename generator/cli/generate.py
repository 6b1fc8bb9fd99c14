"""``ibcm-runbook generate``: render the MyST sources without Sphinx (what the Sphinx extension does)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.cli.output import DEFAULT_INPUTS, print_diagnostics
from generator.pipeline import Project, generate

NAME = "generate"
HELP = "render the MyST sources without Sphinx"
EXAMPLE = "ibcm-runbook generate -o /tmp/runbook-sources"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inputs", type=Path, default=DEFAULT_INPUTS, metavar="DIR", help="site input folder (default: site_inputs)"
    )
    parser.add_argument(
        "--templates", type=Path, default=Path("templates"), metavar="DIR", help="template folder (default: templates)"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("docs/_generated"),
        metavar="DIR",
        help="output folder (default: docs/_generated)",
    )


def run(args: argparse.Namespace) -> int:
    result = generate(Project(site_inputs=args.inputs, templates=args.templates, output=args.output))
    print_diagnostics(result.warnings, sys.stderr)
    report = result.report
    print(
        f"{len(result.plans)} site(s): {len(report.written)} written, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed in {args.output}",
        file=sys.stderr,
    )
    return 0
