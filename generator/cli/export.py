"""``ibcm-runbook export``: write one site's CSV files (firewall rules, DNS, certificates) and, for each firewall
with a ``platform``, its Aerleon configuration, policy and definitions."""

from __future__ import annotations

import argparse

from generator.cli.output import existing_file, load_plan, output_folder
from generator.output.writer import write_if_changed
from generator.render.csv_export import csv_files
from generator.render.firewall_config import export_files, firewall_configs

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
    files = {**csv_files(plan), **export_files(firewall_configs(plan))}
    for name, text in sorted(files.items()):
        write_if_changed(args.output / name, text.encode("utf-8"))
        print(args.output / name)
    return 0
