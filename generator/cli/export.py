"""``ibcm-runbook export``: write one site's CSV files (firewall rules, DNS, certificates) and, for each firewall
with a ``platform``, its Aerleon configuration, policy and definitions.

A firewall whose configuration cannot be generated yet (a host of its rules has no usable address) gets a
warning line on standard error naming those hosts, so a missing file is never silent; the exit status stays 0,
as the CSV files and the other configurations are written.
"""

from __future__ import annotations

import argparse
import sys

from generator.cli.output import YELLOW, existing_file, load_plan, output_folder, paint, use_colour
from generator.output.writer import write_if_changed
from generator.render.csv_export import csv_files
from generator.render.firewall_config import FirewallConfig, export_files, firewall_configs

NAME = "export"
HELP = "write a site's firewall, DNS and certificate CSV files (and firewall configurations) into a folder"
EXAMPLE = "ibcm-runbook export site_inputs/contoso.yaml -o change-request/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=existing_file, metavar="FILE", help="one site input file")
    parser.add_argument(
        "-o",
        "--output",
        type=output_folder,
        required=True,
        metavar="DIR",
        help="folder for the files (created if missing; files of the same name are replaced)",
    )


def run(args: argparse.Namespace) -> int:
    plan = load_plan(args.file)
    args.output.mkdir(parents=True, exist_ok=True)
    configs = firewall_configs(plan)
    files = {**csv_files(plan), **export_files(configs)}
    for name, text in sorted(files.items()):
        write_if_changed(args.output / name, text.encode("utf-8"))
        print(args.output / name)
    colour = use_colour(sys.stderr)
    for message in unwritten(configs):
        print(f"ibcm-runbook: {paint('warning:', YELLOW, colour)} {message}", file=sys.stderr)
    return 0


def unwritten(configs: tuple[FirewallConfig, ...]) -> list[str]:
    """Why each configuration that was asked for (a ``platform`` is set) is not written: its hosts without a
    usable address."""
    return [
        f"no {c.title} configuration for {c.firewall}, as these hosts have no usable address: "
        + "; ".join(f"{u.name} ({u.zone}) - {u.reason}" for u in c.policy.unresolved)
        for c in configs
        if c.text is None and c.policy.unresolved
    ]
