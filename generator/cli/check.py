"""``ibcm-runbook check``: validate site inputs and print every diagnostic."""

from __future__ import annotations

import argparse

from generator.cli.output import DEFAULT_INPUTS, UsageError, existing_path, print_diagnostics, print_summary
from generator.errors import GeneratorError
from generator.load.loader import discover_inputs
from generator.pipeline import plan_sites

NAME = "check"
HELP = "validate site inputs (default: site_inputs/); exit 1 on errors"
EXAMPLE = "ibcm-runbook check site_inputs/contoso.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=existing_path,
        metavar="PATH",
        help="site input files, or folders whose *.yaml files are checked (default: site_inputs)",
    )


def run(args: argparse.Namespace) -> int:
    if args.paths:
        paths = args.paths
    elif DEFAULT_INPUTS.is_dir():
        paths = [DEFAULT_INPUTS]
    else:
        raise UsageError(f"no {DEFAULT_INPUTS} folder here: give the site input files or folders to check")
    empty = [str(p) for p in paths if p.is_dir() and not discover_inputs([p])]
    if empty:
        raise GeneratorError(
            f"no site inputs in {', '.join(empty)} (site inputs are *.yaml or *.yml files not starting with _)"
        )
    plans, diagnostics = plan_sites(paths)
    print_diagnostics(diagnostics)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    files = len({d.location.path for d in diagnostics} | {p.site.source for p in plans})
    print_summary(
        f"{files} file(s) checked: {len(plans)} valid, {errors} error(s), {warnings} warning(s)",
        errors=errors,
        warnings=warnings,
    )
    return 1 if errors else 0
