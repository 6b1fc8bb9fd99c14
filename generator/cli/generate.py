"""``ibcm-runbook generate``: render the MyST sources without Sphinx (what the Sphinx extension does)."""

from __future__ import annotations

import argparse

from generator.cli.output import DEFAULT_INPUTS, existing_folder, output_folder, print_diagnostics, print_summary
from generator.errors import GeneratorError
from generator.load.loader import discover_inputs
from generator.pipeline import Project, generate

NAME = "generate"
HELP = "render the MyST sources without Sphinx"
EXAMPLE = "ibcm-runbook generate -o /tmp/runbook-sources"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # String defaults go through the type check too, so a missing default folder is a usage error.
    parser.add_argument(
        "--inputs",
        type=existing_folder,
        default=str(DEFAULT_INPUTS),
        metavar="DIR",
        help="site input folder (default: site_inputs)",
    )
    parser.add_argument(
        "--templates",
        type=existing_folder,
        default="templates",
        metavar="DIR",
        help="template folder (default: templates)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=output_folder,
        default="docs/_generated",
        metavar="DIR",
        help="output folder, created if missing (default: docs/_generated)",
    )


def run(args: argparse.Namespace) -> int:
    if not discover_inputs([args.inputs]):
        # Like check: an empty folder is a mistake, and generating nothing would prune the previous output.
        raise GeneratorError(
            f"no site inputs in {args.inputs} (site inputs are *.yaml or *.yml files not starting with _)"
        )
    result = generate(Project(site_inputs=args.inputs, templates=args.templates, output=args.output))
    print_diagnostics(result.warnings)
    report = result.report
    print_summary(
        f"{len(result.plans)} site(s): {len(report.written)} written, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed in {args.output}",
        warnings=len(result.warnings),
    )
    return 0
