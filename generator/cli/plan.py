"""``ibcm-runbook plan``: print one site's plan (steps, flows, DNS, certificates, warnings)."""

from __future__ import annotations

import argparse
import sys

from generator.cli.output import existing_file, load_plan
from generator.render.plan_json import dump_json, plan_to_json
from generator.render.plan_text import format_plan_text

NAME = "plan"
HELP = "print the plan of one site (steps, flows, DNS, certificates)"
EXAMPLE = "ibcm-runbook plan site_inputs/contoso.yaml --format json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=existing_file, metavar="FILE", help="one site input file")
    parser.add_argument(
        "--format", choices=["text", "json"], default="text", help="text for reading, json for tools (default: text)"
    )


def run(args: argparse.Namespace) -> int:
    plan = load_plan(args.file)
    sys.stdout.write(dump_json(plan_to_json(plan)) if args.format == "json" else format_plan_text(plan))
    return 0
