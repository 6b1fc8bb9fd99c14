"""``ibcm-runbook check``: validate site inputs and print every diagnostic."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.cli.output import DEFAULT_INPUTS, print_diagnostics
from generator.pipeline import plan_sites

NAME = "check"
HELP = "validate site inputs (default: site_inputs/); exit 1 on errors"
EXAMPLE = "ibcm-runbook check site_inputs/contoso.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="site input files or folders (default: site_inputs)"
    )


def run(args: argparse.Namespace) -> int:
    paths = args.paths or [DEFAULT_INPUTS]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"ibcm-runbook: error: no such file or folder: {missing[0]}", file=sys.stderr)
        return 1
    plans, diagnostics = plan_sites(paths)
    print_diagnostics(diagnostics, sys.stderr)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    files = len({d.location.path for d in diagnostics} | {p.site.source for p in plans})
    print(f"{files} file(s) checked: {len(plans)} valid, {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0
